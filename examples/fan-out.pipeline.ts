// Build once, test in parallel, package, then ship with a canary that rolls back on its own.
// Build-only here: a showcase for a real Node web app (package.json scripts build, lint, test, e2e and
// db:migrate, a Postgres service, an image in a registry). `npx pipec build examples/fan-out.pipeline.ts`
// prints its plan anywhere; `pipec run` runs it in such a project.
import { deploy, docker, files, job, output, pipeline, secret, step, when } from "pipec";

const node = "node:20-bookworm-slim";
const npmCache = { key: [files("package-lock.json")], paths: [".npm"] };

const build = job("build", {
  image: node,
  caches: [npmCache],
  steps: [step("install", "npm ci --cache .npm"), step("compile", "npm run build")],
  outputs: { dist: output("dist/**", { exclude: ["dist/**/*.map"] }), types: output("types/**/*.d.ts", { optional: true }) },
});

const lint = job("lint", { image: node, needs: [build], steps: ["npm run lint"], allowFailure: true });

const unit = job("unit", {
  image: node,
  inputs: [build.outputs.dist],
  steps: ["npm test -- --reporter=junit --outputFile=reports/unit.xml"],
  outputs: { report: output("reports/unit.xml") },
  retry: { max: 2, on: ["infrastructure", "timeout"] },
  timeout: "15m",
});

const e2e = job("e2e", {
  image: node,
  inputs: [build.outputs.dist],
  services: [{ name: "db", image: "postgres:16-alpine", env: { POSTGRES_PASSWORD: secret("DB_PASSWORD") }, readyCommand: ["pg_isready", "-h", "127.0.0.1"] }],
  env: { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/app", LOG_LEVEL: "${LOG_LEVEL:-info}" },
  secrets: [secret("DB_PASSWORD")],
  resources: { cpus: 1, memory: "1g" },
  steps: [
    step("migrate", "npm run db:migrate"),
    step({ name: "e2e", run: ["npm run e2e -- --shard=1/1", "echo e2e done"], timeout: "20m" }),
  ],
});

const image = job("image", {
  image: node,
  needs: [lint],
  inputs: [build.outputs.dist, unit.outputs.report],
  env: { TAG: "${IMAGE_TAG:-dev}" },
  steps: ["tar -czf web.tgz dist"],
  outputs: { bundle: output("web.tgz", { expireIn: "7d" }) },
});

const ship = deploy.canary("ship", {
  needs: [e2e, image],
  if: when.and(when.success(), when.branch("main")),
  target: docker({ image: "registry.local/web:${IMAGE_TAG:-dev}", env: { NODE_ENV: "production" } }),
  replicas: 2,
  router: { listen: "127.0.0.1:8080" },
  healthCheck: { http: { path: "/healthz" }, interval: "2s", failureThreshold: 3 },
  progressDeadline: "10m",
  steps: [
    { setWeight: 10 },
    { pause: { duration: "1m" } },
    {
      analysis: {
        metrics: [
          { name: "errors", provider: { builtin: "errorRate" }, threshold: { max: 0.01 }, interval: "30s", count: 4, failureLimit: 1 },
          { name: "p99", provider: { builtin: "latencyP99" }, threshold: { max: 500 }, interval: "30s", count: 4 },
        ],
      },
    },
    { setWeight: 50 },
    { approval: { name: "go-live", timeout: "1h" } },
  ],
});

export default pipeline("web", {
  env: { NODE_ENV: "test", CI_PIPELINE: "web" },
  vars: { IMAGE_TAG: { default: "dev", description: "the tag of the image to ship" }, LOG_LEVEL: "info" },
  jobs: [ship],
});
