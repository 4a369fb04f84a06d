/** Small JSON files written atomically (temp file + rename), so a reader never sees half a file. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { PipecError } from "./errors.ts";

/** A JSON file pipec keeps (deployment history) exists but cannot be used: never overwritten, never read as empty. */
export class DamagedJsonError extends PipecError {
  readonly code = "DAMAGED_JSON";
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path} is damaged (${reason}); pipec leaves it as it is: repair it, or move it away to start that history afresh`);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.tmp-${randomBytes(6).toString("hex")}`);
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temp, path);
}

/** The file's content checked by `schema`; undefined when the file is missing, unreadable or invalid. */
export function readJson<T extends z.ZodType>(path: string, schema: T): z.output<T> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The file's content checked by `schema`; undefined only when the file does not exist. A file that
 * exists but cannot be read, parsed or validated throws DamagedJsonError: for records that must not
 * be lost (a writer that took it for empty would overwrite it).
 */
export function readJsonKept<T extends z.ZodType>(path: string, schema: T): z.output<T> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DamagedJsonError(path, (error as Error).message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DamagedJsonError(path, `not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DamagedJsonError(path, `unexpected content${issue ? ` at ${issue.path.join(".") || "the top"}: ${issue.message}` : ""}`);
  }
  return parsed.data;
}
