/**
 * Type-checking is the slow part of a build, so its result is cached by content: the pipeline's input
 * files, the project's tsconfig.json (and what it extends), pipec's DSL and the checker's version. An
 * unchanged pipeline rebuilds without the checker.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DiagnosticSchema, type Diagnostic } from "../diagnostic.ts";
import { dslDir } from "./dsl-entry.ts";
import { checkerVersion, typecheckSettings } from "./typecheck-settings.ts";
import { nearestTsconfig, tsconfigTexts } from "./user-tsconfig.ts";
import { z } from "zod";

const CACHE_FORMAT = "typecheck-v2";
const CachedSchema = z.object({ format: z.literal(CACHE_FORMAT), diagnostics: z.array(DiagnosticSchema) });

/** `pipelineFile`: the pipeline's absolute path; `inputs`: every file its bundle was built from. */
export async function typecheckCacheKey(inputs: readonly string[], pipelineFile: string): Promise<string> {
  const hash = createHash("sha256").update(CACHE_FORMAT).update(checkerVersion()).update(JSON.stringify(typecheckSettings())).update(pipelineFile);
  for (const text of tsconfigTexts(nearestTsconfig(dirname(pipelineFile)))) hash.update(text).update("\0");
  const dsl = dslDir();
  const dslFiles = (await readdir(dsl)).filter((f) => f.endsWith(".ts") || f.endsWith(".js")).sort().map((f) => join(dsl, f));
  const files = [...[...inputs].sort(), ...dslFiles];
  // Read together (one round trip to the file system instead of one per file), hashed in order.
  const contents = await Promise.all(files.map((file) => readFile(file)));
  files.forEach((file, index) => hash.update(file).update("\0").update(contents[index]!).update("\0"));
  return hash.digest("hex");
}

export async function readCachedTypecheck(cacheDir: string, key: string): Promise<Diagnostic[] | null> {
  try {
    const parsed = CachedSchema.safeParse(JSON.parse(await readFile(join(cacheDir, "typecheck", `${key}.json`), "utf8")));
    return parsed.success ? parsed.data.diagnostics : null;
  } catch {
    return null;
  }
}

export async function writeCachedTypecheck(cacheDir: string, key: string, diagnostics: readonly Diagnostic[]): Promise<void> {
  const dir = join(cacheDir, "typecheck");
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `${key}.${process.pid}.tmp`);
  await writeFile(temp, JSON.stringify({ format: CACHE_FORMAT, diagnostics }));
  await rename(temp, join(dir, `${key}.json`));
}
