/** One authoring step (a mapping or a bare script string) to a plan step. */
import { pathKey, type PlanPath } from "../draft.ts";
import type { StepInput } from "../../runtime/plan/schema.ts";
import type { AuthoringStep } from "./authoring-schema.ts";
import { durationMs, locationOf, record, type MapContext } from "./map-context.ts";
import { mapEnv } from "./map-env.ts";
import { substituteMatrix, type MatrixScope } from "./matrix-template.ts";
import { unwrapExpression } from "./values.ts";
import { defaultStepName, joinScript } from "../step-defaults.ts";

export function mapStep(
  raw: string | AuthoringStep,
  index: number,
  planJob: PlanPath,
  docJob: PlanPath,
  scope: MatrixScope,
  context: MapContext,
): StepInput {
  const docPath = [...docJob, "steps", index];
  const planPath = [...planJob, "steps", index];
  const step: AuthoringStep = typeof raw === "string" ? { script: raw } : raw;
  const scriptPath = typeof raw === "string" ? docPath : [...docPath, "script"];
  const lines = typeof step.script === "string" ? [step.script] : step.script;
  const run = joinScript(
    typeof step.script === "string"
      ? substituteMatrix(step.script, scriptPath, scope)
      : lines.map((line, n) => substituteMatrix(line, [...scriptPath, n], scope)),
  );

  // Every step records these three: their keys are made from the step's own (`pathKey` of each path).
  const key = pathKey(planPath);
  context.table.set(key, docPath);
  context.table.set(`${key}\u0000run`, scriptPath);
  const out: StepInput = {
    name: step.name === undefined ? defaultStepName(run, index) : substituteMatrix(step.name, [...docPath, "name"], scope),
    run,
    source: locationOf(context, docPath),
  };
  context.table.set(`${key}\u0000name`, step.name === undefined ? docPath : [...docPath, "name"]);
  if (step.image !== undefined) {
    out.image = substituteMatrix(step.image, [...docPath, "image"], scope);
    record(context, [...planPath, "image"], [...docPath, "image"]);
  }
  if (step.environment !== undefined) {
    out.env = mapEnv(step.environment, [...planPath, "env"], [...docPath, "environment"], scope, context);
  }
  if (step.conditional !== undefined) {
    out.if = unwrapExpression(step.conditional);
    record(context, [...planPath, "if"], [...docPath, "conditional"]);
  }
  if (step.timeout !== undefined) {
    out.timeoutMs = durationMs(step.timeout, [...docPath, "timeout"], context);
    record(context, [...planPath, "timeoutMs"], [...docPath, "timeout"]);
  }
  if (step.retry_count !== undefined) {
    out.retry = { max: step.retry_count };
    record(context, [...planPath, "retry"], [...docPath, "retry_count"]);
    record(context, [...planPath, "retry", "max"], [...docPath, "retry_count"]);
  }
  if (step.continue_on_failure !== undefined) {
    out.continueOnFailure = step.continue_on_failure;
    record(context, [...planPath, "continueOnFailure"], [...docPath, "continue_on_failure"]);
  }
  if (step.working_directory !== undefined) {
    out.workingDirectory = step.working_directory;
    record(context, [...planPath, "workingDirectory"], [...docPath, "working_directory"]);
  }
  return out;
}
