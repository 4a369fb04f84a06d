/**
 * `${HOME}` and `${PATH}` in a Docker job's env templates mean what they mean to a process that
 * `docker run IMAGE` starts: PATH from the image's configuration (or Docker's default when it sets
 * none), HOME from the image's configuration or else its user's entry in the image's /etc/passwd
 * (or `/`). Rather than re-implement those rules, pipec asks the image once per run: it runs
 * `sh -c` in it (steps need `sh` anyway) with no network, and reads both values back.
 */
import { containerLabels, type DockerEngine } from "../docker/index.ts";
import type { ImageResolver } from "./image-resolver.ts";

// Prints HOME, PATH and whether that HOME can be written (a uid without a passwd entry gets `/`).
const PRINT = 'w=0; [ "${HOME:-/}" != / ] && [ -w "$HOME" ] && w=1; printf "%s\\0%s\\0%s" "$HOME" "$PATH" "$w"';

/** Who the job's steps run as: the container's `User` ("" for the image's own), and the HOME it gets when the image gives it none it can write. */
export interface ImageUser {
  readonly spec: string;
  readonly fallbackHome: string | null;
}

export type ImageEnvironment = (image: string, runId: string, user: ImageUser) => Promise<Readonly<Record<string, string>>>;

/** Asks each image once (per executor): an image that cannot be pulled or run gives nothing, and its step then fails in its own words. */
export function createImageEnvironment(engine: DockerEngine, resolveImage: ImageResolver): ImageEnvironment {
  const asked = new Map<string, Promise<Readonly<Record<string, string>>>>();
  return (image, runId, user) => {
    const key = `${image}\0${user.spec}\0${user.fallbackHome ?? ""}`;
    let answer = asked.get(key);
    if (!answer) {
      answer = askImage(engine, resolveImage, image, runId, user);
      asked.set(key, answer);
    }
    return answer;
  };
}

async function askImage(engine: DockerEngine, resolveImage: ImageResolver, image: string, runId: string, user: ImageUser): Promise<Readonly<Record<string, string>>> {
  if ((await resolveImage(image)) !== null) return {};
  const chunks: Buffer[] = [];
  // A timer held here: Node 20 may collect an AbortSignal.timeout nothing else refers to, and it would never fire.
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort("timeout"), 30_000);
  try {
    const result = await engine.runContainer(
      // The entrypoint bypassed: the values are the image's configuration's, and one that ignores its command would answer for it.
      { image, entrypoint: [], cmd: ["sh", "-c", PRINT], env: {}, workingDir: "/", binds: [], labels: containerLabels({ runId, job: "pipec-image-environment" }), network: "none", cpus: null, memoryBytes: null, pids: null, stopGraceMs: 1_000, user: user.spec },
      { onStdout: (chunk) => chunks.push(chunk), onStderr: () => {}, signal: stop.signal },
    );
    if (result.exitCode !== 0) return {};
  } catch {
    return {};
  } finally {
    clearTimeout(timer);
  }
  const answer = Buffer.concat(chunks).toString("utf8").split("\0");
  if (answer.length !== 3) return {};
  const [home, path, writable] = answer;
  const values: Record<string, string> = {};
  // The same rule as the step script's: a HOME that cannot be written becomes the job's home folder.
  if (user.fallbackHome !== null && writable !== "1") values.HOME = user.fallbackHome;
  else if (home) values.HOME = home;
  if (path) values.PATH = path;
  return values;
}
