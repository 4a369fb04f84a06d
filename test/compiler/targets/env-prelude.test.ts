/**
 * The export prelude, run by a real `sh` with the engine's native env set first, gives every variable
 * the value pipec's own resolver (runtime/run/job-env.ts) gives it: layering, `${A:-x}`, `${A:+x}`,
 * `$$`, references across and within layers, self references, and names set natively by inner layers.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { envPrelude, isNativeLiteral, type EnvLayer } from "../../../compiler/targets/common/env-prelude.ts";
import { shellJoin, shellQuote } from "../../../compiler/targets/common/shell.ts";
import { layer, type Lookup } from "../../../runtime/run/job-env.ts";

const values = { overrides: {}, secrets: {}, system: {} };

function pipecEnv(layers: readonly EnvLayer[], outer: Record<string, string>): Record<string, string> {
  let lookup: Lookup = (name) => outer[name];
  const env: Record<string, string> = { ...outer };
  for (const one of layers) {
    const resolved = layer(one, lookup, values, "job");
    Object.assign(env, resolved.env);
    lookup = resolved.lookup;
  }
  return env;
}

function shellEnv(layers: readonly EnvLayer[], outer: Record<string, string>, nativeLayers = layers.length): Record<string, string> {
  const prelude = envPrelude(layers, nativeLayers);
  const native: Record<string, string> = { ...outer };
  layers.forEach((one, index) => {
    if (index >= nativeLayers) return;
    for (const [name, value] of Object.entries(one)) if (isNativeLiteral(value) && !prelude.notNative[index]!.has(name)) native[name] = value;
  });
  const names = [...new Set([...Object.keys(outer), ...layers.flatMap((l) => Object.keys(l))])];
  const script = `${prelude.lines.join("\n")}\n${names.map((n) => `printf '%s=%s\\0' ${shellQuote(n)} "\${${n}-}"`).join("\n")}`;
  const result = spawnSync("sh", ["-e", "-c", script], { env: { PATH: process.env.PATH, ...native }, encoding: "utf8" });
  expect(result.stderr).toBe("");
  return Object.fromEntries(result.stdout.split("\0").filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
}

const cases: [string, EnvLayer[], Record<string, string>][] = [
  ["defaults and alternatives", [{ A: "${UNSET:-fallback}", B: "${SET:+alt}", C: "${SET:-no}" }], { SET: "yes" }],
  ["dollar signs, quotes and backquotes stay literal", [{ A: "$$HOME `id` \"q\" 'single' \\back $PLAIN" }], { PLAIN: "p" }],
  ["references inside a layer, in any order", [{ Z: "${A}/z", A: "${B}-a", B: "b" }], {}],
  ["an outer template read by an inner one", [{ OUT: "${OUTDIR:-dist}" }, { PATH_TO: "${OUT}/app" }], {}],
  ["a self reference reads the outer value", [{ P: "base" }, { P: "${P}:job" }, { P: "${P}:step" }], {}],
  ["an inner literal does not leak into an outer template", [{ A: "${B:-outer}" }, { B: "inner" }], {}],
  ["an inner literal wins over an outer template of its name", [{ A: "${X:-t}" }, { A: "literal" }], {}],
  ["nested defaults", [{ A: "${X:-${Y:-deep}/x}" }], {}],
  ["steps without native env (GitLab)", [{ A: "a" }, { B: "${A}b" }, { C: "${B}c", A: "step" }], {}],
];

describe("env prelude", () => {
  it.each(cases)("%s", (_name, layers, outer) => {
    expect(shellEnv(layers, outer)).toEqual(pipecEnv(layers, outer));
    expect(shellEnv(layers, outer, 2)).toEqual(pipecEnv(layers, outer));
  });

  it("quotes any argv for sh", () => {
    const argv = ["sh", "-c", "redis-cli ping | grep -q 'PONG'", "", "$HOME", "a\nb"];
    const result = spawnSync("sh", ["-c", `for a in ${shellJoin(argv)}; do printf '%s\\0' "$a"; done`], { encoding: "utf8" });
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(argv);
  });
});
