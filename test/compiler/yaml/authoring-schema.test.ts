import { readFileSync } from "node:fs";
import YAML from "yaml";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { AuthoringPipelineSchema } from "../../../compiler/yaml/index.ts";

describe("AuthoringPipelineSchema", () => {
  it("turns into a JSON Schema for editors, with descriptions and the x-* escape hatch", () => {
    const schema = z.toJSONSchema(AuthoringPipelineSchema) as Record<string, unknown> & { properties: Record<string, { description?: string }> };
    expect(schema["additionalProperties"]).toBe(false);
    expect(schema["patternProperties"]).toEqual({ "^x-": {} });
    expect(schema.properties["image"]?.description).toBe("The image of every job that does not name one.");
    expect(JSON.stringify(schema)).toContain("Defaults to the first line of the script.");
  });

  it("accepts the example pipeline once its x-* keys are set aside", () => {
    const data = YAML.parse(readFileSync("examples/yaml-pipeline.yaml", "utf8"), { merge: true }) as Record<string, unknown>;
    const input = Object.fromEntries(Object.entries(data).filter(([key]) => !key.startsWith("x-")));
    expect(AuthoringPipelineSchema.safeParse(input).error).toBeUndefined();
  });
});
