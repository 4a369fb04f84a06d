// The three deployment strategies side by side: rolling, blue-green and canary, on this machine.
// Runs as shipped from a clone of pipec (the instances are its test app: Docker's pipec-test/node-app:1,
// built by `bash test/setup/docker.sh`, and test/setup/images/node-app/server.js as a host process):
//   npx pipec run examples/deployments.pipeline.ts                       # first deploy of each: v1
//   npx pipec run examples/deployments.pipeline.ts --var APP_VERSION=v2  # rolling update, blue-green switch, canary steps
// Each analysis here is a smoke test that sends its own requests through the router, so the example
// needs no traffic; the builtin metrics (errorRate, successRate, latencyP99) judge live traffic instead
// (see fan-out.pipeline.ts).
import { deploy, docker, pipeline, processTarget, type Metric } from "pipec";

const health = { http: { path: "/healthz" }, interval: "1s", failureThreshold: 3 } as const;

/** 200 requests through the router (DEPLOY_LISTEN); prints the fraction that failed. */
const smoke: Metric = {
  name: "smoke-errors",
  provider: {
    command: {
      run: ["node", "-e", "let bad=0;(async()=>{for(let i=0;i<200;i++){const r=await fetch('http://'+process.env.DEPLOY_LISTEN+'/');await r.text();if(r.status>=500)bad++}console.log(bad/200)})()"],
      timeout: "30s",
    },
  },
  threshold: { max: 0.05 },
};

const api = deploy.rolling("demo-api", {
  target: docker({ image: "pipec-test/node-app:1", env: { VERSION: "${APP_VERSION}" } }),
  replicas: 4,
  maxSurge: 1,
  maxUnavailable: 0,
  healthCheck: health,
  router: { listen: "127.0.0.1:18080" },
});

const site = deploy.blueGreen("demo-site", {
  needs: [api],
  target: docker({ image: "pipec-test/node-app:1", env: { VERSION: "${APP_VERSION}" } }),
  replicas: 2,
  router: { listen: "127.0.0.1:18090", previewListen: "127.0.0.1:18091" },
  healthCheck: health,
  autoPromote: true,
  postPromotionAnalysis: { metrics: [smoke] },
  scaleDownDelay: "5s",
});

const worker = deploy.canary("demo-worker", {
  needs: [site],
  target: processTarget({ command: ["node", "test/setup/images/node-app/server.js"], env: { VERSION: "${APP_VERSION}" } }),
  router: { kind: "haproxy", listen: "127.0.0.1:18100" },
  healthCheck: health,
  steps: [{ setWeight: 25 }, { analysis: { metrics: [smoke] } }, { setWeight: 75 }, { pause: { duration: "2s" } }],
});

export default pipeline("deployments", { vars: { APP_VERSION: { default: "v1" } }, jobs: [worker] });
