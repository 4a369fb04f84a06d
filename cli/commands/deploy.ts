/**
 * Deployment commands: `pipec approve RUN GATE`, `pipec promote RUN [--full]`, `pipec abort RUN`
 * (requests to a running deployment, through `.pipec/runs/<run>/control/`), and `pipec deploy
 * status [NAME] [--watch]` / `undo NAME` / `stop NAME` / `logs NAME` (from `.pipec/deployments/`).
 */
// Each from its own module, not runtime/deploy/index.ts: `deploy undo` is meant to answer in well under
// a second, and the deployment loop (routers, drivers, the Docker client) need not load for it.
import { ControlError, sendControlRequest, type ControlRequest } from "../../runtime/run/control/index.ts";
import { deploymentView, listDeployments, readRevisions, readStatus, type DeploymentStatus, type DeploymentView } from "../../runtime/deploy/history/index.ts";
import { deployLogPath } from "../../runtime/deploy/loop/reporter.ts";
// The client only: the supervisor itself (routers, drivers) loads for `deploy serve`.
import { ensureSupervisor, requestSupervisor, supervisorAnswers, type FinalReply } from "../../runtime/deploy/supervisor/client.ts";
import { SupervisorError } from "../../runtime/deploy/supervisor/errors.ts";
import { existsSync, readFileSync } from "node:fs";
import { sleep } from "../../runtime/executor/abortable.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { currentProjectRoot } from "../project.ts";

export interface ControlFlags {
  readonly job?: string;
  readonly full?: boolean;
  readonly reason?: string;
}

export async function controlCommand(kind: ControlRequest["type"], run: string, gate: string | undefined, flags: ControlFlags, terminal: Terminal): Promise<number> {
  const request: ControlRequest =
    kind === "approve" ? { type: "approve", gate: gate ?? "" } : kind === "promote" ? { type: "promote", full: flags.full === true } : { type: "abort", reason: flags.reason ?? null };
  try {
    const sent = await sendControlRequest({ projectDir: currentProjectRoot(), run, job: flags.job, request });
    const what = kind === "approve" ? `approved gate "${gate}"` : kind === "promote" ? `promoted${flags.full ? " (--full)" : ""}` : "aborted";
    const where = sent.manual === null ? `deployment "${sent.deployment}" (job ${sent.job}) of run ${sent.runId}` : `job${sent.manual.length > 1 ? "s" : ""} ${sent.manual.join(", ")} of run ${sent.runId}`;
    if (sent.delivered) terminal.out(`${what}: ${where}\n`);
    else terminal.out(`request written for ${where}, not taken yet: the run picks it up within a moment if it is still running (pipec logs ${sent.runId} ${sent.job})\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ControlError)) throw error;
    terminal.err(`pipec ${kind}: ${error.message}\n`);
    return error.code === "CONTROL_NO_RUN" ? EXIT.invalidInput : EXIT.failed;
  }
}

export interface StatusFlags {
  readonly json?: boolean;
}

export interface WatchFlags extends StatusFlags {
  /** Milliseconds between reads of `.pipec/deployments/` (main.ts checks it is at least 100). @default 1000 */
  readonly interval?: number;
}

/** One deployment as `pipec deploy status` shows it: the text and `--json` render the same view. */
export type StatusRow = DeploymentView;

export interface RenderStatusOptions {
  /** The NAME argument: one deployment in detail, else a summary line each. */
  readonly name?: string | undefined;
  readonly json?: boolean;
  /** JSON on one line (for `--watch --json`: NDJSON). @default false */
  readonly compact?: boolean;
}

/** What `pipec deploy status` prints for these rows, and on which stream ("no deployments yet" is a note on stderr). */
export function renderStatus(rows: readonly StatusRow[], options: RenderStatusOptions): { readonly text: string; readonly stream: "out" | "err" } {
  const { name } = options;
  if (options.json) {
    const value = name === undefined ? rows : rows[0];
    return { text: `${options.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`, stream: "out" };
  }
  if (rows.length === 0) return { text: "no deployments yet in .pipec/deployments (a deploy job of pipec run makes one)\n", stream: "err" };
  if (name === undefined) return { text: rows.map((row) => `${summaryLine(row)}\n`).join(""), stream: "out" };
  return { text: details(rows[0]!), stream: "out" };
}

export async function deployStatusCommand(name: string | undefined, flags: StatusFlags, terminal: Terminal): Promise<number> {
  const projectDir = currentProjectRoot();
  const rows = await readStatusRows(projectDir, name);
  const missing = missingDeployment(projectDir, name, rows);
  if (missing !== undefined) {
    terminal.err(missing);
    return EXIT.invalidInput;
  }
  const { text, stream } = renderStatus(rows, { name, json: flags.json });
  if (stream === "out") terminal.out(text);
  else terminal.err(text);
  return EXIT.ok;
}

/**
 * `pipec deploy status [NAME] --watch`: reads `.pipec/deployments/` again every interval until `signal`
 * aborts. A terminal is redrawn in place under a header; otherwise (a pipe, a log) the status is printed
 * again only when it changed, and with `--json` as one compact document per line.
 */
export async function deployStatusWatchCommand(name: string | undefined, flags: WatchFlags, terminal: Terminal, signal: AbortSignal, isTty: boolean): Promise<number> {
  const projectDir = currentProjectRoot();
  const interval = flags.interval ?? 1000;
  let rows = await readStatusRows(projectDir, name);
  // A mistyped NAME fails now rather than waiting for a deployment that may never come.
  const missing = missingDeployment(projectDir, name, rows);
  if (missing !== undefined) {
    terminal.err(missing);
    return EXIT.invalidInput;
  }
  let last: string | undefined;
  while (!signal.aborted) {
    const { text } = renderStatus(rows, { name, json: flags.json, compact: true });
    if (flags.json || !isTty) {
      if (text !== last) terminal.out(last === undefined || flags.json ? text : `\n${text}`);
    } else {
      terminal.out(`${CLEAR_SCREEN}${watchHeader(name, interval, new Date())}\n\n${text}`);
    }
    last = text;
    await sleep(interval, signal);
    if (!signal.aborted) rows = await readStatusRows(projectDir, name);
  }
  return EXIT.ok;
}

/** Cursor home, then erase the screen. */
const CLEAR_SCREEN = "\x1b[H\x1b[2J";

/** `Every 1.0s: pipec deploy status web    2026-01-01 12:00:00`, as watch(1) heads its screen. */
export function watchHeader(name: string | undefined, intervalMs: number, now: Date): string {
  const seconds = intervalMs % 100 === 0 ? (intervalMs / 1000).toFixed(1) : String(intervalMs / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  return `Every ${seconds}s: pipec deploy status${name === undefined ? "" : ` ${name}`}    ${time}`;
}

/** Each deployment's view; a supervised one's status is asked of its supervisor (weights read back from the router now). */
async function readStatusRows(projectDir: string, name: string | undefined): Promise<StatusRow[]> {
  const names = name === undefined ? listDeployments(projectDir) : [name];
  return Promise.all(names.map(async (n) => deploymentView(n, (await liveStatus(projectDir, n)) ?? readStatus(projectDir, n), readRevisions(projectDir, n))));
}

async function liveStatus(projectDir: string, name: string): Promise<DeploymentStatus | undefined> {
  if (!(await supervisorAnswers(projectDir, name))) return undefined;
  const reply = await requestSupervisor(projectDir, name, { type: "status" });
  return reply.type === "status" && reply.status !== null ? reply.status : undefined;
}

/** The error for a NAME with no history, else undefined. */
function missingDeployment(projectDir: string, name: string | undefined, rows: readonly StatusRow[]): string | undefined {
  if (name === undefined || rows[0]!.revisions.length > 0) return undefined;
  return `pipec deploy status: no deployment "${name}" in .pipec/deployments${listHint(projectDir)}\n`;
}

/** A NAME with no history: bad input (exit 2), with the names there are. */
function unknownDeployment(command: string, name: string): string | undefined {
  const projectDir = currentProjectRoot();
  if (readRevisions(projectDir, name).length > 0 || listDeployments(projectDir).includes(name)) return undefined;
  return `pipec deploy ${command}: no deployment "${name}" in .pipec/deployments${listHint(projectDir)} (see pipec deploy status)\n`;
}

export async function deployStopCommand(name: string, terminal: Terminal): Promise<number> {
  const unknown = unknownDeployment("stop", name);
  if (unknown !== undefined) {
    terminal.err(unknown);
    return EXIT.invalidInput;
  }
  const { stopDeployment, StopError } = await import("../../runtime/deploy/loop/stop-deployment.ts");
  try {
    const result = await stopDeployment({ projectDir: currentProjectRoot(), name });
    switch (result.kind) {
      case "not-serving":
        terminal.out(`deployment "${name}" is not serving: nothing to stop${result.status === undefined ? "" : ` (${result.status.message})`}\n`);
        return EXIT.ok;
      case "reaped":
        terminal.out(`deployment "${name}" was left serving on ${result.listen} by pid ${result.pid}, which is gone (it ended hard): stopped what it left (${result.instances} instance(s))\n`);
        for (const problem of result.problems) terminal.err(`pipec deploy stop: ${problem}\n`);
        return result.problems.length === 0 ? EXIT.ok : EXIT.failed;
      case "stopped":
        terminal.out(`stopped deployment "${name}": ${result.instances} instance(s) stopped, router ${result.listen} ${result.portClosed ? "closed" : "still answers (another program listens there?)"} (it was served by pid ${result.pid})\n`);
        return result.portClosed ? EXIT.ok : EXIT.failed;
    }
  } catch (error) {
    if (!(error instanceof StopError)) throw error;
    terminal.err(`pipec deploy stop: ${error.message}\n`);
    return EXIT.failed;
  }
}

export function deployLogsCommand(name: string, terminal: Terminal): number {
  const unknown = unknownDeployment("logs", name);
  if (unknown !== undefined) {
    terminal.err(unknown);
    return EXIT.invalidInput;
  }
  const path = deployLogPath(currentProjectRoot(), name);
  const older = `${path}.1`;
  const text = [older, path].filter((file) => existsSync(file)).map((file) => readFileSync(file, "utf8")).join("");
  if (text === "") terminal.err(`deployment "${name}" has no log yet (${path})\n`);
  else terminal.out(text);
  return EXIT.ok;
}

export async function deployUndoCommand(name: string, terminal: Terminal): Promise<number> {
  // A mistyped NAME is bad input (exit 2, as for deploy status), not a failed undo.
  const unknown = unknownDeployment("undo", name);
  if (unknown !== undefined) {
    terminal.err(unknown);
    return EXIT.invalidInput;
  }
  const projectDir = currentProjectRoot();
  const reply = await askSupervisor(projectDir, name, "undo", terminal);
  if (reply.type !== "outcome") return replyFailed("undo", reply, terminal);
  if (reply.outcome.outcome !== "success") {
    terminal.err(`pipec deploy undo: ${reply.outcome.message}\n`);
    return EXIT.failed;
  }
  const how = reply.warm === true ? "from its warm instances" : "started again (no warm instances)";
  terminal.out(`undo: "${name}" is back on the target of revision ${reply.to ?? "?"} (it was on revision ${reply.from ?? "?"}) in ${reply.elapsedMs} ms, ${how}; ${await routerConfirms(projectDir, name)}; the next pipec run deploys from it\n`);
  return EXIT.ok;
}

export async function deployUpCommand(name: string, terminal: Terminal): Promise<number> {
  const unknown = unknownDeployment("up", name);
  if (unknown !== undefined) {
    terminal.err(unknown);
    return EXIT.invalidInput;
  }
  const projectDir = currentProjectRoot();
  if ((await liveStatus(projectDir, name)) !== undefined) {
    terminal.out(`deployment "${name}" is serving already: ${await routerConfirms(projectDir, name)}\n`);
    return EXIT.ok;
  }
  const reply = await askSupervisor(projectDir, name, "up", terminal);
  if (reply.type !== "outcome") return replyFailed("up", reply, terminal);
  if (reply.outcome.outcome !== "success") {
    terminal.err(`pipec deploy up: ${reply.outcome.message}\n`);
    return EXIT.failed;
  }
  terminal.out(`up: "${name}" serves the target of revision ${reply.to ?? "?"} again; ${await routerConfirms(projectDir, name)}\n`);
  return EXIT.ok;
}

/** `pipec deploy serve NAME` (hidden): the deployment's background supervisor, until it is stopped. */
export async function deployServeCommand(name: string, terminal: Terminal, signal: AbortSignal): Promise<number> {
  try {
    const { superviseDeployment } = await import("../../runtime/deploy/supervisor/supervisor.ts");
    await superviseDeployment({ projectDir: currentProjectRoot(), name, signal });
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof SupervisorError)) throw error;
    terminal.err(`pipec deploy serve: ${error.message}\n`);
    return EXIT.failed;
  }
}

/** Starts the supervisor when none runs, sends the request, prints its progress lines. */
async function askSupervisor(projectDir: string, name: string, type: "undo" | "up", terminal: Terminal): Promise<FinalReply> {
  try {
    await ensureSupervisor(projectDir, name);
  } catch (error) {
    if (!(error instanceof SupervisorError)) throw error;
    return { type: "error", code: error.code, message: error.message };
  }
  const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return requestSupervisor(projectDir, name, { type, env }, { onLog: (text) => terminal.out(text.endsWith("\n") ? text : `${text}\n`) });
}

function replyFailed(command: string, reply: FinalReply, terminal: Terminal): number {
  terminal.err(`pipec deploy ${command}: ${reply.type === "error" ? reply.message : `unexpected answer ${reply.type}`}\n`);
  return EXIT.failed;
}

/** `the router confirms r4 100%`, read back from the live router. */
async function routerConfirms(projectDir: string, name: string): Promise<string> {
  const status = await liveStatus(projectDir, name);
  return status === undefined ? "the router does not answer" : `the router confirms ${formatWeights(status.weights)}`;
}

function summaryLine(row: StatusRow): string {
  const serving = { serving: `, serving on ${row.listen ?? "?"} (${formatWeights(row.weights)})`, down: `, down (pid ${row.pid ?? "?"} is gone)`, stopped: ", not serving" }[row.state];
  const state = row.phase === null ? "?" : `${row.phase}${serving}`;
  return `${row.name.padEnd(16)}  revision ${String(row.revision ?? "-").padEnd(3)}  stable ${String(row.stableRevision ?? "-").padEnd(3)}  ${state}`;
}

/** Every field of the view, one per line (the JSON has the same fields, the same values). */
function details(row: StatusRow): string {
  const lines: string[] = [`deployment ${row.name}`];
  if (row.pipeline !== null) lines.push(`  pipeline:  ${row.pipeline}`);
  if (row.revision !== null) lines.push(`  revision:  ${row.revision}${row.strategy === null ? "" : ` (${row.strategy})`}${row.rolloutFrom === null ? "" : `, from revision ${row.rolloutFrom}`}`);
  if (row.phase !== null) lines.push(`  phase:     ${row.phase}${row.pausedReason === null ? "" : ` (${row.pausedReason})`}${row.message === null ? "" : `: ${row.message}`}`);
  if (row.listen !== null) {
    const who = `by pid ${row.pid ?? "?"}${row.runId === null ? "" : ` (run ${row.runId}${row.job === null ? "" : `, job ${row.job}`})`}`;
    const serving = {
      serving: `${row.listen}${row.previewListen === null ? "" : ` (preview ${row.previewListen})`}, ${who}`,
      down: `no, down: ${who} is gone (it ended hard) and may have left instances running; pipec deploy stop ${row.name} stops them (so does the next run)`,
      stopped: `no (deployments serve while the pipec process that deployed them runs; last ${row.listen}, ${who})`,
    }[row.state];
    lines.push(`  serving:   ${serving}`);
  }
  if (row.serving) lines.push(`  weights:   ${formatWeights(row.weights)}`);
  if (row.instances.length > 0) {
    lines.push("  instances:");
    for (const i of row.instances) lines.push(`    ${i.id.padEnd(10)} ${i.role.padEnd(6)} revision ${i.revision}  ${i.address}  ${i.health}${i.reason === null ? "" : `: ${i.reason}`}`);
  }
  lines.push(`  stable:    ${row.stableRevision === null ? "none yet" : `revision ${row.stableRevision}`}`);
  if (row.warmRevision !== null) lines.push(`  warm:      revision ${row.warmRevision} (running, not routed: pipec deploy undo ${row.name} switches to it at once)`);
  lines.push("  revisions:");
  for (const r of row.revisions) {
    const env = Object.entries(r.env).map(([key, value]) => `${key}=${value}`);
    const origin = [r.pipeline === null ? "" : ` pipeline ${r.pipeline}`, r.undoOf !== null ? ` undo to ${r.undoOf}` : "", r.runId === null ? "" : ` run ${r.runId}`].join("");
    lines.push(`    ${String(r.revision).padStart(3)}  ${r.status.padEnd(11)} ${r.at}  ${r.target}${env.length === 0 ? "" : ` ${env.join(" ")}`}  ${r.digest}${origin}${r.reason === null ? "" : `\n         ${r.reason}`}`);
  }
  return `${lines.join("\n")}\n`;
}

function formatWeights(weights: Readonly<Record<string, number>>): string {
  const entries = Object.entries(weights)
    .filter(([, w]) => w > 0)
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
  return entries.length === 0 ? "no traffic" : entries.map(([version, w]) => `${version} ${w}%`).join(", ");
}

function listHint(projectDir: string): string {
  const names = listDeployments(projectDir);
  return names.length === 0 ? "" : ` (deployments: ${names.join(", ")})`;
}
