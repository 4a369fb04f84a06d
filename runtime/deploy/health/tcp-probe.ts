/** Kubernetes' tcpSocket probe: healthy when 127.0.0.1:PORT accepts a connection. */
import { connect } from "node:net";
import type { Probe, ProbeResult } from "../types.ts";

export function tcpProbe(): Probe {
  return (instance, timeoutMs) =>
    new Promise<ProbeResult>((resolve) => {
      const where = `tcp ${instance.host}:${instance.port}`;
      const socket = connect({ host: instance.host, port: instance.port });
      const finish = (result: ProbeResult) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish({ ok: false, reason: `${where}: no connection within ${timeoutMs} ms` }), timeoutMs);
      socket.once("connect", () => finish({ ok: true }));
      socket.once("error", (error: NodeJS.ErrnoException) =>
        finish({ ok: false, reason: `${where}: ${error.code === "ECONNREFUSED" ? "connection refused" : error.message}` }),
      );
    });
}
