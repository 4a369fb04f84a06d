import type { ImportedJob, ImportedPipeline } from "./model.ts";
export function emitYaml(_p: ImportedPipeline, _o: readonly ImportedJob[]): string {
  throw new Error("not yet");
}
