/** Environment maps: values become strings (or secret references) with matrix values substituted. */
import type { PlanPath } from "../draft.ts";
import type { EnvValue } from "../../runtime/plan/schema.ts";
import type { AuthoringEnv } from "./authoring-schema.ts";
import { record, type MapContext } from "./map-context.ts";
import { substituteMatrix, type MatrixScope } from "./matrix-template.ts";
import { setOwn, toEnvValue } from "./values.ts";

export function mapEnv(env: AuthoringEnv, planPath: PlanPath, docPath: PlanPath, scope: MatrixScope | null, context: MapContext): Record<string, EnvValue> {
  record(context, planPath, docPath);
  const out: Record<string, EnvValue> = {};
  for (const [name, raw] of Object.entries(env)) {
    const value = toEnvValue(raw);
    setOwn(out, name, typeof value === "string" && scope ? substituteMatrix(value, [...docPath, name], scope) : value);
    record(context, [...planPath, name], [...docPath, name]);
    if (typeof value !== "string") record(context, [...planPath, name, "secret"], [...docPath, name, "secret"]);
  }
  return out;
}

/** A job's `secrets: [NPM_TOKEN]` adds NPM_TOKEN = { secret: NPM_TOKEN }, unless `environment` sets that name. */
export function addSecretEnv(env: Record<string, EnvValue>, secrets: readonly string[], planPath: PlanPath, docPath: PlanPath, context: MapContext): void {
  secrets.forEach((name, index) => {
    if (Object.hasOwn(env, name)) return;
    setOwn(env, name, { secret: name });
    record(context, [...planPath, name], [...docPath, index]);
    record(context, [...planPath, name, "secret"], [...docPath, index]);
  });
}
