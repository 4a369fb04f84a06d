/**
 * JSON plans this build of pipec has validated without a word, remembered in `.pipec/cache/plans/`
 * by the sha256 of their text and file name and by the build itself: validating a plan file is a
 * pure function of those, so a run of an unchanged plan.json reads the canonical plan back instead
 * of validating it again. The build is named by the URL of the compiler's module, whose bundled
 * chunk name is a hash of its code (the names of the chunks it imports included, so of theirs too);
 * run from sources (tests, tsx), where that name says nothing of the code, nothing is remembered. A file that does not parse or
 * whose plan does not match its own digest reads as absent; a failed write costs a validation.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Plan } from "../runtime/plan/schema.ts";

const FORMAT = "pipec-validated-plan/1";
/** A bundled chunk: its name ends in the hash of its code. */
const BUNDLED = /\/chunks\/[\w.-]+-[A-Z0-9]{8}\.mjs$/;

export interface ValidatedPlanMemo {
  read(): Promise<Plan | null>;
  write(plan: Plan): Promise<void>;
}

/**
 * The memo entry of `text` (read from a file named `display`) for the compiler whose module URL is
 * `build`, or null when that URL cannot tell one build's code from another's.
 */
export function validatedPlanMemo(cacheDir: string, text: string, display: string, build: string): ValidatedPlanMemo | null {
  if (!BUNDLED.test(build)) return null;
  const key = createHash("sha256").update(`${FORMAT}\0${build}\0${display}\0`).update(text).digest("hex");
  const dir = join(cacheDir, "plans");
  const file = join(dir, `${key}.json`);
  return {
    async read() {
      try {
        const plan = JSON.parse(await readFile(file, "utf8")) as Plan;
        return isWhole(plan) ? plan : null;
      } catch {
        return null;
      }
    },
    async write(plan) {
      try {
        await mkdir(dir, { recursive: true });
        const temp = `${file}.${process.pid}.tmp`;
        await writeFile(temp, JSON.stringify(plan));
        await rename(temp, file);
      } catch {
        // Best effort: the next run validates again.
      }
    },
  };
}

/** A canonical plan's keys are sorted, so its digest is the sha256 of its JSON without the digest. */
function isWhole(plan: Plan): boolean {
  if (plan === null || typeof plan !== "object" || typeof plan.digest !== "string") return false;
  const { digest, ...rest } = plan;
  return digest === `sha256:${createHash("sha256").update(JSON.stringify(rest)).digest("hex")}`;
}
