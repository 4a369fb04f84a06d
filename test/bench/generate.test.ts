import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { generateDag, mulberry32, renderGitlabCi, renderTs, renderYaml, yamlString, type Dag } from "../../bench/generate.ts";
import { noopDag, timedDag } from "../../bench/run-dag.ts";

const dslEntry = fileURLToPath(new URL("../../dsl/index.ts", import.meta.url));

/** Kahn's algorithm over job names: true when every job can be ordered after its needs. */
function isAcyclic(needsByName: ReadonlyMap<string, readonly string[]>): boolean {
  const pending = new Map([...needsByName].map(([name, needs]) => [name, needs.length]));
  const dependents = new Map<string, string[]>();
  for (const [name, needs] of needsByName) for (const need of needs) dependents.set(need, [...(dependents.get(need) ?? []), name]);
  const ready = [...pending].filter(([, count]) => count === 0).map(([name]) => name);
  let ordered = 0;
  while (ready.length > 0) {
    const name = ready.pop()!;
    ordered++;
    for (const next of dependents.get(name) ?? []) {
      const left = pending.get(next)! - 1;
      pending.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  return ordered === needsByName.size;
}

const edgeCount = (needsByName: ReadonlyMap<string, readonly string[]>): number => [...needsByName.values()].reduce((sum, needs) => sum + needs.length, 0);
const dagNeeds = (dag: Dag): Map<string, string[]> => new Map(dag.jobs.map((job) => [job.name, job.needs.map((index) => `j${index}`)]));

describe("mulberry32", () => {
  it("repeats for a seed and differs between seeds", () => {
    const take = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
    for (const value of take(7)) expect(value).toBeGreaterThanOrEqual(0), expect(value).toBeLessThan(1);
  });
});

describe("generateDag", () => {
  it("is deterministic: the same seed gives byte-identical renders", () => {
    const [a, b] = [generateDag(300, 42), generateDag(300, 42)];
    expect(renderTs(a)).toBe(renderTs(b));
    expect(renderYaml(a)).toBe(renderYaml(b));
    expect(renderGitlabCi(a)).toBe(renderGitlabCi(b));
    expect(renderYaml(generateDag(300, 43))).not.toBe(renderYaml(a));
  });

  it.each([1, 2, 100, 1000, 5000])("n=%i: n jobs, 0-3 distinct earlier needs each, about 1.5 edges per job", (n) => {
    const dag = generateDag(n, 1);
    expect(dag.jobs).toHaveLength(n);
    expect(dag.name).toBe(`bench-${n}`);
    dag.jobs.forEach((job, i) => {
      expect(job.name).toBe(`j${i}`);
      expect(job.needs.length).toBeLessThanOrEqual(Math.min(3, i));
      expect(new Set(job.needs).size).toBe(job.needs.length);
      for (const need of job.needs) expect(need).toBeLessThan(i);
    });
    expect(dag.edges).toBe(edgeCount(dagNeeds(dag)));
    if (n >= 1000) expect(dag.edges / n).toBeGreaterThan(1.4), expect(dag.edges / n).toBeLessThan(1.6);
    expect(isAcyclic(dagNeeds(dag))).toBe(true);
  });

  it("rejects a job count that is not a positive integer", () => {
    expect(() => generateDag(0)).toThrow(RangeError);
    expect(() => generateDag(2.5)).toThrow(RangeError);
  });
});

describe("renders", () => {
  const dag = generateDag(500, 3);

  it("YAML: pipec's authoring dialect with the same jobs, needs and scripts", () => {
    const doc = parse(renderYaml(dag)) as { name: string; jobs: Record<string, { image: string; depends_on?: string[]; steps: { name: string; script: string }[] }> };
    expect(doc.name).toBe("bench-500");
    const needs = new Map(Object.entries(doc.jobs).map(([name, job]) => [name, job.depends_on ?? []]));
    expect(needs).toEqual(dagNeeds(dag));
    expect(isAcyclic(needs)).toBe(true);
    expect(doc.jobs.j0).toEqual({ image: "alpine:3.20", steps: dag.jobs[0]!.scripts.map((script, i) => ({ name: `s${i + 1}`, script })) });
  });

  it("GitLab CI: one stage, every job in it, the same needs", () => {
    const { stages, ...jobs } = parse(renderGitlabCi(dag)) as { stages: string[] } & Record<string, { stage: string; image: string; needs?: string[]; script: string[] }>;
    expect(stages).toEqual(["test"]);
    expect(new Map(Object.entries(jobs).map(([name, job]) => [name, job.needs ?? []]))).toEqual(dagNeeds(dag));
    for (const [name, job] of Object.entries(jobs)) expect(job.stage).toBe("test"), expect(job.script).toEqual(dag.jobs[Number(name.slice(1))]!.scripts);
  });

  it.each([{ form: "one literal" }, { form: "typed chunks", chunk: 120 }])("TypeScript ($form): evaluates with the pipec DSL to a pipeline holding every job and need", async ({ chunk }) => {
    const bundle = await build({
      stdin: { contents: renderTs(dag, chunk ? { chunk } : {}), loader: "ts", resolveDir: process.cwd(), sourcefile: "bench.pipeline.ts" },
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      alias: { pipec: dslEntry },
      logLevel: "silent",
    });
    const url = `data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0]!.text).toString("base64")}`;
    const { default: pipeline } = (await import(/* @vite-ignore */ url)) as { default: { name: string; options: { jobs: { name: string; options: { needs?: { name: string }[]; steps?: string[] } }[] } } };
    expect(pipeline.name).toBe("bench-500");
    const needs = new Map(pipeline.options.jobs.map((job) => [job.name, (job.options.needs ?? []).map((need) => need.name)]));
    expect(needs).toEqual(dagNeeds(dag));
    expect(pipeline.options.jobs.map((job) => job.options.steps)).toEqual(dag.jobs.map((job) => job.scripts));
  });
});

describe("renders for the run benchmark", () => {
  it("GitLab CI: the job image is an option, and a `true` step stays a string", () => {
    const doc = parse(renderGitlabCi(noopDag(2), { image: "pipec-test/busybox:1" })) as Record<string, { image?: string; script?: unknown[] }>;
    expect(doc.j0).toEqual({ stage: "test", image: "pipec-test/busybox:1", script: ["true"] });
    expect(Object.keys(doc)).toEqual(["stages", "j0", "j1"]);
    const timed = parse(renderGitlabCi(timedDag("t", [{ name: "a", seconds: 0.5 }, { name: "b", seconds: 1, needs: ["a"] }]))) as Record<string, { needs?: string[]; script?: unknown[] }>;
    expect(timed.b).toMatchObject({ needs: ["a"], script: ["sleep 1"] });
  });

  it("TypeScript and pipec YAML: the image option, and scripts that read back as strings", () => {
    expect(renderTs(noopDag(1), { image: "pipec-test/busybox:1" })).toContain('const j0 = job("j0", { image: "pipec-test/busybox:1", steps: ["true"] });');
    const doc = parse(renderYaml(noopDag(1))) as { jobs: { j0: { steps: { script: unknown }[] } } };
    expect(doc.jobs.j0.steps[0]!.script).toBe("true");
  });

  it.each(["true", "no", "null", "~", "0.5", "a: b", "echo #x", "", "sleep 0.4", "echo j1", "echo done"])("yamlString(%j) reads back as the same string", (text) => {
    expect(parse(`k: ${yamlString(text)}`)).toEqual({ k: text });
  });

  it("leaves plain scripts unquoted", () => {
    expect(yamlString("sleep 0.4")).toBe("sleep 0.4");
    expect(yamlString("true")).toBe('"true"');
  });
});
