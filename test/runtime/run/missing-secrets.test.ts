import { describe, expect, it } from "vitest";
import { PlanSchema, type PlanInput } from "../../../runtime/plan/schema.ts";
import { conditionalSecretsNotice, MissingSecretsError, missingSecrets } from "../../../runtime/run/missing-secrets.ts";

const plan = PlanSchema.parse({
  apiVersion: "pipec/v1",
  name: "p",
  env: { SHARED: { secret: "SHARED_TOKEN" } },
  secrets: ["DEPLOY_KEY", "NPM_TOKEN", "PUBLISH_KEY", "SHARED_TOKEN"],
  jobs: {
    build: { name: "build", image: "busybox:1.36", steps: [{ name: "s", run: "true", env: { NPM: { secret: "NPM_TOKEN" } } }] },
    ship: { name: "ship", image: "busybox:1.36", needs: ["build"], env: { KEY: { secret: "DEPLOY_KEY" } }, steps: [{ name: "s", run: "true" }] },
    publish: { name: "publish", image: "busybox:1.36", needs: ["build"], if: "git.branch == 'main'", env: { KEY: { secret: "PUBLISH_KEY" }, NPM: { secret: "NPM_TOKEN" } }, steps: [{ name: "s", run: "true" }] },
  },
} as unknown as PlanInput);

describe("missingSecrets", () => {
  it("names every secret without a value with the jobs that name it, wherever it is named (pipeline, job, step env)", () => {
    expect(missingSecrets(plan, { NPM_TOKEN: "xyz" }, new Set())).toEqual(
      new Map([
        ["SHARED_TOKEN", ["build", "ship"]],
        ["DEPLOY_KEY", ["ship"]],
      ]),
    );
  });

  it("leaves jobs with a condition of their own (which may never run) to a warning", () => {
    const conditional = missingSecrets(plan, { NPM_TOKEN: "xyz", SHARED_TOKEN: "abc" }, new Set(), true);
    expect(conditional).toEqual(new Map([["PUBLISH_KEY", ["publish"]]]));
    expect(conditionalSecretsNotice(conditional)).toBe("secret PUBLISH_KEY (job publish) not set: that job fails if its condition lets it run");
  });

  it("leaves out the jobs a resumed run keeps", () => {
    expect(missingSecrets(plan, { SHARED_TOKEN: "abc", DEPLOY_KEY: "def" }, new Set(["build"]))).toEqual(new Map());
  });

  it("says it in one line with what to do", () => {
    expect(new MissingSecretsError(missingSecrets(plan, { NPM_TOKEN: "xyz", SHARED_TOKEN: "abc" }, new Set())).message).toBe(
      'secret DEPLOY_KEY (job "ship") is not set, so no job ran: export DEPLOY_KEY=... before pipec run, or pass --secrets-file FILE',
    );
    expect(new MissingSecretsError(missingSecrets(plan, {}, new Set())).message).toBe(
      'secrets SHARED_TOKEN (jobs "build", "ship"), NPM_TOKEN (job "build"), DEPLOY_KEY (job "ship") are not set, so no job ran: export SHARED_TOKEN=... NPM_TOKEN=... DEPLOY_KEY=... before pipec run, or pass --secrets-file FILE',
    );
  });
});
