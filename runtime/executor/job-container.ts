/**
 * One container for the steps of a job that run in the job's image: started once, each step run in
 * it with its own environment, working directory and timeout, removed when the job ends. Its
 * command is the step agent (step-agent.ts), which runs each step pipec writes to its stdin; a step
 * whose environment a shell cannot set is `docker exec`'d instead. An image whose ENTRYPOINT does
 * not run the agent gets it with the entrypoint bypassed; one without `sh` cannot run steps at all.
 * A stop (step timeout, job timeout, cancel) sends SIGTERM to the step's processes, then SIGKILL
 * after the grace; should even that not end it, the container goes and the next step gets a new one. The workspace is a bind
 * mount, so the steps share it whichever container they ran in.
 */
import { describeCause, type AttachedContainer, type ContainerSpec, type DockerEngine } from "../docker/index.ts";
import { MarkScanner, agentCanRun, agentCommand, parseMarkTrailer, randomMark, renderStepRequest } from "./step-agent.ts";
import { OOM_SCRIPT, STOP_SCRIPT, stepCommand } from "./step-scripts.ts";
import type { StepAttemptResult } from "./step-loop.ts";

/** What a job container needs beyond the step: the spec of its containers, minus the command. */
export type JobContainerSpec = Omit<ContainerSpec, "cmd">;

export interface ExecStep {
  readonly run: string;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  readonly fallbackHome: string | null;
  readonly signal: AbortSignal;
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
}

/** How long the agent may take to say it runs (an entrypoint may prepare something first); then the entrypoint is bypassed. */
const AGENT_HELLO_MS = 15_000;
/** After SIGKILL, how long the step may take to be reported gone before its container is removed. */
const KILL_SETTLE_MS = 3_000;

/**
 * The job container's start. `notice`: what the job's log should say, once (the entrypoint had to be
 * bypassed, or the steps run in a container each); `reason`: why the image cannot host it.
 */
export type JobContainerStart =
  | { readonly ok: true; readonly notice: string | null }
  | { readonly ok: false; readonly noShell: boolean; readonly reason: string; readonly notice: string | null };

/** How docker-init (tini) and the engine say that the command (`sh`) is not in the image. */
const NO_SHELL = /exec sh failed|"sh": executable file not found/;

/** What a container printed before it should have started the agent: its first line or so, for a message. */
class OutputHead {
  private head = "";

  push(chunk: Buffer): void {
    if (this.head.length < 400) this.head += chunk.toString("utf8", 0, Math.min(chunk.length, 400));
  }

  text(): string {
    const line = this.head.trim().split("\n")[0] ?? "";
    return line.length > 200 ? `${line.slice(0, 200)}...` : line;
  }
}

/** A started job container: the agent's pid (spared by stops) and its output streams. */
interface Agent {
  readonly container: AttachedContainer;
  /** Ends each request to the agent. */
  readonly token: string;
  readonly pid: string;
  readonly stdout: MarkScanner;
  readonly stderr: MarkScanner;
}

/** How a step ended inside the container. */
interface StepEnd {
  readonly exitCode: number;
  /** The container's OOM kill count after the step; null when not known (an exec'd step). */
  readonly oomKills: number | null;
}

export class JobContainer {
  private agent: Agent | null = null;
  private oomKills = 0;
  /** The image could not host a job container once: it will not the next time either. */
  private unusable: Extract<JobContainerStart, { ok: false }> | null = null;
  /** The image's entrypoint did not run the agent, and bypassing it did. */
  private bypassEntrypoint = false;

  constructor(
    private readonly engine: DockerEngine,
    private readonly spec: JobContainerSpec,
  ) {}

  /**
   * Starts the container if none runs. Its command is the agent, given to the image's ENTRYPOINT as
   * `docker run` would; when that does not run it (an entrypoint that ignores its arguments: it exits,
   * or runs on without starting the agent for AGENT_HELLO_MS), the container is started again with
   * the entrypoint bypassed, as GitHub Actions starts job containers, and `notice` says so once.
   * Not `ok` when even that fails: `noShell` when the image has no `sh` (no step can run in it), else
   * its steps run in a container each. Throws on engine errors.
   */
  async ensureStarted(): Promise<JobContainerStart> {
    if (this.agent !== null) return { ok: true, notice: null };
    if (this.unusable !== null) return this.unusable;
    const first = await this.startAgent(this.bypassEntrypoint);
    if (first.ok) return { ok: true, notice: null };
    // A missing `sh` is the command's own failure (tini says so): the image's entrypoint was not in the way.
    if (first.noShell || this.bypassEntrypoint) return this.cannotHost(first);
    const second = await this.startAgent(true);
    if (!second.ok) return this.cannotHost(second);
    this.bypassEntrypoint = true;
    return { ok: true, notice: `image ${this.spec.image}: its entrypoint did not run the command it was given (${first.why}), so the job's steps run with the entrypoint bypassed` };
  }

  /** Starts a container running the agent; the agent on its hello, else what happened instead (the container is removed). */
  private async startAgent(bypassEntrypoint: boolean): Promise<{ readonly ok: true } | { readonly ok: false; readonly why: string; readonly noShell: boolean }> {
    const token = randomMark();
    const stdout = new MarkScanner();
    const stderr = new MarkScanner();
    const said = new OutputHead();
    const hello = new Promise<string>((resolve) => stdout.expect({ mark: token, trailer: true, onData: (chunk) => said.push(chunk), onFound: resolve }));
    stderr.expect({ mark: randomMark(), trailer: false, onData: (chunk) => said.push(chunk), onFound: () => {} });
    const container = await this.engine.startAttached(
      { ...this.spec, cmd: agentCommand(token), ...(bypassEntrypoint ? { entrypoint: [] } : {}) },
      { onStdout: (chunk) => stdout.push(chunk), onStderr: (chunk) => stderr.push(chunk) },
    );
    let timer: NodeJS.Timeout | undefined;
    const waiting = new AbortController();
    const answer = await Promise.race([
      hello,
      container.ended.then(() => "ended" as const),
      new Promise<"silent">((resolve) => {
        timer = setTimeout(() => resolve("silent"), AGENT_HELLO_MS);
      }),
      commandDropped(container, token, waiting.signal),
    ]).finally(() => {
      clearTimeout(timer);
      waiting.abort();
    });
    const found = answer === "ended" || answer === "silent" || answer === "dropped" ? null : parseMarkTrailer(answer);
    if (found !== null) {
      this.agent = { container, token, pid: String(found.first), stdout, stderr };
      this.oomKills = found.second;
      return { ok: true };
    }
    const exitCode = answer === "ended" ? await container.state().then((state) => state.exitCode, () => null) : null;
    await container.remove().catch(() => {});
    const output = said.text();
    const why =
      answer === "silent"
        ? `it still ran after ${AGENT_HELLO_MS / 1000} s without starting pipec's step agent`
        : answer === "dropped"
          ? "it runs on, but no process in the container holds the command any more"
          : `it exited${exitCode === null ? "" : ` with code ${exitCode}`}${output === "" ? "" : `, saying ${JSON.stringify(output)}`}`;
    // With the entrypoint bypassed, the command is `sh` itself: 127 is its absence.
    return { ok: false, why, noShell: exitCode === 127 && (bypassEntrypoint || NO_SHELL.test(output)) };
  }

  /** Remembers that the image cannot host the agent, and says why (the notice only this once). */
  private cannotHost(failed: { readonly why: string; readonly noShell: boolean }): JobContainerStart {
    const { image } = this.spec;
    const reason = failed.noShell
      ? `image ${image} has no sh, and pipec runs every step as sh -e -c: use an image with a POSIX shell (${failed.why})`
      : `image ${image} cannot host pipec's step agent (${failed.why}), so each step of the job runs in a container of its own`;
    this.unusable = { ok: false, noShell: failed.noShell, reason, notice: null };
    // No shell fails the step, which says why; steps in a container each run, so the log says why.
    return failed.noShell ? this.unusable : { ...this.unusable, notice: reason };
  }

  /** Runs one step to its end. Call `ensureStarted()` first. */
  async exec(step: ExecStep): Promise<StepAttemptResult> {
    const agent = this.agent;
    if (agent === null) throw new Error("the job container is not started");
    let stopping: Promise<void> | undefined;
    const onAbort = () => {
      stopping ??= this.stop(agent, ended);
    };
    const ended = agentCanRun(step.env) ? this.runInAgent(agent, step) : this.execInto(agent, step);
    step.signal.addEventListener("abort", onAbort, { once: true });
    if (step.signal.aborted) onAbort();
    try {
      const { exitCode, oomKills } = await ended;
      await stopping;
      if (step.signal.aborted) return { kind: "stopped" };
      if (exitCode === 137 && (await this.outOfMemory(agent, oomKills))) return { kind: "exited", exitCode, reason: "out of memory" };
      if (oomKills !== null) this.oomKills = oomKills;
      return { kind: "exited", exitCode };
    } catch (error) {
      await stopping;
      if (step.signal.aborted) return { kind: "stopped" };
      // A container that went away (killed from outside, its agent out of memory): a retry gets a new one.
      if (this.agent === agent && !(await agent.container.state().catch(() => ({ running: false }))).running) {
        this.agent = null;
        await agent.container.remove().catch(() => {});
      }
      return { kind: "infrastructure", message: `the job's container failed: ${describeCause(error)}` };
    } finally {
      step.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Removes the container (SIGKILL to whatever runs in it). */
  async dispose(): Promise<void> {
    const agent = this.agent;
    this.agent = null;
    await agent?.container.remove();
  }

  /** The step through the agent: its request on stdin, its output up to its marks on stdout and stderr. */
  private runInAgent(agent: Agent, step: ExecStep): Promise<StepEnd> {
    const mark = randomMark();
    let callbackError: { error: unknown } | null = null;
    const guard = (callback: (chunk: Buffer) => void) => (chunk: Buffer) => {
      if (callbackError !== null) return;
      try {
        callback(chunk);
      } catch (error) {
        callbackError = { error };
      }
    };
    const done = new Promise<StepEnd>((resolve, reject) => {
      let end: StepEnd | null = null;
      let stderrDone = false;
      const finish = () => {
        if (end === null || !stderrDone) return;
        if (callbackError !== null) reject(callbackError.error);
        else resolve(end);
      };
      agent.stdout.expect({
        mark,
        trailer: true,
        onData: guard(step.onStdout),
        onFound: (trailer) => {
          const found = parseMarkTrailer(trailer);
          if (found === null) return reject(new Error(`the step agent answered ${JSON.stringify(trailer)}`));
          end = { exitCode: found.first, oomKills: found.second };
          finish();
        },
      });
      agent.stderr.expect({
        mark,
        trailer: false,
        onData: guard(step.onStderr),
        onFound: () => {
          stderrDone = true;
          finish();
        },
      });
    });
    const gone = agent.container.ended.then(() => {
      throw new Error("its command ended (the container stopped)");
    });
    agent.container.write(renderStepRequest({ run: step.run, env: step.env, workingDir: step.workingDir, fallbackHome: step.fallbackHome, mark }, agent.token));
    return Promise.race([done, gone]);
  }

  /** The step as a `docker exec` of its own, for an environment the agent cannot set. */
  private async execInto(agent: Agent, step: ExecStep): Promise<StepEnd> {
    const exitCode = await agent.container.execStream(stepCommand(step.run, agent.pid, step.fallbackHome), {
      env: step.env,
      workingDir: step.workingDir,
      user: "",
      onStdout: step.onStdout,
      onStderr: step.onStderr,
    });
    return { exitCode, oomKills: null };
  }

  /** SIGTERM to the step's processes, SIGKILL after the grace, and the container itself if they still do not end. */
  private async stop(agent: Agent, ended: Promise<StepEnd>): Promise<void> {
    const done = ended.then(
      () => true,
      () => true,
    );
    const { container } = agent;
    const signal = (name: "TERM" | "KILL") => container.exec(["sh", "-c", STOP_SCRIPT, "pipec-stop", name, agent.pid]).catch(() => null);
    await signal("TERM");
    if (await within(done, this.spec.stopGraceMs)) return;
    await signal("KILL");
    if (await within(done, KILL_SETTLE_MS)) return;
    // Out of reach (a process that changed its uid, a stuck step): the next step gets a new container.
    if (this.agent === agent) this.agent = null;
    await container.remove().catch(() => {});
    await done;
  }

  /** Whether the kernel killed a process for the memory limit since the last look. */
  private async outOfMemory(agent: Agent, reported: number | null): Promise<boolean> {
    const oomKills = reported ?? (await readOomKills(agent.container));
    if (oomKills === null) return false;
    const grew = oomKills > this.oomKills;
    this.oomKills = oomKills;
    return grew;
  }
}

/** The container's OOM kill count, asked with an exec; null when it cannot be read. */
async function readOomKills(container: AttachedContainer): Promise<number | null> {
  const probe = await container.exec(["sh", "-c", OOM_SCRIPT]).catch(() => null);
  const count = probe === null ? null : /oom (\d+)/.exec(probe.output);
  return count ? Number(count[1]) : null;
}

/** How often a silent container's processes are looked at while the agent's hello is awaited. */
const DROPPED_CHECK_MS = 1_000;
/** The command lines of the container's processes but PID 1 (docker-init, whose own holds the whole command). */
const PROCESSES_SCRIPT = 'for p in /proc/[0-9]*; do [ "$p" = /proc/1 ] || cat "$p/cmdline" 2>/dev/null; done; echo pipec-probe-done';

/**
 * Resolves "dropped" once no process in the container has the agent's token in its command line:
 * the entrypoint went on to something else without its arguments (`exec server`), so the agent will
 * never run. An entrypoint still preparing holds them (`sh /entrypoint.sh sh -c ... TOKEN`). Never
 * resolves when the container cannot be looked into (no `sh` or `cat`).
 */
function commandDropped(container: AttachedContainer, token: string, signal: AbortSignal): Promise<"dropped"> {
  return new Promise((resolve) => {
    const look = async () => {
      if (signal.aborted) return;
      const probe = await container.exec(["sh", "-c", PROCESSES_SCRIPT], { signal }).catch(() => null);
      if (signal.aborted || probe === null || !probe.output.includes("pipec-probe-done")) return;
      if (!probe.output.includes(token)) return resolve("dropped");
      setTimeout(() => void look(), DROPPED_CHECK_MS).unref();
    };
    setTimeout(() => void look(), DROPPED_CHECK_MS).unref();
  });
}

/** Whether `promise` settles within `ms`. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, ms));
    }),
  ]).finally(() => clearTimeout(timer));
}
