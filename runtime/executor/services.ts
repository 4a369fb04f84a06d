/**
 * A job's services (databases, caches, servers the steps talk to) as detached containers that share
 * one network namespace: the first starts with the job's network mode, the others and every step
 * join it (`container:<first>`), so steps reach the services on 127.0.0.1 and no Docker network is
 * ever created. Each service with a `readyCommand` is probed (`docker exec`) until it exits 0.
 */
import {
  LABEL_SERVICE,
  containerLabels,
  describeCause,
  type DockerEngine,
  type NetworkMode,
  type StartedContainer,
} from "../docker/index.ts";
import { ABORTED, raceAbort, sleep } from "./abortable.ts";
import type { ImageResolver } from "./image-resolver.ts";
import { formatDuration } from "./step-messages.ts";
import type { JobExecution, ResolvedService } from "./types.ts";

/** Time between two readiness probes. */
const READY_PROBE_INTERVAL_MS = 250;
/** Lines of a service's own output quoted when it fails to start. */
const LOG_TAIL_LINES = 20;

export type ServicesStart =
  | { readonly kind: "ready"; readonly network: NetworkMode }
  | { readonly kind: "aborted" }
  | { readonly kind: "failed"; readonly message: string; readonly permanent?: boolean };

export interface ServiceGroupOptions {
  readonly engine: DockerEngine;
  readonly resolveImage: ImageResolver;
  readonly readyTimeoutMs: number;
  readonly onWarning: (message: string) => void;
}

export class ServiceGroup {
  private readonly started: StartedContainer[] = [];

  constructor(
    private readonly execution: JobExecution,
    private readonly options: ServiceGroupOptions,
  ) {}

  /** Starts every service, then waits for each to be ready. Call `dispose()` afterwards whatever this returned. */
  async start(): Promise<ServicesStart> {
    const { execution } = this;
    for (const service of execution.services) {
      const image = await raceAbort(this.options.resolveImage(service.image), execution.signal);
      if (image === ABORTED) return { kind: "aborted" };
      if (image !== null) return { kind: "failed", message: `service "${service.name}": ${image.message}`, permanent: image.permanent };
      const first = this.started[0];
      let container: StartedContainer;
      try {
        container = await this.options.engine.startContainer({
          image: service.image,
          cmd: service.command ?? [],
          env: service.env,
          workingDir: "",
          binds: [],
          labels: { ...containerLabels({ runId: execution.runId, job: execution.jobId }), [LABEL_SERVICE]: service.name },
          network: first ? `container:${first.id}` : execution.job.network,
          // Each service gets the job's limits, as each step does.
          cpus: execution.job.resources.cpus,
          memoryBytes: execution.job.resources.memoryBytes,
          pids: execution.job.resources.pids,
          stopGraceMs: execution.stopGraceMs,
          init: true,
        });
      } catch (error) {
        // Joining the namespace of a service that already exited fails as "cannot join network of a
        // non running container": say which service exited, and how, instead.
        const gone = await this.whyGone();
        if (gone !== null) return { kind: "failed", message: gone };
        throw error;
      }
      this.started.push(container);
    }
    for (const [index, service] of execution.services.entries()) {
      const problem = await this.waitReady(service, this.started[index]!);
      if (problem === ABORTED) return { kind: "aborted" };
      if (problem !== null) return { kind: "failed", message: problem };
    }
    const first = this.started[0];
    return { kind: "ready", network: first ? `container:${first.id}` : this.execution.job.network };
  }

  /**
   * Why a started service is no longer running (its exit code and last output), or null when all
   * run: the steps share the first service's network namespace, and cannot start once it is gone.
   */
  async whyGone(): Promise<string | null> {
    for (const [index, container] of this.started.entries()) {
      const gone = await this.exitedEarly(this.execution.services[index]!, container).catch(() => null);
      if (gone !== null) return gone;
    }
    return null;
  }

  /** Stops and removes every service started; problems become warnings (the containers keep their run label). */
  async dispose(): Promise<void> {
    await Promise.all(
      this.started.map(async (container) => {
        await container.stop(this.execution.stopGraceMs).catch(() => {});
        await container.remove().catch((error: unknown) => {
          this.options.onWarning(`could not remove service container ${container.id.slice(0, 12)}: ${describeCause(error)}`);
        });
      }),
    );
    this.started.length = 0;
  }

  /** Null when ready, ABORTED, or a message saying why it never got ready. */
  private async waitReady(service: ResolvedService, container: StartedContainer): Promise<string | null | typeof ABORTED> {
    const timeoutMs = this.options.readyTimeoutMs;
    // A timer held here, not AbortSignal.timeout(): on Node 20 AbortSignal.any() holds its sources
    // weakly, so a timeout signal referenced nowhere else can be garbage-collected before it fires,
    // and a never-ready service then waited for the job's timeout.
    const timedOut = new AbortController();
    const timer = setTimeout(() => timedOut.abort(), timeoutMs);
    try {
      return await this.probeUntilReady(service, container, AbortSignal.any([this.execution.signal, timedOut.signal]));
    } finally {
      clearTimeout(timer);
    }
  }

  private async probeUntilReady(service: ResolvedService, container: StartedContainer, deadline: AbortSignal): Promise<string | null | typeof ABORTED> {
    const { signal } = this.execution;
    const timeoutMs = this.options.readyTimeoutMs;
    let last = "it never answered";
    for (;;) {
      const exited = await this.exitedEarly(service, container);
      if (exited !== null) return exited;
      if (service.readyCommand === null) return null;
      try {
        const probe = await container.exec(service.readyCommand, { signal: deadline });
        if (probe.exitCode === 0) return null;
        const output = probe.output.trim();
        last = `it last exited with code ${probe.exitCode}${output ? `: ${lastLines(output, 5)}` : ""}`;
      } catch (error) {
        if (!deadline.aborted) last = `the probe failed: ${describeCause(error)}`;
      }
      if (!deadline.aborted) await sleep(READY_PROBE_INTERVAL_MS, deadline);
      if (signal.aborted) return ABORTED;
      if (deadline.aborted) {
        const command = JSON.stringify(service.readyCommand);
        return `service "${service.name}" was not ready after ${formatDuration(timeoutMs)}: its readyCommand ${command} ${last}`;
      }
    }
  }

  private async exitedEarly(service: ResolvedService, container: StartedContainer): Promise<string | null> {
    const state = await container.state();
    if (state.running) return null;
    const logs = (await container.logs(LOG_TAIL_LINES).catch(() => "")).trim();
    const why = state.oomKilled ? "ran out of memory" : `exited with code ${state.exitCode}`;
    return `service "${service.name}" (${service.image}) ${why} before it was ready${logs ? `. Its last output:\n${logs}` : ""}`;
  }
}

function lastLines(text: string, count: number): string {
  return text.split("\n").slice(-count).join("\n");
}
