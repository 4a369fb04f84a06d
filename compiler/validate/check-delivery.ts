/** Triggers and notifications: cron expressions that parse, webhooks that are http(s) URLs whose `${NAME}` parts are secret names. */
import { cronProblem } from "../../runtime/plan/cron.ts";
import type { Plan } from "../../runtime/plan/schema.ts";
import { webhookReferences } from "../../runtime/plan/webhook.ts";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft } from "../draft.ts";
import { labelOf } from "../label.ts";

export function checkDelivery(plan: Plan, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  plan.triggers?.schedule.forEach((cron, index) => {
    const problem = cronProblem(cron);
    if (problem === null) return;
    diagnostics.push(error("invalid-cron", `${labelOf(draft, ["triggers", "schedule", index])}: "${cron}" is not a cron expression: ${problem}`, draft.locate(["triggers", "schedule", index]), 'write five fields, minute hour day-of-month month day-of-week, in UTC: "0 3 * * *" is every day at 03:00'));
  });
  plan.notify.forEach((notify, index) => {
    const at = draft.locate(["notify", index, "webhook"]);
    const label = labelOf(draft, ["notify", index, "webhook"]);
    const { bad } = webhookReferences(notify.webhook);
    if (bad.length > 0) {
      diagnostics.push(error("invalid-webhook", `${label}: ${bad.join(", ")} is not a secret reference`, at, "write ${NAME} with a secret's name, like ${SLACK_URL}"));
      return;
    }
    // The URL is only known at run time when it starts with a secret; otherwise its scheme is checked now.
    if (notify.webhook.startsWith("${")) return;
    let url: URL | null = null;
    try {
      url = new URL(notify.webhook.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, "x"));
    } catch {
      url = null;
    }
    if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
      diagnostics.push(error("invalid-webhook", `${label}: "${notify.webhook}" is not an http(s) URL`, at, "write https://... or a secret holding the URL, like ${SLACK_URL}"));
    }
  });
  return diagnostics;
}
