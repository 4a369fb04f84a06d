/**
 * Plain lines, for CI logs and pipes: every log line prefixed with its job (stderr lines on stderr), job
 * transitions as lines, the summary at the end.
 */
import type { RunEvent } from "../../runtime/run/index.ts";
import type { Terminal } from "../output.ts";
import { formatMs, jobColor, paint, STATUS_MARK } from "./format.ts";
import { gateLines, reportHeadline, reportLines } from "./reports.ts";
import { renderSummary } from "./summary.ts";
import type { Reporter } from "./types.ts";

export function createPlainReporter(terminal: Terminal, color = false, options: { readonly explainCache?: boolean } = {}): Reporter & { readonly finished: Extract<RunEvent, { type: "job.finished" }>[] } {
  const finished: Extract<RunEvent, { type: "job.finished" }>[] = [];
  const cached = new Set<string>();
  const reports: Extract<RunEvent, { type: "job.reports" }>[] = [];
  const prefix = (job: string) => paint(color, jobColor(job), `[${job}]`);
  return {
    kind: "plain",
    finished,
    onEvent(event) {
      switch (event.type) {
        case "run.started":
          terminal.err(`pipec: running ${event.pipeline} (${event.jobs.length} jobs, ${event.executor} executor, concurrency ${event.concurrency}), run ${event.runId}\n`);
          return;
        case "run.notify":
          if (event.ok) terminal.err(`pipec: notified ${event.webhook} (${event.event}): ${event.message}\n`);
          else terminal.err(`pipec: warning: notification (${event.event}) to ${event.webhook} failed after ${event.attempts} attempt${event.attempts === 1 ? "" : "s"}: ${event.message}; the run's result stands\n`);
          return;
        case "run.notice":
          terminal.err(`pipec: ${event.level === "warning" ? "warning: " : ""}${event.message}\n`);
          return;
        case "job.started":
          terminal.out(`${prefix(event.job)} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}\n`);
          return;
        case "step.started":
          terminal.out(`${prefix(event.job)} $ ${event.name}\n`);
          return;
        case "job.log":
          // A job's stderr goes to pipec's stderr: the two streams stay apart end to end.
          if (event.stream === "stderr") terminal.err(`${prefix(event.job)} ${event.text}\n`);
          else terminal.out(`${prefix(event.job)} ${event.text}\n`);
          return;
        case "job.cache":
          if (event.hit) {
            cached.add(event.job);
            const from = event.fromRun ? ` from run ${event.fromRun}` : "";
            terminal.out(`${prefix(event.job)} cached: not run, outputs restored${from}${options.explainCache ? ` (${event.key})` : ""}\n`);
          } else if (options.explainCache) {
            terminal.out(`${prefix(event.job)} cache miss: ${event.changed.join(", ")} changed\n`);
          }
          return;
        case "job.reports":
          reports.push(event);
          for (const line of reportLines(event, color)) terminal.out(`${prefix(event.job)} ${line}\n`);
          return;
        case "job.gates":
          for (const line of gateLines(event, color)) terminal.out(`${prefix(event.job)} ${line}\n`);
          return;
        case "job.approval":
          if (event.state === "waiting") terminal.out(`${prefix(event.job)} waiting for approval "${event.name}"${event.timeoutAt === null ? "" : ` until ${event.timeoutAt}`}: ${event.command}\n`);
          else terminal.out(`${prefix(event.job)} approval "${event.name}" ${event.state === "approved" ? "given" : event.state}\n`);
          return;
        case "job.status":
          if (event.status === "retrying") terminal.out(`${prefix(event.job)} retrying: ${event.reason ?? ""}\n`);
          return;
        case "job.finished": {
          finished.push(event);
          const mark = paint(color, event.status === "success" ? 32 : event.status === "skipped" ? 33 : 31, STATUS_MARK[event.status] ?? event.status);
          const reason = event.status !== "success" && event.reason ? `: ${event.reason}` : "";
          terminal.out(`${prefix(event.job)} ${mark} in ${formatMs(event.durationMs)}${reason}\n`);
          return;
        }
        case "run.finished":
          terminal.err(renderSummary(finished, event, color, cached));
          for (const report of reports) terminal.err(`${report.job}: ${reportHeadline(report)}\n`);
          return;
        default:
          return;
      }
    },
    close() {},
  };
}
