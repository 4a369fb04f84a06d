/**
 * The engines' predefined variables in imported scripts: those pipec sets under another name are
 * renamed (outside single quotes, where the shell expands nothing), the rest stay and get a TODO that
 * names the script's source line.
 */
import { describe, expect, it } from "vitest";
import { importPipeline } from "../../../compiler/import/index.ts";
import { rewriteScriptVariables } from "../../../compiler/import/predefined.ts";

describe("rewriteScriptVariables", () => {
  it.each([
    ["echo $CI_COMMIT_SHA", "echo ${PIPEC_GIT_SHA}", []],
    ["cd ${CI_PROJECT_DIR}/build", "cd ${PIPEC_WORKSPACE}/build", []],
    ['echo "${CI_JOB_NAME:-none}"', 'echo "${PIPEC_JOB_NAME:-none}"', []],
    ["echo $CI_PIPELINE_ID-$CI_COMMIT_TAG", "echo ${PIPEC_RUN_ID}-${PIPEC_GIT_TAG}", []],
    ["echo $CI_COMMIT_REF_NAME", "echo ${PIPEC_GIT_BRANCH:-${PIPEC_GIT_TAG}}", []],
    ['test "$GITHUB_REF_NAME" = main', 'test "${PIPEC_GIT_BRANCH:-${PIPEC_GIT_TAG}}" = main', []],
    ["cp a $GITHUB_WORKSPACE/b && echo $GITHUB_SHA", "cp a ${PIPEC_WORKSPACE}/b && echo ${PIPEC_GIT_SHA}", []],
    // Single quotes: the shell expands nothing, so the text stays as it is.
    ["echo '$CI_COMMIT_SHA' \"$CI_COMMIT_SHA\"", "echo '$CI_COMMIT_SHA' \"${PIPEC_GIT_SHA}\"", []],
    ["echo \\$CI_COMMIT_SHA $$", "echo \\$CI_COMMIT_SHA $$", []],
    ["echo $CI_COMMIT_REF_SLUG $CI_COMMIT_SHA $CI_REGISTRY", "echo $CI_COMMIT_REF_SLUG ${PIPEC_GIT_SHA} $CI_REGISTRY", ["CI_COMMIT_REF_SLUG", "CI_REGISTRY"]],
    ["echo ${CI_COMMIT_REF_NAME:-x}", "echo ${CI_COMMIT_REF_NAME:-x}", ["CI_COMMIT_REF_NAME"]],
    ["echo $CI $HOME $MY_VAR", "echo $CI $HOME $MY_VAR", []],
  ])("%s", (script, text, unknown) => {
    expect(rewriteScriptVariables(script, new Set())).toEqual({ text, unknown });
  });

  it("keeps a name the pipeline defines itself", () => {
    expect(rewriteScriptVariables("echo $CI_DEBUG $CI_COMMIT_SHA", new Set(["CI_DEBUG", "CI_COMMIT_SHA"]))).toEqual({ text: "echo $CI_DEBUG $CI_COMMIT_SHA", unknown: [] });
  });
});

const todosOf = (result: ReturnType<typeof importPipeline>) => result.todos.map((t) => `${t.where.file}:${t.where.line}: ${t.message}`);

describe("importing scripts that read predefined variables", () => {
  it("GitLab: renames the known ones, and a TODO names the line of each other", () => {
    const yaml = [
      "build:", //                                      1
      "  image: busybox:1.36", //                       2
      "  before_script:", //                            3
      "    - echo $CI_JOB_NAME", //                     4
      "  script:", //                                   5
      "    - echo $CI_COMMIT_SHA > sha.txt", //         6
      "    - echo $CI_COMMIT_REF_SLUG", //              7
      "    - cd $CI_PROJECT_DIR && echo $CI_PIPELINE_ID", // 8
      "  after_script:", //                             9
      "    - echo $CI_JOB_STATUS", //                   10
    ].join("\n");
    const result = importPipeline(".gitlab-ci.yml", yaml, { from: "gitlab" });
    expect(result.text).toContain('"echo ${PIPEC_JOB_NAME}"');
    expect(result.text).toContain('"echo ${PIPEC_GIT_SHA} > sha.txt"');
    expect(result.text).toContain('"cd ${PIPEC_WORKSPACE} && echo ${PIPEC_RUN_ID}"');
    expect(result.text).toContain('"echo $CI_COMMIT_REF_SLUG"');
    expect(todosOf(result)).toEqual([
      ".gitlab-ci.yml:7: the script reads $CI_COMMIT_REF_SLUG, which GitLab predefines and pipec does not set: it reads as empty",
      ".gitlab-ci.yml:10: the script reads $CI_JOB_STATUS, which GitLab predefines and pipec does not set: it reads as empty",
    ]);
    expect(result.text).toContain("// TODO(.gitlab-ci.yml:7): the script reads $CI_COMMIT_REF_SLUG");
    const warnings = result.diagnostics.filter((d) => d.message.includes("CI_COMMIT_REF_SLUG"));
    expect(warnings.map((d) => [d.severity, d.location?.line])).toEqual([["warning", 7]]);
  });

  it("GitHub: ${{ github.sha }} and $GITHUB_SHA, GITHUB_WORKSPACE, GITHUB_REF_NAME become pipec's; others a TODO at the step", () => {
    const yaml = [
      "on: push", //                                                  1
      "jobs:", //                                                     2
      "  build:", //                                                  3
      "    runs-on: ubuntu-latest", //                                4
      "    steps:", //                                                5
      "      - run: echo ${{ github.sha }} $GITHUB_SHA", //           6
      "      - run: cd $GITHUB_WORKSPACE && echo $GITHUB_REF_NAME", // 7
      "      - run: echo $GITHUB_REPOSITORY", //                      8
    ].join("\n");
    const result = importPipeline("ci.yml", yaml, { from: "github" });
    expect(result.text).toContain('"echo ${PIPEC_GIT_SHA} ${PIPEC_GIT_SHA}"');
    expect(result.text).toContain('"cd ${PIPEC_WORKSPACE} && echo ${PIPEC_GIT_BRANCH:-${PIPEC_GIT_TAG}}"');
    expect(todosOf(result)).toEqual(["ci.yml:8: the script reads $GITHUB_REPOSITORY, which GitHub predefines and pipec does not set: it reads as empty"]);
  });

  it("GitHub: an expression inside single quotes stays expanded (the quote is closed around it)", () => {
    const yaml = ["on: push", "jobs:", "  a:", "    runs-on: ubuntu-latest", "    steps:", "      - run: echo '${{ secrets.TOKEN }}' | grep x"].join("\n");
    expect(importPipeline("ci.yml", yaml, { from: "github" }).text).toContain(`"echo ''\\"\${TOKEN}\\"'' | grep x"`);
  });
});
