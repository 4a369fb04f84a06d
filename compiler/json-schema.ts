/** JSON Schemas for editors, generated from the zod schemas (never written by hand). */
import { z } from "zod";
import { PlanSchema } from "../runtime/plan/schema.ts";
import { AuthoringPipelineSchema } from "./yaml/authoring-schema.ts";

export type SchemaKind = "pipeline" | "plan";

export function jsonSchema(kind: SchemaKind): Record<string, unknown> {
  const schema = kind === "plan" ? z.toJSONSchema(PlanSchema, { io: "input", unrepresentable: "any" }) : z.toJSONSchema(AuthoringPipelineSchema, { io: "input", unrepresentable: "any" });
  return {
    ...schema,
    $id: kind === "plan" ? "https://pipec.dev/schema/plan.json" : "https://pipec.dev/schema/pipeline.json",
    title: kind === "plan" ? "pipec plan (pipec/v1)" : "pipec YAML pipeline",
  };
}
