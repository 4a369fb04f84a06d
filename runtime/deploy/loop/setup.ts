/** The pieces a deployment session is made of: routers on the plan's addresses, and one target driver per version. */
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment } from "../../plan/schema.ts";
import { connectDocker, projectLabel, type DockerEngine } from "../../docker/index.ts";
import { createBuiltinRouter, createHaproxyRouter } from "../router/index.ts";
import { createDockerTargetDriver, createProcessTargetDriver, type ObservableTargetDriver } from "../target/index.ts";
import type { Router } from "../types.ts";
import type { TargetSpec } from "./resolve-target.ts";

export class DeploySetupError extends Error {
  override readonly name = "DeploySetupError";
  readonly code = "DEPLOY_SETUP_FAILED";
}

/** `localhost:8080` → `127.0.0.1:8080`; routers bind IPv4 loopback only. */
export function normaliseListen(listen: string): string {
  if (listen.startsWith("localhost:")) return `127.0.0.1:${listen.slice("localhost:".length)}`;
  if (listen.startsWith("[::1]:")) throw new DeploySetupError(`router listen address ${listen}: pipec's routers bind 127.0.0.1 only; use 127.0.0.1:${listen.slice("[::1]:".length)}`);
  return listen;
}

export async function createRouters(deployment: Deployment, projectDir: string): Promise<{ router: Router; previewRouter: Router | null }> {
  const listen = normaliseListen(deployment.router.listen);
  let router: Router;
  try {
    router =
      deployment.router.kind === "haproxy"
        ? await createHaproxyRouter({ listen, stateDir: haproxyStateDir(projectDir, deployment.name) })
        : await createBuiltinRouter({ listen });
  } catch (error) {
    throw new DeploySetupError(`deployment "${deployment.name}": the ${deployment.router.kind} router could not start on ${listen}: ${(error as Error).message}${portHint(error, "router.listen")}`, { cause: error });
  }
  const previewListen = deployment.strategy === "blueGreen" && deployment.router.previewListen !== null ? normaliseListen(deployment.router.previewListen) : null;
  if (previewListen === null) return { router, previewRouter: null };
  try {
    // The preview is always pipec's own proxy: it only ever serves the new version, and measures it.
    return { router, previewRouter: await createBuiltinRouter({ listen: previewListen }) };
  } catch (error) {
    await router.close();
    throw new DeploySetupError(`deployment "${deployment.name}": the preview router could not start on ${previewListen}: ${(error as Error).message}${portHint(error, "router.previewListen")}`, { cause: error });
  }
}

/** What to do when the port is taken: another program (or another deployment) listens there. */
function portHint(error: unknown, field: string): string {
  const inUse = /EADDRINUSE/.test(String((error as Error).message)) || (error as { cause?: NodeJS.ErrnoException }).cause?.code === "EADDRINUSE";
  return inUse ? `; another program listens there (see: ss -ltnp): stop it, or give the deployment another ${field}` : "";
}

/** HAProxy's admin socket path must stay short (unix sockets: 108 bytes), so its files live under the temp dir. */
export function haproxyStateDir(projectDir: string, name: string): string {
  const id = createHash("sha256").update(`${projectDir}\0${name}`).digest("hex").slice(0, 12);
  return join(tmpdir(), `pipec-haproxy-${id}`);
}

export interface DriverFactory {
  driverFor(spec: TargetSpec): ObservableTargetDriver;
  /** Removes instances of the deployment left by an earlier pipec process that ended hard. */
  cleanup(name: string): Promise<number>;
}

export function driverFactory(options: { readonly engine: DockerEngine | null; readonly workspace: string; readonly projectDir: string }): DriverFactory {
  let engine = options.engine;
  const dockerEngine = () => (engine ??= connectDocker());
  const drivers: ObservableTargetDriver[] = [];
  return {
    driverFor(spec) {
      const driver =
        spec.target.kind === "docker"
          ? createDockerTargetDriver(dockerEngine(), { image: spec.target.image, command: spec.target.command, env: spec.env }, { project: projectLabel(options.projectDir) })
          : createProcessTargetDriver({ command: spec.target.command, env: spec.env }, options.workspace);
      drivers.push(driver);
      return driver;
    },
    async cleanup(name) {
      // Containers are found by label on the engine; host processes of a dead pipec died with it (exit hook).
      const docker = drivers.find((d) => d.kind === "docker");
      return docker === undefined ? 0 : docker.cleanup(name);
    },
  };
}
