/**
 * Outputs as tar files: a generated script selects the files pipec would (patterns minus excludes,
 * symlinks as links, dotfiles included, each non-optional pattern must match something) and packs
 * them with modes and links kept; the consumer unpacks into its workspace. Engines whose artifact
 * upload loses modes or re-roots paths (GitHub) move these tar files instead of the files.
 */
import type { Plan } from "../../../runtime/plan/schema.ts";
import { globToEre } from "./glob.ts";
import { shellQuote } from "./shell.ts";

/** Scratch folder in the workspace for packed outputs; excluded from every output. */
export const PACK_DIR = ".pipec-artifacts";

export type Output = Plan["jobs"][string]["outputs"][string];

export function artifactName(jobId: string, output: string): string {
  return `${jobId}-${output}`;
}

export function tarPath(jobId: string, output: string): string {
  return `${PACK_DIR}/${artifactName(jobId, output)}.tar`;
}

/** Patterns the converter cannot express exactly; the emitter refuses the output. */
export function unsupportedPatterns(output: Output): string[] {
  return [...output.paths, ...output.exclude].filter((pattern) => globToEre(pattern) === null);
}

/**
 * A `sh -e` script that packs one output into `tarPath(job, name)`. An optional output that matches
 * nothing produces no file: its consumers fail, as under pipec run, unless they take it as optional.
 */
export function packScript(jobId: string, name: string, output: Output): string {
  const file = tarPath(jobId, name);
  const list = `${PACK_DIR}/${artifactName(jobId, name)}.list`;
  const lines = [
    `# pipec: pack output "${name}" (${output.paths.join(", ")}) with modes and symlinks kept`,
    `mkdir -p ${PACK_DIR}`,
    `find . -path ./${PACK_DIR} -prune -o -path ./.git -prune -o \\( -type f -o -type l \\) -print | sed 's|^\\./||' | LC_ALL=C sort > ${PACK_DIR}/all.list`,
    `: > ${list}`,
  ];
  const excludes = output.exclude.map((pattern) => globToEre(pattern)!);
  for (const pattern of output.paths) {
    const filter = [`grep -E ${shellQuote(globToEre(pattern)!)} ${PACK_DIR}/all.list`, ...excludes.map((ere) => `grep -v -E ${shellQuote(ere)}`)].join(" | ");
    lines.push(`${filter} > ${PACK_DIR}/match.list || true`);
    if (!output.optional) {
      lines.push(`[ -s ${PACK_DIR}/match.list ] || { echo ${shellQuote(`pipec: output ${name}: ${JSON.stringify(pattern)} matched no file`)} >&2; exit 1; }`);
    }
    lines.push(`cat ${PACK_DIR}/match.list >> ${list}`);
  }
  lines.push(`LC_ALL=C sort -u ${list} -o ${list}`);
  // Not `tar -T`: BusyBox builds without it. The names become arguments, `./`-prefixed so none reads as an option.
  lines.push(`set -- && while IFS= read -r pipec_file; do set -- "$@" "./$pipec_file"; done < ${list}`);
  lines.push(`if [ "$#" -gt 0 ]; then tar -cf ${file} "$@"; else echo ${shellQuote(`pipec: optional output ${name} matched no file`)}; fi`);
  return `${lines.join("\n")}\n`;
}

/** A tar file a job unpacks: `input` (job.output) names it in the message when an optional one is not there. */
export interface Unpack {
  readonly file: string;
  readonly input: string;
  readonly optional: boolean;
}

/** `sh -e` lines that unpack tar files into the workspace; an optional input that is not there is said, not an error. */
export function unpackLines(inputs: readonly Unpack[]): string[] {
  return inputs.map(({ file, input, optional }) =>
    optional ? `if [ -f ${file} ]; then tar -xf ${file}; else echo ${shellQuote(`pipec: optional input ${input} is not there; the job runs without it`)}; fi` : `tar -xf ${file}`,
  );
}

/** A `sh -e` script that unpacks the given tar files into the workspace, then removes the scratch folder. */
export function unpackScript(inputs: readonly Unpack[]): string {
  return `${unpackLines(inputs).join("\n")}\nrm -rf ${PACK_DIR}\n`;
}
