/** One JSON event per line on stdout: the documented, stable format (runtime/run/events.ts). */
import type { Terminal } from "../output.ts";
import type { Reporter } from "./types.ts";

export function createJsonReporter(terminal: Terminal): Reporter {
  return {
    kind: "json",
    onEvent(event) {
      terminal.out(`${JSON.stringify(event)}\n`);
    },
    close() {},
  };
}
