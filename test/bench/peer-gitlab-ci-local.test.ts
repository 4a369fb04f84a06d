import { describe, expect, it } from "vitest";
import { countPassed } from "../../bench/peer-gitlab-ci-local.ts";

describe("countPassed", () => {
  it("counts the PASS lines of gitlab-ci-local's summary, not job output", () => {
    const stdout = ["j0  starting pipec-test/busybox:1 (test)", "j0  $ echo PASS j0", "j0  > PASS j0", "j0  finished in 577 ms", "", " PASS  j0", " PASS  j1", " FAIL  j2", "pipeline finished in 18 s"].join("\n");
    expect(countPassed(stdout)).toBe(2);
    expect(countPassed("")).toBe(0);
  });
});
