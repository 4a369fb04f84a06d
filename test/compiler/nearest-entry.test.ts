import { describe, expect, it } from "vitest";
import { nearestEntry, pathKey } from "../../compiler/draft.ts";

describe("nearestEntry", () => {
  const table = new Map<string, string>([
    [pathKey(["jobs", "a"]), "job a"],
    [pathKey(["jobs", "a", "steps", 0]), "step 0"],
    [pathKey(["jobs", "a", "steps", 0, "run"]), "nowhere"],
  ]);

  it("answers with the longest recorded prefix of a path", () => {
    expect(nearestEntry(table, ["jobs", "a", "steps", 0, "run"])).toEqual({ entry: "nowhere", length: 5 });
    expect(nearestEntry(table, ["jobs", "a", "timeoutMs"])).toEqual({ entry: "job a", length: 2 });
    expect(nearestEntry(table, ["jobs", "b"])).toBeNull();
  });

  // A YAML build records document paths and looks their positions up on demand: one that leads nowhere
  // counts as not recorded, as when positions were looked up while recording.
  it("passes over an entry that resolves to nothing, for a shorter prefix", () => {
    const resolve = (entry: string) => (entry === "nowhere" ? undefined : entry.length);
    expect(nearestEntry(table, ["jobs", "a", "steps", 0, "run"], resolve)).toEqual({ entry: "step 0".length, length: 4 });
    expect(nearestEntry(table, ["jobs", "a", "steps", 1], resolve)).toEqual({ entry: "job a".length, length: 2 });
    expect(nearestEntry(new Map([["", "nowhere"]]), ["x"], resolve)).toBeNull();
  });
});
