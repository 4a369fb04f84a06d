/** The target as it runs and as the history keeps it: templates resolved, secrets never stored. */
import { describe, expect, it } from "vitest";
import { parseJsonPath, readJsonPath } from "../../../../runtime/deploy/loop/index.ts";
import { resolveTarget, restoreTarget, TargetResolveError, type TargetValues } from "../../../../runtime/deploy/loop/resolve-target.ts";
import { createMasker } from "../../../../runtime/run/mask.ts";

function values(vars: Record<string, string>, secrets: Record<string, string> = {}): TargetValues {
  const masker = createMasker(Object.values(secrets));
  return { lookup: (name) => vars[name], secrets, holdsSecret: (value) => masker.text(value) !== value };
}

describe("resolveTarget", () => {
  it("substitutes variables in the image, command and env, and keeps secret-holding values in their plan form", () => {
    const spec = resolveTarget(
      { kind: "docker", image: "registry.local/web:${TAG:-dev}", command: ["node", "${ENTRY}"], env: { VERSION: "${TAG}", TOKEN: { secret: "API_TOKEN" }, URL: "https://x:${PASSWORD}@db", PLAIN: "1" } },
      values({ TAG: "v7", ENTRY: "main.js", PASSWORD: "hunter22" }, { API_TOKEN: "t0ken-value", PASSWORD: "hunter22" }),
    );
    expect(spec.target).toEqual({ kind: "docker", image: "registry.local/web:v7", command: ["node", "main.js"] });
    expect(spec.env).toEqual({ VERSION: "v7", TOKEN: "t0ken-value", URL: "https://x:hunter22@db", PLAIN: "1" });
    expect(spec.stored).toEqual({ VERSION: { value: "v7" }, TOKEN: { from: { secret: "API_TOKEN" } }, URL: { from: "https://x:${PASSWORD}@db" }, PLAIN: { value: "1" } });
    expect(JSON.stringify(spec.stored)).not.toMatch(/t0ken-value|hunter22/);
  });

  it("restores a stored revision with today's secret values, and the same spec gives the same digest", () => {
    const target = { kind: "process" as const, command: ["node", "server.js"], env: { VERSION: "v1", TOKEN: { secret: "API_TOKEN" } } };
    const first = resolveTarget(target, values({}, { API_TOKEN: "old-secret" }));
    const restored = restoreTarget(first.target, first.stored, values({}, { API_TOKEN: "new-secret" }));
    expect(restored.env).toEqual({ VERSION: "v1", TOKEN: "new-secret" });
    expect(restored.digest).toBe(first.digest);
    expect(resolveTarget({ ...target, env: { VERSION: "v2" } }, values({})).digest).not.toBe(first.digest);
    expect(() => resolveTarget(target, values({}))).toThrow(TargetResolveError);
  });
});

describe("jsonPath", () => {
  it.each([
    ["$.data.value", { data: { value: 0.5 } }, 0.5],
    ["data.value", { data: { value: 1 } }, 1],
    ["$.items[1].rate", { items: [{ rate: 1 }, { rate: 2 }] }, 2],
    ["$['error-rate']", { "error-rate": 0.01 }, 0.01],
    ["$.missing.deep", { other: 1 }, undefined],
    ["$", 42, 42],
  ])("%s", (path, document, expected) => {
    expect(readJsonPath(document, path)).toEqual(expected);
  });

  it("rejects what it does not support, saying what is", () => {
    expect(() => parseJsonPath("$.items[*]")).toThrow(/supported: \$\.a\.b/);
  });
});
