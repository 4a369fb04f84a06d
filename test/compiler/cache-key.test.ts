/** `cacheKey: { files }` (TypeScript) and `cache_key: { files }` (YAML) reach the plan the same way, and a path leaving the project is refused where it is written. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/index.ts";

const dir = mkdtempSync(join(tmpdir(), "pipec-cache-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const yaml = (files: string) => `name: p\nimage: busybox:1.36\njobs:\n  build:\n    steps: [echo hi]\n    cache_key:\n      files: ${files}\n`;

describe("cacheKey", () => {
  it("YAML cache_key.files and TypeScript cacheKey.files give the same plan field; without it the plan has none", async () => {
    writeFileSync(join(dir, "a.yaml"), yaml(`["src/**", package-lock.json]`));
    writeFileSync(
      join(dir, "a.pipeline.ts"),
      `import { job, pipeline } from "pipec";\nexport default pipeline("p", { jobs: [job("build", { image: "busybox:1.36", steps: ["echo hi"], cacheKey: { files: ["src/**", "package-lock.json"] } })] });\n`,
    );
    writeFileSync(join(dir, "b.yaml"), `name: p\nimage: busybox:1.36\njobs:\n  build:\n    steps: [echo hi]\n`);
    const fromYaml = await compileFile(join(dir, "a.yaml"), { typecheck: false });
    const fromTs = await compileFile(join(dir, "a.pipeline.ts"), { typecheck: false });
    expect(fromYaml.diagnostics).toEqual([]);
    expect(fromYaml.plan?.jobs.build?.cacheKey).toEqual({ files: ["src/**", "package-lock.json"] });
    expect(fromTs.plan?.jobs.build?.cacheKey).toEqual({ files: ["src/**", "package-lock.json"] });
    const without = await compileFile(join(dir, "b.yaml"), { typecheck: false });
    expect(without.plan?.jobs.build).not.toHaveProperty("cacheKey");
  }, 120_000);

  it.each([
    ["../secrets/**", "it leaves the workspace through '..'"],
    ["/etc/passwd", "it is absolute"],
  ])("refuses %s at its line", async (pattern, why) => {
    writeFileSync(join(dir, "bad.yaml"), yaml(`["${pattern}"]`));
    const result = await compileFile(join(dir, "bad.yaml"), { typecheck: false });
    expect(result.plan).toBeNull();
    expect(result.diagnostics[0]).toMatchObject({ code: "unsafe-path", location: { line: 7 } });
    expect(result.diagnostics[0]?.message).toContain(why);
  });

  it("refuses an empty list of files", async () => {
    writeFileSync(join(dir, "empty.yaml"), yaml("[]"));
    const result = await compileFile(join(dir, "empty.yaml"), { typecheck: false });
    expect(result.plan).toBeNull();
    expect(result.diagnostics[0]?.location?.line).toBe(7);
  });
});
