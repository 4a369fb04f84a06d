// The three deployment strategies side by side: rolling, blue-green and canary.
import { deploy, docker, pipeline, processTarget } from "pipec";

const health = { http: { path: "/healthz" }, interval: "1s", failureThreshold: 3 } as const;

const api = deploy.rolling("api", {
  target: docker({ image: "pipec-test/node-app:1", env: { VERSION: "2" } }),
  replicas: 4,
  maxSurge: 1,
  maxUnavailable: 0,
  healthCheck: health,
  router: { listen: "127.0.0.1:18080" },
});

const web = deploy.blueGreen("web", {
  needs: [api],
  target: docker({ image: "pipec-test/node-app:1", env: { VERSION: "2" } }),
  replicas: 2,
  router: { listen: "127.0.0.1:18090", previewListen: "127.0.0.1:18091" },
  healthCheck: health,
  autoPromote: true,
  postPromotionAnalysis: { metrics: [{ name: "errors", provider: { builtin: "errorRate" }, threshold: { max: 0.01 }, interval: "5s", count: 3 }] },
  scaleDownDelay: "30s",
});

const worker = deploy.canary("worker", {
  needs: [web],
  target: processTarget({ command: ["node", "server.js"], env: { VERSION: "2" } }),
  router: { kind: "haproxy", listen: "127.0.0.1:18100" },
  healthCheck: health,
  steps: [
    { setWeight: 25 },
    { analysis: { metrics: [{ name: "success", provider: { builtin: "successRate" }, successCondition: "result >= 0.99", interval: "5s", count: 3, noData: "fail" }] } },
    { setWeight: 75 },
    { pause: {} },
  ],
});

export default pipeline("deployments", { jobs: [worker] });
