/**
 * The canonical plan dialect: a file with `apiVersion: pipec/v1` is a plan already (what `pipec build`
 * writes). It passes through unchanged but for its `digest`, which is recomputed (and compared with the
 * one written, see compile.ts); validation is the
 * shared plan pass, which finds the author's line through the table built here.
 */
import type { Draft, PlanPath } from "../draft.ts";
import { locatorFromTable, pathKey } from "../draft.ts";
import type { PlanInput, SourceLocation } from "../../runtime/plan/schema.ts";
import type { LocatedDocument } from "./located-document.ts";

export function canonicalDraft(value: Record<string, unknown>, document: LocatedDocument, file: string): Draft {
  const { digest: _digest, ...plan } = value;
  const table = new Map<string, SourceLocation>();
  const visit = (item: unknown, path: PlanPath): void => {
    const location = document.node(path);
    if (location) table.set(pathKey(path), location);
    if (Array.isArray(item)) item.forEach((child, index) => visit(child, [...path, index]));
    else if (item !== null && typeof item === "object") for (const [key, child] of Object.entries(item)) visit(child, [...path, key]);
  };
  visit(plan, []);
  // Trusting the shape here is deliberate: the plan schema pass reports what does not fit, with locations.
  const locate = locatorFromTable(table, { file, line: 1, column: 1 });
  const statedDigest = typeof _digest === "string" ? { digest: _digest, location: document.node(["digest"]) ?? null } : undefined;
  return statedDigest ? { plan: plan as unknown as PlanInput, locate, statedDigest } : { plan: plan as unknown as PlanInput, locate };
}
