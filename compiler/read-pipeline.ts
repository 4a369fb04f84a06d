/**
 * Reading a pipeline file: its text, or one diagnostic that says what is wrong with the file itself
 * and what to do (a folder passed for a file, no permission, binary content), before any parser sees it.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { error, type Diagnostic } from "./diagnostic.ts";

export type PipelineText = { readonly text: string; readonly diagnostic?: undefined } | { readonly text?: undefined; readonly diagnostic: Diagnostic };

/** `file` as the user passed it, which is how the messages name it. */
export async function readPipelineText(file: string): Promise<PipelineText> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const found = code === "EISDIR" ? await pipelineFilesIn(file) : [];
    return { diagnostic: readFailure(file, cause, found) };
  }
  const binary = binaryContent(bytes);
  if (binary) return { diagnostic: binaryFailure(file, binary) };
  return { text: bytes.toString("utf8") };
}

/** The message for a folder passed as the pipeline, or null when `path` is not a folder (for paths without a pipeline extension). */
export async function folderFailure(path: string): Promise<Diagnostic | null> {
  const found = await pipelineFilesIn(path, true);
  return found === null ? null : readFailure(path, { code: "EISDIR" }, found);
}

/** The message for a file that cannot be read; `found` lists the pipeline files in it when it is a folder. */
export function readFailure(file: string, cause: unknown, found: readonly string[] = []): Diagnostic {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return error("load-failed", `${file} does not exist`, null, "check the path; pipelines are usually named ci.pipeline.ts or pipeline.yaml");
    case "EISDIR":
      return error("load-failed", `${file} is a directory`, null, folderHint(file, found));
    case "EACCES":
    case "EPERM":
      return error("load-failed", `${file} cannot be read (permission denied)`, null, `check the file's permissions with ls -l ${file}; pipec must be able to read it (chmod +r ${file}, or run pipec as a user who can)`);
    default:
      return error("load-failed", `${file} cannot be read (${String((cause as Error | undefined)?.message ?? cause)})`, null);
  }
}

const SHOWN = 5;

function folderHint(folder: string, found: readonly string[]): string {
  if (found.length === 0) return `pass the pipeline file, not the folder; ${folder} holds no *.pipeline.ts, *.yaml or *.yml file`;
  const paths = found.slice(0, SHOWN).map((name) => join(folder, name));
  const more = found.length > SHOWN ? `, and ${found.length - SHOWN} more` : "";
  return found.length === 1 ? `pass the pipeline file, not the folder: pipec build ${paths[0]}` : `pass the pipeline file, not the folder; it holds ${paths.join(", ")}${more}`;
}

const PIPELINE_FILE = /(?:\.pipeline\.ts|\.ya?ml)$/;

/** The pipeline files in a folder; [] when it cannot be listed, or null then when `strict`. */
async function pipelineFilesIn(folder: string, strict: true): Promise<string[] | null>;
async function pipelineFilesIn(folder: string): Promise<string[]>;
async function pipelineFilesIn(folder: string, strict = false): Promise<string[] | null> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries.filter((entry) => !entry.isDirectory() && PIPELINE_FILE.test(entry.name)).map((entry) => entry.name).sort();
  } catch {
    return strict ? null : [];
  }
}

export interface BinaryContent {
  /** 1-based offset of the first byte that is not text. */
  readonly byte: number;
  readonly utf16: boolean;
}

/** How much of the file is looked at: enough to tell, little enough to cost nothing. */
const SAMPLE = 8192;
/** More than this share of odd bytes in the sample is not text with a few stray characters. */
const ODD_SHARE = 0.1;

/**
 * Binary content in the first few KB: a NUL byte, or a high share of control bytes and bytes that are
 * not UTF-8. Null for text, including text with a few stray control characters (the code frame shows them escaped).
 */
export function binaryContent(bytes: Uint8Array): BinaryContent | null {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return { byte: 1, utf16: true };
  const end = Math.min(bytes.length, SAMPLE);
  let odd = 0;
  let first = -1;
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0) return { byte: i + 1, utf16: false };
    if (b >= 0x20 && b < 0x7f) continue;
    let length = 0;
    if (b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c || b === 0x0b) continue;
    if (b >= 0xc2 && b <= 0xdf) length = 1;
    else if (b >= 0xe0 && b <= 0xef) length = 2;
    else if (b >= 0xf0 && b <= 0xf4) length = 3;
    if (length > 0 && continues(bytes, i, length, end)) {
      i += length;
      continue;
    }
    odd++;
    if (first < 0) first = i;
  }
  return odd > 0 && odd > end * ODD_SHARE ? { byte: first + 1, utf16: false } : null;
}

/** Whether `length` continuation bytes follow position `i` (a sequence cut by the sample's end counts). */
function continues(bytes: Uint8Array, i: number, length: number, end: number): boolean {
  for (let k = 1; k <= length; k++) {
    if (i + k >= end) return true;
    const c = bytes[i + k]!;
    if (c < 0x80 || c > 0xbf) return false;
  }
  return true;
}

export function binaryFailure(file: string, binary: BinaryContent): Diagnostic {
  if (binary.utf16) return error("load-failed", `${file}: this is UTF-16 text; pipec reads UTF-8`, null, "save the file as UTF-8");
  return error("load-failed", `${file}: this is not a text file (binary content at byte ${binary.byte}); a pipeline is YAML or TypeScript text`, null, "check the path; pipelines are usually named ci.pipeline.ts or pipeline.yaml");
}
