/** `${{ }}` left in scripts: reported once per expression per step, with the shell form to write instead. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileFile } from "../../../compiler/index.ts";
import type { Draft } from "../../../compiler/draft.ts";
import { defaultStepName } from "../../../compiler/step-defaults.ts";
import { validateDraft } from "../../../compiler/validate/index.ts";
import { loadYamlPipeline } from "../../../compiler/yaml/index.ts";
import type { JobInput, PlanInput } from "../../../runtime/plan/schema.ts";

const draftOf = (plan: PlanInput): Draft => ({ plan, locate: (path) => ({ file: "p.yaml", line: path.length, column: 1 }) });
const planWith = (job: Partial<JobInput>, env: PlanInput["env"] = {}): PlanInput => ({ name: "p", env, jobs: { test: { name: "test", image: "alpine", steps: [{ name: "one", run: "true" }], ...job } } });
const found = (plan: PlanInput) => validateDraft(draftOf(plan)).diagnostics.filter((d) => d.code === "expression-in-script");
const stepRun = (run: string, extra: Partial<JobInput> = {}) => found(planWith({ steps: [{ name: "true", run: "true" }, { name: defaultStepName(run, 1), run }], ...extra }));

describe("checkScripts", () => {
  it.each([
    ["${{ vars.CHANNEL }}", "write $CHANNEL: variables, env and secrets are in the step's environment"],
    ["${{ env.X }}", "write $X: variables, env and secrets are in the step's environment"],
    ["${{git.branch}}", "write $PIPEC_GIT_BRANCH: pipec sets it in every job (when the branch is known)"],
    ["${{ git.sha }}", "write $PIPEC_GIT_SHA: pipec sets it in every job (when the sha is known)"],
    ["${{ git.tag }}", "write $PIPEC_GIT_TAG: pipec sets it in every job (when the tag is known)"],
    ["${{ pipeline.name }}", "write $PIPEC_PIPELINE: pipec sets it in every job"],
    ["${{ run.id }}", "write $PIPEC_RUN_ID: pipec sets it in every job"],
    ["${{ needs.build.result }}", "needs.* is not available to scripts; use it in a condition (if) on the step or the job"],
    ["${{ github.ref }}", "github.* is not available to scripts; read values from the environment, as $NAME (CI, PIPEC_RUN_ID, PIPEC_GIT_BRANCH, ...)"],
    ["${{ vars.A == 'x' && git.branch }}", "compute it in the shell, reading $A, $PIPEC_GIT_BRANCH; a condition on the whole step belongs in its if"],
    ["${{ matrix.node }}", "the job has no matrix"],
    ["$${{ vars.X }}", "in a script $$ is the shell's process id, not an escape; write \\${{ for a literal ${{"],
  ])("%s in a step script", (expression, hint) => {
    const [d, ...rest] = stepRun(`echo "${expression}"`);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: "error", message: `job "test": step 2: ${expression.replace(/^\$(?=\$)/, "")} is not expanded in scripts, which run in sh`, hint, location: { line: 5 } });
  });

  it("names a secret by the env entry that carries it", () => {
    const [d] = stepRun("curl -H ${{ secrets.TOKEN }}", { env: { API_TOKEN: { secret: "TOKEN" } } });
    expect(d!.hint).toBe("write $API_TOKEN: variables, env and secrets are in the step's environment");
    const [missing] = stepRun("curl -H ${{ secrets.TOKEN }}");
    expect(missing!.hint).toBe("write $TOKEN, with TOKEN set from the secret in the job's env: variables, env and secrets are in the step's environment");
  });

  it("reports each distinct expression once per step", () => {
    const messages = stepRun("echo ${{ vars.A }}\necho ${{ vars.A }} ${{ vars.B }}").map((d) => d.message);
    expect(messages).toEqual(['job "test": step 2: ${{ vars.A }} is not expanded in scripts, which run in sh', 'job "test": step 2: ${{ vars.B }} is not expanded in scripts, which run in sh']);
  });

  it.each([
    ["a backslash-escaped ${{", "echo \\${{ vars.X }}"],
    ["a whole-line comment", "# was: echo ${{ vars.X }}\necho $X"],
    ["plain shell variables", 'echo "${X}" $X ${X:-d} {{ x }}'],
  ])("leaves %s alone", (_, run) => expect(stepRun(run)).toEqual([]));

  it("shows the author's step name, not one made from the script", () => {
    const [d] = found(planWith({ steps: [{ name: "publish", run: "echo ${{ vars.X }}" }] }));
    expect(d!.message).toBe('job "test": step 1 ("publish"): ${{ vars.X }} is not expanded in scripts, which run in sh');
  });

  it("checks shell-script commands of services and deployments, not other argv commands", () => {
    const plan = planWith({
      services: [
        { name: "db", image: "postgres", command: ["postgres", "-c", "x=${{ vars.A }}"], readyCommand: ["sh", "-ec", "pg_isready ${{ vars.B }}"] },
      ],
    });
    expect(found(plan).map((d) => d.message)).toEqual(['job "test": services[0].readyCommand[2]: ${{ vars.B }} is not expanded in scripts, which run in sh']);
    const deploy = {
      name: "web",
      image: null,
      steps: [],
      deploy: {
        strategy: "rolling",
        name: "web",
        target: { kind: "process", command: ["/bin/bash", "-c", "serve $${{ vars.PORT }}"] },
        healthCheck: { command: ["sh", "-c", "curl ${{ vars.URL }}"] },
        analysis: { metrics: [{ name: "m", provider: { kind: "command", run: ["sh", "-c", "check ${{ run.id }}"] } }] },
      },
    } as unknown as Partial<JobInput>;
    const messages = found(planWith(deploy)).map((d) => d.message);
    // In a target command, variable templates turn $$ into $ before the shell reads it.
    expect(messages).toEqual([
      'deployment "test": target.command[2]: ${{ vars.PORT }} is not expanded in scripts, which run in sh',
      'deployment "test": healthCheck.command[2]: ${{ vars.URL }} is not expanded in scripts, which run in sh',
      'deployment "test": analysis.metrics[0].provider.run[2]: ${{ run.id }} is not expanded in scripts, which run in sh',
    ]);
  });
});

describe("expression-in-script through the front ends", () => {
  const dir = mkdtempSync(join(tmpdir(), "pipec-scripts-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("YAML: at the script, after matrix expansion, once for all expansions", () => {
    const text = 'name: p\njobs:\n  test:\n    image: alpine\n    matrix: { node: ["20", "22"] }\n    steps:\n      - echo ${{ matrix.node }}\n      - script: echo ${{ vars.X }} ${{ matrix.node == \'20\' }}\n';
    const { draft, diagnostics } = loadYamlPipeline(text, "p.yaml");
    expect(diagnostics).toEqual([]);
    const found = validateDraft(draft!).diagnostics.filter((d) => d.code === "expression-in-script");
    expect(found.map((d) => [d.message, d.location?.line])).toEqual([
      ['job "test": step 2: ${{ vars.X }} is not expanded in scripts, which run in sh', 8],
      ["job \"test\": step 2: ${{ matrix.node == '20' }} is not expanded in scripts, which run in sh", 8],
    ]);
  });

  it("YAML: an unknown matrix key is reported once, as invalid-matrix", () => {
    const { diagnostics } = loadYamlPipeline("name: p\njobs:\n  a:\n    image: x\n    matrix: { n: [1] }\n    steps: [\"echo ${{ matrix.m }}\"]\n", "p.yaml");
    expect(diagnostics.map((d) => d.code)).toEqual(["invalid-matrix"]);
  });

  it("TypeScript: at the step's string", async () => {
    const file = join(dir, "ci.pipeline.ts");
    writeFileSync(file, 'import { job, pipeline } from "pipec";\nconst a = job("a", { image: "alpine", steps: ["true", "echo ${{ vars.X }}"] });\nexport default pipeline("p", { jobs: [a] });\n');
    const { plan, diagnostics } = await compileFile(file, { cacheDir: null, typecheck: false });
    expect(plan).toBeNull();
    expect(diagnostics.map((d) => [d.code, d.message, d.location?.line, d.hint])).toEqual([
      ["expression-in-script", 'job "a": step 2: ${{ vars.X }} is not expanded in scripts, which run in sh', 2, "write $X: variables, env and secrets are in the step's environment"],
    ]);
  });
});
