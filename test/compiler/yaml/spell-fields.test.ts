import { describe, expect, it } from "vitest";
import { loadYamlPipeline } from "../../../compiler/yaml/index.ts";

const YAML = `name: p
image: node:22
global_env:
  X: "1"
x-defaults: &defaults
  working_directory: app
jobs:
  build:
    <<: *defaults
    retry: 3
    artifacts:
      dist: dist/
    steps:
      - npm ci
      - name: test
        script: npm test
        retry_count: 2
        environment:
          FOO: bar
  deploy:
    depends_on: build
    inputs: [build.dist]
    conditional: always()
    secrets: [NPM_TOKEN]
    steps: [make]
`;

describe("YAML labels: the keys as the author wrote them", () => {
  // Once through the block reader, once through the full YAML parser (a flow mapping sends it there).
  const drafts = [
    ["simple reader", loadYamlPipeline(YAML, "pipeline.yaml").draft!],
    ["full parser", loadYamlPipeline(YAML.replace("    retry: 3\n", "    retry: 3\n    resources: { cpus: 1 }\n"), "pipeline.yaml").draft!],
  ] as const;

  it.each(drafts.flatMap(([reader, draft]) =>
    [
      [["env", "X"], "pipeline: global_env.X"],
      [["jobs", "build"], 'job "build"'],
      [["jobs", "build", "retry", "max"], 'job "build": retry'],
      [["jobs", "build", "workingDirectory"], 'job "build": working_directory'],
      [["jobs", "build", "outputs", "dist", "paths", 0], 'job "build": artifacts.dist[0]'], // a one-path shorthand keeps the plan's index,
      [["jobs", "build", "steps", 0, "run"], 'job "build": step 1 ("npm ci")'],
      [["jobs", "build", "steps", 1, "retry", "max"], 'job "build": step 2 ("test"): retry_count'],
      [["jobs", "build", "steps", 1, "env", "FOO"], 'job "build": step 2 ("test"): environment.FOO'],
      [["jobs", "deploy", "needs", 0], 'job "deploy": depends_on'],
      [["jobs", "deploy", "inputs", 0, "job"], 'job "deploy": inputs[0]'],
      [["jobs", "deploy", "if"], 'job "deploy": conditional'],
      [["jobs", "deploy", "env", "NPM_TOKEN", "secret"], 'job "deploy": secrets[0]'],
      [["jobs", "deploy", "image"], 'job "deploy": image'],
      [["jobs", "deploy", "timeoutMs"], 'job "deploy": timeoutMs'],
    ].map(([path, label]) => [reader, path, label, draft] as const),
  ))("%s: %j is %s", (_reader, path, label, draft) => {
    expect(draft.label!(path as (string | number)[])).toBe(label);
  });
});
