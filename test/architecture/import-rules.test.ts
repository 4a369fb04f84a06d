/**
 * The folder rules of ARCHITECTURE.md, checked on every source file's imports (static, `export ... from`
 * and dynamic `import("...")`): a rule that only lives in a document is broken by the next change.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => join(folder, name));
}

/** Each relative import of FILE, as a path from the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1] ?? match[2]!);
  return specifiers.filter((specifier) => specifier.startsWith(".")).map((specifier) => relative(ROOT, resolve(ROOT, dirname(file), specifier)));
}

/** Every import of a file under FROM that lands under one of FORBIDDEN, as "file -> target". */
function violations(from: string, forbidden: readonly string[]): string[] {
  return sourceFiles(from).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.some((folder) => target === folder || target.startsWith(`${folder}/`)))
      .map((target) => `${file} -> ${target}`),
  );
}

describe("ARCHITECTURE.md's folder rules hold in the code", () => {
  it("finds imports at all (the scanner is not blind)", () => {
    expect(importsOf("runtime/run/run-pipeline.ts")).toContain("runtime/run/deployments.ts");
    expect(importsOf("runtime/deploy/run-kind.ts")).toContain("runtime/deploy/loop/run-deploy-job.ts");
    expect(violations("runtime/deploy", ["runtime/run"]).length).toBeGreaterThan(0);
  });

  it("runtime/ never imports dsl/, compiler/ or cli/: the plan is the only thing the runtime knows", () => {
    expect(violations("runtime", ["dsl", "compiler", "cli"])).toEqual([]);
  });

  it("runtime/run/ never imports runtime/deploy/: the deployment kind is handed to the run loop", () => {
    expect(violations("runtime/run", ["runtime/deploy"])).toEqual([]);
  });

  it.each(["github", "gitlab", "argo", "common"])("the %s emitter reads only the canonical plan, never the DSL or the YAML front end", (engine) => {
    // (compiler/targets/profile.ts loads a TypeScript target profile, so it may use the TypeScript loader.)
    expect(violations(`compiler/targets/${engine}`, ["dsl", "compiler/yaml", "compiler/typescript", "runtime/run", "runtime/deploy", "cli"])).toEqual([]);
  });

  it("dsl/ (what users import) depends on nothing of the compiler, the runtime or the CLI", () => {
    expect(violations("dsl", ["compiler", "runtime", "cli"])).toEqual([]);
  });
});
