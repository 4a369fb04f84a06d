import { expect, it } from "vitest";
import { nameSuggester } from "../../../compiler/validate/near-names.ts";
import { didYouMean } from "../../../runtime/plan/did-you-mean.ts";

it("suggests what didYouMean suggests, listed-first on ties", () => {
  const names = ["build", "biuld", "test", "deploy-web", "lint", "builds"];
  const suggest = nameSuggester(names);
  for (const name of ["buld", "tset", "deploy-wbe", "lnt", "x", "compile", "bulid"]) expect(suggest(name)).toBe(didYouMean(name, names));
});

it("stops suggesting once a build has spent its budget of comparisons (20,000 unknown names among 20,000 would be 400 million)", () => {
  const names = Array.from({ length: 20_000 }, (_, i) => `job-${i}`);
  const suggest = nameSuggester(names);
  expect(suggest("job-1x")).toBe("job-1");
  for (let i = 0; i < 20; i++) suggest(`missing-${i}`);
  expect(suggest("job-1x")).toBeUndefined();
});
