/**
 * `PIPEC_BENCH_ONLY=deploy-undo`: how long `pipec deploy undo NAME` takes with Docker instances, end
 * to end (a fresh `node dist/cli.mjs deploy undo` process: start, ask the supervisor, its warm switch,
 * the router's confirmation read back), beside the floor: the router's own weight switch (setWeights
 * then readWeights on a router of the same kind, in this process). Target: under 1 s.
 *
 * Per router kind (builtin, and HAProxy when installed): a project with a canary deployment of the
 * node-app test image (2 replicas, no steps), deployed twice (v1, v2) with `pipec run`, so v1 is kept
 * warm; then `runs` undos in a row, each switching to the warm revision (v1, v2, v1, ...) and keeping
 * the one it left warm. Every undo must say it used the warm instances; figures are medians.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchReport } from "./compiler-bench.ts";
import { imageExists } from "./bench-images.ts";
import { runCommand } from "./measure.ts";

export interface DeployUndoBenchOptions {
  /** The repository root, holding `dist/cli.mjs`. */
  readonly root: string;
  /** Undos measured per router kind. @default 5 */
  readonly runs: number;
  readonly log: (line: string) => void;
}

const NODE_APP = "pipec-test/node-app:1";
const TARGET_MS = 1_000;

interface Row {
  readonly router: "builtin" | "haproxy";
  readonly undoMs: number[];
  readonly supervisorMs: number[];
  readonly floorMs: number[];
  /** `node dist/cli.mjs --version`, run beside each undo: what starting pipec costs on this machine now. */
  readonly startMs: number[];
  readonly warm: number;
  readonly problem: string | null;
}

export async function runDeployUndoBench(options: DeployUndoBenchOptions): Promise<BenchReport> {
  const heading = "## deploy undo (warm revision)";
  if (!imageExists(NODE_APP)) return { markdown: `${heading}\n\nskipped: the ${NODE_APP} image is not on the Docker engine (test/setup/docker.sh builds it)\n`, ok: false };
  const { resolveHaproxyBinary } = await import("../runtime/deploy/router/haproxy/index.ts");
  const kinds: ("builtin" | "haproxy")[] = ["builtin"];
  const haproxy = await resolveHaproxyBinary("haproxy").then(() => true, () => false);
  if (haproxy) kinds.push("haproxy");
  const rows: Row[] = [];
  for (const router of kinds) rows.push(await measureKind(router, options));
  const median = (values: readonly number[]) => (values.length === 0 ? Number.NaN : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
  const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`);
  const lines = [
    heading,
    "",
    `A canary deployment of ${NODE_APP} (Docker, 2 replicas) served by its supervisor; v1 and v2 deployed with \`pipec run\`, then ${options.runs} undos in a row, each to the warm revision. undo: wall time of a fresh \`node dist/cli.mjs deploy undo NAME\` (process start, the supervisor's switch, the router's confirmation read back); supervisor: the switch inside the supervisor (its "in N ms"); floor: the router's own weight switch (setWeights + readWeights, same router kind, in process); pipec --version: a fresh \`node dist/cli.mjs --version\` run after each undo, the cost of starting pipec on this machine at that moment (on a loaded machine most of the undo's wall time); undo beyond start: each undo less the start measured after it. Medians. Target: undo under ${TARGET_MS} ms.`,
    "",
    "| router | undo (CLI, end to end) | supervisor switch | router weight switch (floor) | undo / floor | pipec --version (start) | undo beyond start | warm undos | target |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  let ok = true;
  for (const row of rows) {
    const undo = median(row.undoMs);
    const floor = median(row.floorMs);
    const met = row.problem === null && row.warm === row.undoMs.length && undo < TARGET_MS;
    ok &&= met;
    lines.push(`| ${row.router} | ${ms(undo)} | ${ms(median(row.supervisorMs))} | ${ms(floor)} | ${Number.isNaN(undo / floor) ? "-" : `${(undo / floor).toFixed(0)}x`} | ${ms(median(row.startMs))} | ${ms(median(row.undoMs.map((undoMs, i) => undoMs - (row.startMs[i] ?? Number.NaN))))} | ${row.warm} of ${row.undoMs.length} | ${met ? "met" : `MISSED${row.problem === null ? "" : `: ${row.problem}`}`} |`);
  }
  if (!haproxy) lines.push("", "HAProxy is not installed: its row is left out.");
  return { markdown: `${lines.join("\n")}\n`, ok };
}

async function measureKind(router: "builtin" | "haproxy", options: DeployUndoBenchOptions): Promise<Row> {
  const { freePort } = await import("../runtime/deploy/router/listen-address.ts");
  const dir = await mkdtemp(join(tmpdir(), "pipec-bench-undo-"));
  const cli = join(options.root, "dist", "cli.mjs");
  const pipec = (args: readonly string[]) => runCommand([process.execPath, cli, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, timeoutMs: 300_000 });
  const row: { undoMs: number[]; supervisorMs: number[]; floorMs: number[]; startMs: number[]; warm: number; problem: string | null } = { undoMs: [], supervisorMs: [], floorMs: [], startMs: [], warm: 0, problem: null };
  try {
    const port = await freePort();
    await writeFile(
      join(dir, "ship.pipeline.ts"),
      `import { deploy, docker, pipeline } from "pipec";
const web = deploy.canary("web", {
  target: docker({ image: "${NODE_APP}", env: { VERSION: "\${APP_VERSION}" } }),
  replicas: 2,
  router: { kind: "${router}", listen: "127.0.0.1:${port}" },
  healthCheck: { http: { path: "/healthz" }, interval: "200ms" },
  scaleDownDelay: "0s",
  steps: [],
});
export default pipeline("ship", { vars: { APP_VERSION: { default: "v1" } }, jobs: [web] });
`,
    );
    for (const version of ["v1", "v2"]) {
      const run = await pipec(["run", "ship.pipeline.ts", "--executor", "local", "--no-typecheck", "--var", `APP_VERSION=${version}`]);
      if (run.code !== 0) throw new Error(`pipec run (${version}) failed: ${(run.stderr || run.stdout).trim().split("\n").slice(-3).join(" | ")}`);
    }
    // The previous revision is kept warm once the promotion's scale-down is done.
    const { readStatus } = await import("../runtime/deploy/history/index.ts");
    for (let i = 0; i < 100 && readStatus(dir, "web")?.warmRevision == null; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < options.runs; i++) {
      const started = performance.now();
      const undo = await pipec(["deploy", "undo", "web"]);
      const wall = performance.now() - started;
      if (undo.code !== 0) throw new Error(`pipec deploy undo failed: ${(undo.stderr || undo.stdout).trim()}`);
      row.undoMs.push(wall);
      const inside = /in (\d+) ms, (from its warm instances|started again)/.exec(undo.stdout);
      if (inside) row.supervisorMs.push(Number(inside[1]));
      if (inside?.[2] === "from its warm instances") row.warm += 1;
      const startAt = performance.now();
      await pipec(["--version"]);
      row.startMs.push(performance.now() - startAt);
      options.log(`deploy-undo ${router}: undo ${i + 1} in ${Math.round(wall)} ms (${inside?.[0] ?? undo.stdout.trim()}); pipec --version ${Math.round(row.startMs.at(-1)!)} ms`);
      // The revision it left becomes the warm one: wait for it before the next undo.
      for (let j = 0; j < 100 && readStatus(dir, "web")?.warmRevision == null; j++) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    row.floorMs.push(...(await weightSwitchFloor(router, dir, options.runs)));
  } catch (error) {
    row.problem = (error as Error).message;
    options.log(`deploy-undo ${router}: ${row.problem}`);
  } finally {
    // Nothing of the bench may outlive it: a stop that fails is reported, and its supervisor stopped by pid.
    const stop = await pipec(["deploy", "stop", "web"]).catch((error: Error) => ({ code: null, stdout: "", stderr: error.message }));
    if (stop.code !== 0) {
      row.problem ??= `pipec deploy stop failed: ${stop.stderr.trim() || stop.stdout.trim()}`;
      const { readSupervisorPid } = await import("../runtime/deploy/supervisor/index.ts");
      const pid = readSupervisorPid(dir, "web");
      try {
        if (pid !== undefined) process.kill(pid, "SIGTERM");
      } catch {
        // gone already
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
  return { router, ...row };
}

/** setWeights (all to the other version) then readWeights, on a router of the kind, `runs` times. */
async function weightSwitchFloor(kind: "builtin" | "haproxy", dir: string, runs: number): Promise<number[]> {
  const { createBuiltinRouter, createHaproxyRouter } = await import("../runtime/deploy/router/index.ts");
  const router = kind === "builtin" ? await createBuiltinRouter({ listen: "127.0.0.1:0" }) : await createHaproxyRouter({ listen: "127.0.0.1:0", stateDir: join(dir, "floor-haproxy") });
  try {
    await router.setInstances("a", [{ id: "a-1", host: "127.0.0.1", port: 9 }]);
    await router.setInstances("b", [{ id: "b-1", host: "127.0.0.1", port: 9 }]);
    await router.setWeights({ a: 100, b: 0 });
    const times: number[] = [];
    for (let i = 0; i < runs * 2; i++) {
      const to = i % 2 === 0 ? { a: 0, b: 100 } : { a: 100, b: 0 };
      const started = performance.now();
      await router.setWeights(to);
      await router.readWeights();
      times.push(performance.now() - started);
    }
    return times;
  } finally {
    await router.close();
  }
}
