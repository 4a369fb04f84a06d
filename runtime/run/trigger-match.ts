/**
 * Whether a pipeline's triggers (`on:`) take an event, as the engines would decide: pure, the event
 * in (kind, branch, tag, changed files), a yes or a sentence saying why not out.
 */
import { picomatch } from "../plan/picomatch.ts";
import { matchesChange, type ChangeSet } from "../plan/expression/index.ts";
import type { Triggers } from "../plan/schema.ts";

export const TRIGGER_EVENTS = ["push", "pull_request", "tag", "schedule"] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];

export interface EventFacts {
  readonly event: TriggerEvent;
  /** push: the branch pushed; pull_request: its target branch. Null when unknown (detached HEAD). */
  readonly branch: string | null;
  /** tag: the tag pushed (the tag at HEAD). */
  readonly tag: string | null;
  /** The changes a paths filter reads (null when the filter has no paths). */
  readonly changes: ChangeSet | null;
}

export type TriggerDecision = { readonly run: true; readonly because: string } | { readonly run: false; readonly reason: string };

const list = (patterns: readonly string[]) => patterns.map((p) => `"${p}"`).join(", ");
const matches = (patterns: readonly string[], value: string) => patterns.some((pattern) => picomatch(pattern, { dot: true })(value));

export function matchTrigger(triggers: Triggers | null, facts: EventFacts): TriggerDecision {
  if (triggers === null) return { run: true, because: "the pipeline has no on: triggers, so every event runs it" };
  switch (facts.event) {
    case "push":
    case "pull_request": {
      const key = facts.event === "push" ? "push" : "pullRequest";
      const filter = triggers[key];
      const what = facts.event === "push" ? `a push to ${facts.branch === null ? "a detached HEAD" : `branch "${facts.branch}"`}` : `a pull request into "${facts.branch ?? "?"}"`;
      if (filter === null) return { run: false, reason: `${what}: the pipeline's on: has no ${key} trigger (it runs on ${describe(triggers)})` };
      if (filter.branches.length > 0 && (facts.branch === null || !matches(filter.branches, facts.branch))) {
        return { run: false, reason: `${what}: on.${key}.branches is ${list(filter.branches)}` };
      }
      if (filter.paths.length > 0 && facts.changes !== null && !filter.paths.some((pattern) => matchesChange(facts.changes!, pattern))) {
        return { run: false, reason: `${what}: no file changed since ${facts.changes.base} matches on.${key}.paths ${list(filter.paths)}` };
      }
      return { run: true, because: `${what} matches on.${key}` };
    }
    case "tag":
      if (triggers.tag.length === 0) return { run: false, reason: `a tag: the pipeline's on: has no tag trigger (it runs on ${describe(triggers)})` };
      if (facts.tag === null) return { run: false, reason: `a tag: no tag points at HEAD (on.tag is ${list(triggers.tag)}); tag the commit, then run again` };
      if (!matches(triggers.tag, facts.tag)) return { run: false, reason: `tag "${facts.tag}": on.tag is ${list(triggers.tag)}` };
      return { run: true, because: `tag "${facts.tag}" matches on.tag` };
    case "schedule":
      if (triggers.schedule.length === 0) return { run: false, reason: `a schedule: the pipeline's on: has no schedule (it runs on ${describe(triggers)})` };
      return { run: true, because: `on.schedule is ${list(triggers.schedule)}` };
  }
}

/** `push to "main", tags "v*"`: what the triggers take, for the reason a pipeline did not run. */
function describe(triggers: Triggers): string {
  const parts: string[] = [];
  if (triggers.push !== null) parts.push(triggers.push.branches.length === 0 ? "push" : `push to ${list(triggers.push.branches)}`);
  if (triggers.pullRequest !== null) parts.push(triggers.pullRequest.branches.length === 0 ? "pull_request" : `pull_request into ${list(triggers.pullRequest.branches)}`);
  if (triggers.tag.length > 0) parts.push(`tag ${list(triggers.tag)}`);
  if (triggers.schedule.length > 0) parts.push("schedule");
  return parts.length === 0 ? "nothing" : parts.join(", ");
}
