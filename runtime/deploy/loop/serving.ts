/**
 * Deployments this pipec process serves. A deployment's router and its instances live as long as
 * the pipec process that deployed it, no longer: after the verdict they keep serving (later jobs of
 * the run can use the deployment) until the run ends, and are then stopped. Deploying a name again
 * in the same process first stops the one that serves it.
 */

export interface Serving {
  readonly name: string;
  /** Stops serving: instances drained and stopped, routers closed, the lock released. */
  stop(): Promise<void>;
}

const serving = new Map<string, Serving>();

export function registerServing(entry: Serving): void {
  serving.set(entry.name, entry);
}

export function unregisterServing(entry: Serving): void {
  if (serving.get(entry.name) === entry) serving.delete(entry.name);
}

/** Stops the deployment of that name if this process serves it. */
export async function stopServing(name: string): Promise<void> {
  await serving.get(name)?.stop();
}

/** Stops every deployment this process serves (tests, `pipec deploy undo` at its end). */
export async function stopAllServing(): Promise<void> {
  await Promise.allSettled([...serving.values()].map((entry) => entry.stop()));
}

/** Names of the deployments this process serves now. */
export function servingNames(): string[] {
  return [...serving.keys()].sort();
}
