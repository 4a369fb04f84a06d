/**
 * `pipec deploy serve NAME`: one detached background process per deployment that outlives the run
 * (like kamal-proxy). It holds the name's lock, owns the router(s) and the instances of the revision
 * that serves, and answers on its control socket: a run's rollout (run here, on the live router, the
 * run streaming its progress back), `undo`, `up`, `status`. `pipec deploy stop` reaches it through
 * `stop.json` like any serving process; once nothing serves it closes its routers and exits.
 */
import { mkdirSync, openSync, closeSync, rmSync, writeSync } from "node:fs";
import net from "node:net";
import type { JobOutcome } from "../../executor/types.ts";
import type { Deployment } from "../../plan/schema.ts";
import { createMasker } from "../../run/mask.ts";
import { acquireDeploymentLock, DeploymentBusyError, deploymentDir, previousRevision, processAlive, readRevisions, stableRevision } from "../history/index.ts";
import { runDeployment, type LiveDeployment, type RunDeploymentInput } from "../loop/run-deployment.ts";
import type { DeploymentSession } from "../loop/session.ts";
import { createRouters, normaliseListen } from "../loop/setup.ts";
import { UndoError, undoDeployment } from "../loop/undo.ts";
import { WarmRevision, type HeldRevision } from "../loop/warm-revision.ts";
import type { Router } from "../types.ts";
import { controlSocketPath, isSupervisorProcess, readSupervisorPid, supervisorPidPath } from "./paths.ts";
import { SupervisorError } from "./errors.ts";
import { onMessages, send, SupervisorRequestSchema, type SupervisorRequest } from "./protocol.ts";

/** A supervisor started for a rollout that never comes (its run died first) exits after this long. */
const IDLE_EXIT_MS = 30_000;

export interface SuperviseInput {
  readonly projectDir: string;
  readonly name: string;
  /** Aborted (SIGTERM, SIGINT): stop serving, drain, close, exit. */
  readonly signal: AbortSignal;
}

interface Routers {
  readonly key: string;
  readonly router: Router;
  readonly previewRouter: Router | null;
}

/** Serves the deployment until it is stopped; throws SupervisorError when it cannot start. */
export async function superviseDeployment(input: SuperviseInput): Promise<void> {
  const { projectDir, name } = input;
  mkdirSync(deploymentDir(projectDir, name), { recursive: true });
  const releasePid = claimPidFile(projectDir, name);
  let releaseLock: () => void;
  try {
    releaseLock = acquireDeploymentLock(projectDir, name, null);
  } catch (error) {
    releasePid();
    if (error instanceof DeploymentBusyError) throw new SupervisorError("SUPERVISOR_BUSY", error.message);
    throw error;
  }
  const socketPath = controlSocketPath(projectDir, name);
  const server = net.createServer();
  try {
    await clearStaleSocket(socketPath, name);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
  } catch (error) {
    releaseLock();
    releasePid();
    throw error instanceof SupervisorError ? error : new SupervisorError("SUPERVISOR_FAILED", `deployment "${name}": the control socket ${socketPath} could not listen: ${(error as Error).message}`);
  }

  const shutdown = new AbortController();
  let current: DeploymentSession | null = null;
  /** Every session not yet stopped: the one serving, and one handing over to it until the rollout's verdict. */
  const sessions = new Set<DeploymentSession>();
  /** The previous healthy revision's instances, running but not routed (see warm-revision.ts). */
  let warm: WarmRevision | null = null;
  const replaceWarm = (next: WarmRevision | null): Promise<void> => {
    const old = warm;
    warm = next;
    return old === null || old === next ? Promise.resolve() : old.stop();
  };
  let routers: Routers | null = null;
  /** What the supervisor is busy with (one rollout, undo or up at a time). */
  let busy: string | null = null;
  let idleSince = Date.now();
  let exiting: Promise<void> | null = null;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));

  const exit = (): Promise<void> =>
    (exiting ??= (async () => {
      shutdown.abort();
      clearInterval(idleCheck);
      // Not only the current session: one that hands over still runs its instances until it is stopped.
      await Promise.allSettled([...[...sessions].map((session) => session.stop()), replaceWarm(null)]);
      await Promise.allSettled([routers?.router.close(), routers?.previewRouter?.close()]);
      routers = null;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(socketPath, { force: true });
      releaseLock();
      releasePid();
      finished();
    })());
  const idleCheck = setInterval(() => {
    if (current === null && busy === null && Date.now() - idleSince > IDLE_EXIT_MS) void exit();
  }, 1000);
  input.signal.addEventListener("abort", () => void exit(), { once: true });

  /** The routers for a rollout: the live ones when its addresses are the same, else new ones (the old close after the handover). */
  let retiring: Routers | null = null;
  const routersFor = async (deployment: Deployment) => {
    const previewListen = deployment.strategy === "blueGreen" ? deployment.router.previewListen : null;
    const key = `${deployment.router.kind} ${normaliseListen(deployment.router.listen)} ${previewListen ?? "-"}`;
    if (routers !== null && routers.key === key) return { router: routers.router, previewRouter: routers.previewRouter, reused: true };
    const created = await createRouters(deployment, projectDir);
    retiring = routers;
    routers = { key, ...created };
    return { ...created, reused: false };
  };
  const live = (): LiveDeployment => ({
    routers: routersFor,
    previous: current,
    started: (session) => {
      current = session;
      sessions.add(session);
    },
    keepWarm: (held: HeldRevision) => {
      held.log(`revision ${held.revision}: ${held.instances.length} instance(s) kept warm (running, not routed) for pipec deploy undo ${name}${warm === null ? "" : `; the warm revision ${warm.revision} before it stops`}`);
      void replaceWarm(new WarmRevision(held));
    },
    warm: () => warm,
    ended: (session) => {
      sessions.delete(session);
      if (session !== current) return;
      current = null;
      // Nothing serves: nothing to undo to at once either.
      void replaceWarm(null);
      // Stopped (pipec deploy stop): nothing serves any more.
      if (busy === null) setImmediate(() => void exit());
    },
  });

  const perform = async (socket: net.Socket, request: Exclude<SupervisorRequest, { type: "abort" | "status" }>): Promise<void> => {
    if (busy !== null) {
      send(socket, { type: "error", code: "SUPERVISOR_BUSY", message: `deployment "${name}" is busy: ${busy}; try again when it is over (pipec deploy status ${name})` });
      socket.end();
      return;
    }
    busy = request.type === "rollout" ? `a rollout of run ${request.runId ?? "-"} (job ${request.jobId ?? "-"}) is in progress` : `pipec deploy ${request.type} is in progress`;
    const controller = new AbortController();
    let answered = false;
    // A run that goes away before the verdict (killed, interrupted) ends its rollout: traffic back to stable.
    socket.once("close", () => {
      if (!answered) controller.abort("cancel");
    });
    laterMessages.set(socket, (raw) => {
      const parsed = SupervisorRequestSchema.safeParse(raw);
      if (parsed.success && parsed.data.type === "abort") controller.abort(parsed.data.reason);
    });
    const started = Date.now();
    let viaWarm = false;
    const from = stableRevision(readRevisions(projectDir, name))?.revision ?? null;
    let outcome: JobOutcome;
    let to: number | null = null;
    try {
      const common = {
        projectDir,
        engine: null,
        signal: controller.signal,
        serveUntil: shutdown.signal,
        live: live(),
        appendLog: (text: string) => send(socket, { type: "log", text }),
      } satisfies Partial<RunDeploymentInput>;
      if (request.type === "rollout") {
        const masker = createMasker(Object.values(request.secrets));
        outcome = await runDeployment({
          ...common,
          runId: request.runId,
          jobId: request.jobId,
          pipeline: request.pipeline,
          deployment: request.deployment,
          commit: request.commit,
          workspace: request.workspace,
          env: request.env,
          secrets: request.secrets,
          mask: (text) => masker.text(text),
          emit: (event) => send(socket, { type: "event", event }),
        });
      } else if (request.type === "undo") {
        const onLine = (line: string) => send(socket, { type: "log", text: `${line}\n` });
        const held = await takeWarm(onLine);
        const result = await undoDeployment({ ...common, name, env: request.env, onLine, warm: held ?? undefined, onStarted: (handle) => (viaWarm = handle.warm) });
        outcome = result.outcome;
        to = result.to.revision;
      } else {
        const restore = current === null ? stableRevision(readRevisions(projectDir, name)) : undefined;
        if (current !== null) throw new UndoError(`deployment "${name}" is serving already (pipec deploy status ${name})`);
        if (restore === undefined) throw new UndoError(`deployment "${name}" has no healthy revision to restore (a pipec run deploys it)`);
        to = restore.revision;
        outcome = await runDeployment({ ...common, runId: null, jobId: null, pipeline: null, deployment: restore.deployment, workspace: projectDir, env: request.env, secrets: request.env, emit: () => undefined, undoTo: restore, kind: "restart" });
      }
    } catch (error) {
      if (!(error instanceof UndoError)) throw error;
      answered = true;
      send(socket, { type: "error", code: error.code, message: error.message });
      socket.end();
      if (current === null) setImmediate(() => void exit());
      return;
    } finally {
      busy = null;
      idleSince = Date.now();
      const old = retiring;
      retiring = null;
      if (old !== null) void Promise.allSettled([old.router.close(), old.previewRouter?.close()]);
    }
    // A deployment that never became healthy has nothing worth serving.
    if (outcome.outcome !== "success" && stableRevision(readRevisions(projectDir, name)) === undefined) await current?.stop();
    answered = true;
    send(socket, { type: "outcome", outcome, revision: current === null ? null : readRevisions(projectDir, name).at(-1)?.revision ?? null, from, to, elapsedMs: Date.now() - started, warm: viaWarm });
    socket.end();
    if (current === null) void exit();
  };

  /**
   * For `undo`: the warm instances, when they are the revision undo goes back to and every one still
   * runs and answers its health check now; otherwise (say why) they stop and the undo starts it cold.
   */
  const takeWarm = async (onLine: (line: string) => void): Promise<HeldRevision | null> => {
    const kept = warm;
    if (kept === null || current === null) return null;
    const target = previousRevision(readRevisions(projectDir, name));
    if (target === undefined || target.digest !== kept.digest) return null;
    const problem = await kept.unreadyReason();
    if (problem === null) {
      warm = null;
      return kept.take();
    }
    onLine(`the warm instances of revision ${kept.revision} cannot take the traffic (${problem}): starting revision ${target.revision}'s target again (cold undo)`);
    await replaceWarm(null);
    return null;
  };

  /** What to do with the lines after a connection's request (a rollout's `abort`). */
  const laterMessages = new WeakMap<net.Socket, (raw: unknown) => void>();
  server.on("connection", (socket) => {
    socket.on("error", () => undefined);
    let first = true;
    onMessages(socket, (raw) => {
      if (!first) return laterMessages.get(socket)?.(raw);
      first = false;
      const parsed = SupervisorRequestSchema.safeParse(raw);
      if (!parsed.success) {
        send(socket, { type: "error", code: "SUPERVISOR_BAD_REQUEST", message: `not a request pipec understands: ${parsed.error.issues[0]?.message ?? "?"}` });
        socket.end();
        return;
      }
      const request = parsed.data;
      if (request.type === "abort") return;
      if (request.type === "status") {
        void (async () => {
          send(socket, { type: "status", status: current === null ? null : await current.liveStatus() });
          socket.end();
        })();
        return;
      }
      perform(socket, request).catch((error: Error) => {
        send(socket, { type: "error", code: "SUPERVISOR_FAILED", message: `deployment "${name}": ${error.message}` });
        socket.end();
      });
    });
  });

  await done;
}

/** Writes our pid into `supervisor.pid` (O_EXCL); a file left by a process that is gone is replaced. */
function claimPidFile(projectDir: string, name: string): () => void {
  const path = supervisorPidPath(projectDir, name);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (readSupervisorPid(projectDir, name) === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = readSupervisorPid(projectDir, name);
      if (pid !== undefined && pid !== process.pid && processAlive(pid) && isSupervisorProcess(pid, name)) {
        throw new SupervisorError("SUPERVISOR_RUNNING", `deployment "${name}" is supervised already by pid ${pid} (${path})`);
      }
      rmSync(path, { force: true }); // stale: its process is gone (or the pid now belongs to another program)
    }
  }
  throw new SupervisorError("SUPERVISOR_RUNNING", `deployment "${name}": could not take ${path}`);
}

/** A socket file that nobody answers on was left by a supervisor that crashed: removed. */
async function clearStaleSocket(path: string, name: string): Promise<void> {
  const answers = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (answers) throw new SupervisorError("SUPERVISOR_RUNNING", `deployment "${name}": another process answers on its control socket ${path}`);
  rmSync(path, { force: true });
}
