/**
 * Evaluates a bundled pipeline: writes it to a private temporary file (so stack frames name a real
 * file the source map describes), imports it and returns its exports. The file is removed at once.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BUNDLE_NAME } from "./bundle.ts";

export interface Evaluated {
  readonly exports: Record<string, unknown> | null;
  readonly thrown: unknown;
  /** The path the bundle ran from: stack frames name it. */
  readonly bundleFile: string;
}

export async function evaluateBundle(code: string): Promise<Evaluated> {
  const dir = await mkdtemp(join(tmpdir(), "pipec-load-"));
  const bundleFile = join(dir, BUNDLE_NAME);
  try {
    await writeFile(bundleFile, code);
    const exports = (await import(pathToFileURL(bundleFile).href)) as Record<string, unknown>;
    return { exports, thrown: undefined, bundleFile };
  } catch (thrown) {
    return { exports: null, thrown, bundleFile };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
