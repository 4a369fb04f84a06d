/**
 * One container for the steps of a job that run in the job's image: started once, each step run in
 * it with its own environment, working directory and timeout, removed when the job ends. Its
 * command is the step agent (step-agent.ts), which runs each step pipec writes to its stdin; a step
 * whose environment a shell cannot set is `docker exec`'d instead. A stop (step timeout, job
 * timeout, cancel) sends SIGTERM to the step's processes, then SIGKILL after the grace; should even
 * that not end it, the container goes and the next step gets a new one. The workspace is a bind
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

/** How long the agent may take to say it runs; an entrypoint that never runs it makes the image unusable for a job container. */
const AGENT_HELLO_MS = 15_000;
/** After SIGKILL, how long the step may take to be reported gone before its container is removed. */
const KILL_SETTLE_MS = 3_000;

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
  private unusable = false;

  constructor(
    private readonly engine: DockerEngine,
    private readonly spec: JobContainerSpec,
  ) {}

  /**
   * Starts the container if none runs. False when the image cannot host one (no `sh`, or an
   * entrypoint that does not run the agent): its steps then run in a container each. Throws on engine errors.
   */
  async ensureStarted(): Promise<boolean> {
    if (this.agent !== null) return true;
    if (this.unusable) return false;
    const token = randomMark();
    const stdout = new MarkScanner();
    const stderr = new MarkScanner();
    const hello = new Promise<string>((resolve) => stdout.expect({ mark: token, trailer: true, onData: () => {}, onFound: resolve }));
    const container = await this.engine.startAttached(
      { ...this.spec, cmd: agentCommand(token) },
      { onStdout: (chunk) => stdout.push(chunk), onStderr: (chunk) => stderr.push(chunk) },
    );
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      hello,
      container.ended.then(() => null),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), AGENT_HELLO_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    const found = answer === null ? null : parseMarkTrailer(answer);
    if (found !== null) {
      this.agent = { container, token, pid: String(found.first), stdout, stderr };
      this.oomKills = found.second;
      return true;
    }
    await container.remove().catch(() => {});
    this.unusable = true;
    return false;
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
