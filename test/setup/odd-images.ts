/**
 * Test images that real images resemble but test/setup/docker.sh does not build: other PATH and HOME,
 * an ENTRYPOINT that ignores its arguments, no shell at all. Made as docker.sh makes its images (no
 * registry, no `docker build`): the files of pipec-test/busybox:1 (`docker export`) or a lone static
 * binary, then `docker import --change ...`. Built when missing or made from another recipe (a label
 * holds a hash of the recipe and the base image's id), so a test file can call `buildOddImages()` in
 * its `beforeAll`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_IMAGES } from "./require-docker.ts";

const RECIPE_LABEL = "dev.pipec.test-image-recipe";

interface OddImage {
  /** `busybox`: the files of pipec-test/busybox:1; `static`: /bin/busybox alone, renamed to `/app` (no shell, no applets). */
  readonly from: "busybox" | "static";
  readonly changes: readonly string[];
  /** Files added to the root before the import. */
  readonly add?: (root: string) => void;
}

export const ODD_IMAGES = {
  /**
   * busybox with PATH=/opt/tools/bin:/bin and HOME=/home/tester (writable by anyone), and `hello-tool`
   * in /opt/tools/bin (pipec-test/busybox:1: PATH=/bin, root's HOME /root).
   */
  otherEnv: "pipec-test/busybox-other-env:1",
  /** An ENTRYPOINT that prints a line and exits 0, whatever command it is given (as `ENTRYPOINT ["/tool"]` images do). */
  entrypointExits: "pipec-test/entrypoint-exits:1",
  /** An ENTRYPOINT that ignores its command and runs until stopped (a server image whose ENTRYPOINT is the server). */
  entrypointServes: "pipec-test/entrypoint-serves:1",
  /** An ENTRYPOINT that prepares for 3 s (writes /tmp/prepared), then runs its command: `exec "$@"`, as most images' do. */
  entrypointPrepares: "pipec-test/entrypoint-prepares:1",
  /** No shell: one static binary, no ENTRYPOINT or CMD (as scratch and distroless images are). */
  noShell: "pipec-test/no-shell:1",
} as const;

const RECIPES: Record<string, OddImage> = {
  [ODD_IMAGES.otherEnv]: {
    from: "busybox",
    changes: ["ENV PATH=/opt/tools/bin:/bin", "ENV HOME=/home/tester"],
    add(root) {
      mkdirSync(join(root, "home", "tester"), { recursive: true });
      chmodSync(join(root, "home", "tester"), 0o1777);
      mkdirSync(join(root, "opt", "tools", "bin"), { recursive: true });
      writeFileSync(join(root, "opt", "tools", "bin", "hello-tool"), "#!/bin/sh\necho hello from the tools folder\n", { mode: 0o755 });
    },
  },
  [ODD_IMAGES.entrypointExits]: { from: "busybox", changes: ["ENV PATH=/bin", 'ENTRYPOINT ["/bin/sh","-c","echo entrypoint ignores its arguments"]'] },
  [ODD_IMAGES.entrypointServes]: { from: "busybox", changes: ["ENV PATH=/bin", 'ENTRYPOINT ["/bin/sh","-c","exec sleep 3600"]'] },
  [ODD_IMAGES.entrypointPrepares]: { from: "busybox", changes: ["ENV PATH=/bin", 'ENTRYPOINT ["/bin/sh","-c","sleep 3; echo prepared > /tmp/prepared; exec \\"$@\\"","entrypoint"]'] },
  [ODD_IMAGES.noShell]: { from: "static", changes: ["ENV PATH=/bin"] },
};

/** Builds every odd image that is missing or stale. Needs the engine and pipec-test/busybox:1. */
export function buildOddImages(): void {
  const baseId = docker(["image", "inspect", "--format", "{{.Id}}", TEST_IMAGES.busybox]).trim();
  for (const [image, recipe] of Object.entries(RECIPES)) {
    const hash = createHash("sha256").update(JSON.stringify([recipe, recipe.add?.toString() ?? null, baseId])).digest("hex").slice(0, 16);
    const current = spawnSync("docker", ["image", "inspect", "--format", `{{ index .Config.Labels "${RECIPE_LABEL}" }}`, image], { encoding: "utf8" });
    if (current.status === 0 && current.stdout.trim() === hash) continue;
    const root = mkdtempSync(join(tmpdir(), "pipec-odd-image-"));
    try {
      const container = docker(["create", TEST_IMAGES.busybox]).trim();
      try {
        if (recipe.from === "busybox") execFileSync("sh", ["-c", 'docker export "$1" | tar -C "$2" -x', "export", container, root]);
        // The busybox binary alone: named /app, it is no shell and knows no applet.
        else docker(["cp", `${container}:/bin/busybox`, join(root, "app")]);
      } finally {
        docker(["rm", container]);
      }
      recipe.add?.(root);
      const changes = [`LABEL ${RECIPE_LABEL}=${hash}`, ...recipe.changes].flatMap((change) => ["--change", change]);
      execFileSync("sh", ["-c", 'dir="$1" image="$2"; shift 2; tar -C "$dir" -c . | docker import "$@" - "$image" >/dev/null', "import", root, image, ...changes]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
}

function docker(args: readonly string[]): string {
  return execFileSync("docker", args, { encoding: "utf8" });
}
