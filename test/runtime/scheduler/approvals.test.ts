import { describe, expect, it } from "vitest";
import { commandsOf, drive, job, options, spanOf } from "./driver.ts";

const manual = (name: string, timeoutMs: number | null = null, onTimeout: "abort" | "promote" = "abort") => ({ approval: { name, timeoutMs, onTimeout } });
const approved = (at: number, id: string, name: string) => ({ at, event: { type: "approved", id, name } as const });

describe("manual jobs", () => {
  it("wait for their approval while the other branches go on, then run; their dependents follow", () => {
    const jobs = [job("build"), job("ship", ["build"], manual("go")), job("after", ["ship"]), job("lint", [], {})];
    const result = drive(jobs, options(), { scripts: { lint: 300 }, events: [approved(500, "ship", "go")] });
    expect(commandsOf(result, "await-approval")).toEqual([{ at: 10, command: { type: "await-approval", id: "ship", name: "go", timeoutAt: null } }]);
    expect(spanOf(result, "lint").end).toBe(300);
    expect(spanOf(result, "ship").start).toBe(500);
    expect(spanOf(result, "after").start).toBe(510);
    expect(commandsOf(result, "approval-closed")).toEqual([{ at: 500, command: { type: "approval-closed", id: "ship", name: "go", outcome: "approved" } }]);
    expect(result.runStatus).toBe("success");
  });

  it("hold no slot while they wait", () => {
    const result = drive([job("ship", [], manual("go")), job("a"), job("b", ["a"])], options({ concurrency: 1 }), { events: [approved(100, "ship", "go")] });
    expect(spanOf(result, "a").start).toBe(0);
    expect(spanOf(result, "b").start).toBe(10);
    expect(spanOf(result, "ship").start).toBe(100);
  });

  it("ignore an approval with another name, or for a job that does not wait", () => {
    const result = drive([job("ship", [], manual("go", 1000))], options(), { events: [approved(100, "ship", "other"), approved(200, "nope", "go")] });
    expect(result.statuses.ship).toBe("failed");
    expect(result.state.jobs.ship?.reason).toBe('approval "go" was not given within 1s (onTimeout: abort)');
    expect(result.spans).toEqual([]);
  });

  it("fail at the timeout with onTimeout abort, as a deployment's approval does", () => {
    const result = drive([job("ship", [], manual("go", 60_000)), job("after", ["ship"])], options(), {});
    expect(result.statuses).toEqual({ ship: "failed", after: "skipped" });
    expect(result.finishedAt).toBe(60_000);
    expect(result.runStatus).toBe("failed");
    expect(commandsOf(result, "approval-closed")[0]?.command.outcome).toBe("timed-out");
  });

  it("run at the timeout with onTimeout promote", () => {
    const result = drive([job("ship", [], manual("go", 2000, "promote"))], options(), {});
    expect(spanOf(result, "ship").start).toBe(2000);
    expect(result.statuses.ship).toBe("success");
  });

  it("end cancelled on Ctrl-C while waiting, the timer cleared", () => {
    const result = drive([job("ship", [], manual("go", 60_000)), job("a", [], {})], options(), { scripts: { a: 50 }, events: [{ at: 100, event: { type: "cancel", reason: "interrupt" } }] });
    expect(result.statuses).toEqual({ ship: "cancelled", a: "success" });
    expect(result.finishedAt).toBe(100);
    expect(result.runStatus).toBe("cancelled");
    expect(commandsOf(result, "clear-timer").map((c) => c.command.key)).toContain("approval:ship");
    expect(commandsOf(result, "approval-closed")[0]?.command.outcome).toBe("cancelled");
  });

  it("are not asked when their condition is false", () => {
    const result = drive([job("ship", [], { ...manual("go"), if: "vars.DEPLOY == 'no'" })], options(), {});
    expect(result.statuses.ship).toBe("skipped");
    expect(commandsOf(result, "await-approval")).toEqual([]);
  });

  it("are cancelled by fail-fast while they wait", () => {
    const result = drive([job("ship", [], manual("go")), job("bad")], options({ failFast: true }), { scripts: { bad: [{ ms: 20, outcome: "failed" }] } });
    expect(result.statuses).toEqual({ ship: "cancelled", bad: "failed" });
    expect(result.state.jobs.ship?.reason).toBe('fail-fast: job "bad" failed');
  });
});
