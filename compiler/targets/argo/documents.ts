/** Several Kubernetes documents as one YAML stream, under the pipec header that `--check` reads. */
import { printYaml } from "../common/yaml-printer.ts";
import { printEngineYaml, type Header } from "../common/yaml.ts";
import type { TargetName } from "../types.ts";

export function printDocuments(documents: readonly unknown[], target: TargetName, header: Header): string {
  const [first, ...rest] = documents;
  return [printEngineYaml(first, target, header), ...rest.map((document) => printYaml(document))].join("---\n");
}
