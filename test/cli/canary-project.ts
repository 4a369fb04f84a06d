/**
 * The project most deploying CLI tests start from: the test app as `server.cjs` and `ship.pipeline.ts`, one
 * canary deployment "web" of it as a local process on 127.0.0.1:PORT, its VERSION from the variable
 * APP_VERSION (default v1), probed over HTTP every 200 ms, with no delays to wait out.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The test app (it answers its VERSION, `/healthz`, and fails on demand). CommonJS: the project has no package.json. */
export const APP = join(import.meta.dirname, "..", "setup", "images", "node-app", "server.js");

export interface CanaryProject {
  readonly port: number;
  /** The canary's `steps` as TypeScript source, for example `[{ setWeight: 50 }]`. */
  readonly steps: string;
  /** More options of the deployment, each a line of TypeScript source ending with a comma. */
  readonly options?: readonly string[];
}

export function canaryPipelineSource({ port, steps, options = [] }: CanaryProject): string {
  return `import { deploy, pipeline, processTarget } from "pipec";

const web = deploy.canary("web", {
  target: processTarget({ command: ["node", "server.cjs"], env: { VERSION: "\${APP_VERSION}" } }),
  router: { listen: "127.0.0.1:${port}" },
  healthCheck: { http: { path: "/healthz" }, interval: "200ms" },
  scaleDownDelay: "0s",
${options.map((line) => `  ${line}\n`).join("")}  drainTimeout: "2s",
  steps: ${steps},
});

export default pipeline("ship", { vars: { APP_VERSION: { default: "v1" } }, jobs: [web] });
`;
}

/** Writes `server.cjs` and `ship.pipeline.ts` into DIR. */
export function writeCanaryProject(dir: string, project: CanaryProject): void {
  copyFileSync(APP, join(dir, "server.cjs"));
  writeFileSync(join(dir, "ship.pipeline.ts"), canaryPipelineSource(project));
}
