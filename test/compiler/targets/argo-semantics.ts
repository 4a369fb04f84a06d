/**
 * The rules Argo's controllers check and a JSON schema cannot see, re-stated for what pipec emits
 * (after argo-workflows' workflow/validate/validate.go): names, template references, depends (every
 * name a task, explicit results, no cycles), artifacts (every one consumed is produced upstream),
 * placeholders (every parameter declared), and for Rollouts: every analysis names a template of the
 * same file, Services and selectors agree, canary weights rise.
 */
import { parse } from "yaml";
import { schemaFindings } from "./argo-schemas.ts";

type Json = Record<string, any>;

const FIELD_NAME = /^[a-zA-Z0-9][-a-zA-Z0-9]*$/;
const RESULTS = ["Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed"];

export function workflowFindings(wf: Json): string[] {
  const found: string[] = [];
  const templates = new Map<string, Json>();
  for (const t of wf.spec?.templates ?? []) {
    if (!FIELD_NAME.test(t.name) || t.name.length > 128) found.push(`template name ${t.name} is invalid`);
    if (templates.has(t.name)) found.push(`template ${t.name} is not unique`);
    templates.set(t.name, t);
  }
  if (!templates.has(wf.spec?.entrypoint)) found.push(`entrypoint ${wf.spec?.entrypoint} names no template`);
  const parameters = new Set<string>((wf.spec?.arguments?.parameters ?? []).map((p: Json) => p.name));
  for (const t of templates.values()) {
    if (t.dag) found.push(...dagFindings(t, templates));
    if (t.resource) {
      const manifest = parse(t.resource.manifest);
      for (const finding of schemaFindings(manifest)) found.push(`template ${t.name}: manifest ${finding}`);
    }
  }
  found.push(...placeholderFindings(JSON.stringify(wf), parameters));
  return found;
}

function dagFindings(t: Json, templates: ReadonlyMap<string, Json>): string[] {
  const found: string[] = [];
  const tasks = new Map<string, Json>();
  for (const task of t.dag.tasks) {
    if (!FIELD_NAME.test(task.name)) found.push(`${t.name}: task name ${task.name} is invalid`);
    if (tasks.has(task.name)) found.push(`${t.name}: task ${task.name} is not unique`);
    tasks.set(task.name, task);
  }
  const edges = new Map<string, string[]>();
  for (const task of tasks.values()) {
    const target = templates.get(task.template);
    if (target === undefined) found.push(`${t.name}: task ${task.name} names no template (${task.template})`);
    if (task.continueOn !== undefined && task.depends !== undefined) found.push(`${t.name}: task ${task.name} cannot use continueOn with depends`);
    const deps: string[] = [];
    if (task.depends !== undefined) {
      for (const operand of String(task.depends).replace(/[()!&|]/g, " ").split(/\s+/).filter(Boolean)) {
        const [name, result, extra] = operand.split(".");
        if (extra !== undefined || name === undefined) found.push(`${t.name}: task ${task.name}: depends operand ${operand} is malformed`);
        else if (result === undefined) found.push(`${t.name}: task ${task.name}: bare depends on ${name} also fires when ${name} was Skipped`);
        else if (!RESULTS.includes(result)) found.push(`${t.name}: task ${task.name}: ${result} is not a task result`);
        if (name !== undefined && !tasks.has(name)) found.push(`${t.name}: task ${task.name} depends on ${name}, which is not a task`);
        if (name !== undefined) deps.push(name);
      }
    }
    edges.set(task.name, [...new Set(deps)]);
    // Arguments: each artifact an input of the template, taken from a task upstream that declares it.
    const inputs = new Set<string>((target?.inputs?.artifacts ?? []).map((a: Json) => a.name));
    const given = new Set<string>();
    for (const artifact of task.arguments?.artifacts ?? []) {
      given.add(artifact.name);
      if (!inputs.has(artifact.name)) found.push(`${t.name}: task ${task.name} passes artifact ${artifact.name}, which template ${task.template} does not take`);
      const match = /^\{\{tasks\.([^.]+)\.outputs\.artifacts\.([^.}]+)\}\}$/.exec(artifact.from ?? "");
      if (match === null) {
        found.push(`${t.name}: task ${task.name}: artifact ${artifact.name} has no tasks.X.outputs.artifacts.Y source`);
        continue;
      }
      const [, producer, output] = match;
      const produced = templates.get(tasks.get(producer!)?.template)?.outputs?.artifacts?.some((a: Json) => a.name === output);
      if (!produced) found.push(`${t.name}: task ${task.name} takes ${producer}.${output}, which no task produces`);
    }
    for (const input of target?.inputs?.artifacts ?? []) {
      const sourced = input.git !== undefined || input.http !== undefined || input.raw !== undefined || input.s3 !== undefined || input.optional === true;
      if (!sourced && !given.has(input.name)) found.push(`${t.name}: task ${task.name} gives template ${task.template} no artifact ${input.name}`);
    }
  }
  found.push(...cycleFindings(t.name, edges));
  for (const task of tasks.values()) {
    for (const artifact of task.arguments?.artifacts ?? []) {
      const producer = /^\{\{tasks\.([^.]+)\./.exec(artifact.from ?? "")?.[1];
      if (producer !== undefined && !upstream(task.name, edges).has(producer)) found.push(`${t.name}: task ${task.name} takes an artifact of ${producer}, which it does not depend on`);
    }
  }
  return found;
}

function upstream(name: string, edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(edges.get(name) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(edges.get(next) ?? []));
  }
  return seen;
}

function cycleFindings(where: string, edges: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const found: string[] = [];
  const visit = (name: string): void => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      found.push(`${where}: cycle ${[...path.slice(path.indexOf(name)), name].join(" -> ")}`);
      return;
    }
    state.set(name, "visiting");
    path.push(name);
    for (const next of edges.get(name) ?? []) visit(next);
    path.pop();
    state.set(name, "done");
  };
  for (const name of edges.keys()) visit(name);
  return found;
}

/** Every `{{...}}` is one Argo fills: a declared parameter, the workflow's name, a task output, or an expression over declared parameters. */
function placeholderFindings(text: string, parameters: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const [, body] of text.matchAll(/\{\{([^}]*)\}\}/g)) {
    const inner = body!.trim();
    if (inner.startsWith("=")) {
      for (const [, name] of inner.matchAll(/workflow\.parameters\.([A-Za-z0-9_-]+)/g)) if (!parameters.has(name!)) found.push(`expression {{${inner}}} reads undeclared parameter ${name}`);
      continue;
    }
    const parameter = /^workflow\.parameters\.(.+)$/.exec(inner)?.[1];
    if (parameter !== undefined) {
      if (!parameters.has(parameter)) found.push(`{{${inner}}} names an undeclared parameter`);
    } else if (inner !== "workflow.name" && !/^tasks\.[^.]+\.outputs\.artifacts\.[^.]+$/.test(inner)) found.push(`{{${inner}}} is not a placeholder pipec means to write`);
  }
  return found;
}

/** One deploy file: Services, AnalysisTemplates, the Rollout. */
export function deployFindings(documents: readonly Json[]): string[] {
  const found: string[] = [];
  const rollouts = documents.filter((d) => d.kind === "Rollout");
  if (rollouts.length !== 1) return [`${rollouts.length} Rollouts in one deploy file`];
  const rollout = rollouts[0]!;
  const templates = new Set(documents.filter((d) => d.kind === "AnalysisTemplate").map((d) => d.metadata.name));
  const services = new Map(documents.filter((d) => d.kind === "Service").map((d) => [d.metadata.name, d]));
  const labels: Json = rollout.spec.template.metadata.labels;
  const selects = (selector: Json) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  if (!selects(rollout.spec.selector.matchLabels)) found.push("the Rollout's selector does not select its own pods");
  for (const service of services.values()) if (!selects(service.spec.selector)) found.push(`Service ${service.metadata.name} does not select the Rollout's pods`);
  const strategy: Json = rollout.spec.strategy.canary ?? rollout.spec.strategy.blueGreen;
  const refs: Json[] = [strategy.analysis, strategy.prePromotionAnalysis, strategy.postPromotionAnalysis, ...(strategy.steps ?? []).map((s: Json) => s.analysis)].filter(Boolean);
  for (const ref of refs) for (const { templateName } of ref.templates) if (!templates.has(templateName)) found.push(`analysis names template ${templateName}, which the file does not define`);
  for (const key of ["activeService", "previewService", "stableService", "canaryService"]) {
    if (strategy[key] !== undefined && !services.has(strategy[key])) found.push(`${key} ${strategy[key]} is not a Service of the file`);
  }
  const ports = new Set(rollout.spec.template.spec.containers.flatMap((c: Json) => (c.ports ?? []).map((p: Json) => p.name)));
  for (const service of services.values()) for (const port of service.spec.ports) if (typeof port.targetPort === "string" && !ports.has(port.targetPort)) found.push(`Service ${service.metadata.name} targets port ${port.targetPort}, which no container names`);
  let last = -1;
  for (const step of strategy.steps ?? []) {
    if (step.setWeight === undefined) continue;
    if (step.setWeight <= last) found.push(`canary weights do not rise: ${step.setWeight} after ${last}`);
    last = step.setWeight;
  }
  return found;
}
