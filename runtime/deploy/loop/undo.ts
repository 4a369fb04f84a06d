/**
 * `pipec deploy undo NAME`: deploys the revision before the stable one again, at once (rollbackWindow
 * semantics: no pauses, approvals or analyses). In a supervisor that kept that revision warm, its
 * running instances take the traffic back in one weight switch; otherwise (cold) it is started again
 * beside the stable revision. It becomes a new revision (`undoOf` names the one it copies), so the
 * next `pipec run` shifts from it.
 */
import type { DockerEngine } from "../../docker/index.ts";
import type { JobOutcome } from "../../executor/types.ts";
import { previousRevision, readRevisions, stableRevision, type Revision } from "../history/index.ts";
import { runDeployment, type DeploymentHandle, type LiveDeployment } from "./run-deployment.ts";
import { stopHeld, type HeldRevision } from "./warm-revision.ts";

export class UndoError extends Error {
  override readonly name = "UndoError";
  readonly code = "DEPLOY_UNDO_IMPOSSIBLE";
}

export interface UndoInput {
  readonly projectDir: string;
  readonly name: string;
  readonly engine: DockerEngine | null;
  /** Variables and secrets for env values kept in their plan form (they held a secret). @default process.env */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Progress lines. */
  readonly onLine?: (line: string) => void;
  /** Serving ends when this aborts (the CLI ends it at once after the verdict). */
  readonly serveUntil: AbortSignal;
  readonly onStarted?: (handle: DeploymentHandle) => void;
  /** In the deployment's supervisor: the live router and the session serving now. */
  readonly live?: LiveDeployment;
  /** The warm instances of the revision undo goes back to, still ready: they take the traffic at once. */
  readonly warm?: HeldRevision;
}

export interface UndoResult {
  readonly outcome: JobOutcome;
  readonly from: Revision;
  readonly to: Revision;
}

export async function undoDeployment(input: UndoInput): Promise<UndoResult> {
  try {
    return await undo(input);
  } catch (error) {
    // Warm instances nobody adopted are not left running.
    if (input.warm !== undefined && error instanceof UndoError) await stopHeld(input.warm);
    throw error;
  }
}

async function undo(input: UndoInput): Promise<UndoResult> {
  const revisions = readRevisions(input.projectDir, input.name);
  if (revisions.length === 0) throw new UndoError(`no deployment "${input.name}" in .pipec/deployments (see pipec deploy status)`);
  const from = stableRevision(revisions);
  if (from === undefined) throw new UndoError(`deployment "${input.name}" has no healthy revision yet: there is nothing to undo`);
  const to = previousRevision(revisions);
  if (to === undefined) throw new UndoError(`deployment "${input.name}" has no healthy revision before revision ${from.revision} with a different target: there is nothing to go back to`);
  const env = input.env ?? Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const outcome = await runDeployment({
    runId: null,
    jobId: null,
    pipeline: null,
    deployment: to.deployment,
    projectDir: input.projectDir,
    workspace: input.projectDir,
    env,
    secrets: env,
    engine: input.engine,
    emit: () => undefined,
    signal: input.signal,
    appendLog: (text) => input.onLine?.(text.replace(/\n$/, "")),
    serveUntil: input.serveUntil,
    onStarted: input.onStarted,
    undoTo: to,
    live: input.live,
    warm: input.warm,
  });
  return { outcome, from, to };
}
