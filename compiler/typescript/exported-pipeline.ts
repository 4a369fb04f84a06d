/** Finds the pipeline a file exports: its default export, or the only pipeline it exports. */
import { PIPELINE, hasBrand } from "../../dsl/brand.ts";
import type { Pipeline } from "../../dsl/pipeline.ts";
import type { Diagnostic } from "../diagnostic.ts";
import { error } from "../make-diagnostic.ts";

export function exportedPipeline(exports: Record<string, unknown>, entry: string): { pipeline: Pipeline } | { diagnostic: Diagnostic } {
  const at = { file: entry, line: 1, column: 1 };
  if (isPipeline(exports.default)) return { pipeline: exports.default };
  const found = Object.entries(exports).filter((entry): entry is [string, Pipeline] => isPipeline(entry[1]));
  if (found.length === 1) return { pipeline: found[0]![1] };
  if (found.length === 0) {
    const hint = `end the file with: export default pipeline("name", { jobs: [ ... ] })`;
    // pipec's brand on an object pipeline() did not make: copied or forged, it has no options to build.
    const forged = Object.keys(exports).find((name) => hasBrand(exports[name], PIPELINE));
    const message = forged ? `${entry} exports no pipeline: its export "${forged}" is marked as one but was not made by pipeline(...)` : `${entry} exports no pipeline`;
    return { diagnostic: error("no-pipeline", message, at, hint) };
  }
  const names = found.map(([name, p]) => `${name} ("${p.name}")`).join(", ");
  return {
    diagnostic: error("several-pipelines", `${entry} exports ${found.length} pipelines: ${names}; pipec builds one per file`, at, `export the one to build as the default: export default ${found[0]![0]}`),
  };
}

/** A pipeline made with pipeline(...): the brand alone could be forged on any object. */
function isPipeline(value: unknown): value is Pipeline {
  if (!hasBrand(value, PIPELINE)) return false;
  const options = (value as Pipeline).options;
  return typeof options === "object" && options !== null;
}
