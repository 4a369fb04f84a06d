/** Matrix expansion follows GitHub Actions' documented rules for include and exclude. */
import { describe, expect, it } from "vitest";
import { expandMatrix } from "../../compiler/matrix.ts";

describe("expandMatrix", () => {
  it("expands GitHub's documented include example to the same six combinations", () => {
    // docs.github.com, "Expanding or adding matrix configurations".
    const combos = expandMatrix({
      axes: { fruit: ["apple", "pear"], animal: ["cat", "dog"] },
      include: [{ color: "green" }, { color: "pink", animal: "cat" }, { fruit: "apple", shape: "circle" }, { fruit: "banana" }, { fruit: "banana", animal: "cat" }],
    });
    expect(combos).toEqual([
      { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
      { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
      { fruit: "pear", animal: "cat", color: "pink" },
      { fruit: "pear", animal: "dog", color: "green" },
      { fruit: "banana" },
      { fruit: "banana", animal: "cat" },
    ]);
  });

  it.each([
    ["an include with only new keys extends every combination", { axes: { os: ["linux", "mac"] }, include: [{ experimental: true }] }, [{ os: "linux", experimental: true }, { os: "mac", experimental: true }]],
    ["without axes, each include is a combination", { axes: {}, include: [{ a: 1 }, { a: "x" }] }, [{ a: 1 }, { a: "x" }]],
    ["an include that changes an axis value is a combination of its own", { axes: { node: [20] }, include: [{ node: 22, os: "alpine" }] }, [{ node: 20 }, { node: 22, os: "alpine" }]],
    ["a later include does not extend a combination an include added", { axes: { node: [20] }, include: [{ node: 22 }, { node: 22, extra: "y" }] }, [{ node: 20 }, { node: 22 }, { node: 22, extra: "y" }]],
    ["include comes after exclude, so it can add an excluded combination back", { axes: { a: [1, 2] }, exclude: [{ a: 2 }], include: [{ a: 2, b: "back" }] }, [{ a: 1 }, { a: 2, b: "back" }]],
  ] as const)("%s", (_, spec, expected) => {
    expect(expandMatrix(spec)).toEqual(expected);
  });
});
