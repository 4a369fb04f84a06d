/**
 * Makes sure each image a job uses is present, once per job: present locally → used as is;
 * otherwise pulled or refused according to the pull policy. Failures are messages that name the
 * image and say what to do, returned (not thrown) so that they become infrastructure errors;
 * `permanent` ones (no such image, pull policy "never", a malformed name) are not retried, since
 * trying again cannot help, while a registry that did not answer may be.
 */
import { DockerError, ImagePullError, describeCause, type DockerEngine } from "../docker/index.ts";

export type PullPolicy = "always" | "missing" | "never";

/** Why an image is not ready. */
export interface ImageProblem {
  readonly message: string;
  readonly permanent: boolean;
}

/** Resolves with null when the image is ready, or with the problem explaining why it is not. */
export type ImageResolver = (image: string) => Promise<ImageProblem | null>;

/** What the engine says when an image does not exist, may not be read, or names a registry host that does not resolve, as opposed to a registry that did not answer. */
const NO_SUCH_IMAGE = /not found|no such host|manifest unknown|does not exist|pull access denied|invalid reference format|repository name must|unauthorized/i;

export function createImageResolver(
  engine: DockerEngine,
  pullPolicy: PullPolicy,
  onProgress?: (image: string, line: string) => void,
): ImageResolver {
  const resolved = new Map<string, Promise<ImageProblem | null>>();
  return (image) => {
    let pending = resolved.get(image);
    if (!pending) {
      pending = ensureImage(engine, image, pullPolicy, onProgress);
      resolved.set(image, pending);
    }
    return pending;
  };
}

async function ensureImage(
  engine: DockerEngine,
  image: string,
  pullPolicy: PullPolicy,
  onProgress?: (image: string, line: string) => void,
): Promise<ImageProblem | null> {
  try {
    if (pullPolicy !== "always" && (await engine.imageId(image)) !== null) return null;
    if (pullPolicy === "never") {
      const message = `image "${image}" is not available locally and the pull policy is "never". Build or load it (docker build, docker load, docker import), or check the name`;
      return { message, permanent: true };
    }
    await engine.pullImage(image, (line) => onProgress?.(image, line));
    return null;
  } catch (error) {
    if (error instanceof ImagePullError) {
      const where = pullPolicy === "always" ? 'could not be pulled (pull policy "always")' : "is not available locally and could not be pulled";
      const cause = describeCause(error.cause);
      return { message: `image "${image}" ${where}: ${cause}. Build or load it, or check the name`, permanent: NO_SUCH_IMAGE.test(cause) };
    }
    if (error instanceof DockerError) return { message: error.message, permanent: false };
    return { message: `image "${image}" could not be checked: ${describeCause(error)}`, permanent: false };
  }
}
