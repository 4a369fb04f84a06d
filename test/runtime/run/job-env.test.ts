import { describe, expect, it } from "vitest";
import { PlanSchema } from "../../../runtime/plan/schema.ts";
import { MissingSecretError, resolveJobEnvironment } from "../../../runtime/run/job-env.ts";

const plan = PlanSchema.parse({
  name: "p",
  env: { LEVEL: "global", GREETING: "hello ${WHO:-world}", REGION: "${PIPEC_JOB}-eu" },
  vars: { TAG: { default: "dev" }, WHO: { default: null } },
  jobs: {
    build: { name: "build", image: "node:${NODE:-20}", workingDirectory: "app/${TAG}", env: { LEVEL: "job", OUT: "${LEVEL}/${TAG}", PATH: "${PATH}:/opt/bin", TOKEN: { secret: "NPM_TOKEN" } }, steps: [{ name: "s", run: "true" }] },
  },
});
const system = { CI: "true", PIPEC_JOB: "build", PATH: "/usr/bin" };

describe("job environment", () => {
  it("layers system < var defaults < pipeline < job, and --var over all", () => {
    const resolved = resolveJobEnvironment(plan, "build", { overrides: {}, secrets: { NPM_TOKEN: "t0k3n" }, system });
    expect(resolved.env).toMatchObject({ LEVEL: "job", OUT: "job/dev", GREETING: "hello world", REGION: "build-eu", PATH: "/usr/bin:/opt/bin", TOKEN: "t0k3n", TAG: "dev" });
    expect(resolved.image).toBe("node:20");
    expect(resolved.workingDirectory).toBe("app/dev");

    const overridden = resolveJobEnvironment(plan, "build", { overrides: { TAG: "v2", WHO: "pipec" }, secrets: { NPM_TOKEN: "t" }, system });
    expect(overridden.env).toMatchObject({ OUT: "job/v2", GREETING: "hello pipec", TAG: "v2" });
    expect(overridden.workingDirectory).toBe("app/v2");
  });

  it("names a missing secret, the job and what to do", () => {
    expect(() => resolveJobEnvironment(plan, "build", { overrides: {}, secrets: {}, system })).toThrow(MissingSecretError);
    expect(() => resolveJobEnvironment(plan, "build", { overrides: {}, secrets: {}, system })).toThrow(/job "build" needs secret NPM_TOKEN, which is not set: export NPM_TOKEN=\.\.\. before pipec run, or pass --secrets-file FILE/);
  });
});
