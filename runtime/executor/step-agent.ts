/**
 * The job container's agent: a POSIX shell that is the container's command (under docker-init) and
 * runs the job's steps one after another as pipec writes them to its stdin. A step costs a fork in
 * the container instead of a `docker exec` (which spawns runc and costs ~0.3 s under load).
 *
 * Each request is shell text ending with a line holding the agent's token. It runs the step in a
 * subshell with the step's environment (`export`), working directory and stdin from /dev/null, as
 * `sh -e -c SCRIPT`; the agent then kills whatever the step left running (as a container of its
 * own would end with its command) and writes the step's mark with its exit code and the container's
 * OOM count to stdout, and the mark alone to stderr: the step's output is everything before the
 * marks on each stream. Marks are random per step, so no output ends a step by chance.
 *
 * Stops (timeouts, cancel) come from a second exec (STOP_SCRIPT, sparing the agent's pid): the agent
 * then reports the step as it ended. Shell text only: any image with a `sh` can host a job.
 */
import { randomBytes } from "node:crypto";

/** $1: the token ending each request. Prints `TOKEN PID OOM` once, then serves requests until stdin ends. */
export const AGENT_SCRIPT = [
  // OOM_SCRIPT's count, read in the agent's own shell (no fork): a redirected loop runs in the current shell.
  '_pipec_oom() { _pipec_f=/sys/fs/cgroup/memory.events; [ -r "$_pipec_f" ] || _pipec_f=/sys/fs/cgroup/memory/memory.oom_control; _pipec_n=0; { while read -r _pipec_k _pipec_v; do [ "$_pipec_k" = oom_kill ] && _pipec_n=$_pipec_v; done < "$_pipec_f"; } 2>/dev/null; }',
  '_pipec_oom; printf \'%s %s %s\\n\' "$1" "$$" "$_pipec_n"',
  "while :; do",
  "  _pipec_r=",
  '  while IFS= read -r _pipec_l || exit 0; do [ "$_pipec_l" = "$1" ] && break; _pipec_r="$_pipec_r$_pipec_l',
  '"; done',
  '  eval "$_pipec_r"',
  // The request (a step's secrets) is not kept for the next step.
  "  _pipec_x=$? _pipec_r=",
  // As in a container of its own, the step ends with its shell: whatever it left running goes too.
  '  for _pipec_d in /proc/[0-9]*; do _pipec_p=${_pipec_d#/proc/}; case $_pipec_p in 1|$$) ;; *) kill -s KILL "$_pipec_p" 2>/dev/null ;; esac; done',
  "  _pipec_oom",
  '  printf \'%s %s %s\\n\' "$_pipec_m" "$_pipec_x" "$_pipec_n"',
  '  printf \'%s\\n\' "$_pipec_m" >&2',
  "done",
].join("\n");

/** Names a shell may hold read-only (bash's UID, PPID...), where `export` would fail: such a step is exec'd with them in its environment instead. */
const SHELL_OWNED = new Set(["UID", "EUID", "PPID", "GROUPS", "BASHOPTS", "BASH_VERSINFO", "SHELLOPTS", "IFS"]);
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function randomMark(): string {
  return `pipec-${randomBytes(16).toString("hex")}`;
}

/** The job container's command: the agent, told its token. */
export function agentCommand(token: string): string[] {
  return ["sh", "-c", AGENT_SCRIPT, "pipec-agent", token];
}

/** Whether the agent can give the step this environment (`export NAME=...` for every name). */
export function agentCanRun(env: Readonly<Record<string, string>>): boolean {
  return Object.keys(env).every((name) => PLAIN_NAME.test(name) && !SHELL_OWNED.has(name) && !name.startsWith("_pipec_"));
}

export interface StepRequest {
  readonly run: string;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  /** HOME for a user whose HOME is `/` or not writable; null when the step sets HOME itself. */
  readonly fallbackHome: string | null;
  /** This step's mark (randomMark()). */
  readonly mark: string;
}

/** The text written to the agent's stdin for one step. Every value is single-quoted: nothing of it is shell code. */
export function renderStepRequest(step: StepRequest, token: string): string {
  const lines = [`_pipec_m=${quote(step.mark)}`, "("];
  for (const [name, value] of Object.entries(step.env)) lines.push(`export ${name}=${quote(value)}`);
  // A uid without a passwd entry gets HOME=/ from the engine, where nothing can be written.
  if (step.fallbackHome !== null) lines.push(`if [ "\${HOME:-/}" = / ] || [ ! -w "$HOME" ]; then HOME=${quote(step.fallbackHome)}; export HOME; fi`);
  lines.push(`cd ${quote(step.workingDir)} || exit 1`, "unset OLDPWD", `exec sh -e -c ${quote(step.run)}`, ") </dev/null", token);
  return `${lines.join("\n")}\n`;
}

/** Reads `MARK A B`'s trailer (" A B"): two numbers, or null. */
export function parseMarkTrailer(trailer: string): { readonly first: number; readonly second: number } | null {
  const match = /^ (\d+) (\d+)$/.exec(trailer);
  return match ? { first: Number(match[1]), second: Number(match[2]) } : null;
}

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export interface MarkWatch {
  readonly mark: string;
  /** Read the rest of the mark's line (up to "\n") and hand it to onFound. */
  readonly trailer: boolean;
  /** Output before the mark. */
  readonly onData: (chunk: Buffer) => void;
  readonly onFound: (trailer: string) => void;
}

/**
 * One output stream of the agent: passes chunks through to the watch's onData until its mark, then
 * reports the mark (and its line's rest); a chunk's tail that could be the start of the mark is held
 * back until the next chunk tells. Output while nothing watches is dropped.
 */
export class MarkScanner {
  private watch: MarkWatch | null = null;
  private held: Buffer = Buffer.alloc(0);
  private trailer: Buffer[] | null = null;

  expect(watch: MarkWatch): void {
    this.watch = watch;
    this.held = Buffer.alloc(0);
    this.trailer = null;
  }

  push(chunk: Buffer): void {
    const watch = this.watch;
    if (watch === null) return;
    if (this.trailer !== null) return this.readTrailer(watch, chunk);
    const data = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const mark = Buffer.from(watch.mark);
    const at = data.indexOf(mark);
    if (at >= 0) {
      if (at > 0) watch.onData(data.subarray(0, at));
      this.held = Buffer.alloc(0);
      const rest = data.subarray(at + mark.length);
      if (!watch.trailer) return this.found(watch, "");
      this.trailer = [];
      return this.readTrailer(watch, rest);
    }
    const keep = heldBack(data, mark);
    if (data.length > keep) watch.onData(data.subarray(0, data.length - keep));
    this.held = Buffer.from(data.subarray(data.length - keep));
  }

  private readTrailer(watch: MarkWatch, chunk: Buffer): void {
    const newline = chunk.indexOf(0x0a);
    this.trailer!.push(newline < 0 ? chunk : chunk.subarray(0, newline));
    if (newline >= 0) this.found(watch, Buffer.concat(this.trailer!).toString("utf8"));
  }

  private found(watch: MarkWatch, trailer: string): void {
    this.watch = null;
    this.trailer = null;
    watch.onFound(trailer);
  }
}

/** How many bytes at the end of `data` could begin `mark`. */
function heldBack(data: Buffer, mark: Buffer): number {
  for (let size = Math.min(data.length, mark.length - 1); size > 0; size--) {
    if (data.subarray(data.length - size).equals(mark.subarray(0, size))) return size;
  }
  return 0;
}
