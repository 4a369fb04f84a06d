/**
 * Matrix expansion, shared by both front ends: axes are crossed in the author's key order,
 * `exclude` removes combinations that match all its keys, `include` extends or adds combinations as
 * GitHub Actions does.
 */
export type MatrixValue = string | number | boolean;
export type MatrixCombination = Readonly<Record<string, MatrixValue>>;

export interface MatrixSpec {
  readonly axes: Readonly<Record<string, readonly MatrixValue[]>>;
  readonly include?: readonly MatrixCombination[];
  readonly exclude?: readonly MatrixCombination[];
}

const matches = (combo: MatrixCombination, pattern: MatrixCombination) =>
  Object.entries(pattern).every(([key, value]) => combo[key] === value);

export function expandMatrix(spec: MatrixSpec): MatrixCombination[] {
  let combos: Record<string, MatrixValue>[] = [{}];
  for (const [key, values] of Object.entries(spec.axes)) {
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  if (Object.keys(spec.axes).length === 0) combos = [];
  combos = combos.filter((combo) => !(spec.exclude ?? []).some((pattern) => matches(combo, pattern)));
  // GitHub's semantics: an include is added to every combination of the axes whose values it does not
  // change (one with only new keys, to all of them), and values an earlier include added may change;
  // an include that fits none is a combination of its own, which later includes do not extend.
  const crossed = [...combos];
  for (const extra of spec.include ?? []) {
    const axisPart = Object.fromEntries(Object.entries(extra).filter(([key]) => key in spec.axes));
    const extended = crossed.filter((combo) => matches(combo, axisPart));
    if (extended.length > 0) for (const combo of extended) Object.assign(combo, extra);
    else combos.push({ ...extra });
  }
  return combos;
}

/** The stable id of one expansion: `test-node-20-os-linux` style, `name` plus each key and value. */
export function matrixJobId(name: string, combo: MatrixCombination): string {
  const parts = Object.entries(combo).map(([key, value]) => `${key}-${String(value)}`);
  return [name, ...parts].join("-").replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/** The display name of one expansion: `test (node=20, os=linux)`. */
export function matrixJobName(name: string, combo: MatrixCombination): string {
  const parts = Object.entries(combo).map(([key, value]) => `${key}=${String(value)}`);
  return parts.length === 0 ? name : `${name} (${parts.join(", ")})`;
}
