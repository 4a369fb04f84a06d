/**
 * A job's container script: inputs unpacked, services waited for, each step in `sh -e -c` with its
 * env prelude (as pipec runs it), failures tracked so that continueOnFailure and failure()/always()
 * steps keep pipec's meaning, outputs packed into tar files for Argo to upload.
 */
import type { EnvValue, Job, Plan } from "../../../runtime/plan/schema.ts";
import { bindStatic, foldConstants, nodes, parseCondition, withImpliedSuccess } from "../common/condition.ts";
import type { TargetDiagnostics, Where } from "../common/diagnostics.ts";
import { envPrelude, type EnvLayer } from "../common/env-prelude.ts";
import { packScript, unpackLines, type Unpack } from "../common/pack.ts";
import { stepWhere } from "../common/shared-checks.ts";
import { packableOutputs, stepBlock, stepBody } from "../common/step-script.ts";
import { shellJoin, shellQuote } from "../common/shell.ts";

/** How long a service may stay not ready (pipec's default). */
const READY_SECONDS = 60;

export interface ScriptParts {
  readonly script: string;
  /** Outputs that are packed, by name. */
  readonly outputs: readonly string[];
  /** Secrets a step's env names: the container carries them as PIPEC_SECRET_<name>. */
  readonly stepSecrets: readonly string[];
}

export function jobScript(plan: Plan, id: string, engineId: string, inputs: readonly Unpack[], diagnostics: TargetDiagnostics): ScriptParts {
  const job = plan.jobs[id]!;
  const lines: string[] = [...unpackLines(inputs)];
  for (const service of job.services) {
    if (service.readyCommand === null) continue;
    lines.push(
      `# wait for service ${service.name} (its ready command, run here: same pod, same 127.0.0.1)`,
      `pipec_try=0; until ${shellJoin(service.readyCommand)} >/dev/null 2>&1; do pipec_try=$((pipec_try + 1)); if [ "$pipec_try" -ge ${READY_SECONDS} ]; then echo ${shellQuote(`pipec: service ${service.name} was not ready after ${READY_SECONDS}s`)} >&2; exit 1; fi; sleep 1; done`,
    );
  }
  lines.push("pipec_status=0");
  const stepSecrets = new Set<string>();
  job.steps.forEach((step, index) => {
    const where = stepWhere(id, job, step);
    if (step.image !== null) diagnostics.unsupported(where, "step image", `step "${step.name}" runs in its own image (${step.image}); the steps of one job share its container here`, "make it a job of its own with that image");
    const stepEnv = secretsAsShell(step.env, stepSecrets);
    const prelude = envPrelude([plan.env, job.env, stepEnv], 2);
    for (const name of prelude.secretClashes) diagnostics.unsupported(where, `env ${name}`, "a secret that replaces a templated value of an outer env needs the shell, where the Secret is not read", "give the secret's env entry another name");
    const body = stepBody(prelude.lines, job, step);
    const gate = stepGate(plan, job, step.if, where, diagnostics);
    if (step.timeoutMs !== null) diagnostics.approximated(where, "step timeout", `step "${step.name}" has no timeout of its own on Argo; the job's activeDeadlineSeconds applies`);
    if (step.retry !== null && step.retry.max > 0) diagnostics.approximated(where, "step retry", `step "${step.name}" is not retried: Argo retries whole tasks`, "retry the job instead");
    lines.push(stepBlock(index, step, body, gate));
  });
  const outputs = packableOutputs(plan, id, diagnostics);
  if (outputs.length > 0) lines.push(`if [ "$pipec_status" = 0 ]; then\n${outputs.map(([name, output]) => packScript(engineId, name, output)).join("")}fi`);
  lines.push('exit "$pipec_status"');
  return { script: `${lines.join("\n")}\n`, outputs: outputs.map(([name]) => name), stepSecrets: [...stepSecrets].sort() };
}

/** A step's `{secret: S}` as `${PIPEC_SECRET_S}`: the step's env lives only in its shell. */
function secretsAsShell(layer: EnvLayer, used: Set<string>): EnvLayer {
  const out: Record<string, EnvValue> = {};
  for (const [name, value] of Object.entries(layer)) {
    if (typeof value === "object") {
      used.add(value.secret);
      out[name] = `\${${secretEnvName(value.secret)}}`;
    } else out[name] = value;
  }
  return out;
}

export function secretEnvName(secret: string): string {
  return `PIPEC_SECRET_${secret}`;
}

/** The shell test deciding a step: status-only conditions (pipec's step semantics), anything else refused. */
function stepGate(plan: Plan, job: Job, condition: string | null, where: Where, diagnostics: TargetDiagnostics): string {
  const ok = '[ "$pipec_status" = 0 ]';
  if (condition === null) return ok;
  const expr = withImpliedSuccess(foldConstants(bindStatic(parseCondition(condition), plan, job.matrix)));
  const status = [...nodes(expr)].filter((node) => node.kind === "call" && ["success", "failure", "always", "cancelled"].includes(node.name));
  const only = expr.kind === "call" && status.length === 1 ? expr.name : null;
  if (only === "always") return "true";
  if (only === "failure") return '[ "$pipec_status" != 0 ]';
  if (only === "success") return ok;
  diagnostics.unsupported(where, "step if", `${condition}: a step condition on Argo can only be success(), failure() or always()`, "make the step a job of its own with that condition");
  return ok;
}
