import type { Instance, TargetDriver } from "../types.ts";

/** What `start` is asked for (see `TargetDriver.start`). */
export type StartRequest = Parameters<TargetDriver["start"]>[0];

/**
 * A plan's docker target with its env resolved to strings (secrets are resolved by the caller).
 * `command` null or empty: the image's CMD.
 */
export interface DockerTarget {
  readonly image: string;
  readonly command: readonly string[] | null;
  readonly env: Readonly<Record<string, string>>;
}

/** A plan's process target with its env resolved to strings. `command` is argv, run without a shell. */
export interface ProcessTarget {
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** What a driver can tell about one of its instances, to explain an instance that is not ready. */
export interface InstanceStatus {
  readonly running: boolean;
  /** Null while it runs, or when it was ended by a signal. */
  readonly exitCode: number | null;
  /** The end of its stdout and stderr, interleaved. */
  readonly lastLines: readonly string[];
  /** How often the engine restarted it after a crash (docker's restart policy); absent where nothing restarts instances. */
  readonly restarts?: number;
}

/** Both drivers implement the contract plus `status`. */
export interface ObservableTargetDriver extends TargetDriver {
  /** Whether the instance still runs, and what it printed last. */
  status(instance: Instance): Promise<InstanceStatus>;
}

export interface DriverOptions {
  /**
   * After launching an instance, how long `start` waits for it to accept connections on its port.
   * An instance that exits within the window fails `start` with its last output; one that still runs
   * without listening is returned anyway (readiness is the health checker's business). @default 2000
   */
  readonly startupWindowMs?: number;
  /** How many output lines are kept per instance for error messages. @default 40 */
  readonly outputLines?: number;
  /** The project's label value (`projectLabel`): containers are labelled, and cleaned up, per project. @default the current folder's */
  readonly project?: string;
}
