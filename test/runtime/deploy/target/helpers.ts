/** HTTP and TCP checks against instances on 127.0.0.1, without connection pooling. */
import { request } from "node:http";
import { connect } from "node:net";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The deploy-target test app (PORT, VERSION, ERROR_RATE, LATENCY_MS, READY), as in the node-app image. */
const NODE_APP_SOURCE = fileURLToPath(new URL("../../../setup/images/node-app/server.js", import.meta.url));

/**
 * A copy of the test app as `server.cjs` in a temporary directory: the app is CommonJS, and in this
 * repository (package.json `"type": "module"`) `node server.js` would load it as an ES module.
 */
export async function nodeAppCopy(): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "pipec-node-app-"));
  const file = join(dir, "server.cjs");
  await copyFile(NODE_APP_SOURCE, file);
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function get(port: number, path = "/"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once("timeout", () => req.destroy(new Error(`no answer from 127.0.0.1:${port}${path}`)));
    req.once("error", reject);
    req.end();
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
