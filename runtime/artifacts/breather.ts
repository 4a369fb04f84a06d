/**
 * Synchronous file work in a loop (thousands of small files, where a promise per call costs more than
 * the call) that still lets the event loop in now and then, so a Ctrl-C, a timer or a child's output
 * is not held up for the whole loop.
 */
import { setImmediate } from "node:timers/promises";

/** Called once per item: a promise to await when the loop has run `everyMs` since it last let the event loop in, else undefined. */
export function breather(everyMs = 20): () => Promise<void> | undefined {
  let since = performance.now();
  let count = 0;
  return () => {
    // The clock is read every 64 items only.
    if ((++count & 63) !== 0 || performance.now() - since < everyMs) return undefined;
    return setImmediate().then(() => {
      since = performance.now();
    });
  };
}
