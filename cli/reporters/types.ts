import type { RunEvent } from "../../runtime/run/index.ts";

/** Renders run events for a person or a machine. `kind` picks one: tty, plain or json. */
export interface Reporter {
  readonly kind: "tty" | "plain" | "json";
  onEvent(event: RunEvent): void;
  /** Called once at the end, after run.finished. */
  close(): void;
}
