/**
 * The pipeline's triggers as GitLab `workflow: rules`: one rule per event (push to branches, merge
 * requests into branches, tags, schedules, and runs started by hand), with `changes:` for paths.
 * Schedules themselves are set in the project (CI/CD > Schedules), not in the file: a warning says so.
 */
import type { Plan } from "../../../runtime/plan/schema.ts";
import type { TargetDiagnostics } from "../common/diagnostics.ts";

type Doc = Record<string, unknown>;

/** A branch or tag glob (`*` within a segment, `**` across, `?`) as an RE2 regex literal for `=~` (every `/` escaped, in classes too). */
export function refRegex(patterns: readonly string[]): string {
  const one = (pattern: string) => {
    let out = "";
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i]!;
      if (ch === "*" && pattern[i + 1] === "*") {
        out += ".*";
        i++;
      } else if (ch === "*") out += "[^\\/]*";
      else if (ch === "?") out += "[^\\/]";
      else if (ch === "/") out += "\\/";
      else out += /[.^$+()|{}[\]\\]/.test(ch) ? `\\${ch}` : ch;
    }
    return out;
  };
  return `/^(${patterns.map(one).join("|")})$/`;
}

export function workflowRules(plan: Plan, diagnostics: TargetDiagnostics): Doc | null {
  const on = plan.triggers;
  if (on === null) return null;
  const rules: Doc[] = [];
  const changes = (paths: readonly string[]) => (paths.length === 0 ? {} : { changes: [...paths] });
  if (on.push !== null) {
    const branches = on.push.branches.length === 0 ? "$CI_COMMIT_BRANCH" : `$CI_COMMIT_BRANCH =~ ${refRegex(on.push.branches)}`;
    rules.push({ if: `$CI_PIPELINE_SOURCE == "push" && ${branches}`, ...changes(on.push.paths) });
  }
  if (on.pullRequest !== null) {
    const target = on.pullRequest.branches.length === 0 ? "" : ` && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME =~ ${refRegex(on.pullRequest.branches)}`;
    rules.push({ if: `$CI_PIPELINE_SOURCE == "merge_request_event"${target}`, ...changes(on.pullRequest.paths) });
  }
  if (on.tag.length > 0) rules.push({ if: `$CI_COMMIT_TAG =~ ${refRegex(on.tag)}` });
  if (on.schedule.length > 0) {
    rules.push({ if: '$CI_PIPELINE_SOURCE == "schedule"' });
    diagnostics.approximated(
      { job: null, location: plan.source },
      "on.schedule",
      `GitLab takes schedules from the project's settings, not from .gitlab-ci.yml: the file lets scheduled pipelines run; create a schedule for ${on.schedule.map((cron) => `"${cron}"`).join(", ")} (UTC)`,
      "CI/CD > Schedules > New schedule, with that cron and the UTC time zone",
    );
  }
  // Runs started by hand (Run pipeline), as GitHub's workflow_dispatch.
  rules.push({ if: '$CI_PIPELINE_SOURCE == "web"' });
  return { rules };
}
