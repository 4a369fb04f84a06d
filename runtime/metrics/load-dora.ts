/** The I/O shell of the DORA metrics: reads every deployment's history under `.pipec/deployments/` and computes. */
import { execFileSync } from "node:child_process";
import { listDeployments, readDeliveryHistory } from "../deploy/history/index.ts";
import { didYouMean } from "../plan/did-you-mean.ts";
import { computeDora, type DeliveryRecord, type DoraFigures } from "./dora.ts";
import { MetricsInputError } from "./errors.ts";

export interface DoraOptions {
  /** How far back, in milliseconds. */
  readonly sinceMs: number;
  /** Only this deployment. @default every deployment */
  readonly deployment?: string;
  /** @default Date.now() */
  readonly now?: number;
}

export interface DoraReport {
  readonly from: string;
  readonly to: string;
  /** One per deployment, by name. */
  readonly deployments: readonly DoraFigures[];
  /** Every deployment together; null with fewer than two. */
  readonly all: DoraFigures | null;
}

/** Throws MetricsInputError for an unknown deployment, or a git repository without commits. */
export function readDoraReport(projectDir: string, options: DoraOptions): DoraReport {
  if (gitHasNoCommits(projectDir)) {
    throw new MetricsInputError(`the git repository at ${projectDir} has no commits: lead time counts from the commit a deployment ships; commit, then deploy with pipec run`);
  }
  const names = listDeployments(projectDir);
  if (options.deployment !== undefined && !names.includes(options.deployment)) {
    const near = didYouMean(options.deployment, names);
    const known = names.length === 0 ? "none has a history yet (a pipec run with a deploy job makes one)" : `deployments here: ${names.join(", ")}`;
    throw new MetricsInputError(`no deployment "${options.deployment}" in .pipec/deployments${near === undefined ? "" : `; did you mean "${near}"?`}; ${known}`);
  }
  const chosen = options.deployment === undefined ? names : [options.deployment];
  const window = { now: options.now ?? Date.now(), sinceMs: options.sinceMs };
  const histories = chosen.map((name) => readDeliveryHistory(projectDir, name).map((r): DeliveryRecord => ({ ...r, deployment: name })));
  const deployments = histories.map((records, i) => computeDora(records, window, chosen[i]!));
  const all = chosen.length < 2 ? null : computeDora(histories.flat(), window, null);
  return { from: new Date(window.now - window.sinceMs).toISOString(), to: new Date(window.now).toISOString(), deployments, all };
}

/** Whether the folder is in a git work tree whose HEAD has no commit yet (false outside git). */
export function gitHasNoCommits(dir: string): boolean {
  const git = (...args: string[]) => {
    try {
      execFileSync("git", args, { cwd: dir, stdio: "ignore", timeout: 5000 });
      return true;
    } catch {
      return false;
    }
  };
  return git("rev-parse", "--is-inside-work-tree") && !git("rev-parse", "--verify", "--quiet", "HEAD");
}
