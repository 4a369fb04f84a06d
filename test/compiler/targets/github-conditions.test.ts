/**
 * Differential test of conditions: every `if:` the GitHub emitter writes is evaluated by GitHub's own
 * evaluator (@actions/expressions, with the status functions computed by GitHub's documented rules)
 * and by pipec's scheduler (runtime/scheduler/conditions.ts), over scenarios of need results
 * (success, failure, skipped after a failure, skipped by a condition, cancelled) x allowFailure x
 * branch/tag x vars. They must agree, unless the emitter raised a diagnostic for that condition.
 */
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";
import { truthy } from "@actions/expressions/result";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { canonicalize } from "../../../compiler/canonical.ts";
import { emitTarget, TargetProfileSchema } from "../../../compiler/targets/index.ts";
import { parseExpression } from "../../../runtime/plan/expression/index.ts";
import { PlanSchema, type JobInput } from "../../../runtime/plan/schema.ts";
import { evaluateCondition, type ConditionView } from "../../../runtime/scheduler/conditions.ts";
import type { JobState, JobStatus, SchedulerJob } from "../../../runtime/scheduler/types.ts";

const CONDITIONS = [
  "success()",
  "failure()",
  "always()",
  "cancelled()",
  "!cancelled()",
  "success() || failure()",
  "git.branch == 'main'",
  "failure() && git.branch == 'main'",
  "vars.CHANNEL != 'none'",
  "success() && vars.CHANNEL == 'beta'",
  "startsWith(git.branch, 'release/')",
  "git.tag != ''",
  "contains(git.tag, 'v1')",
  "needs.a.result == 'failure'",
  "always() && needs.b.result == 'skipped'",
  "failure() || vars.CHANNEL == 'force'",
  "!failure() && matrix.os == 'linux'",
  "env.MODE == 'fast' || always()",
];

type NeedState = "success" | "failed" | "skipped-after-failure" | "skipped-by-condition" | "cancelled";
const NEED_STATES: NeedState[] = ["success", "failed", "skipped-after-failure", "skipped-by-condition", "cancelled"];
const REFS = [
  { branch: "main", tag: null },
  { branch: "Main", tag: null },
  { branch: "release/1.2", tag: null },
  { branch: "Release/1.2", tag: null },
  { branch: null, tag: "v1.0.0" },
  { branch: null, tag: "V1.0.0" },
];
const CHANNELS = [null, "none", "NONE", "BETA", "force", "FORCE"];

const job = (extra: Partial<JobInput>): JobInput => ({ name: "job", image: "busybox:1.36", network: "host", steps: [{ name: "s", run: "true" }], source: { file: "ci.pipeline.ts", line: 1, column: 1 }, ...extra });

function planFor(condition: string, allowFailure: boolean) {
  return canonicalize(
    PlanSchema.parse({
      name: "conditions",
      env: { MODE: "fast" },
      vars: { CHANNEL: { default: "beta" } },
      jobs: {
        ua: job({}),
        ub: job({}),
        a: job({ needs: ["ua"], allowFailure }),
        b: job({ needs: ["ub"] }),
        j: job({ needs: ["a", "b"], if: condition, matrix: { os: "linux" } }),
      },
    }),
  );
}

/** pipec: the scheduler's own evaluation, with each need's upstream making "skipped after a failure" real. */
function schedulerJobs(condition: string, allowFailure: boolean): Record<string, SchedulerJob> {
  const byId: Record<string, SchedulerJob> = {};
  for (const [id, j] of Object.entries(planFor(condition, allowFailure).jobs)) {
    const parsed = parseExpression(j.if);
    if (!parsed.ok) throw new Error(parsed.message);
    byId[id] = { id, needs: j.needs, condition: parsed.expr, allowFailure: j.allowFailure, retry: j.retry, timeoutMs: j.timeoutMs, matrix: j.matrix ?? {}, approval: null };
  }
  return byId;
}

function pipecRuns(byId: Record<string, SchedulerJob>, states: [NeedState, NeedState], ref: (typeof REFS)[number], channel: string | null, cancelled: boolean): boolean {
  const state = (status: JobStatus): JobState => ({ status, attempts: [], reason: null, stopping: null, outputs: {} });
  const jobs: Record<string, JobState> = {};
  (["a", "b"] as const).forEach((need, index) => {
    const s = states[index]!;
    jobs[`u${need}`] = state(s === "skipped-after-failure" ? "failed" : "success");
    jobs[need] = state(s === "success" ? "success" : s === "failed" ? "failed" : s === "cancelled" ? "cancelled" : "skipped");
  });
  const view: ConditionView = {
    graph: { order: Object.values(byId), byId, priority: {} },
    options: {
      concurrency: 1,
      failFast: false,
      pipelineTimeoutMs: null,
      random: () => 0,
      context: { env: { MODE: "fast" }, vars: { CHANNEL: channel ?? "beta" }, git: { branch: ref.branch, tag: ref.tag, sha: "abc" }, pipeline: { name: "conditions" }, run: { id: "1" } },
    },
    jobs,
    stopReason: cancelled ? "interrupt" : null,
  } as unknown as ConditionView;
  const result = evaluateCondition(byId.j!, view);
  if (!result.ok) throw new Error(result.message);
  return result.run;
}

/** GitHub: its evaluator, with needs results as GitHub reports them and status functions by its rules. */
function githubRuns(ifText: string, allowFailure: boolean, states: [NeedState, NeedState], ref: (typeof REFS)[number], channel: string | null, cancelled: boolean): boolean {
  let text = ifText.trim();
  if (text.startsWith("${{")) text = text.slice(3, -2).trim();
  const result = (s: NeedState, allowed: boolean) => (s === "success" || (s === "failed" && allowed) ? "success" : s === "failed" ? "failure" : s.startsWith("skipped") ? "skipped" : "cancelled");
  const results = [result(states[0], allowFailure), result(states[1], false)];
  const success = !cancelled && results.every((r) => r === "success");
  // "failure() returns true if any ancestor job fails": a failed need (not continue-on-error) or one skipped because of a failure.
  const failure = states.some((s, i) => (s === "failed" && !(i === 0 && allowFailure)) || s === "skipped-after-failure");
  const status = (value: boolean) => ({ name: "", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) });
  const functions = new Map([
    ["success", { ...status(success), name: "success" }],
    ["failure", { ...status(failure), name: "failure" }],
    ["cancelled", { ...status(cancelled), name: "cancelled" }],
    ["always", { ...status(true), name: "always" }],
  ]);
  // The runner's rule: without a status function, success() && is implied.
  if (!/\b(success|failure|cancelled|always)\(\)/.test(text)) text = `success() && (${text})`;
  const str = (v: string | null) => (v === null ? new data.Null() : new data.StringData(v));
  const context = new data.Dictionary(
    { key: "github", value: new data.Dictionary({ key: "ref_type", value: str(ref.tag ? "tag" : "branch") }, { key: "ref_name", value: str(ref.tag ?? ref.branch) }, { key: "sha", value: str("abc") }, { key: "run_id", value: str("1") }) },
    { key: "inputs", value: new data.Dictionary() },
    { key: "vars", value: channel === null ? new data.Dictionary() : new data.Dictionary({ key: "CHANNEL", value: str(channel) }) },
    { key: "needs", value: new data.Dictionary({ key: "a", value: new data.Dictionary({ key: "result", value: str(results[0]!) }) }, { key: "b", value: new data.Dictionary({ key: "result", value: str(results[1]!) }) }) },
  );
  const lexed = new Lexer(text).lex();
  const expr = new Parser(lexed.tokens, ["github", "inputs", "vars", "needs"], [...functions.values()]).parse();
  return truthy(new Evaluator(expr, context, functions).evaluate());
}

describe("GitHub conditions agree with pipec's scheduler, or the emitter says why not", () => {
  const table = CONDITIONS.flatMap((condition) => [false, true].map((allowFailure) => ({ condition, allowFailure })));
  let flagged = 0;
  let disagreeingFlagged = 0;

  it.each(table)("$condition (a allowFailure: $allowFailure)", ({ condition, allowFailure }) => {
    const emitted = emitTarget(planFor(condition, allowFailure), "github", { profile: TargetProfileSchema.parse({}), pipecVersion: "0.0.0-test" });
    const diagnosed = emitted.diagnostics.some((d) => d.message.includes('job "j"'));
    const ifText = emitted.files[0] ? ((parse(emitted.files[0].content) as { jobs: Record<string, { if?: string }> }).jobs.j!.if ?? "success()") : null;
    const byId = schedulerJobs(condition, allowFailure);
    const disagreements: string[] = [];
    for (const sa of NEED_STATES) for (const sb of NEED_STATES) for (const ref of REFS) for (const channel of CHANNELS) for (const cancelled of [false, true]) {
      if ((sa === "cancelled" || sb === "cancelled") && !cancelled) continue;
      const states: [NeedState, NeedState] = [sa, sb];
      const pipec = pipecRuns(byId, states, ref, channel, cancelled);
      if (ifText === null) continue;
      const github = githubRuns(ifText, allowFailure, states, ref, channel, cancelled);
      if (pipec !== github) disagreements.push(`${sa},${sb},${ref.branch ?? ref.tag},${channel},${cancelled}: pipec ${pipec}, github ${github}`);
    }
    if (diagnosed) {
      flagged++;
      if (disagreements.length > 0 || ifText === null) disagreeingFlagged++;
      return;
    }
    expect(ifText).not.toBeNull();
    expect(disagreements).toEqual([]);
  });

  it("flags the conditions GitHub reads differently, and those do differ", () => {
    expect(flagged).toBeGreaterThan(0);
    expect(disagreeingFlagged).toBe(flagged);
  });
});
