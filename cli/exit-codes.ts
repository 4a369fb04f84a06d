/** pipec's documented exit codes (README, "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** The pipeline failed, or `build --check` found a stale plan. */
  failed: 1,
  /** Invalid input: compile errors, bad flags, unreadable files. */
  invalidInput: 2,
  /** Interrupted by SIGINT or SIGTERM. */
  interrupted: 130,
} as const;
