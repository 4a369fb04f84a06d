import { describe, expectTypeOf, it } from "vitest";
import { deploy, docker, input, job, output, pipeline, step, targets, type AnyJob, type OutputRef, type Pipeline, type TargetsProfile } from "pipec";
import type { TargetProfileInput } from "../../compiler/targets/types.ts";

describe("typed references", () => {
  const build = job("build", { image: "node:20", steps: ["npm ci"], outputs: { dist: output("dist/**"), report: output("report.xml") } });

  it("exposes each declared output with its job and output names as literal types", () => {
    expectTypeOf(build.outputs.dist).toEqualTypeOf<OutputRef<"build", "dist">>();
    expectTypeOf(build.name).toEqualTypeOf<"build">();
  });

  it("rejects a misspelled output name", () => {
    // @ts-expect-error "dsit" is not an output of build
    void build.outputs.dsit;
  });

  it("accepts jobs in needs and output refs in inputs, and rejects strings", () => {
    job("test", { image: "node:20", needs: [build], inputs: [build.outputs.dist], steps: ["npm test"] });
    // @ts-expect-error needs takes job objects, not names
    job("test", { image: "node:20", needs: ["build"], steps: ["npm test"] });
  });

  it("takes an output as an optional input, keeping its reference type", () => {
    expectTypeOf(input(build.outputs.report, { optional: true })).toEqualTypeOf<OutputRef<"build", "report">>();
    job("test", { image: "node:20", inputs: [build.outputs.dist, input(build.outputs.report, { optional: true })], steps: ["npm test"] });
    // @ts-expect-error input takes an output reference, not its name
    input("build.report", { optional: true });
    // @ts-expect-error optional is a boolean
    input(build.outputs.report, { optional: "yes" });
  });
});

describe("matrix values keep their literal types", () => {
  it("types the matrix passed to steps, image and env", () => {
    job("test", {
      matrix: { node: ["20", "22"], os: ["linux", "alpine"], shard: [1, 2] },
      image: ({ matrix }) => {
        expectTypeOf(matrix.node).toEqualTypeOf<"20" | "22">();
        expectTypeOf(matrix.shard).toEqualTypeOf<1 | 2>();
        return `node:${matrix.node}-${matrix.os}`;
      },
      steps: ({ matrix }) => [step(`test shard ${matrix.shard}`, `npm test -- --shard=${matrix.shard}/2`)],
    });
  });

  it("rejects an unknown matrix key", () => {
    job("test", {
      matrix: { node: ["20", "22"] },
      image: "node:20",
      // @ts-expect-error "nod" is not a matrix axis
      steps: ({ matrix }) => [`echo ${matrix.nod}`],
    });
  });
});

describe("deployments", () => {
  it("builds a canary job that can be needed", () => {
    const canary = deploy.canary("deploy-web", {
      target: docker({ image: "web:1" }),
      steps: [{ setWeight: 10 }, { pause: { duration: "30s" } }, { approval: { timeout: "1h" } }],
    });
    expectTypeOf(canary.name).toEqualTypeOf<"deploy-web">();
    pipeline("p", { jobs: [canary] });
  });

  it("rejects an unknown canary step", () => {
    deploy.canary("d", {
      target: docker({ image: "web:1" }),
      // @ts-expect-error setWieght is not a canary step
      steps: [{ setWieght: 10 }],
    });
  });
});

describe("pipelines", () => {
  const a = job("a", { image: "node:20", steps: ["a"] });
  const b = job("b", { image: "node:20", needs: [a], steps: ["b"] });

  it("takes a literal list of jobs, a list typed AnyJob[] and spreads of lists", () => {
    expectTypeOf(pipeline("p", { jobs: [a, b] })).toEqualTypeOf<Pipeline>();
    const list: AnyJob[] = [a, b];
    pipeline("p", { jobs: list });
    pipeline("p", { jobs: [...list, a] });
    pipeline("p", { jobs: [] });
  });

  it("rejects what is not a job", () => {
    // @ts-expect-error jobs takes job objects, not names
    pipeline("p", { jobs: ["a"] });
  });
});

describe("target profiles", () => {
  it("accept exactly what the compiler's profile schema accepts", () => {
    expectTypeOf<TargetsProfile>().toExtend<TargetProfileInput>();
    expectTypeOf<TargetProfileInput>().toExtend<TargetsProfile>();
  });

  it("reject a misspelled setting", () => {
    // @ts-expect-error "runOn" is not a GitHub setting
    targets({ github: { runOn: ["ubuntu-latest"] } });
  });
});
