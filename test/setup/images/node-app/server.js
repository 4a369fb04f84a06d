// Deploy-target test app for pipec. Plain CommonJS, no dependencies: it runs from the
// `pipec-test/node-app:1` image, which holds only the node binary and its libraries.
//   PORT        port to listen on (127.0.0.1 with host networking), default 8080
//   HOST        address to bind, default 127.0.0.1 (deploy targets use host networking)
//   VERSION     text returned by `/` (and in the x-app-version header), default "unknown"
//   ERROR_RATE  0..1, fraction of `/` requests answered with 500, default 0
//   LATENCY_MS  delay before every answer, default 0
//   READY       "false" makes /healthz answer 503
"use strict";
const http = require("node:http");

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || "127.0.0.1";
const version = process.env.VERSION || "unknown";
const errorRate = Math.min(1, Math.max(0, Number(process.env.ERROR_RATE || 0) || 0));
const latencyMs = Math.max(0, Number(process.env.LATENCY_MS || 0) || 0);
const ready = (process.env.READY || "true").toLowerCase() !== "false";

function reply(res, status, body) {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "x-app-version": version,
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  setTimeout(() => {
    const path = (req.url || "/").split("?")[0];
    if (path === "/healthz") {
      if (ready) reply(res, 200, "ok\n");
      else reply(res, 503, "not ready\n");
      return;
    }
    if (path === "/") {
      if (errorRate > 0 && Math.random() < errorRate) reply(res, 500, `error ${version}\n`);
      else reply(res, 200, `${version}\n`);
      return;
    }
    reply(res, 404, "not found\n");
  }, latencyMs);
});

server.listen(port, host, () => {
  console.log(`node-app ${version} listening on ${host}:${port}`);
});

function shutdown(signal) {
  console.log(`node-app ${version} got ${signal}, closing`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
