/** Step defaults shared by both front ends, so a TypeScript and a YAML pipeline give the same plan. */

/** A script as the plan holds it: lines joined with "\n", trailing newlines removed (`|` and a list agree). */
export function joinScript(script: string | readonly string[]): string {
  const text = typeof script === "string" ? script : script.join("\n");
  return text.replace(/\n+$/, "");
}

/**
 * A step without a name is called by its script's first line, shortened, as GitHub Actions does: what a
 * reader recognises in logs. Steps are filed by index in run records, so names need not be unique.
 */
export function defaultStepName(script: string, index: number): string {
  const first = script.includes("\n") ? (script.split("\n").find((line) => line.trim() !== "")?.trim() ?? "") : script.trim();
  if (first === "") return `step-${index + 1}`;
  return first.length > 40 ? `${first.slice(0, 39)}…` : first;
}
