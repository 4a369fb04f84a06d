/**
 * Who owns a deployment name: the pipeline of its newest revision that recorded one. A second
 * pipeline deploying the same name would otherwise shift traffic from the first one's live
 * version as if it were its own; it is refused unless it says `takeOver: true`.
 */
import type { Revision } from "./schema.ts";

export interface Owner {
  readonly pipeline: string;
  readonly revision: number;
  readonly runId: string | null;
}

/** The pipeline that owns the name, from its history; null when no revision recorded one. */
export function ownerOf(revisions: readonly Revision[]): Owner | null {
  const newest = [...revisions].reverse().find((r) => r.pipeline !== null);
  return newest === undefined || newest.pipeline === null ? null : { pipeline: newest.pipeline, revision: newest.revision, runId: newest.runId };
}

export type OwnershipCheck =
  | { readonly ok: true; readonly takenFrom: Owner | null }
  | { readonly ok: false; readonly message: string };

/**
 * Whether `pipeline` may deploy `name`: yes when nobody owns it, it owns it, or it takes it over.
 * `pipeline` null (`pipec deploy undo` from a terminal) acts for the owner.
 */
export function checkOwnership(name: string, revisions: readonly Revision[], pipeline: string | null, takeOver: boolean): OwnershipCheck {
  const owner = ownerOf(revisions);
  if (owner === null || pipeline === null || owner.pipeline === pipeline) return { ok: true, takenFrom: null };
  if (takeOver) return { ok: true, takenFrom: owner };
  const run = owner.runId === null ? "" : `, run ${owner.runId}`;
  return {
    ok: false,
    message:
      `deployment "${name}" belongs to pipeline "${owner.pipeline}" (revision ${owner.revision}${run}); pipeline "${pipeline}" may not deploy it. ` +
      `Give one of them another deployment name, or set takeOver: true on pipeline "${pipeline}"'s deployment "${name}" to take it over`,
  };
}
