import { describe, expect, it } from "vitest";
import { loadYamlPipeline } from "../../../compiler/yaml/index.ts";
import { FILE, at, compile, diagnose, positions, yaml } from "./helpers.ts";

describe("anchors, aliases and merge keys", () => {
  const text = yaml`
    name: p
    x-defaults: &defaults
      image: node:20
      timeout: 10m
      environment: &env
        NODE_ENV: test
    x-steps: &setup
      - npm ci
      - npm run build
    jobs:
      build:
        <<: *defaults
        steps: *setup
      test:
        <<: *defaults
        timeout: 20m
        environment: *env
        steps:
          - npm ci
          - npm test
      lint:
        <<: [{ image: first }, *defaults]
        steps: [npm run lint]
  `;

  it("resolves aliases and merges, letting explicit keys and earlier sources win", () => {
    const { plan } = compile(text);
    expect(plan.jobs["build"]).toMatchObject({ image: "node:20", timeoutMs: 600_000, env: { NODE_ENV: "test" } });
    expect(plan.jobs["build"]?.steps?.map((s) => s.run)).toEqual(["npm ci", "npm run build"]);
    expect(plan.jobs["test"]).toMatchObject({ image: "node:20", timeoutMs: 1_200_000, env: { NODE_ENV: "test" } });
    expect(plan.jobs["lint"]).toMatchObject({ image: "first", timeoutMs: 600_000 });
  });

  it("locates merged values at the anchor and aliased lists at their items", () => {
    const { plan, locate } = compile(text);
    expect(locate(["jobs", "build", "timeoutMs"])).toEqual(at(4, 12));
    expect(locate(["jobs", "test", "timeoutMs"])).toEqual(at(16, 14));
    expect(plan.jobs["build"]?.steps?.[1]?.source).toEqual(at(9, 5));
    expect(plan.jobs["build"]?.source).toEqual(at(11, 3));
  });

  it("reports a schema error inside an anchor at the anchor's line", () => {
    const { diagnostics } = loadYamlPipeline(yaml`
      name: p
      x-defaults: &defaults
        image: node
        timeout: soon
      jobs:
        a: { <<: *defaults, steps: [x] }
    `, FILE);
    expect(positions(diagnostics)).toEqual(["4:12 schema"]);
    expect(diagnostics[0]?.message).toBe('job "a": timeout: "soon" is not a duration; write seconds as a number or text like "90s", "10m", "1h30m"');
  });

  it.each([
    ["an undefined alias", "name: p\njobs: *nope\n", "2:7 yaml-syntax"],
    ["a merge of a scalar", "name: p\nimage: x\njobs:\n  a:\n    <<: plain\n    steps: [x]\n", "5:9 schema"],
  ])("reports %s", (_, source, expected) => {
    const { plan, diagnostics } = diagnose(source);
    expect(plan).toBeNull();
    expect(positions(diagnostics)).toContain(expected);
  });

  it("stops an alias bomb instead of expanding it", () => {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let n = 1; n < 9; n++) lines.push(`a${n}: &a${n} [${Array.from({ length: 10 }, () => `*a${n - 1}`).join(", ")}]`);
    const { plan, diagnostics } = diagnose(`${lines.join("\n")}\nname: p\njobs: {}\n`);
    expect(plan).toBeNull();
    expect(diagnostics.map((d) => d.code)).toContain("yaml-syntax");
    expect(diagnostics.find((d) => d.code === "yaml-syntax")?.message).toMatch(/too many aliases/);
  });
});

describe("multi-line scripts", () => {
  it.each([
    ["a literal block", "script: |\n          npm ci\n          npm test\n", "npm ci\nnpm test"],
    ["a literal block, strip chomping", "script: |-\n          npm ci\n          npm test\n", "npm ci\nnpm test"],
    ["a literal block, keep chomping", "script: |+\n          npm ci\n          npm test\n\n", "npm ci\nnpm test"],
    ["a literal block with indentation", "script: |\n          if true; then\n            echo yes\n          fi\n", "if true; then\n  echo yes\nfi"],
    ["a folded block", "script: >\n          npm publish\n          --access public\n", "npm publish --access public"],
    ["a list of lines", "script:\n          - npm ci\n          - npm test\n", "npm ci\nnpm test"],
    ["a flow list", "script: [npm ci, npm test]\n", "npm ci\nnpm test"],
    ["a double-quoted string with escapes", 'script: "printf \'a\\\\tb\\\\n\'"\n', "printf 'a\\tb\\n'"],
  ])("reads %s", (_, script, run) => {
    const { plan } = compile(`name: p\nimage: x\njobs:\n  a:\n    steps:\n      - name: s\n        ${script}`);
    expect(plan.jobs["a"]?.steps?.[0]?.run).toBe(run);
  });

  it("takes a bare string step as its script, with a literal block too", () => {
    const { plan } = compile(yaml`
      name: p
      image: x
      jobs:
        a:
          steps:
            - echo one
            - |
              echo two
              echo three
    `);
    expect(plan.jobs["a"]?.steps).toEqual([
      { name: "echo one", run: "echo one", source: at(6, 9) },
      { name: "echo two", run: "echo two\necho three", source: at(7, 9) },
    ]);
  });
});
