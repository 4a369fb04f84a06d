/**
 * The startup window both drivers share: after launching an instance, wait until it accepts TCP
 * connections on its port, or until it exits (an early crash becomes a clear error with its output),
 * or until the window is over. An instance that runs but does not listen yet is handed over anyway:
 * from then on readiness is the health checker's business.
 */
import { connect } from "node:net";

export type StartOutcome = "listening" | "running" | "exited";

export interface WaitForStartOptions {
  readonly port: number;
  readonly windowMs: number;
  /** False once the instance has stopped. */
  readonly isRunning: () => boolean | Promise<boolean>;
  /** Resolves when the instance exits, to end the wait at once (the poll finds it otherwise). */
  readonly exited?: Promise<unknown>;
  /** @default 50 */
  readonly pollMs?: number;
}

export async function waitForStart(options: WaitForStartOptions): Promise<StartOutcome> {
  const deadline = performance.now() + options.windowMs;
  const pollMs = options.pollMs ?? 50;
  let exited = false;
  void options.exited?.then(() => (exited = true), () => (exited = true));
  for (;;) {
    if (exited || !(await options.isRunning())) return "exited";
    if (await canConnect(options.port, Math.max(10, Math.min(250, deadline - performance.now())))) {
      // It may have crashed right after binding; a listener that is gone does not count.
      return (await options.isRunning()) ? "listening" : "exited";
    }
    const left = deadline - performance.now();
    if (left <= 0) return (await options.isRunning()) ? "running" : "exited";
    await sleep(Math.min(pollMs, left), options.exited);
  }
}

/** Whether something accepts a TCP connection on 127.0.0.1:`port` within `timeoutMs`. */
export function canConnect(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function sleep(ms: number, interrupt?: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void interrupt?.finally(() => {
      clearTimeout(timer);
      resolve();
    }).catch(() => {});
  });
}
