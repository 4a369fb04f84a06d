/** The end-of-run summary: each job's status, duration and attempts, and the critical path. */
import type { RunEvent } from "../../runtime/run/index.ts";
import { formatMs, paint } from "./format.ts";

type Finished = Extract<RunEvent, { type: "job.finished" }>;
type RunFinished = Extract<RunEvent, { type: "run.finished" }>;

export function renderSummary(jobs: readonly Finished[], run: RunFinished, color: boolean, cached: ReadonlySet<string> = new Set()): string {
  const width = Math.max(3, ...jobs.map((j) => j.job.length));
  const statusColor = (s: string) => (s === "success" ? 32 : s === "skipped" || s === "cancelled" ? 33 : 31);
  const rows = [...jobs]
    .sort((a, b) => (a.job < b.job ? -1 : 1))
    .map((j) => {
      const attempts = cached.has(j.job) ? "  (cached)" : j.attempts > 1 ? `  (${j.attempts} attempts)` : "";
      const reason = j.status !== "success" && j.reason ? `  ${j.reason}` : "";
      return `  ${j.job.padEnd(width)}  ${paint(color, statusColor(j.status), j.status.padEnd(9))}  ${formatMs(j.durationMs).padStart(7)}${attempts}${reason}`;
    });
  const path = run.criticalPath.length > 0 ? `critical path: ${run.criticalPath.join(" -> ")} (${formatMs(run.criticalPathMs)})` : "";
  const verdict = paint(color, run.status === "success" ? 32 : 31, `run ${run.status}${run.reason ? ` (${run.reason})` : ""}`);
  return [``, ...rows, ``, `${verdict} in ${formatMs(run.durationMs)}, run ${run.runId}`, path].filter((l) => l !== undefined).join("\n") + "\n";
}
