/**
 * Kubernetes' exec probe, run on the host for both target kinds: healthy when the command exits 0.
 *
 * Why the host and not `docker exec`: docker targets use host networking, so the host reaches
 * 127.0.0.1:PORT exactly as the container does; the probe behaves the same for process and docker
 * targets; and it needs no tool inside the image (deploy images are often minimal: ours holds only
 * node). The command learns which instance to check from INSTANCE_HOST, INSTANCE_PORT, INSTANCE_ID
 * and INSTANCE_VERSION, e.g. `["sh", "-c", "wget -q -O- http://$INSTANCE_HOST:$INSTANCE_PORT/ready"]`.
 */
import { spawn } from "node:child_process";
import type { Probe, ProbeResult } from "../types.ts";

export interface CommandProbeOptions {
  /** @default process.cwd() */
  readonly cwd?: string;
  /** Added to the probe's environment (which starts from process.env). */
  readonly env?: Readonly<Record<string, string>>;
}

/** How much of the command's output is kept to explain a failure. */
const OUTPUT_TAIL_CHARS = 2_000;

export function commandProbe(argv: readonly string[], options: CommandProbeOptions = {}): Probe {
  const [command, ...args] = argv;
  return (instance, timeoutMs) =>
    new Promise<ProbeResult>((resolve) => {
      if (command === undefined || command === "") {
        resolve({ ok: false, reason: "the probe command is empty" });
        return;
      }
      const label = JSON.stringify(argv.join(" "));
      const child = spawn(command, args, {
        cwd: options.cwd ?? process.cwd(),
        env: {
          ...process.env,
          ...options.env,
          INSTANCE_HOST: instance.host,
          INSTANCE_PORT: String(instance.port),
          INSTANCE_ID: instance.id,
          INSTANCE_VERSION: instance.version,
        },
        // Its own group, so that a timeout kills whatever it started too.
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
      };
      child.stdout.on("data", keep);
      child.stderr.on("data", keep);
      let settled = false;
      const finish = (result: ProbeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        killGroup(child.pid);
        finish({ ok: false, reason: `${label} timed out after ${timeoutMs} ms` });
      }, timeoutMs);
      child.once("error", (error: NodeJS.ErrnoException) =>
        finish({ ok: false, reason: `${label} could not run: ${error.code === "ENOENT" ? "no such command (ENOENT)" : error.message}` }),
      );
      child.once("close", (code, signal) => {
        killGroup(child.pid); // nothing it started outlives the probe
        if (code === 0) return finish({ ok: true });
        const last = output.trim().split("\n").at(-1)?.trim() ?? "";
        const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
        finish({ ok: false, reason: `${label} ${how}${last ? `: ${last}` : ""}` });
      });
    });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}
