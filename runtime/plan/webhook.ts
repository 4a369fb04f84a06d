/** A notification's webhook: a URL template whose `${NAME}` parts are secrets, resolved at the end of a run. */

const REFERENCE = /\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The secret names a webhook template reads, in order, each once; `bad` lists `${...}` parts that are not names. */
export function webhookReferences(webhook: string): { names: string[]; bad: string[] } {
  const names: string[] = [];
  const bad: string[] = [];
  for (const match of webhook.matchAll(REFERENCE)) {
    const name = match[1]!;
    if (!NAME.test(name)) bad.push(match[0]);
    else if (!names.includes(name)) names.push(name);
  }
  return { names, bad };
}

/** The URL with each `${NAME}` replaced by its secret's value; `missing` names the secrets that have none. */
export function resolveWebhook(webhook: string, secrets: Readonly<Record<string, string>>): { url: string; missing: string[] } {
  const missing: string[] = [];
  const url = webhook.replace(REFERENCE, (whole, name: string) => {
    const value = secrets[name];
    if (value === undefined) missing.push(name);
    return value ?? whole;
  });
  return { url, missing };
}
