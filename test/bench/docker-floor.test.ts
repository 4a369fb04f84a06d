import { describe, expect, it } from "vitest";
import { FloorError, noopContainer, timeLanes } from "../../bench/docker-floor.ts";

describe("timeLanes", () => {
  it("runs the command count times over the lanes and times each run", async () => {
    const sample = await timeLanes(["true"], 5, 2, process.cwd());
    expect(sample.eachMs).toHaveLength(5);
    expect(sample.wallMs).toBeGreaterThan(0);
    for (const each of sample.eachMs) expect(each).toBeLessThanOrEqual(sample.wallMs);
  });

  it("keeps each lane sequential: two lanes of 200 ms sleeps take about half the sum", async () => {
    const sample = await timeLanes(["sleep", "0.2"], 4, 2, process.cwd());
    expect(sample.wallMs).toBeGreaterThanOrEqual(390); // not 4 at once
    expect(sample.wallMs).toBeLessThan(750); // not 1 at a time (800 ms)
  });

  it("rejects at a failing run", async () => {
    await expect(timeLanes(["sh", "-c", "echo nope >&2; exit 3"], 2, 1, process.cwd())).rejects.toThrow(FloorError);
  });

  it("the floor's container is a plain no-op with no network", () => {
    expect(noopContainer("img:1")).toEqual(["docker", "run", "--rm", "--network", "none", "img:1", "true"]);
  });
});
