/** The memo of validated JSON plans (validated-plans.ts): only for a bundled build, per text, name and build, and never a plan that does not match its digest. */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { validatedPlanMemo } from "../../compiler/validated-plans.ts";
import type { Plan } from "../../runtime/plan/schema.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pipec-validated-plans-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BUILD = "file:///opt/pipec/dist/chunks/chunk-ABCD1234.mjs";
const plan = (name: string): Plan => {
  const rest = { apiVersion: "pipec/v1", jobs: {}, name };
  return { ...rest, digest: `sha256:${createHash("sha256").update(JSON.stringify(rest)).digest("hex")}` } as unknown as Plan;
};

describe("validated plans", () => {
  it("reads back what this build validated, for the same text and file name only", async () => {
    await validatedPlanMemo(dir, "text", "plan.json", BUILD)!.write(plan("p"));
    expect(await validatedPlanMemo(dir, "text", "plan.json", BUILD)!.read()).toEqual(plan("p"));
    expect(await validatedPlanMemo(dir, "text2", "plan.json", BUILD)!.read()).toBeNull();
    expect(await validatedPlanMemo(dir, "text", "other.json", BUILD)!.read()).toBeNull();
    expect(await validatedPlanMemo(dir, "text", "plan.json", BUILD.replace("ABCD1234", "ABCD1235"))!.read()).toBeNull();
  });

  it("remembers nothing when run from sources, whose module names say nothing of the code", () => {
    expect(validatedPlanMemo(dir, "text", "plan.json", "file:///work/pipec/compiler/compile.ts")).toBeNull();
  });

  it.each([
    ["not JSON", "{"],
    ["a plan that does not match its digest", JSON.stringify({ ...plan("p"), name: "q" })],
    ["no plan", "null"],
  ])("reads %s as absent", async (_, text) => {
    const memo = validatedPlanMemo(dir, "text", "plan.json", BUILD)!;
    await memo.write(plan("p"));
    const [file] = readdirSync(join(dir, "plans"));
    writeFileSync(join(dir, "plans", file!), text);
    expect(await memo.read()).toBeNull();
  });
});
