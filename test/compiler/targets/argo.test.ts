/**
 * The Argo target, checked offline: every emitted document against Argo's own schemas made strict
 * (argo-schemas.ts; the validator calibrated on upstream's examples and on typos), the rules a schema
 * cannot see (argo-semantics.ts), the condition lowering, and the honesty rule. Validated, not
 * executed: no Kubernetes here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { canonicalize } from "../../../compiler/canonical.ts";
import { compileFile } from "../../../compiler/index.ts";
import { emitTarget, TargetProfileSchema, type TargetProfileInput } from "../../../compiler/targets/index.ts";
import { PlanSchema, type JobInput, type Plan } from "../../../runtime/plan/schema.ts";
import { ARGO_PROFILE } from "./argo-profile.ts";
import { schemaFindings, SCHEMAS } from "./argo-schemas.ts";
import { deployFindings, workflowFindings } from "./argo-semantics.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures");

type Json = Record<string, any>;

function documentsOf(text: string): Json[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Json).filter((d) => d !== null);
}

describe("Argo's schemas, made strict: the validator itself", () => {
  const upstream = ["workflow-examples", "rollouts-examples"].flatMap((dir) =>
    readdirSync(join(SCHEMAS, dir)).flatMap((file) =>
      documentsOf(readFileSync(join(SCHEMAS, dir, file), "utf8"))
        .filter((doc) => ["Workflow", "WorkflowTemplate", "Rollout", "AnalysisTemplate"].includes(doc.kind))
        .map((doc, i) => ({ name: `${dir}/${file}#${i} ${doc.kind}`, doc })),
    ),
  );

  it("has upstream's examples of each kind", () => {
    const kinds = new Set(upstream.map((u) => u.doc.kind));
    expect([...kinds].sort()).toEqual(["AnalysisTemplate", "Rollout", "Workflow", "WorkflowTemplate"]);
    expect(upstream.length).toBeGreaterThanOrEqual(25);
  });

  it.each(upstream)("accepts upstream's $name", { timeout: 120_000 }, ({ doc }) => {
    expect(schemaFindings(doc)).toEqual([]);
  });

  const workflow = () => documentsOf(readFileSync(join(SCHEMAS, "workflow-examples", "dag-diamond.yaml"), "utf8"))[0]!;
  const rollout = () => documentsOf(readFileSync(join(SCHEMAS, "rollouts-examples", "rollout-canary.yaml"), "utf8")).find((d) => d.kind === "Rollout")!;
  const analysis = () => documentsOf(readFileSync(join(SCHEMAS, "rollouts-examples", "analysis-templates.yaml"), "utf8"))[0]!;
  const typos: [string, () => Json][] = [
    ["a container misspelled (contianer)", () => { const w = workflow(); const t = w.spec.templates[1]; t.contianer = t.container; delete t.container; return w; }],
    ["a DAG task's dependss", () => { const w = workflow(); w.spec.templates[0].dag.tasks[1].dependss = "A"; return w; }],
    ["a string where retryStrategy wants an object", () => { const w = workflow(); w.spec.templates[1].retryStrategy = "3"; return w; }],
    ["a canary step setWieght", () => { const r = rollout(); r.spec.strategy.canary.steps[0] = { setWieght: 20 }; return r; }],
    ["a Rollout's unknown spec field", () => { const r = rollout(); r.spec.replica = 2; return r; }],
    ["a metric's successCondtion", () => { const a = analysis(); a.spec.metrics[0].successCondtion = "result > 1"; return a; }],
  ];
  it.each(typos)("rejects %s", { timeout: 120_000 }, (_name, make) => {
    expect(schemaFindings(make())).not.toEqual([]);
  });

  it("accepts an integer where Argo's schema says IntOrString (the listed patch)", () => {
    const w = workflow();
    w.spec.templates[1].activeDeadlineSeconds = 30;
    w.spec.templates[1].retryStrategy = { limit: 2, backoff: { duration: "1s", factor: 2 } };
    expect(schemaFindings(w)).toEqual([]);
  });
});

describe("the semantic rules can fail", () => {
  const dag = (tasks: Json[], templates: Json[] = []) => ({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { generateName: "x-" },
    spec: { entrypoint: "main", templates: [{ name: "main", dag: { tasks } }, { name: "t", container: { image: "busybox" } }, ...templates] },
  });
  it.each([
    ["a depends naming no task", dag([{ name: "a", template: "t", depends: "b.Succeeded" }]), "which is not a task"],
    ["a bare depends", dag([{ name: "a", template: "t" }, { name: "b", template: "t", depends: "a" }]), "also fires when a was Skipped"],
    ["a cycle", dag([{ name: "a", template: "t", depends: "b.Succeeded" }, { name: "b", template: "t", depends: "a.Succeeded" }]), "cycle a -> b -> a"],
    ["an artifact nobody produces", dag([{ name: "a", template: "t" }, { name: "b", template: "in", depends: "a.Succeeded", arguments: { artifacts: [{ name: "x", from: "{{tasks.a.outputs.artifacts.x}}" }] } }], [{ name: "in", inputs: { artifacts: [{ name: "x", path: "/x" }] }, container: { image: "busybox" } }]), "which no task produces"],
    ["an undeclared parameter", dag([{ name: "a", template: "t", when: "'{{workflow.parameters.NOPE}}' == 'x'" }]), "undeclared parameter"],
    ["a missing template", dag([{ name: "a", template: "nope" }]), "names no template"],
  ])("%s", (_name, wf, message) => {
    expect(workflowFindings(wf).join("\n")).toContain(message);
  });

  const deployDocs = (steps: Json[], templateName = "t") => [
    { kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] } },
    { kind: "AnalysisTemplate", metadata: { name: "t" }, spec: { metrics: [] } },
    {
      kind: "Rollout",
      metadata: { name: "web" },
      spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", ports: [{ name: "http", containerPort: 8080 }] }] } }, strategy: { canary: { steps: [...steps, { analysis: { templates: [{ templateName }] } }] } } },
    },
  ];
  it("passes a well-formed deploy file", () => expect(deployFindings(deployDocs([{ setWeight: 20 }, { setWeight: 50 }]))).toEqual([]));
  it("finds falling canary weights", () => expect(deployFindings(deployDocs([{ setWeight: 50 }, { setWeight: 20 }])).join()).toContain("do not rise"));
  it("finds an analysis naming no template", () => expect(deployFindings(deployDocs([], "missing")).join()).toContain("does not define"));
});

const examples = readdirSync(join(ROOT, "examples")).filter((f) => /\.(pipeline\.ts|ya?ml)$/.test(f)).map((f) => ({ name: `example-${f}`, file: join(ROOT, "examples", f) }));
const fixtures = readdirSync(FIXTURES)
  .filter((dir) => dir.startsWith("targets-") || existsSync(join(FIXTURES, dir, "expected-plan.yaml")))
  .flatMap((dir) => {
    const input = ["ci.pipeline.ts", "pipeline.yaml", "plan.yaml"].find((file) => existsSync(join(FIXTURES, dir, file)));
    return input ? [{ name: dir, file: join(FIXTURES, dir, input) }] : [];
  });
const files = new Map([...examples, ...fixtures].map((c) => [c.name, c.file]));
const plans = new Map<string, Promise<Plan>>();

/** A case's plan, compiled once, when a test first needs it (no hook compiles them all up front). */
function planOf(name: string): Promise<Plan> {
  let plan = plans.get(name);
  if (plan === undefined) {
    plan = compileFile(files.get(name)!, { cacheDir: null }).then((result) => {
      if (!result.plan) throw new Error(`${name} does not compile`);
      return result.plan;
    });
    plans.set(name, plan);
  }
  return plan;
}

describe("every emitted Argo document passes the strict schemas and the semantic rules", () => {
  it("emits Rollouts for a plan with container deployments", { timeout: 120_000 }, async () => {
    const files = emitTarget(await planOf("targets-argo-deploy"), "argo", { profile: ARGO_PROFILE, pipecVersion: "0.0.0-test" }).files.map((f) => f.path);
    expect(files).toEqual(["workflow.yaml", "deploy-api.yaml", "deploy-site.yaml", "deploy-web.yaml"]);
  });

  it.each([...examples, ...fixtures].map((c) => c.name))("%s", { timeout: 120_000 }, async (name) => {
    const result = emitTarget(await planOf(name), "argo", { profile: ARGO_PROFILE, pipecVersion: "0.0.0-test" });
    if (result.files.length === 0) return expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
    const manifests = new Map<string, Json>();
    for (const file of result.files) {
      const docs = documentsOf(file.content);
      for (const doc of docs) expect(schemaFindings(doc), `${file.path}: ${doc.kind} ${doc.metadata?.name ?? ""}`).toEqual([]);
      if (file.path === "workflow.yaml") {
        expect(workflowFindings(docs[0]!)).toEqual([]);
        for (const t of docs[0]!.spec.templates) if (t.resource) manifests.set(`${parse(t.resource.manifest).kind}/${parse(t.resource.manifest).metadata.name}`, parse(t.resource.manifest));
      }
      if (file.path.startsWith("deploy-")) expect(deployFindings(docs)).toEqual([]);
    }
    // The Workflow applies exactly the documents of the deploy files.
    const deployDocs = result.files.filter((f) => f.path.startsWith("deploy-")).flatMap((f) => documentsOf(f.content));
    expect(new Map(deployDocs.map((d) => [`${d.kind}/${d.metadata.name}`, d]))).toEqual(manifests);
  });
});

const at = (line: number) => ({ file: "ci.pipeline.ts", line, column: 3 });
const step = (run: string, extra: Record<string, unknown> = {}) => ({ name: run, run, source: at(20), ...extra });
const job = (extra: Partial<JobInput> = {}): JobInput => ({ name: "job", image: "busybox:1.36", network: "host", steps: [step("echo hi")], source: at(10), ...extra });
const dockerTarget = { kind: "docker", image: "web:1" } as const;
const canary = (extra: Record<string, unknown> = {}) => ({ strategy: "canary", name: "web", target: dockerTarget, scaleDownDelayMs: 0, ...extra }) as const;

function plan(jobs: Record<string, JobInput>, vars: Record<string, { default: string }> = {}) {
  return canonicalize(PlanSchema.parse({ name: "p", jobs, vars, source: at(1) }));
}

function emit(jobs: Record<string, JobInput>, profile: TargetProfileInput = ARGO_PROFILE, vars: Record<string, { default: string }> = {}, strict = false) {
  return emitTarget(plan(jobs, vars), "argo", { profile: TargetProfileSchema.parse(profile), pipecVersion: "0.0.0-test", strict });
}

function task(jobs: Record<string, JobInput>, id: string, vars: Record<string, { default: string }> = {}): Json {
  const result = emit(jobs, ARGO_PROFILE, vars);
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return parse(result.files[0]!.content.split("\n").slice(1).join("\n")).spec.templates[0].dag.tasks.find((t: Json) => t.name === id);
}

describe("conditions as depends and when", () => {
  it("spells every need with an explicit result, so a skipped need skips the dependent", () => {
    expect(task({ a: job(), b: job({ needs: ["a"] }) }, "b").depends).toBe("a.Succeeded");
  });

  it("lets an allowFailure need count as done, as pipec's success() does", () => {
    expect(task({ lint: job({ allowFailure: true }), b: job({ needs: ["lint"] }) }, "b").depends).toBe("(lint.Succeeded || lint.Failed || lint.Errored)");
  });

  it("always() waits for every end of every need", () => {
    expect(task({ a: job(), b: job({ needs: ["a"], if: "always()" }) }, "b").depends).toBe("(a.Succeeded || a.Failed || a.Errored || a.Skipped || a.Omitted)");
  });

  it("needs.X.result comparisons join the depends; text comparisons become when", () => {
    const t = task({ a: job(), b: job({ needs: ["a"], if: "always() && needs.a.result == 'failure' && vars.TARGET == 'prod' && startsWith(git.branch, 'release/')" }) }, "b", { TARGET: { default: "dev" } });
    expect(t.depends).toBe("(a.Succeeded || a.Failed || a.Errored || a.Skipped || a.Omitted) && (a.Failed || a.Errored)");
    expect(t.when).toBe("('{{workflow.parameters.TARGET}}' == 'prod') && ('{{workflow.parameters.git-branch}}' =~ '^release[/]')");
  });

  it("a matrix value and the pipeline env are decided when the file is written", () => {
    expect(task({ a: job({ matrix: { os: "linux" }, if: "matrix.os == 'linux'" }) }, "a").when).toBeUndefined();
    expect(task({ a: job({ matrix: { os: "mac" }, if: "matrix.os == 'linux'" }) }, "a").when).toBe("false");
  });
});

type Refusal = [string, Record<string, JobInput>, number, TargetProfileInput?];
const refusals: Refusal[] = [
  ["a step image", { build: job({ steps: [step("make", { image: "gcc:14" })] }) }, 20],
  ["cancelled()", { build: job({ if: "cancelled()" }) }, 10],
  ["a < comparison", { build: job({ if: "vars.N < '3'" }) }, 10],
  ["a needs result Argo has not", { a: job(), build: job({ needs: ["a"], if: "needs.a.result == 'cancelled'" }) }, 10],
  ["a step condition on a variable", { build: job({ steps: [step("echo", { if: "vars.N == '1'" })] }) }, 20],
  ["an image template", { build: job({ image: "node:${N}" }) }, 10],
  ["an output pattern it cannot select", { build: job({ outputs: { dist: { paths: ["dist/a**b"] } } }) }, 10],
  ["no repository to check out", { build: job() }, 10, {}],
  ["a secret without a Secret", { build: job({ env: { T: { secret: "T" } } }) }, 10, { argo: { source: { repo: "r" } } }],
  ["outputs without an artifact repository", { build: job({ outputs: { dist: { paths: ["dist/**"] } } }) }, 10, { argo: { source: { repo: "r" } } }],
  ["a process deployment", { ship: job({ image: null, steps: [], deploy: { strategy: "rolling", name: "web", target: { kind: "process", command: ["node", "app.js"] } } }) }, 10],
  ["a builtin metric without PromQL", { ship: job({ image: null, steps: [], deploy: canary({ analysis: { metrics: [{ name: "e", provider: { kind: "builtin", metric: "latencyP95" }, threshold: { max: 1 }, minRequests: 0 }] } }) }) }, 10],
  ["onInconclusive abort", { ship: job({ image: null, steps: [], deploy: canary({ onInconclusive: "abort" }) }) }, 10],
  ["a health status range a probe cannot read", { ship: job({ image: null, steps: [], deploy: canary({ healthCheck: { http: { path: "/h", expectStatus: [200, 204] } } }) }) }, 10],
  ["a fractional weight", { ship: job({ image: null, steps: [], deploy: canary({ steps: [{ kind: "setWeight", weight: 12.5 }] }) }) }, 10],
  ["a target env only pipec knows", { ship: job({ image: null, steps: [], deploy: canary({ target: { kind: "docker", image: "web:1", env: { RUN: "${PIPEC_RUN_ID}" } } }) }) }, 10],
];

describe("the honesty rule on Argo", () => {
  it.each(refusals)("%s: one located error, no file", (_name, jobs, line, profile) => {
    const result = emit(jobs, profile ?? ARGO_PROFILE, { N: { default: "1" } });
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "target-unsupported", location: at(line) });
    expect(errors[0]!.message).toMatch(/^argo: job "\w+": /);
    expect(errors[0]!.hint).toBeTruthy();
    expect(result.files).toEqual([]);
  });

  it("two job ids that lower-case alike are a located error", () => {
    const result = emit({ Build: job(), build: job() });
    expect(result.files).toEqual([]);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([expect.objectContaining({ code: "target-name-collision" })]);
  });

  it("an approximation warns, and --strict refuses it", () => {
    const jobs = { build: job({ retry: { max: 1, on: ["exit-code"] } }) };
    const loose = emit(jobs);
    expect(loose.files.length).toBeGreaterThan(0);
    expect(loose.diagnostics).toEqual([expect.objectContaining({ code: "target-approximation", severity: "warning", location: at(10) })]);
    expect(loose.diagnostics[0]!.message).toMatch(/^argo: job "build": retry jitter: /);
    expect(emit(jobs, ARGO_PROFILE, {}, true).files).toEqual([]);
  });

  it("an approval with onTimeout promote is a timed pause; without a timeout an indefinite one", () => {
    const result = emit({ ship: job({ image: null, steps: [], deploy: canary({ steps: [{ kind: "setWeight", weight: 50 }, { kind: "approval", name: "a", timeoutMs: 600_000, onTimeout: "promote" }, { kind: "approval", name: "b" }] }) }) });
    const rollout = documentsOf(result.files.find((f) => f.path === "deploy-web.yaml")!.content).find((d) => d.kind === "Rollout")!;
    expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 50 }, { pause: { duration: "600s" } }, { pause: {} }]);
  });

  it("is deterministic", () => {
    const jobs = { build: job({ env: { A: "${B:-x}/y", B: "z" } }), test: job({ needs: ["build"] }) };
    expect(emit(jobs)).toEqual(emit(jobs));
  });
});
