import { describe, expect, it } from "vitest";
import { criticalPath, isTerminal, type SchedulerEvent, type SchedulerJob } from "../../../runtime/scheduler/index.ts";
import { commandsOf, drive, job, options, seeded, type AttemptScript, type JobScript } from "./driver.ts";

interface Scenario {
  readonly jobs: SchedulerJob[];
  readonly scripts: Record<string, JobScript>;
  readonly concurrency: number;
  readonly failFast: boolean;
  readonly events: { at: number; event: SchedulerEvent }[];
  readonly durations: Record<string, number>;
}

/** A random DAG (each job may need any earlier one) with random scripts, conditions and retries. */
function scenario(seed: number, { failures }: { failures: boolean }): Scenario {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const count = 1 + Math.floor(random() * 14);
  const jobs: SchedulerJob[] = [];
  const scripts: Record<string, JobScript> = {};
  const durations: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const id = `j${i}`;
    const needs = jobs.filter(() => random() < 0.3).map((j) => j.id);
    const ms = 1 + Math.floor(random() * 50);
    durations[id] = ms;
    if (!failures) {
      jobs.push(job(id, needs));
      scripts[id] = ms;
      continue;
    }
    jobs.push(
      job(id, needs, {
        if: pick(["success()", "success()", "always()", "failure()", "git.branch == 'main'"]),
        allowFailure: random() < 0.2,
        timeoutMs: pick([1000, 1000, 30]),
        retry: { max: pick([0, 0, 1, 2]), backoff: { initialMs: 1 + Math.floor(random() * 20), jitter: random() < 0.5 } },
      }),
    );
    scripts[id] = [0, 1, 2].map((): AttemptScript => {
      const roll = random();
      if (roll < 0.15) return { ms, outcome: "failed", exitCode: 1 + Math.floor(random() * 3) };
      if (roll < 0.2) return { ms, outcome: "infrastructure-error" };
      return { ms };
    });
  }
  const events = failures && random() < 0.2 ? [{ at: Math.floor(random() * 100), event: { type: "cancel", reason: "interrupt" } as const }] : [];
  return { jobs, scripts, concurrency: 1 + Math.floor(random() * 4), failFast: failures && random() < 0.3, events, durations };
}

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1);

describe("random DAGs", () => {
  it.each(SEEDS)("seed %i: needs first, never over the cap, always terminates", (seed) => {
    const s = scenario(seed, { failures: true });
    const result = drive(s.jobs, options({ concurrency: s.concurrency, failFast: s.failFast, random: seeded(seed * 7) }), {
      scripts: s.scripts,
      events: s.events,
      stopDelayMs: seed % 3,
    });
    expect(commandsOf(result, "run-finished")).toHaveLength(1);
    expect(result.runStatus).not.toBeNull();
    expect(Object.values(result.statuses).every(isTerminal)).toBe(true);
    expect(result.maxRunning).toBeLessThanOrEqual(s.concurrency);
    for (const span of result.spans) {
      expect(span.end).not.toBeNull();
      const job = s.jobs.find((j) => j.id === span.id) as SchedulerJob;
      for (const need of job.needs) {
        for (const before of result.spans.filter((other) => other.id === need)) {
          expect(before.end as number).toBeLessThanOrEqual(span.start);
        }
      }
    }
    for (const job of s.jobs) {
      const spans = result.spans.filter((span) => span.id === job.id);
      expect(spans.map((span) => span.attempt)).toEqual(spans.map((_, i) => i + 1));
      spans.slice(1).forEach((span, i) => expect(span.start).toBeGreaterThanOrEqual(spans[i]?.end as number));
      expect(result.state.jobs[job.id]?.attempts).toHaveLength(spans.length);
    }
    const open = (t: number) => result.spans.filter((span) => span.start <= t && (span.end as number) > t).length;
    for (const span of result.spans) expect(open(span.start)).toBeLessThanOrEqual(s.concurrency);
  });

  it("the random scenarios reach every job status, retries and every run status", () => {
    const statuses = new Set<string>();
    const runs = new Set<string>();
    let retried = 0;
    for (const seed of SEEDS) {
      const s = scenario(seed, { failures: true });
      const result = drive(s.jobs, options({ concurrency: s.concurrency, failFast: s.failFast, random: seeded(seed * 7) }), { scripts: s.scripts, events: s.events });
      Object.values(result.statuses).forEach((status) => statuses.add(status));
      runs.add(result.runStatus ?? "none");
      retried += result.spans.filter((span) => span.attempt > 1).length;
    }
    expect([...statuses].sort()).toEqual(["cancelled", "failed", "skipped", "success", "timed-out"]);
    expect([...runs].sort()).toEqual(["cancelled", "failed", "success"]);
    expect(retried).toBeGreaterThan(20);
  });

  it.each(SEEDS.slice(0, 100))("seed %i: without failures every job succeeds, no faster than the critical path", (seed) => {
    const s = scenario(seed, { failures: false });
    const result = drive(s.jobs, options({ concurrency: s.concurrency }), { scripts: s.scripts });
    expect(result.runStatus).toBe("success");
    expect(Object.values(result.statuses).every((status) => status === "success")).toBe(true);
    const total = Object.values(s.durations).reduce((a, b) => a + b, 0);
    expect(result.finishedAt).toBeGreaterThanOrEqual(criticalPath(s.jobs, s.durations).totalMs);
    expect(result.finishedAt).toBeLessThanOrEqual(total);
    // With a slot per job, a DAG scheduler finishes in exactly the critical path time.
    const wide = drive(s.jobs, options({ concurrency: s.jobs.length }), { scripts: s.scripts });
    expect(wide.finishedAt).toBe(criticalPath(s.jobs, s.durations).totalMs);
  });
});
