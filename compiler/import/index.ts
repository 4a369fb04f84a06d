/**
 * `pipec import`: a GitLab CI file or a GitHub Actions workflow to a typed pipeline. `importPipeline`
 * is pure (text in, text and diagnostics out; local includes come through `readLocal`);
 * `importFile` is its file-reading shell.
 */
import { readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Diagnostic } from "../diagnostic.ts";
import { ImportDiagnostics, type Where } from "./diagnostics.ts";
import { emitTypeScript } from "./emit-ts.ts";
import { emitYaml } from "./emit-yaml.ts";
import { importGithub } from "./github/index.ts";
import { importGitlab } from "./gitlab/index.ts";
import type { ReadLocal } from "./gitlab/expand.ts";
import type { ImportedJob, ImportedPipeline } from "./model.ts";
import { isMap, readSourceYaml } from "./source-yaml.ts";
import { settleVariables } from "./variables.ts";

export type ImportSource = "gitlab" | "github";
export type ImportFormat = "ts" | "yaml";

export interface ImportOptions {
  /** What the file is. @default detected: a mapping with `jobs` and `on` is GitHub, anything else GitLab */
  readonly from?: ImportSource;
  /** @default "ts" */
  readonly format?: ImportFormat;
  /** The image of jobs that name none (GitLab's runner default, GitHub's runs-on). @default "ubuntu:24.04" */
  readonly defaultImage?: string;
  /** Reads a GitLab local include (a path from the project root). @default none exist */
  readonly readLocal?: ReadLocal;
}

export interface ImportResult {
  /** The pipeline text, or null when the file cannot be imported (see the errors). */
  readonly text: string | null;
  readonly from: ImportSource | null;
  readonly diagnostics: Diagnostic[];
  /** Every TODO left in the text, with its source line. */
  readonly todos: readonly { readonly where: Where; readonly message: string }[];
  readonly jobs: number;
}

/** The most a file may hold: CI files are kilobytes, anything near this is not one. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const DEFAULT_IMAGE = "ubuntu:24.04";

export function importPipeline(file: string, text: string, options: ImportOptions = {}): ImportResult {
  const diagnostics = new ImportDiagnostics();
  const from = options.from ?? detect(text);
  let imported: ImportedPipeline | null = null;
  if (from === "gitlab") imported = importGitlab(file, text, options.readLocal ?? (() => null), diagnostics);
  else imported = importGithub(file, text, diagnostics);
  if (imported) imported = settleVariables(imported, diagnostics);
  const ordered = imported ? orderJobs(imported, diagnostics) : null;
  if (!imported || !ordered || diagnostics.failed) return { text: null, from, diagnostics: diagnostics.list, todos: diagnostics.todos, jobs: 0 };
  let pipeline = imported;
  if (pipeline.image === undefined && pipeline.jobs.some((j) => j.image === undefined)) {
    const image = options.defaultImage ?? DEFAULT_IMAGE;
    diagnostics.approximated({ file, line: 1 }, `jobs without an image ran in the ${from === "gitlab" ? "runner's default image" : "runner's machine (runs-on)"}; pipec runs them in ${image}`, "set the pipeline's image, or import with --image");
    pipeline = { ...pipeline, image };
  }
  const output = options.format === "yaml" ? emitYaml(pipeline, ordered) : emitTypeScript(pipeline, ordered);
  return { text: output, from, diagnostics: diagnostics.list, todos: diagnostics.todos, jobs: ordered.length };
}

/** GitHub when the top level has `jobs` and `on`, else GitLab. */
export function detect(text: string): ImportSource {
  const read = readSourceYaml(text);
  return read.ok && isMap(read.data) && isMap(read.data.jobs) && ("on" in read.data || "true" in read.data) ? "github" : "gitlab";
}

/** Jobs in dependency order (a job after every job it needs or takes from); a loop fails the import. */
function orderJobs(pipeline: ImportedPipeline, diagnostics: ImportDiagnostics): ImportedJob[] | null {
  const byName = new Map(pipeline.jobs.map((j) => [j.name, j]));
  const out: ImportedJob[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (job: ImportedJob, route: string[]): boolean => {
    const now = state.get(job.name);
    if (now === "done") return true;
    if (now === "visiting") {
      const cycle = [...route.slice(route.indexOf(job.name)), job.name];
      diagnostics.fail("schema", job.where, `jobs need each other in a loop: ${cycle.join(" -> ")}`, "remove one of the needs");
      return false;
    }
    state.set(job.name, "visiting");
    for (const dep of [...job.needs, ...job.inputs.map((i) => i.job)]) {
      const other = byName.get(dep);
      if (other && !visit(other, [...route, job.name])) return false;
    }
    state.set(job.name, "done");
    out.push(job);
    return true;
  };
  for (const job of pipeline.jobs) if (!visit(job, [])) return null;
  return out;
}

export type ImportFileResult = ImportResult & { readonly file: string };

/** Reads `path` (at most 10 MB) and imports it; local includes are read relative to its folder. */
export function importFile(path: string, options: Omit<ImportOptions, "readLocal"> = {}): ImportFileResult {
  const file = basename(path);
  const failed = (message: string, hint: string): ImportFileResult => {
    const diagnostics = new ImportDiagnostics();
    diagnostics.fail("load-failed", null, `${path}: ${message}`, hint);
    return { file, text: null, from: null, diagnostics: diagnostics.list, todos: [], jobs: 0 };
  };
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return failed("is a folder", "name the CI file, e.g. .gitlab-ci.yml or .github/workflows/ci.yml");
    size = stat.size;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    return failed(code === "ENOENT" ? "does not exist" : `cannot be read (${code})`, "check the path");
  }
  if (size > MAX_IMPORT_BYTES) return failed(`is ${Math.round(size / 1024 / 1024)} MB; a CI file is at most 10 MB`, "import the CI file itself");
  const text = readFileSync(path, "utf8");
  if (text.includes("\u0000")) return failed("is binary, not YAML", "import a .gitlab-ci.yml or a GitHub workflow");
  const root = dirname(path);
  const readLocal: ReadLocal = (local) => {
    try {
      const target = join(root, local);
      if (statSync(target).size > MAX_IMPORT_BYTES) return null;
      return readFileSync(target, "utf8");
    } catch {
      return null;
    }
  };
  return { file, ...importPipeline(file, text, { ...options, readLocal }) };
}
