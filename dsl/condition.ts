/**
 * A typed condition builder. Each helper produces expression text in the pipeline expression language;
 * the compiler parses, checks and normalises it. `if:` also accepts the text directly: `"${{ git.branch == 'main' }}"`.
 */
import { CONDITION } from "./brand.ts";

export interface Condition {
  readonly [CONDITION]: true;
  readonly text: string;
}
/** A value inside a condition: a context reference or a literal. */
export type Operand = Condition | string | number | boolean | null;

const make = (text: string): Condition => ({ [CONDITION]: true, text });
const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
const key = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${quote(name)}]`);
const operand = (value: Operand): string =>
  value === null ? "null" : typeof value === "string" ? quote(value) : typeof value === "object" ? `(${value.text})` : String(value);
const call = (name: string, ...args: Operand[]) => make(`${name}(${args.map(operand).join(", ")})`);

export const when = {
  /** Run whatever happened before. */
  always: () => make("always()"),
  /** Run only when every need succeeded (the default). */
  success: () => make("success()"),
  /** Run when a need failed. */
  failure: () => make("failure()"),
  cancelled: () => make("cancelled()"),
  env: (name: string) => make(`env${key(name)}`),
  vars: (name: string) => make(`vars${key(name)}`),
  matrix: (name: string) => make(`matrix${key(name)}`),
  git: { branch: make("git.branch"), sha: make("git.sha"), tag: make("git.tag") },
  /** The result of a needed job: `'success' | 'failure' | 'skipped' | 'cancelled'`. */
  result: (job: string | { readonly name: string }) => make(`needs${key(typeof job === "string" ? job : job.name)}.result`),
  eq: (a: Operand, b: Operand) => make(`${operand(a)} == ${operand(b)}`),
  ne: (a: Operand, b: Operand) => make(`${operand(a)} != ${operand(b)}`),
  and: (...all: Condition[]) => make(all.map(operand).join(" && ")),
  or: (...any: Condition[]) => make(any.map(operand).join(" || ")),
  not: (c: Condition) => make(`!${operand(c)}`),
  contains: (haystack: Operand, needle: Operand) => call("contains", haystack, needle),
  startsWith: (text: Operand, prefix: Operand) => call("startsWith", text, prefix),
  endsWith: (text: Operand, suffix: Operand) => call("endsWith", text, suffix),
  /**
   * True when a file matching one of the patterns (globs from the repository root) differs between the
   * run's commit and its base (`pipec run --base REF`; by default the merge base with the default
   * branch, else the last successful run's commit). Uncommitted changes count.
   */
  changed: (...patterns: [Operand, ...Operand[]]) => call("changed", ...patterns),
  /** `format('services/{0}/**', matrix.service)`: text with `{N}` replaced by the N-th value. */
  format: (template: string, ...values: Operand[]) => call("format", template, ...values),
  /** Shorthand for `git.branch == name`. */
  branch: (name: string) => make(`git.branch == ${quote(name)}`),
};

export type ConditionLike = Condition | string;
