/**
 * Thousands of small file creations run side by side. Creating a file costs the kernel far more
 * than the call costs this process (ext4: an inode, a directory entry, a journal record, ~100-300 µs
 * on a busy disk), and one thread issuing them one after the other leaves the other cores idle: a
 * job workspace of 10,000 files written through libuv's threads (four by default) took half the time
 * of the same loop of synchronous calls on a 2-core machine. Each file is one chain of callbacks
 * (open, write, close: no promise or FileHandle per call), and at most `limit` chains are in flight.
 *
 * The pool is fed by a loop that awaits `add` only when the pool is full, so the event loop runs
 * between files and memory stays bounded. The first failure stops the pool:
 * `add` and `drain` reject with it once every chain in flight has settled, so no write outlives it.
 */
import { close, constants, fchmod, fstat, open, write } from "node:fs";

/** A chain of callbacks doing one file's work, calling `done` exactly once. */
export type FileTask = (done: (error?: Error | null) => void) => void;

/** Chains in flight: enough to keep libuv's four threads busy while the main thread queues the next. */
export const POOL_LIMIT = 16;

export class FilePool {
  private inFlight = 0;
  private failure: { error: Error } | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly limit = POOL_LIMIT) {}

  /**
   * Starts `task`; returns a promise to await when the pool is full (or undefined). Once a chain has
   * failed no task starts: the promise returned rejects with that failure when the rest have settled.
   */
  add(task: FileTask): Promise<void> | undefined {
    if (this.failure) return this.drain();
    this.inFlight++;
    let called = false;
    task((error) => {
      if (called) return;
      called = true;
      this.inFlight--;
      if (error && !this.failure) this.failure = { error };
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
    return this.inFlight >= this.limit || this.failure ? this.until(() => this.inFlight < this.limit) : undefined;
  }

  /** Waits until every chain has settled; throws the first failure. */
  drain(): Promise<void> {
    return this.until(() => this.inFlight === 0);
  }

  /** Waits until `ready` (or, after a failure, until nothing is in flight, then throws it). */
  private async until(ready: () => boolean): Promise<void> {
    while (this.failure ? this.inFlight > 0 : !ready()) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure.error;
  }
}

/**
 * A chain creating `path` (which must not exist) with `bytes` and `mode`. `umaskTakes` remembers,
 * per mode, whether the umask took bits away (learnt by one fstat): only then is the file chmod'ed.
 */
export function createFileTask(path: string, bytes: Uint8Array, mode: number, umaskTakes: Map<number, boolean>, onError: (error: Error) => Error = (error) => error): FileTask {
  return (done) => {
    const fail = (error: Error) => done(onError(error));
    open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode, (error, fd) => {
      if (error) return fail(error);
      const finish = (failed: Error | null): void =>
        close(fd, (closeError) => {
          const error = failed ?? closeError;
          if (error) fail(error);
          else done();
        });
      const fixMode = (): void => {
        const known = umaskTakes.get(mode);
        if (known === false) return finish(null);
        if (known === true) return fchmod(fd, mode, finish);
        fstat(fd, (statError, stats) => {
          if (statError) return finish(statError);
          const takes = (stats.mode & 0o777) !== mode;
          umaskTakes.set(mode, takes);
          if (takes) fchmod(fd, mode, finish);
          else finish(null);
        });
      };
      const writeFrom = (offset: number): void => {
        if (offset >= bytes.length) return fixMode();
        write(fd, bytes, offset, bytes.length - offset, null, (writeError, written) => (writeError ? finish(writeError) : writeFrom(offset + written)));
      };
      writeFrom(0);
    });
  };
}
