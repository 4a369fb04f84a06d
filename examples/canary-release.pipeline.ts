// A canary release that runs on this machine, no Docker needed for the deployment (host processes):
//   npx pipec run examples/canary-release.pipeline.ts                          # first deploy: v1 on 127.0.0.1:18200
//   npx pipec run examples/canary-release.pipeline.ts --var APP_VERSION=v2      # 25% → smoke analysis → 50% → waits at "go-live"
//   npx pipec approve last go-live                                             # from another terminal: 100% v2
//   npx pipec run examples/canary-release.pipeline.ts --var APP_VERSION=v3 --var APP_ERROR_RATE=0.5   # rolled back at the analysis
//   npx pipec deploy status web; npx pipec deploy undo web
// The deployment keeps serving after `pipec run` ends (a background process owns its router and
// instances: `pipec deploy status|logs|undo|stop web`); the next run takes that live router over and
// shifts traffic from the revision it serves. `keep: false` would make it end with the run instead.
import { deploy, job, pipeline, processTarget } from "pipec";

const web = deploy.canary("web", {
  target: processTarget({
    command: ["node", "test/setup/images/node-app/server.js"],
    env: { VERSION: "${APP_VERSION}", ERROR_RATE: "${APP_ERROR_RATE}" },
  }),
  replicas: 2,
  router: { listen: "127.0.0.1:18200" },
  healthCheck: { http: { path: "/healthz" }, interval: "1s" },
  scaleDownDelay: "5s",
  steps: [
    { setWeight: 25 },
    {
      analysis: {
        metrics: [
          {
            // Sends 200 requests through the router and prints the error fraction: deterministic load, no traffic needed
            // (200, not 40: at 25% weight a version failing half its requests could pass 40 about one time in nine).
            name: "smoke-errors",
            provider: {
              command: {
                run: ["node", "-e", "let bad=0;(async()=>{for(let i=0;i<200;i++){const r=await fetch('http://'+process.env.DEPLOY_LISTEN+'/');await r.text();if(r.status>=500)bad++}console.log(bad/200)})()"],
                timeout: "30s",
              },
            },
            threshold: { max: 0.05 },
          },
        ],
      },
    },
    { setWeight: 50 },
    { approval: { name: "go-live", timeout: "30m" } },
  ],
});

const smoke = job("smoke", {
  image: "busybox:1.36",
  needs: [web],
  network: "host",
  steps: ["wget -q -O- http://127.0.0.1:18200/"],
});

export default pipeline("canary-release", {
  vars: { APP_VERSION: { default: "v1" }, APP_ERROR_RATE: { default: "0" } },
  jobs: [smoke],
});
