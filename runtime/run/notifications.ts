/**
 * Notifications at the end of a run: which of the plan's `notify` entries fire (pure), the JSON body
 * they send (pure), and the POST itself (a thin shell over fetch): a timeout per attempt, bounded
 * retries for timeouts, network errors, 5xx and 429 answers, never a throw. The webhook's secrets
 * are resolved here and never leave: results name the webhook by its template (`${SLACK_URL}`), and
 * every message is masked.
 */
import type { Notify, Plan } from "../plan/schema.ts";
import { resolveWebhook } from "../plan/webhook.ts";

export type RunOutcome = "success" | "failed" | "cancelled";

/** The events an outcome is, given the previous run's: `failed` is `failure`, a success after a failure is also `recovered`. */
export function outcomeEvents(status: RunOutcome, previous: RunOutcome | null): string[] {
  const events = ["always", status === "failed" ? "failure" : status];
  if (status === "success" && previous === "failed") events.push("recovered");
  return events;
}

/** The entries that fire, each with the event that fired it (the most specific one it lists). */
export function firingNotifications(notify: readonly Notify[], events: readonly string[]): { notify: Notify; event: string }[] {
  const order = ["recovered", "failure", "cancelled", "success", "always"];
  return notify.flatMap((entry) => {
    const event = order.find((e) => events.includes(e) && (entry.on as readonly string[]).includes(e));
    return event === undefined ? [] : [{ notify: entry, event }];
  });
}

export interface NotificationBody {
  readonly pipeline: string;
  readonly runId: string;
  readonly status: RunOutcome;
  readonly event: string;
  readonly failedJobs: { job: string; status: string; reason: string | null }[];
  readonly durationMs: number;
  readonly commit: { sha: string | null; branch: string | null };
  /** The run's folder (events, logs, reports) and the command that renders its report. */
  readonly report: { path: string; command: string };
  /** A one-line summary: Slack and similar hooks show `text`. */
  readonly text: string;
}

export function notificationBody(input: Omit<NotificationBody, "text" | "report"> & { runDir: string }): NotificationBody {
  const { runDir, ...rest } = input;
  const failed = rest.failedJobs.length === 0 ? "" : `: ${rest.failedJobs.map((j) => `${j.job} ${j.status}`).join(", ")}`;
  const verb = rest.event === "recovered" ? "recovered (succeeded after a failed run)" : rest.status === "failed" ? "failed" : rest.status === "cancelled" ? "was cancelled" : "succeeded";
  return { ...rest, report: { path: runDir, command: `pipec report ${rest.runId}` }, text: `pipec: ${rest.pipeline} run ${rest.runId} ${verb}${failed}` };
}

export interface NotificationResult {
  /** The webhook as the plan writes it (`${SLACK_URL}`), never its value. */
  readonly webhook: string;
  readonly event: string;
  readonly ok: boolean;
  readonly attempts: number;
  /** The last HTTP status, or null when no answer came. */
  readonly httpStatus: number | null;
  readonly message: string;
  readonly durationMs: number;
}

export interface SendOptions {
  readonly secrets: Readonly<Record<string, string>>;
  readonly mask: (text: string) => string;
  /** Between attempts: 500 ms, then doubling, at most 5 s. */
  readonly backoffMs?: (attempt: number) => number;
}

export async function sendNotification(notify: Notify, event: string, body: NotificationBody, options: SendOptions): Promise<NotificationResult> {
  const started = Date.now();
  const result = (ok: boolean, attempts: number, httpStatus: number | null, message: string): NotificationResult => ({
    webhook: notify.webhook,
    event,
    ok,
    attempts,
    httpStatus,
    message: options.mask(message),
    durationMs: Date.now() - started,
  });
  const { url, missing } = resolveWebhook(notify.webhook, options.secrets);
  if (missing.length > 0) return result(false, 0, null, `not sent: secret ${missing.join(", ")} is not set (export it, or pass --secrets-file)`);
  const payload = JSON.stringify(body);
  const backoff = options.backoffMs ?? ((attempt: number) => Math.min(5000, 500 * 2 ** (attempt - 1)));
  let last = result(false, 0, null, "not sent");
  for (let attempt = 1; attempt <= notify.retries + 1; attempt++) {
    const answer = await post(url, payload, notify.timeoutMs);
    if (answer.status !== null && answer.status >= 200 && answer.status < 300) return result(true, attempt, answer.status, `HTTP ${answer.status}`);
    last = result(false, attempt, answer.status, answer.message);
    const retryable = answer.status === null || answer.status >= 500 || answer.status === 429;
    if (!retryable || attempt > notify.retries) break;
    await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
  }
  return { ...last, durationMs: Date.now() - started };
}

/** One POST: its status, or null with why there was none (a timeout, a refused connection). */
async function post(url: string, payload: string, timeoutMs: number): Promise<{ status: number | null; message: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "user-agent": "pipec" }, body: payload, signal: controller.signal, redirect: "error" });
    // The answer's body is read (and dropped) so the connection is released; a hook that sends it slowly is bounded by the same timer.
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status, message: `HTTP ${response.status}${response.statusText === "" ? "" : ` ${response.statusText}`}` };
  } catch (cause) {
    if (controller.signal.aborted) return { status: null, message: `no answer within ${timeoutMs} ms` };
    const detail = (cause as { cause?: { code?: string; message?: string } }).cause;
    return { status: null, message: detail?.code ?? detail?.message ?? (cause as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** The plan's notifications that fire for this outcome, sent one after another. */
export async function notifyRun(plan: Plan, status: RunOutcome, previous: RunOutcome | null, body: Omit<NotificationBody, "event" | "text" | "report" | "status"> & { runDir: string }, options: SendOptions): Promise<NotificationResult[]> {
  const results: NotificationResult[] = [];
  for (const { notify, event } of firingNotifications(plan.notify, outcomeEvents(status, previous))) {
    results.push(await sendNotification(notify, event, notificationBody({ ...body, status, event }), options));
  }
  return results;
}
