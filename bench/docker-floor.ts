/**
 * The floor for running jobs in containers: the same number of plain `docker run --rm` calls, split
 * over `lanes` lanes that each run theirs one after another (as a runner with that concurrency would
 * at best). Nothing of pipec is involved: this is what the Docker engine and its CLI cost here.
 */
import { performance } from "node:perf_hooks";
import { runCommand } from "./measure.ts";

export interface FloorSample {
  readonly wallMs: number;
  /** Each `docker run`'s own wall time, in the order they finished. */
  readonly eachMs: readonly number[];
}

export class FloorError extends Error {}

/** Runs `count` copies of `argv`, `lanes` at a time; rejects at the first non-zero exit. */
export async function timeLanes(argv: readonly string[], count: number, lanes: number, cwd: string): Promise<FloorSample> {
  const eachMs: number[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next++;
      const start = performance.now();
      const { code, stderr } = await runCommand(argv, { cwd, timeoutMs: 120_000 });
      if (code !== 0) throw new FloorError(`${argv.join(" ")} exited with ${code}: ${stderr.trim().split("\n").pop() ?? ""}`);
      eachMs.push(performance.now() - start);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  return { wallMs: performance.now() - start, eachMs };
}

/** `docker run --rm --network none IMAGE true`: one no-op job at its cheapest. */
export const noopContainer = (image: string): string[] => ["docker", "run", "--rm", "--network", "none", image, "true"];
