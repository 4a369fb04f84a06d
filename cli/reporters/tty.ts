/**
 * The live view on a terminal: log lines scroll above a footer that shows every job (queued, running
 * with elapsed time, done with duration), redrawn in place at most every 100 ms.
 */
import type { RunEvent } from "../../runtime/run/index.ts";
import type { Terminal } from "../output.ts";
import { formatMs, paint } from "./format.ts";
import { createPlainReporter } from "./plain.ts";
import type { Reporter } from "./types.ts";

interface JobView {
  status: string;
  startedAt: number | null;
  durationMs: number | null;
}

export function createTtyReporter(terminal: Terminal, options: { readonly explainCache?: boolean } = {}, columns = 100): Reporter {
  const plain = createPlainReporter(terminal, true, options);
  const jobs = new Map<string, JobView>();
  let footerLines = 0;
  let timer: NodeJS.Timeout | null = null;
  const clear = () => {
    if (footerLines > 0) terminal.out(`\u001b[${footerLines}A\u001b[0J`);
    footerLines = 0;
  };
  const draw = () => {
    clear();
    const lines = [...jobs.entries()].map(([id, view]) => {
      const elapsed = view.durationMs ?? (view.startedAt ? Date.now() - view.startedAt : null);
      const icon = view.status === "running" ? paint(true, 36, "▶") : view.status === "waiting" ? paint(true, 33, "⏸") : view.status === "success" ? paint(true, 32, "✔") : ["failed", "timed-out"].includes(view.status) ? paint(true, 31, "✘") : paint(true, 90, "·");
      return `${icon} ${id.slice(0, columns - 30).padEnd(Math.min(40, columns - 30))} ${view.status.padEnd(10)} ${elapsed === null ? "" : formatMs(elapsed)}`;
    });
    const shown = lines.length > 15 ? [...lines.filter((l) => l.includes("▶")).slice(0, 12), paint(true, 90, `  … ${lines.length} jobs`)] : lines;
    terminal.out(`${shown.join("\n")}\n`);
    footerLines = shown.length;
  };
  return {
    kind: "tty",
    onEvent(event: RunEvent) {
      if (event.type === "run.started") {
        for (const id of event.jobs) jobs.set(id, { status: "queued", startedAt: null, durationMs: null });
        timer = setInterval(draw, 100);
        timer.unref();
      }
      if (event.type === "job.approval" && event.state === "waiting") jobs.set(event.job, { status: "waiting", startedAt: null, durationMs: null });
      if (event.type === "job.started") jobs.set(event.job, { status: "running", startedAt: Date.now(), durationMs: null });
      if (event.type === "job.finished") jobs.set(event.job, { status: event.status, startedAt: null, durationMs: event.durationMs });
      if (event.type === "run.finished" && timer) {
        clearInterval(timer);
        timer = null;
      }
      clear();
      plain.onEvent(event);
      if (timer) draw();
    },
    close() {
      if (timer) clearInterval(timer);
      clear();
    },
  };
}
