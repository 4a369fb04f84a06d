/**
 * Instances per role, from the loop's snapshots. The engine counts what it asked for (starting,
 * stopping) until the snapshots show it, so bounds hold while the driver is still busy.
 */
import type { VersionRole } from "../types.ts";
import { emit, type Draft } from "./draft.ts";
import type { DeployObservation, InstanceFailure, VersionInstances } from "./types.ts";

export function emptyInstances(): VersionInstances {
  return { reported: false, ready: [], unready: [], readySince: {}, starting: 0, stopping: [], failed: [], known: [] };
}

type InstancesObservation = Extract<DeployObservation, { type: "instances" }>;

/** Applies a snapshot; returns the failures not seen before (each is acted on once). */
export function observeInstances(d: Draft, obs: InstancesObservation): InstanceFailure[] {
  const v = d.s.instances[obs.version];
  const failed = obs.failed ?? [];
  const listed = [...obs.ready, ...obs.unready, ...failed.map((f) => f.id)];
  const fresh = listed.filter((id) => !v.known.includes(id));
  v.known.push(...fresh);
  v.starting = Math.max(0, v.starting - fresh.length);
  v.stopping = v.stopping.filter((id) => listed.includes(id));
  const readySince: Record<string, number> = {};
  for (const id of obs.ready) readySince[id] = v.readySince[id] ?? d.now;
  v.readySince = readySince;
  v.ready = [...obs.ready];
  v.unready = [...obs.unready];
  v.reported = true;
  const newFailures = failed.filter((f) => !v.failed.includes(f.id));
  v.failed = failed.map((f) => f.id);
  return newFailures;
}

/** Ready or unready, not failed and not being stopped. */
export function liveIds(d: Draft, role: VersionRole): string[] {
  const v = d.s.instances[role];
  return [...v.ready, ...v.unready].filter((id) => !v.stopping.includes(id));
}

/** Ready for at least `minReadyMs` (and not being stopped), oldest first. */
export function availableIds(d: Draft, role: VersionRole, minReadyMs = 0): string[] {
  const v = d.s.instances[role];
  return v.ready
    .filter((id) => !v.stopping.includes(id) && d.now - (v.readySince[id] ?? d.now) >= minReadyMs)
    .sort((a, b) => (v.readySince[a] ?? 0) - (v.readySince[b] ?? 0));
}

/** Everything that exists or is about to: live, starting, and stopping but still listed. */
export function totalInstances(d: Draft, role: VersionRole): number {
  const v = d.s.instances[role];
  return liveIds(d, role).length + v.starting + v.stopping.length;
}

export function startInstances(d: Draft, role: VersionRole, count: number): void {
  if (count <= 0) return;
  d.s.instances[role].starting += count;
  emit(d, { type: "start-instances", version: role, count });
}

export function stopInstances(d: Draft, role: VersionRole, ids: readonly string[], reason: string): void {
  if (ids.length === 0) return;
  const v = d.s.instances[role];
  v.stopping.push(...ids.filter((id) => !v.stopping.includes(id)));
  emit(d, { type: "stop-instances", version: role, ids: [...ids], reason });
}

export function stopAllInstances(d: Draft, role: VersionRole, reason: string): void {
  const v = d.s.instances[role];
  v.stopping = [...new Set([...v.stopping, ...liveIds(d, role)])];
  v.starting = 0;
  emit(d, { type: "stop-instances", version: role, ids: "all", reason });
}

/** The earliest time an instance becomes available by minReady; null if none is waiting for it. */
export function minReadyWakeAt(d: Draft, role: VersionRole, minReadyMs: number): number | null {
  if (minReadyMs <= 0) return null;
  const v = d.s.instances[role];
  let at: number | null = null;
  for (const id of v.ready) {
    const since = v.readySince[id];
    if (since === undefined || v.stopping.includes(id) || d.now - since >= minReadyMs) continue;
    if (at === null || since + minReadyMs < at) at = since + minReadyMs;
  }
  return at;
}

/** `2 of 3 available (unready: c-2; starting: 1)`: for status lines and deadline reasons. */
export function describeAvailability(d: Draft, role: VersionRole, want: number, minReadyMs = 0): string {
  const v = d.s.instances[role];
  const available = availableIds(d, role, minReadyMs).length;
  const notes: string[] = [];
  const unready = v.unready.filter((id) => !v.stopping.includes(id));
  if (unready.length > 0) notes.push(`unready: ${unready.join(", ")}`);
  const waiting = v.ready.length - available - v.ready.filter((id) => v.stopping.includes(id)).length;
  if (waiting > 0) notes.push(`${waiting} within minReady`);
  if (v.starting > 0) notes.push(`starting: ${v.starting}`);
  return `${available} of ${want} available${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
}
