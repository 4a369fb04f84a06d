/**
 * `pipec run --event E`: the facts of the event read from the checkout (the current branch, the tag
 * at HEAD, the changed files when a paths filter asks), then `matchTrigger`.
 */
import type { Plan } from "../plan/schema.ts";
import { readChangedFiles, repositoryDefaultBranch } from "./changed-files.ts";
import { readGitInfo } from "./git-info.ts";
import { lastSuccessfulCommit } from "./run-changes.ts";
import { matchTrigger, type TriggerDecision, type TriggerEvent } from "./trigger-match.ts";

export interface CheckTriggerOptions {
  readonly projectDir: string;
  readonly plan: Plan;
  readonly event: TriggerEvent;
  /** `--base REF`, for a paths filter. */
  readonly base?: string;
  /** A pull request's target branch. @default the repository's default branch (main or master) */
  readonly target?: string;
}

export function checkTrigger(options: CheckTriggerOptions): TriggerDecision {
  const { plan, event, projectDir } = options;
  const triggers = plan.triggers;
  if (triggers === null) return matchTrigger(null, { event, branch: null, tag: null, changes: null });
  const git = readGitInfo(projectDir);
  const filter = event === "push" ? triggers.push : event === "pull_request" ? triggers.pullRequest : null;
  const changes = filter !== null && filter.paths.length > 0 ? readChangedFiles(projectDir, { base: options.base, previousSuccess: options.base === undefined ? lastSuccessfulCommit(projectDir, plan.name) : null }) : null;
  const branch = event === "pull_request" ? (options.target ?? repositoryDefaultBranch(projectDir)) : git.branch;
  return matchTrigger(triggers, { event, branch, tag: git.tag, changes });
}
