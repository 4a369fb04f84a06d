/**
 * One container for the steps of a job that run in the job's image: started once, each step
 * `docker exec`'d into it with its own environment, working directory and timeout, removed when
 * the job ends. A stop (step timeout, job timeout, cancel) sends SIGTERM to the step's processes,
 * then SIGKILL after the grace; should even that not end it, the container goes and the next step
 * gets a new one. The workspace is a bind mount, so the steps share it whichever container they
 * ran in.
 */
import { describeCause, type ContainerSpec, type DockerEngine, type StartedContainer } from "../docker/index.ts";
import { sleep } from "./abortable.ts";
import { KEEP_ALIVE_COMMAND, OOM_SCRIPT, PROBE_SCRIPT, STOP_SCRIPT, parseProbe, stepCommand } from "./step-scripts.ts";
import type { StepAttemptResult } from "./step-loop.ts";

/** What a job container needs beyond the step: the spec of its containers, minus the command. */
export type JobContainerSpec = Omit<ContainerSpec, "cmd" | "keepStdinOpen">;

export interface ExecStep {
  readonly run: string;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  readonly fallbackHome: string | null;
  readonly signal: AbortSignal;
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
}

/** How often the keep-alive is looked for right after the container started (it may not have forked yet). */
const PROBE_ATTEMPTS = 20;
/** After SIGKILL, how long the step may take to be reported gone before its container is removed. */
const KILL_SETTLE_MS = 3_000;

export class JobContainer {
  private container: StartedContainer | null = null;
  private keepAlivePid = "";
  private oomKills = 0;
  /** The image could not host a job container once: it will not the next time either. */
  private unusable = false;

  constructor(
    private readonly engine: DockerEngine,
    private readonly spec: JobContainerSpec,
  ) {}

  /**
   * Starts the container if none runs. False when the image cannot host one (no `sh`, or an
   * entrypoint that ends at once): its steps then run in a container each. Throws on engine errors.
   */
  async ensureStarted(): Promise<boolean> {
    if (this.container !== null) return true;
    if (this.unusable) return false;
    const container = await this.engine.startContainer({ ...this.spec, cmd: [...KEEP_ALIVE_COMMAND], keepStdinOpen: true });
    for (let attempt = 1; attempt <= PROBE_ATTEMPTS; attempt++) {
      const probe = await container.exec(["sh", "-c", PROBE_SCRIPT]).catch(() => null);
      const found = probe?.exitCode === 0 ? parseProbe(probe.output) : null;
      if (found?.keepAlivePid) {
        this.container = container;
        this.keepAlivePid = found.keepAlivePid;
        this.oomKills = found.oomKills;
        return true;
      }
      if (!(await container.state().catch(() => ({ running: false }))).running) break;
      await sleep(25, new AbortController().signal);
    }
    await container.remove().catch(() => {});
    this.unusable = true;
    return false;
  }

  /** Runs one step to its end. Call `ensureStarted()` first. */
  async exec(step: ExecStep): Promise<StepAttemptResult> {
    const container = this.container;
    if (container === null) throw new Error("the job container is not started");
    let stopping: Promise<void> | undefined;
    const onAbort = () => {
      stopping ??= this.stop(container, ended);
    };
    const ended = container.execStream(stepCommand(step.run, this.keepAlivePid, step.fallbackHome), {
      env: step.env,
      workingDir: step.workingDir,
      user: "",
      onStdout: step.onStdout,
      onStderr: step.onStderr,
    });
    step.signal.addEventListener("abort", onAbort, { once: true });
    if (step.signal.aborted) onAbort();
    try {
      const exitCode = await ended;
      await stopping;
      if (step.signal.aborted) return { kind: "stopped" };
      if (exitCode === 137 && (await this.outOfMemory(container))) return { kind: "exited", exitCode, reason: "out of memory" };
      return { kind: "exited", exitCode };
    } catch (error) {
      await stopping;
      if (step.signal.aborted) return { kind: "stopped" };
      // A container that went away (killed from outside, its keep-alive out of memory): a retry gets a new one.
      if (this.container === container && !(await container.state().catch(() => ({ running: false }))).running) {
        this.container = null;
        await container.remove().catch(() => {});
      }
      return { kind: "infrastructure", message: `the job's container failed: ${describeCause(error)}` };
    } finally {
      step.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Removes the container (SIGKILL to whatever runs in it). */
  async dispose(): Promise<void> {
    const container = this.container;
    this.container = null;
    await container?.remove();
  }

  /** SIGTERM to the step's processes, SIGKILL after the grace, and the container itself if they still do not end. */
  private async stop(container: StartedContainer, ended: Promise<number>): Promise<void> {
    const done = ended.then(
      () => true,
      () => true,
    );
    const signal = (name: "TERM" | "KILL") => container.exec(["sh", "-c", STOP_SCRIPT, "pipec-stop", name, this.keepAlivePid]).catch(() => null);
    await signal("TERM");
    if (await within(done, this.spec.stopGraceMs)) return;
    await signal("KILL");
    if (await within(done, KILL_SETTLE_MS)) return;
    // Out of reach (a process that changed its uid, a stuck exec): the next step gets a new container.
    if (this.container === container) this.container = null;
    await container.remove().catch(() => {});
    await done;
  }

  /** Whether the kernel killed a process for the memory limit since the last look. */
  private async outOfMemory(container: StartedContainer): Promise<boolean> {
    const probe = await container.exec(["sh", "-c", OOM_SCRIPT]).catch(() => null);
    if (probe === null) return false;
    const { oomKills } = parseProbe(probe.output);
    const grew = oomKills > this.oomKills;
    this.oomKills = oomKills;
    return grew;
  }
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
