/**
 * The control socket's protocol: one JSON document per line, both ways. A client sends one request
 * per connection (a rollout may also send `abort` on it later); the supervisor answers with `log`
 * and `event` lines as the work goes, then one final line (`outcome`, `status` or `error`).
 */
import { createInterface } from "node:readline";
import type { Socket } from "node:net";
import { z } from "zod";
import type { JobOutcome } from "../../executor/types.ts";
import { DeploymentSchema } from "../../plan/schema.ts";
import type { RunEventDraft } from "../../run/events.ts";
import type { DeploymentStatus } from "../history/index.ts";
import { RevisionCommitSchema } from "../history/schema.ts";

const Env = z.record(z.string(), z.string());

export const SupervisorRequestSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("rollout"),
    runId: z.string().nullable(),
    jobId: z.string().nullable(),
    pipeline: z.string().nullable(),
    deployment: DeploymentSchema,
    /** The run's commit, recorded on the revision for the delivery metrics. */
    commit: RevisionCommitSchema.nullable().default(null),
    workspace: z.string(),
    env: Env,
    secrets: Env,
  }),
  /** Ends the rollout sent on this connection: traffic back to stable (the job timed out or was cancelled). */
  z.object({ type: z.literal("abort"), reason: z.enum(["timeout", "cancel"]) }),
  /** `pipec deploy undo`: the previous healthy revision, at once. */
  z.object({ type: z.literal("undo"), env: Env }),
  /** `pipec deploy up`: the last healthy revision again, when nothing serves. */
  z.object({ type: z.literal("up"), env: Env }),
  z.object({ type: z.literal("status") }),
]);

export type SupervisorRequest = z.output<typeof SupervisorRequestSchema>;

export type SupervisorReply =
  | { readonly type: "log"; readonly text: string }
  | { readonly type: "event"; readonly event: RunEventDraft }
  | { readonly type: "outcome"; readonly outcome: JobOutcome; readonly revision: number | null; readonly from: number | null; readonly to: number | null; readonly elapsedMs: number; /** An undo that switched to the warm instances (none started). */ readonly warm?: boolean }
  | { readonly type: "status"; readonly status: DeploymentStatus | null }
  | { readonly type: "error"; readonly code: string; readonly message: string };

export function send(socket: Socket, message: SupervisorReply | SupervisorRequest): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}

/** Calls `onLine` with each JSON document that arrives (a line that is not JSON is skipped). */
export function onMessages(socket: Socket, onMessage: (message: unknown) => void): void {
  const lines = createInterface({ input: socket, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    onMessage(parsed);
  });
}
