import { describe, expect, it } from "vitest";
import { dedupeDiagnostics, error, preferPipecAtSameSpot, sortDiagnostics, warning } from "../../compiler/diagnostic.ts";

const at = (line: number, column: number, file = "ci.pipeline.ts") => ({ file, line, column });

describe("preferPipecAtSameSpot", () => {
  it("drops a type error where pipec reports an error at the same line and column", () => {
    const pipec = error("schema", 'timeout: "10 parsecs" is not a duration', at(6, 3));
    const checker = error("typescript", "TS2322: Type '\"10 parsecs\"' is not assignable to type 'Duration'.", at(6, 3));
    expect(preferPipecAtSameSpot([checker, pipec])).toEqual([pipec]);
  });

  it("keeps type errors elsewhere, beside pipec warnings, and without a location", () => {
    const diagnostics = [
      error("typescript", "TS2339", at(6, 4)),
      error("schema", "x", at(6, 3)),
      error("typescript", "TS2322", at(7, 3)),
      warning("secret-in-plan", "y", at(7, 3)),
      error("typescript", "TS1", null),
      error("load-failed", "z", null),
    ];
    expect(preferPipecAtSameSpot(diagnostics)).toEqual(diagnostics);
  });
});

describe("dedupeDiagnostics", () => {
  it("keeps the first of identical diagnostics (a matrix job reports once per expansion)", () => {
    const one = error("schema", 'job "test": timeout: "soon" is not a duration', at(3, 3));
    expect(dedupeDiagnostics([one, { ...one, location: { ...one.location! } }, { ...one, location: at(4, 3) }])).toEqual([one, { ...one, location: at(4, 3) }]);
  });
});

describe("sortDiagnostics", () => {
  it("orders by file, line and column", () => {
    const diagnostics = [error("schema", "c", at(6, 3)), error("schema", "b", at(5, 9)), error("schema", "a", at(1, 1, "lib/jobs.ts")), error("schema", "d", at(5, 3))];
    expect(sortDiagnostics(diagnostics).map((d) => d.message)).toEqual(["d", "b", "c", "a"]);
  });
});
