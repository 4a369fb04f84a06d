import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadYamlPipeline } from "../../../compiler/yaml/index.ts";
import { PlanSchema, type PlanInput } from "../../../runtime/plan/schema.ts";
import { at, compile, diagnose, FILE, yaml } from "./helpers.ts";

describe("the authoring dialect", () => {
  it("maps a small pipeline to the exact PlanInput", () => {
    const text = yaml`
      name: shop
      image: node:20
      timeout: 30m
      global_env:
        NODE_ENV: production
        TOKEN: { secret: API_TOKEN }
      vars:
        CHANNEL: beta
        REGION: { default: eu, description: where to deploy }
      secrets: [API_TOKEN]
      jobs:
        build:
          steps:
            - npm ci
            - name: compile
              script: npm run build
              timeout: 90
          artifacts:
            dist: dist/
        test:
          depends_on: build
          image: node:22
          conditional: \${{ success() }}
          environment: { CI: true, PORT: 8080 }
          secrets: [NPM_TOKEN]
          inputs: [build.dist]
          retry: 2
          allow_failure: true
          working_directory: app
          network: host
          steps:
            - script: [npm test, npm run e2e]
              retry_count: 1
              continue_on_failure: true
              conditional: always()
              working_directory: e2e
              environment: { DEBUG: "1" }
              image: cypress/included:13
    `;
    const expected: PlanInput = {
      name: "shop",
      source: at(1, 1),
      timeoutMs: 1_800_000,
      env: { NODE_ENV: "production", TOKEN: { secret: "API_TOKEN" } },
      vars: { CHANNEL: { default: "beta" }, REGION: { default: "eu", description: "where to deploy" } },
      secrets: ["API_TOKEN"],
      jobs: {
        build: {
          name: "build",
          image: "node:20",
          source: at(12, 3),
          steps: [
            { name: "npm ci", run: "npm ci", source: at(14, 9) },
            { name: "compile", run: "npm run build", timeoutMs: 90_000, source: at(15, 9) },
          ],
          outputs: { dist: { paths: ["dist/"] } },
        },
        test: {
          name: "test",
          image: "node:22",
          source: at(20, 3),
          needs: ["build"],
          if: "success()",
          env: { CI: "true", PORT: "8080", NPM_TOKEN: { secret: "NPM_TOKEN" } },
          inputs: [{ job: "build", output: "dist" }],
          retry: { max: 2 },
          allowFailure: true,
          workingDirectory: "app",
          network: "host",
          steps: [
            {
              name: "npm test",
              run: "npm test\nnpm run e2e",
              retry: { max: 1 },
              continueOnFailure: true,
              if: "always()",
              workingDirectory: "e2e",
              env: { DEBUG: "1" },
              image: "cypress/included:13",
              source: at(32, 9),
            },
          ],
        },
      },
    };
    expect(compile(text).plan).toEqual(expected);
  });

  it("maps services, caches, resources, artifacts and retry policies", () => {
    const { plan } = compile(yaml`
      name: p
      image: alpine
      jobs:
        a:
          steps: [echo]
          services:
            - name: db
              image: postgres:16
              command: [postgres, -c, fsync=off]
              environment: { POSTGRES_PASSWORD: pw }
              ready_command: pg_isready
          cache:
            - key: v1
              paths: node_modules
            - key: [deps, { files: package-lock.json }]
              paths: [a, b]
              policy: pull
          resources: { cpus: 1.5, memory: 512m, pids: 100 }
          retry: { max: 3, when: [exit-code], exit_codes: [137] }
          artifacts:
            report:
              paths: [out/a, out/b]
              exclude: out/*.tmp
              optional: true
              expire_in: 1h30m
            list: [x, y]
    `);
    expect(plan.jobs["a"]).toMatchObject({
      services: [{ name: "db", image: "postgres:16", command: ["postgres", "-c", "fsync=off"], env: { POSTGRES_PASSWORD: "pw" }, readyCommand: ["sh", "-c", "pg_isready"] }],
      caches: [
        { key: [{ value: "v1" }], paths: ["node_modules"] },
        { key: [{ value: "deps" }, { files: ["package-lock.json"] }], paths: ["a", "b"], policy: "pull" },
      ],
      resources: { cpus: 1.5, memoryBytes: 512 * 1024 * 1024, pids: 100 },
      retry: { max: 3, on: ["exit-code"], exitCodes: [137] },
      outputs: {
        report: { paths: ["out/a", "out/b"], exclude: ["out/*.tmp"], optional: true, expireInMs: 5_400_000 },
        list: { paths: ["x", "y"] },
      },
    });
  });

  it.each([
    ["a number of seconds", "90", 90_000],
    ["a fraction of seconds", "1.5", 1_500],
    ["minutes", "10m", 600_000],
    ["combined units", "1h30m", 5_400_000],
    ["milliseconds", "250ms", 250],
    ["days", "2d", 172_800_000],
  ])("reads a timeout given as %s", (_, value, ms) => {
    const { plan } = compile(`name: p\nimage: x\njobs:\n  a:\n    timeout: ${value}\n    steps: [echo]\n`);
    expect(plan.jobs["a"]?.timeoutMs).toBe(ms);
  });

  it.each([
    ["bytes", "1048576", 1_048_576],
    ["k", "64k", 65_536],
    ["m", "512m", 536_870_912],
    ["MiB", "512MiB", 536_870_912],
    ["g", "2g", 2_147_483_648],
    ["GB, fractional", "1.5GB", 1_610_612_736],
  ])("reads memory in %s", (_, value, bytes) => {
    const { plan } = compile(`name: p\nimage: x\njobs:\n  a:\n    resources: { memory: ${value} }\n    steps: [echo]\n`);
    expect(plan.jobs["a"]?.resources?.memoryBytes).toBe(bytes);
  });

  it.each([
    ["success()", "success()"],
    ["${{ failure() }}", "failure()"],
    ["'  ${{ vars.X == ''1'' }}  '", "vars.X == '1'"],
    ["\"${{ a }} && ${{ b }}\"", "${{ a }} && ${{ b }}"],
  ])("unwraps the conditional %s", (written, expression) => {
    const { plan } = compile(`name: p\nimage: x\njobs:\n  a:\n    conditional: ${written}\n    steps: [echo]\n`);
    expect(plan.jobs["a"]?.if).toBe(expression);
  });

  it("adds the need for every input, after the written depends_on", () => {
    const { plan } = compile(yaml`
      name: p
      image: x
      jobs:
        build: { steps: [make], artifacts: { bin: out/ } }
        lint: { steps: [lint] }
        test:
          depends_on: [lint]
          inputs: [build.bin]
          steps: [test]
    `);
    expect(plan.jobs["test"]?.needs).toEqual(["lint", "build"]);
  });

  it("splits an input at the last dot, since job ids may hold dots", () => {
    const { plan } = compile(yaml`
      name: p
      image: x
      jobs:
        v1.2: { steps: [make] }
        use: { inputs: [v1.2.dist], steps: [ls] }
    `);
    expect(plan.jobs["use"]?.inputs).toEqual([{ job: "v1.2", output: "dist" }]);
  });

  it("takes { from, optional } inputs; an output taken twice is optional only if both say so", () => {
    const { plan } = diagnose(yaml`
      name: p
      image: x
      jobs:
        build: { steps: [make], artifacts: { bin: out/, docs: { paths: docs/, optional: true } } }
        use:
          inputs: [build.bin, { from: build.bin, optional: true }, { from: build.docs, optional: true }, { from: build.docs, optional: true }]
          steps: [ls]
    `);
    expect(plan?.jobs["use"]?.inputs).toEqual([
      { job: "build", output: "bin", optional: false },
      { job: "build", output: "docs", optional: true },
    ]);
  });

  it("lets environment win over a job secret of the same name", () => {
    const { plan } = compile("name: p\nimage: x\njobs:\n  a:\n    environment: { TOKEN: fixed }\n    secrets: [TOKEN, OTHER]\n    steps: [echo]\n");
    expect(plan.jobs["a"]?.env).toEqual({ TOKEN: "fixed", OTHER: { secret: "OTHER" } });
  });

  it("ignores top-level x-* keys", () => {
    const { plan } = compile("x-notes: anything at all\nname: p\nimage: x\njobs:\n  a: { steps: [echo] }\n");
    expect(Object.keys(plan)).not.toContain("x-notes");
  });

  it("records the author's position of every mapped value under its plan path", () => {
    const { locate } = compile(yaml`
      name: p
      image: node
      jobs:
        build:
          steps: [make]
        test:
          depends_on: [lint, build]
          conditional: always()
          timeout: 5m
          environment:
            A: "1"
          steps:
            - name: unit
              script: npm test
              timeout: 1m
        lint: { steps: [lint] }
    `);
    expect.soft(locate(["jobs", "test"])).toEqual(at(6, 3));
    expect.soft(locate(["jobs", "test", "needs", 1])).toEqual(at(7, 24));
    expect.soft(locate(["jobs", "test", "if"])).toEqual(at(8, 18));
    expect.soft(locate(["jobs", "test", "timeoutMs"])).toEqual(at(9, 14));
    expect.soft(locate(["jobs", "test", "env", "A"])).toEqual(at(11, 10));
    expect.soft(locate(["jobs", "test", "image"])).toEqual(at(2, 8));
    expect.soft(locate(["jobs", "test", "steps", 0])).toEqual(at(13, 9));
    expect.soft(locate(["jobs", "test", "steps", 0, "run"])).toEqual(at(14, 17));
    expect.soft(locate(["jobs", "test", "steps", 0, "timeoutMs"])).toEqual(at(15, 18));
    expect.soft(locate(["jobs", "test", "steps", 0, "nothing", "here"])).toEqual(at(13, 9));
    expect.soft(locate(["jobs", "nope"])).toEqual(at(3, 1));
    expect.soft(locate(["name"])).toEqual(at(1, 7));
  });

  it("compiles examples/yaml-pipeline.yaml to a plan the plan schema accepts", () => {
    const file = "examples/yaml-pipeline.yaml";
    const { draft, diagnostics } = loadYamlPipeline(readFileSync(file, "utf8"), file);
    expect(diagnostics).toEqual([]);
    const parsed = PlanSchema.safeParse(draft?.plan);
    expect(parsed.error?.issues).toBeUndefined();
    expect(Object.keys(draft?.plan.jobs ?? {})).toEqual(["build", "test-node-20-os-linux", "test-node-22-os-linux-coverage-true", "package"]);
    expect(draft?.plan.jobs["package"]?.needs).toEqual(["test-node-20-os-linux", "test-node-22-os-linux-coverage-true", "build"]);
    expect(draft?.locate(["jobs", "package", "if"])?.line).toBe(82);
  });

  it("uses the display path given for every location", () => {
    const { draft } = loadYamlPipeline("name: p\nimage: x\njobs:\n  a: { steps: [echo] }\n", "ci/pipeline.yaml");
    expect(draft?.plan.jobs["a"]?.source?.file).toBe("ci/pipeline.yaml");
    expect(draft?.locate(["jobs", "a", "steps", 0])?.file).toBe("ci/pipeline.yaml");
    expect(FILE).not.toBe("ci/pipeline.yaml");
  });
});
