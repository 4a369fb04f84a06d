/**
 * What pipec can safely read of a value the pipeline threw: its message and stack frames. Any value can
 * be thrown, including objects whose getters throw themselves; reading one must never fail pipec.
 */
export interface ThrownFacts {
  readonly message: string;
  readonly frames: string[];
}

export function thrownFacts(thrown: unknown): ThrownFacts {
  const message = attempt(() => {
    const text = (thrown as { message?: unknown } | null)?.message;
    return typeof text === "string" ? text : String(thrown);
  }) ?? "a value pipec cannot describe";
  const frames = attempt(() => {
    const stack = (thrown as { stack?: unknown } | null)?.stack;
    return typeof stack === "string" ? stack.split("\n").slice(1).map((line) => line.trim()) : [];
  }) ?? [];
  return { message, frames };
}

/** The caller's stack frames at this point, without `above` and what it called. */
export function framesHere(above: Function): string[] {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, above);
  return (holder.stack ?? "").split("\n").slice(1).map((line) => line.trim());
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
