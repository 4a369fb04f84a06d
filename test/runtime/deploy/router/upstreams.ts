/**
 * Test upstreams and clients for the router tests: tiny node:http servers on 127.0.0.1:0 that
 * answer their version name, and keep-alive clients that count answers.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { InstanceAddress } from "../../../../runtime/deploy/types.ts";

export interface TestUpstream {
  readonly version: string;
  readonly instance: InstanceAddress;
  /** Behaviour, changeable while running: answer 500, or wait before answering. */
  readonly mode: { fail: boolean; delayMs: number };
  /** Requests received so far. */
  requests: number;
  /** Requests being answered now. */
  inFlight: number;
  close(): Promise<void>;
}

/**
 * Starts an upstream. `GET /` answers the version name; `POST /echo` streams the body back;
 * `GET /big?bytes=N` streams N bytes; every answer carries `x-instance` and `x-seen-xff`.
 */
export async function startUpstream(version: string, id: string): Promise<TestUpstream> {
  const mode = { fail: false, delayMs: 0 };
  const server = http.createServer((req, res) => {
    upstream.requests++;
    upstream.inFlight++;
    res.once("close", () => upstream.inFlight--);
    const answer = (): void => {
      res.setHeader("x-instance", id);
      res.setHeader("x-seen-xff", String(req.headers["x-forwarded-for"] ?? ""));
      if (req.method === "POST" && req.url === "/echo") {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        req.pipe(res);
        return;
      }
      const big = /^\/big\?bytes=(\d+)$/.exec(req.url ?? "");
      if (big) {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        streamBytes(res, Number(big[1]));
        return;
      }
      req.resume();
      res.writeHead(mode.fail ? 500 : 200, { "content-type": "text/plain" });
      res.end(version);
    };
    if (mode.delayMs > 0) setTimeout(answer, mode.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const upstream: TestUpstream = {
    version,
    instance: { id, host: "127.0.0.1", port },
    mode,
    requests: 0,
    inFlight: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return upstream;
}

function streamBytes(res: http.ServerResponse, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, 120);
  let left = total;
  const write = (): void => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!res.write(piece)) return void res.once("drain", write);
    }
    res.end();
  };
  write();
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** One request through `agent` (keep-alive), the whole answer read. */
export function request(
  listen: string,
  options: { path?: string; method?: string; headers?: Record<string, string>; body?: Buffer; agent?: http.Agent } = {},
): Promise<Answer> {
  const [host, port] = listen.split(":") as [string, string];
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port: Number(port), path: options.path ?? "/", method: options.method ?? "GET", headers: options.headers, agent: options.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.once("error", reject);
        res.once("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
      },
    );
    req.once("error", reject);
    req.end(options.body);
  });
}

/** Sends `count` sequential requests on one keep-alive connection; answers counted by body. */
export async function countAnswers(
  listen: string,
  count: number,
  headers?: Record<string, string>,
): Promise<Record<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const counts: Record<string, number> = {};
  try {
    for (let i = 0; i < count; i++) {
      const answer = await request(listen, { agent, headers });
      const key = answer.status === 200 ? answer.body : `status ${answer.status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  } finally {
    agent.destroy();
  }
  return counts;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failures: string[];
}

/** `clients` keep-alive clients sending back to back until `stop()`; bounded by `maxRequests`. */
export function startLoad(listen: string, clients: number, maxRequests = 20_000): { stop: () => Promise<LoadResult> } {
  const result: LoadResult = { sent: 0, ok: 0, failures: [] };
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (running && result.sent < maxRequests) {
      result.sent++;
      try {
        const answer = await request(listen, { agent });
        if (answer.status === 200) result.ok++;
        else result.failures.push(`status ${answer.status}: ${answer.body.trim()}`);
      } catch (error) {
        result.failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    agent.destroy();
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
