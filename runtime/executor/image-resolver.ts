/**
 * Makes sure each image a job uses is present, once per job: present locally → used as is;
 * otherwise pulled or refused according to the pull policy. Failures are messages that name the
 * image and say what to do, returned (not thrown) so that they become infrastructure errors.
 */
import { DockerError, ImagePullError, describeCause, type DockerEngine } from "../docker/index.ts";

export type PullPolicy = "always" | "missing" | "never";

/** Resolves with null when the image is ready, or with the message explaining why it is not. */
export type ImageResolver = (image: string) => Promise<string | null>;

export function createImageResolver(
  engine: DockerEngine,
  pullPolicy: PullPolicy,
  onProgress?: (image: string, line: string) => void,
): ImageResolver {
  const resolved = new Map<string, Promise<string | null>>();
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
): Promise<string | null> {
  try {
    if (pullPolicy !== "always" && (await engine.imageId(image)) !== null) return null;
    if (pullPolicy === "never") {
      return (
        `image "${image}" is not available locally and the pull policy is "never". ` +
        "Build or load it (docker build, docker load, docker import), or check the name"
      );
    }
    await engine.pullImage(image, (line) => onProgress?.(image, line));
    return null;
  } catch (error) {
    if (error instanceof ImagePullError) {
      const where = pullPolicy === "always" ? "could not be pulled (pull policy \"always\")" : "is not available locally and could not be pulled";
      return `image "${image}" ${where}: ${describeCause(error.cause)}. Build or load it, or check the name`;
    }
    if (error instanceof DockerError) return error.message;
    return `image "${image}" could not be checked: ${describeCause(error)}`;
  }
}
