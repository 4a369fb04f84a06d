/**
 * Evaluates a bundled target profile (`pipec.targets.ts`) in this process: written to a private
 * temporary file, imported, removed. Unlike pipelines (typescript/evaluate.ts, in a worker with a time
 * limit), a profile is a few lines of settings, so it is not sandboxed yet.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export async function evaluateProfileBundle(code: string): Promise<{ readonly exports: Record<string, unknown> | null; readonly thrown: unknown }> {
  const dir = await mkdtemp(join(tmpdir(), "pipec-profile-"));
  const file = join(dir, "profile.mjs");
  try {
    await writeFile(file, code);
    return { exports: (await import(pathToFileURL(file).href)) as Record<string, unknown>, thrown: undefined };
  } catch (thrown) {
    return { exports: null, thrown };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
