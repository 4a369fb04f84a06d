/** Durations as Kubernetes and Argo write them: whole seconds where the field counts seconds, Go durations elsewhere. */

/** Seconds, rounded up: a pipec timeout is never shortened. */
export function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** A Go duration string (`30s`, `1500ms`), exact. */
export function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
