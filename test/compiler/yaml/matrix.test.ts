import { describe, expect, it } from "vitest";
import { loadYamlPipeline } from "../../../compiler/yaml/index.ts";
import { FILE, at, compile, diagnose, positions, yaml } from "./helpers.ts";

describe("matrix jobs", () => {
  const text = yaml`
    name: p
    jobs:
      build:
        image: alpine
        steps: [make]
        artifacts: { bin: out/ }
      test:
        image: node:\${{ matrix.node }}
        matrix:
          node: [18, 20]
          os: [linux, mac]
          exclude:
            - { node: 18, os: mac }
          include:
            - { node: 20, os: mac, experimental: true }
            - { node: 22, os: linux }
        depends_on: [build]
        environment:
          NODE: \${{ matrix.node }}
          OS: on-\${{matrix.os}}
        steps:
          - name: test on \${{ matrix.os }}
            script: npm test --node=\${{ matrix.node }}
      report:
        image: alpine
        depends_on: test
        inputs: [build.bin]
        steps: [collect]
  `;

  it("expands one job per combination, with exclude and include applied", () => {
    const { plan } = compile(text);
    const ids = ["test-node-18-os-linux", "test-node-20-os-linux", "test-node-20-os-mac-experimental-true", "test-node-22-os-linux"];
    expect(Object.keys(plan.jobs)).toEqual(["build", ...ids, "report"]);
    expect(ids.map((id) => plan.jobs[id]?.name)).toEqual([
      "test (node=18, os=linux)",
      "test (node=20, os=linux)",
      "test (node=20, os=mac, experimental=true)",
      "test (node=22, os=linux)",
    ]);
    expect(plan.jobs["test-node-20-os-mac-experimental-true"]).toMatchObject({
      matrix: { node: 20, os: "mac", experimental: true },
      image: "node:20",
      env: { NODE: "20", OS: "on-mac" },
      needs: ["build"],
      steps: [{ name: "test on mac", run: "npm test --node=20" }],
    });
  });

  it("expands a need on a matrix job to every expansion", () => {
    const { plan } = compile(text);
    expect(plan.jobs["report"]?.needs).toEqual(["test-node-18-os-linux", "test-node-20-os-linux", "test-node-20-os-mac-experimental-true", "test-node-22-os-linux", "build"]);
  });

  it("records each expansion's paths at the original nodes", () => {
    const { locate, plan } = compile(text);
    for (const id of ["test-node-18-os-linux", "test-node-22-os-linux"]) {
      expect(locate(["jobs", id])).toEqual(at(7, 3));
      expect(locate(["jobs", id, "needs", 0])).toEqual(at(17, 18));
      expect(locate(["jobs", id, "steps", 0, "run"])).toEqual(at(23, 17));
      expect(plan.jobs[id]?.source).toEqual(at(7, 3));
    }
    expect(locate(["jobs", "report", "needs", 3])).toEqual(at(26, 17));
  });

  it("reads inputs from a matrix job from each expansion", () => {
    const { plan } = compile(yaml`
      name: p
      image: x
      jobs:
        build:
          matrix: { arch: [amd64, arm64] }
          steps: [make]
          artifacts: { bin: out/ }
        pack:
          inputs: [build.bin]
          steps: [tar]
    `);
    expect(plan.jobs["pack"]).toMatchObject({
      inputs: [
        { job: "build-arch-amd64", output: "bin" },
        { job: "build-arch-arm64", output: "bin" },
      ],
      needs: ["build-arch-amd64", "build-arch-arm64"],
    });
  });

  it.each([
    [
      "an unknown axis, at the reference inside the script",
      yaml`
        name: p
        image: x
        jobs:
          a:
            matrix: { node: [1, 2] }
            steps:
              - script: |
                  echo ok
                  echo \${{ matrix.nod }}
      `,
      ["9:16 invalid-matrix"],
      'jobs.a.steps[0].script: matrix.nod is not a matrix axis of job "a"; did you mean "node"?',
    ],
    [
      "a matrix reference in a job without a matrix",
      "name: p\nimage: x\njobs:\n  a:\n    environment: { V: \"${{ matrix.v }}\" }\n    steps: [x]\n",
      ["5:24 invalid-matrix"],
      'jobs.a.environment.V: matrix.v is used, but job "a" has no matrix',
    ],
    [
      "a key only some combinations have",
      "name: p\nimage: x\njobs:\n  a:\n    matrix:\n      n: [1]\n      include: [{ n: 2, extra: y }]\n    steps: [\"echo ${{ matrix.extra }}\"]\n",
      ["8:19 invalid-matrix"],
      'jobs.a.steps[0]: matrix.extra has no value in the combination {"n":1} of job "a"',
    ],
    [
      "a matrix without combinations",
      "name: p\nimage: x\njobs:\n  a:\n    matrix: { n: [1], exclude: [{ n: 1 }] }\n    steps: [x]\n",
      ["5:13 invalid-matrix"],
      "jobs.a.matrix: the matrix has no combinations",
    ],
    [
      "an exclude naming no axis",
      "name: p\nimage: x\njobs:\n  a:\n    matrix:\n      node: [1, 2]\n      exclude: [{ nod: 1 }]\n    steps: [x]\n",
      ["7:19 invalid-matrix"],
      'jobs.a.matrix.exclude[0]: "nod" is not a matrix axis; did you mean "node"?',
    ],
    [
      "an expansion id that another job has",
      "name: p\nimage: x\njobs:\n  t-n-1: { steps: [x] }\n  t:\n    matrix: { n: [1] }\n    steps: [x]\n",
      ["5:3 duplicate-name"],
      'job "t" gets the id "t-n-1", which job "t-n-1" already has',
    ],
    [
      "an axis whose values are not a list",
      "name: p\nimage: x\njobs:\n  a:\n    matrix: { node: 20 }\n    steps: [x]\n",
      ["5:21 schema"],
      'job "a": matrix.node: expected a list, got 20',
    ],
  ])("reports %s", (_, source, expected, message) => {
    const { plan, diagnostics } = diagnose(source);
    expect(plan).toBeNull();
    expect(positions(diagnostics)).toEqual(expected);
    expect(diagnostics[0]?.message).toBe(message);
  });

  it("reports a bad reference once, not once per expansion", () => {
    const { diagnostics } = loadYamlPipeline("name: p\nimage: x\njobs:\n  a:\n    matrix: { n: [1, 2, 3] }\n    steps: [\"${{ matrix.m }}\"]\n", FILE);
    expect(positions(diagnostics)).toEqual(["6:14 invalid-matrix"]);
  });
});
