import { describe, expect, it } from "vitest";
import type { PlanPath } from "../../../compiler/draft.ts";
import { locateProperty, parseSource } from "../../../compiler/typescript/property-locator.ts";

const SOURCE = `import { deploy, docker, job, output, pipeline, step } from "pipec";
const base = { image: "node:20" };
const key = "image";
const common = { FOO: "1" };

const build = job("build", {
  image: "node:22",
  retry: 99,
  timeout: "10 parsecs",
  resources: { memory: "lots" },
  outputs: { dist: output(["dist/**", "../up"], { expireIn: "soon" }) },
  steps: [
    "npm ci",
    step({ name: "test", run: "npm test", env: { FOO: "\${BAR}" } }),
    step("lint", "npm run lint", { timeout: "1 lunar cycle", retry: { max: 1, backoff: { initial: "now" } } }),
  ],
});

const test = job("test", {
  matrix: { node: ["20", "22"], os: ["linux"] },
  image: ({ matrix }) => \`node:\${matrix.node}\`,
  steps: ({ matrix }) => [step("install", "npm ci"), step({ name: "run", run: "npm test", env: { NODE: matrix.node } })],
});

const spread = job("spread", { ...base, retry: 1, env: common });
const shadowed = job("shadowed", { image: "a", ...base });
const computed = job("computed", { [key]: "b", ["literal"]: 1 });

const web = deploy.canary("web", {
  target: docker({ image: "web:2", env: { PORT: "8080" } }),
  healthCheck: { http: { path: "/health" }, interval: "often" },
  steps: [
    { setWeight: 20 },
    { pause: { duration: "a while" } },
    { approval: { name: "qa", timeout: "never" } },
    { analysis: { metrics: [{ name: "errors", provider: { builtin: "errorRate" }, interval: "1m" }] } },
  ],
  timeout: "1h",
});

export default pipeline("demo", { jobs: [build, test, spread, shadowed, computed, web], timeout: "forever" });
`;

const lines = SOURCE.split("\n");
/** The 1-based position of the nth occurrence of `text`, and what the source shows there. */
function at(text: string, nth = 1): { line: number; column: number } {
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    let from = 0;
    for (;;) {
      const column = lines[i]!.indexOf(text, from);
      if (column < 0) break;
      if (++seen === nth) return { line: i + 1, column: column + 1 };
      from = column + 1;
    }
  }
  throw new Error(`${text} not in the source`);
}
const textAt = (position: { line: number; column: number }) => lines[position.line - 1]!.slice(position.column - 1);

const parsed = parseSource(SOURCE, "ci.pipeline.ts");
const JOB = at('job("build"');
const TEST = at('job("test"');
const WEB = at("canary(");
const PIPELINE = at('pipeline("demo"');

describe("locateProperty", () => {
  it.each<[string, { line: number; column: number }, PlanPath, string]>([
    ["a job option", JOB, ["image"], 'image: "node:22"'],
    ["retry written as a number (plan retry.max)", JOB, ["retry", "max"], "retry: 99"],
    ["a renamed duration (plan timeoutMs)", JOB, ["timeoutMs"], 'timeout: "10 parsecs"'],
    ["a renamed size (plan memoryBytes)", JOB, ["resources", "memoryBytes"], 'memory: "lots"'],
    ["the job name, positional", JOB, ["name"], '"build"'],
    ["an output's path inside output(...)", JOB, ["outputs", "dist", "paths", 1], '"../up"'],
    ["an output's option inside output(...)", JOB, ["outputs", "dist", "expireInMs"], 'expireIn: "soon"'],
    ["a script string step", JOB, ["steps", 0, "run"], '"npm ci"'],
    ["steps[1].env.FOO in step({...})", JOB, ["steps", 1, "env", "FOO"], 'FOO: "${BAR}"'],
    ["a step's positional name", JOB, ["steps", 2, "name"], '"lint"'],
    ["a step's positional script", JOB, ["steps", 2, "run"], '"npm run lint"'],
    ["a step's options after name and script", JOB, ["steps", 2, "timeoutMs"], 'timeout: "1 lunar cycle"'],
    ["nested retry backoff", JOB, ["steps", 2, "retry", "backoff", "initialMs"], 'initial: "now"'],
    ["a path as the author wrote it (lowering problems)", JOB, ["steps", 2, "retry", "backoff", "initial"], 'initial: "now"'],
    ["a matrix axis", TEST, ["matrix", "os"], 'os: ["linux"]'],
    ["steps returned by a per-expansion function", TEST, ["steps", 1, "env", "NODE"], "NODE: matrix.node"],
    ["a per-expansion image stops at the function", TEST, ["image"], "image: ({ matrix })"],
    ["a deployment option (plan deploy.*)", WEB, ["deploy", "healthCheck", "intervalMs"], 'interval: "often"'],
    ["the deployment target built by docker(...)", WEB, ["deploy", "target", "env", "PORT"], 'PORT: "8080"'],
    ["a canary pause (plan durationMs)", WEB, ["deploy", "steps", 1, "durationMs"], 'duration: "a while"'],
    ["a canary setWeight (plan weight)", WEB, ["deploy", "steps", 0, "weight"], "setWeight: 20"],
    ["a canary approval name", WEB, ["deploy", "steps", 2, "name"], 'name: "qa"'],
    ["a canary approval timeout", WEB, ["deploy", "steps", 2, "timeoutMs"], 'timeout: "never"'],
    ["a metric in a canary analysis step", WEB, ["deploy", "steps", 3, "analysis", "metrics", 0, "intervalMs"], 'interval: "1m"'],
    ["a deployment job's own option", WEB, ["timeoutMs"], 'timeout: "1h"'],
    ["the strategy is the builder", WEB, ["deploy", "strategy"], "canary("],
    ["a pipeline option", PIPELINE, ["timeoutMs"], 'timeout: "forever"'],
    ["a job in the pipeline's list", PIPELINE, ["jobs", 2], "spread"],
  ])("%s", (_name, site, path, expected) => {
    const found = locateProperty(parsed, site, path);
    expect(found).not.toBeNull();
    expect(textAt(found!)).toMatch(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("reports how much of the path it found", () => {
    expect(locateProperty(parsed, JOB, ["steps", 1, "env", "FOO"])?.matched).toBe(4);
    expect(locateProperty(parsed, JOB, ["retry", "max"])?.matched).toBe(1);
  });

  describe("falls back to the deepest property it can read", () => {
    it.each<[string, { line: number; column: number }, PlanPath, string | null]>([
      ["a field written after a spread", at('job("spread"'), ["retry"], "retry: 1"],
      ["a field a later spread may override: the call", at('job("shadowed"'), ["image"], null],
      ["a field written in a spread: the call", at('job("spread"'), ["image"], null],
      ["a computed key: the call", at('job("computed"'), ["image"], null],
      ["a computed string literal key is read", at('job("computed"'), ["literal"], '["literal"]: 1'],
      ["a variable: the property that names it", at('job("spread"'), ["env", "FOO"], "env: common"],
      ["a field that is not written: the parent", JOB, ["resources", "cpus"], "resources:"],
      ["an index past the end: the array", JOB, ["steps", 9, "env"], "steps: ["],
      ["an unknown plan field: the call", JOB, ["services", 0, "name"], null],
    ])("%s", (_name, site, path, expected) => {
      const found = locateProperty(parsed, site, path)!;
      if (expected === null) {
        expect(found).toEqual({ ...site, matched: 0 });
      } else {
        expect(textAt(found)).toMatch(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      }
    });
  });

  it("answers null when no call starts at the site", () => {
    expect(locateProperty(parsed, at("const base"), ["image"])).toBeNull();
    expect(locateProperty(parsed, { line: 999, column: 1 }, ["image"])).toBeNull();
  });

  it("finds a deployment call from either part of its callee", () => {
    const fromObject = locateProperty(parsed, at("deploy.canary"), ["timeoutMs"]);
    expect(fromObject && textAt(fromObject)).toMatch(/^timeout: "1h"/);
  });
});
