/** Kubernetes' httpGet probe: GET http://127.0.0.1:PORT/path; healthy when the status is in range. */
import { request, type ClientRequest } from "node:http";
import type { Probe, ProbeResult } from "../types.ts";

export interface HttpProbeOptions {
  /** Starts with "/"; may carry a query string. */
  readonly path: string;
  /** Inclusive status range. @default [200, 399] */
  readonly expectStatus?: readonly [number, number];
}

/** How much of an unexpected answer's body goes into the reason. */
const BODY_SNIPPET_CHARS = 120;

export function httpProbe(options: HttpProbeOptions): Probe {
  const [lo, hi] = options.expectStatus ?? [200, 399];
  const what = `GET ${options.path}`;
  return (instance, timeoutMs) =>
    new Promise<ProbeResult>((resolve) => {
      let req: ClientRequest;
      try {
        req = request({
          host: instance.host,
          port: instance.port,
          path: options.path,
          method: "GET",
          // A fresh connection per probe, as the kubelet does: a pooled socket would hide a dead listener.
          agent: false,
          headers: { "user-agent": "pipec-probe/1", connection: "close", accept: "*/*" },
        });
      } catch (error) {
        // An invalid path (unescaped characters) fails synchronously.
        resolve({ ok: false, reason: `${what}: ${error instanceof Error ? error.message : String(error)}` });
        return;
      }
      let settled = false;
      const finish = (result: ProbeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish({ ok: false, reason: `${what}: no answer within ${timeoutMs} ms` }), timeoutMs);
      req.once("error", (error: NodeJS.ErrnoException) => finish({ ok: false, reason: `${what}: ${describeError(error)}` }));
      req.once("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status >= lo && status <= hi) {
          res.resume();
          finish({ ok: true });
          return;
        }
        let body = "";
        const report = () => {
          const snippet = body.trim().replace(/\s+/g, " ").slice(0, BODY_SNIPPET_CHARS);
          finish({ ok: false, reason: `${what} answered ${status}${snippet ? ` (${snippet})` : ""}, expected ${lo}-${hi}` });
        };
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
          if (body.length >= BODY_SNIPPET_CHARS) report();
        });
        res.once("end", report);
        res.once("error", report);
      });
      req.end();
    });
}

function describeError(error: NodeJS.ErrnoException): string {
  if (error.code === "ECONNREFUSED") return "connection refused (nothing listens on the port)";
  if (error.code === "ECONNRESET") return "connection reset";
  return error.message;
}
