/**
 * The small POSIX shell scripts the Docker executor runs inside a job's container. They use shell
 * builtins only (no ps, no kill binary, no cat), so any image with a `sh` can host a job.
 *
 * A job container runs the step agent (step-agent.ts; docker-init as PID 1, the agent its child),
 * which runs the steps; a step it cannot run is `docker exec`'d. pipec stops a step by signalling,
 * from another exec, every process of the container except PID 1 and the agent (the keep-alive):
 * only one step runs at a time, so that is the step and whatever it started.
 */

/** Positional arguments of STEP_SCRIPT: $1 the step's script, $2 the keep-alive's pid ("" in a one-shot container), $3 a fallback HOME (or ""). */
export const STEP_SCRIPT = [
  // A uid without a passwd entry gets HOME=/ from the engine, where nothing can be written.
  'if [ -n "$3" ] && { [ "${HOME:-/}" = / ] || [ ! -w "$HOME" ]; }; then HOME=$3; export HOME; fi',
  // In a container of its own the step is the container's only work: it ends with the container.
  '[ -n "$2" ] || exec sh -e -c "$1"',
  // The stop signal is for the step: this shell outlives it to clean up, then exits with its code.
  "trap : TERM INT HUP",
  'sh -e -c "$1"',
  "code=$?",
  // As in a container of its own, the step ends with its shell: whatever it left running goes too.
  'for d in /proc/[0-9]*; do p=${d#/proc/}; case $p in 1|$$|$2) ;; *) kill -s KILL "$p" 2>/dev/null ;; esac; done',
  'exit "$code"',
].join("\n");

/** Positional arguments: $1 the signal (TERM, KILL), $2 the keep-alive's pid. */
export const STOP_SCRIPT = 'for d in /proc/[0-9]*; do p=${d#/proc/}; case $p in 1|$$|$2) ;; *) kill -s "$1" "$p" 2>/dev/null ;; esac; done; exit 0';

/** Prints `oom N`: how many processes the kernel killed for the container's memory limit so far (cgroup v2 or v1). */
export const OOM_SCRIPT = [
  "f=/sys/fs/cgroup/memory.events; [ -r \"$f\" ] || f=/sys/fs/cgroup/memory/memory.oom_control",
  'n=0; { while read -r k v; do [ "$k" = oom_kill ] && n=$v; done < "$f"; } 2>/dev/null',
  'echo "oom $n"',
].join("\n");

/** The command that runs one step exec'd into a job container (`keepAlivePid`: the agent's) or as a container's own command (null). */
export function stepCommand(run: string, keepAlivePid: string | null, fallbackHome: string | null): string[] {
  return ["sh", "-c", STEP_SCRIPT, "pipec-step", run, keepAlivePid ?? "", fallbackHome ?? ""];
}
