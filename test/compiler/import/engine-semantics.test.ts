/**
 * What the engines do that the imported pipeline must do too: GitLab's lenient artifact downloads
 * (optional inputs), GitHub's optional downloads, the branch-or-tag name (`github.ref_name`,
 * `$CI_COMMIT_REF_NAME`), and the `dependencies` GitLab refuses.
 */
import { describe, expect, it } from "vitest";
import { importPipeline } from "../../../compiler/import/index.ts";

const lines = (...text: string[]) => text.join("\n");
const errorsOf = (result: ReturnType<typeof importPipeline>) => result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.location?.file}:${d.location?.line}: ${d.message}`);

describe("artifacts a job takes", () => {
  it("GitLab: every downloaded artifact is an optional input, with no warning about missing ones", () => {
    const yaml = lines("build:", "  stage: build", "  script: exit 0", "  artifacts:", "    paths: [build.log]", "deploy:", "  stage: deploy", "  when: always", "  script: echo deploy");
    const ts = importPipeline(".gitlab-ci.yml", yaml, { from: "gitlab" });
    expect(ts.text).toContain('outputs: { artifacts: output("build.log", { optional: true }) },');
    expect(ts.text).toContain("inputs: [input(build.outputs.artifacts, { optional: true })],");
    expect(ts.diagnostics.map((d) => d.message).join("\n")).not.toMatch(/not there|is missing/);
    const yamlOut = importPipeline(".gitlab-ci.yml", yaml, { from: "gitlab", format: "yaml" });
    expect(yamlOut.text).toMatch(/inputs:\n\s+- from: build\.artifacts\n\s+optional: true/);
  });

  it("GitHub: a download with continue-on-error is an optional input; a plain one is required", () => {
    const yaml = lines(
      "on: push",
      "jobs:",
      "  build:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - run: echo hi > a.txt",
      "      - uses: actions/upload-artifact@v4",
      "        with: { name: a, path: a.txt, if-no-files-found: error }",
      "      - uses: actions/upload-artifact@v4",
      "        with: { name: b, path: b.txt }",
      "  use:",
      "    needs: build",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - uses: actions/download-artifact@v4",
      "        with: { name: a }",
      "      - uses: actions/download-artifact@v4",
      "        continue-on-error: true",
      "        with: { name: b }",
      "      - run: cat a.txt",
    );
    const result = importPipeline("ci.yml", yaml, { from: "github" });
    expect(result.text).toContain("inputs: [build.outputs.a, input(build.outputs.b, { optional: true })],");
    expect(result.text).toContain('b: output("b.txt", { optional: true })');
  });
});

describe("the branch, or the tag on a tag run", () => {
  it("GitHub: github.ref_name reads the tag on a tag push, in conditions, scripts and env", () => {
    const yaml = lines(
      "on: push",
      "jobs:",
      "  release:",
      "    if: github.ref_name == 'v1.2'",
      "    runs-on: ubuntu-latest",
      "    env:",
      "      REF: ${{ github.ref_name }}",
      "    steps:",
      '      - run: echo "${{ github.ref_name }} $REF"',
    );
    const ts = importPipeline("ci.yml", yaml, { from: "github" });
    expect(ts.text).toContain('if: when.eq(when.or(when.git.branch, when.git.tag), "v1.2"),');
    expect(ts.text).toContain('REF: "${PIPEC_GIT_BRANCH:-${PIPEC_GIT_TAG}}"');
    expect(ts.text).toContain('"echo \\"${PIPEC_GIT_BRANCH:-${PIPEC_GIT_TAG}} $REF\\""');
    const yamlOut = importPipeline("ci.yml", yaml, { from: "github", format: "yaml" });
    expect(yamlOut.text).toContain("conditional: ${{ (git.branch || git.tag) == 'v1.2' }}");
  });

  it("GitLab: $CI_COMMIT_REF_NAME in rules and variables reads the tag on a tag pipeline", () => {
    const yaml = lines("release:", "  variables:", "    REF: $CI_COMMIT_REF_NAME", "  rules:", '    - if: $CI_COMMIT_REF_NAME == "v1.2"', "  script: echo $REF");
    const result = importPipeline(".gitlab-ci.yml", yaml, { from: "gitlab" });
    expect(result.text).toContain('if: when.eq(when.or(when.git.branch, when.git.tag), "v1.2"),');
    expect(result.text).toContain('REF: "${PIPEC_GIT_BRANCH:-${PIPEC_GIT_TAG}}"');
    expect(result.todos).toEqual([]);
  });
});

describe("dependencies GitLab refuses", () => {
  it("a dependency its needs do not name (gitlab-ci-local's needs-contains-dependencies) is an error at the line", () => {
    const yaml = lines(
      "one:", //                                   1
      "  script: echo one", //                     2
      "two:", //                                   3
      "  script: echo two", //                     4
      "three:", //                                 5
      "  script: echo three", //                   6
      "test-job:", //                              7
      "  needs:", //                               8
      "    - { job: one, artifacts: false }", //   9
      "    - three", //                           10
      "  dependencies: [one, two]", //            11
      "  script: echo never", //                  12
    );
    const result = importPipeline(".gitlab-ci.yml", yaml, { from: "gitlab" });
    expect(result.text).toBeNull();
    expect(errorsOf(result)).toEqual(['.gitlab-ci.yml:11: job "test-job": dependencies name "two", which its needs do not; GitLab refuses the file ("dependencies the two should be part of needs")']);
    expect(result.diagnostics.find((d) => d.severity === "error")?.hint).toBe("add two to needs (with artifacts: false if no files are wanted), or take it out of dependencies");
  });

  it("a dependency that is no job is an error; one the import left out (when: never) stays a TODO", () => {
    const missing = importPipeline(".gitlab-ci.yml", lines("test-job:", "  script: echo", "  dependencies:", "    - invalid"), { from: "gitlab" });
    expect(errorsOf(missing)).toEqual(['.gitlab-ci.yml:3: job "test-job": dependencies name "invalid", which is not a job of this file; GitLab refuses the file ("undefined dependency")']);
    const never = importPipeline(".gitlab-ci.yml", lines("stages: [a, b]", "gone:", "  stage: a", "  when: never", "  script: echo", "use:", "  stage: b", "  dependencies: [gone]", "  script: echo"), { from: "gitlab" });
    expect(errorsOf(never)).toEqual([]);
    expect(never.todos.map((t) => t.message)).toContain('dependencies names "gone", which is not a job here');
  });

  it("a need or a dependency on a job of a later stage is an error at its line, as GitLab refuses it; the same stage is fine", () => {
    const later = importPipeline(
      ".gitlab-ci.yml",
      lines("stages: [build, deploy]", "package:", "  stage: build", "  needs: [publish]", "  script: echo", "smoke:", "  stage: build", "  dependencies:", "    - publish", "  script: echo", "publish:", "  stage: deploy", "  script: echo"),
      { from: "gitlab" },
    );
    expect(errorsOf(later)).toEqual([
      '.gitlab-ci.yml:4: job "package" (stage build) needs "publish", which is in the later stage deploy; GitLab refuses the file ("need publish is not defined in current or prior stages")',
      '.gitlab-ci.yml:8: job "smoke" (stage build) takes the dependencies of "publish", which is in the later stage deploy; GitLab refuses the file ("dependency publish is not defined in current or prior stages")',
    ]);
    expect(later.text).toBeNull();
    const same = importPipeline(".gitlab-ci.yml", lines("one:", "  script: echo", "two:", "  needs: [one]", "  script: echo"), { from: "gitlab" });
    expect(errorsOf(same)).toEqual([]);
  });

  it("dependencies within needs (artifacts or not) import", () => {
    const yaml = lines("stages: [a, b]", "one:", "  stage: a", "  script: echo > o.txt", "  artifacts: { paths: [o.txt] }", "use:", "  stage: b", "  needs: [one]", "  dependencies: [one]", "  script: cat o.txt");
    const result = importPipeline(".gitlab-ci.yml", yaml, { from: "gitlab" });
    expect(errorsOf(result)).toEqual([]);
    expect(result.text).toContain("inputs: [input(one.outputs.artifacts, { optional: true })],");
  });
});
