/** The one-line messages a job outcome carries: they name the step and say what happened. */
import { constants } from "node:os";

/** `1.5s`, `250ms`, `2m`, `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}

/** `16 MiB`, `1.5 GiB`, `800 KiB`, `12 bytes`. */
export function formatBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = "bytes";
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${Number(value.toFixed(1))} ${unit}`;
}

/** What a non-zero exit code usually means, for the message; null when it means nothing special. */
export function describeExit(exitCode: number): string | null {
  if (exitCode === 127) return "command not found";
  if (exitCode === 126) return "command not executable";
  if (exitCode > 128 && exitCode < 128 + 65) {
    const name = signalName(exitCode - 128);
    if (name) return `killed by ${name}`;
  }
  return null;
}

/** `step "build" failed: command not found (exit 127)`, `step "test" failed with exit code 2`. */
export function exitMessage(stepName: string, exitCode: number, reason: string | null, attempts: number): string {
  const because = reason ?? describeExit(exitCode);
  const tried = attempts > 1 ? ` after ${attempts} attempts` : "";
  return because
    ? `step "${stepName}" failed${tried}: ${because} (exit ${exitCode})`
    : `step "${stepName}" failed${tried} with exit code ${exitCode}`;
}

export function signalName(signo: number): string | null {
  for (const [name, value] of Object.entries(constants.signals)) if (value === signo) return name;
  return null;
}

/** The exit code a shell would report for a process ended by a signal. */
export function exitCodeOfSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
