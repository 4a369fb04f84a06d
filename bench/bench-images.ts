/**
 * gitlab-ci-local's helper image for the run benchmark. Its default (firecow/gitlab-ci-local-util)
 * cannot be pulled here, so a minimal Debian with bash and rsync is made with debootstrap from the
 * machine's own Debian mirror and `docker import`ed, once: a run skips it when the image exists.
 * The job image needs no bash: gitlab-ci-local starts job scripts with the first of bash or sh it finds
 * (checked with 4.75.1), so the busybox test image serves pipec, the floor and the peer alike.
 *
 * Every failure is a `reason` string so the benchmark prints "peer unavailable: ..." instead of crashing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarize } from "./measure.ts";

export const HELPER_IMAGE = "pipec-bench/gcl-helper:1";
export const BUSYBOX_IMAGE = "pipec-test/busybox:1";

const SUITE = "bookworm";

/** `{ ok }` or why not. */
export type Ensured = { readonly ok: true; readonly built: boolean } | { readonly ok: false; readonly reason: string };

export function imageExists(image: string): boolean {
  return spawnSync("docker", ["image", "inspect", "--format", "{{.Id}}", image], { stdio: "ignore" }).status === 0;
}

/**
 * The first Debian mirror in apt's sources that serves `suite`: deb822 `.sources` files (`URIs:` and
 * `Suites:` fields of one stanza) and one-line `deb URI SUITE ...` entries. Pure, for tests.
 */
export function debianMirror(files: readonly { readonly name: string; readonly text: string }[], suite = SUITE): string | null {
  for (const { name, text } of files) {
    if (name.endsWith(".sources")) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (key: string): string[] =>
          stanza
            .split("\n")
            .filter((line) => line.toLowerCase().startsWith(`${key.toLowerCase()}:`))
            .flatMap((line) => line.slice(key.length + 1).trim().split(/\s+/));
        if (!field("Types").includes("deb") || field("Enabled").includes("no")) continue;
        const uri = field("URIs").find((candidate) => /^https?:\/\//.test(candidate));
        if (uri && field("Suites").includes(suite)) return uri;
      }
    } else if (name.endsWith(".list")) {
      for (const line of text.split("\n")) {
        const match = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(https?:\/\/\S+)\s+(\S+)/.exec(line);
        if (match && match[2] === suite) return match[1]!;
      }
    }
  }
  return null;
}

function aptSources(): { name: string; text: string }[] {
  const files: { name: string; text: string }[] = [];
  const dir = "/etc/apt/sources.list.d";
  if (existsSync(dir)) for (const name of readdirSync(dir).sort()) files.push({ name, text: readFileSync(join(dir, name), "utf8") });
  if (existsSync("/etc/apt/sources.list")) files.push({ name: "sources.list", text: readFileSync("/etc/apt/sources.list", "utf8") });
  return files;
}

function sh(script: string, timeoutMs: number): { ok: boolean; detail: string } {
  const result = spawnSync("sh", ["-c", script], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return { ok: result.status === 0, detail: summarize(result.stderr || String(result.error ?? `exit ${result.status}`)) };
}

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** gitlab-ci-local's helper image: Debian bookworm minbase with rsync (and bash), about a minute once. */
export async function ensureHelperImage(log: (line: string) => void, image = HELPER_IMAGE): Promise<Ensured> {
  if (imageExists(image)) return { ok: true, built: false };
  if (!existsSync("/usr/sbin/debootstrap")) {
    if (process.getuid?.() !== 0) return { ok: false, reason: "debootstrap is not installed (apt-get install debootstrap, as root)" };
    log("  apt-get install debootstrap");
    const install = sh("apt-get install -y -qq debootstrap || (apt-get update -qq && apt-get install -y -qq debootstrap)", 300_000);
    if (!install.ok) return { ok: false, reason: `apt-get install debootstrap failed: ${install.detail}` };
  }
  const mirror = debianMirror(aptSources());
  if (!mirror) return { ok: false, reason: `no Debian ${SUITE} mirror in /etc/apt/sources.list.d or /etc/apt/sources.list` };
  const root = await mkdtemp(join(tmpdir(), "pipec-bench-helper-"));
  try {
    log(`  debootstrap --variant=minbase --include=rsync ${SUITE} (${mirror}) for ${image}`);
    const boot = sh(`debootstrap --variant=minbase --include=rsync ${SUITE} ${quote(root)} ${quote(mirror)}`, 900_000);
    if (!boot.ok) return { ok: false, reason: `debootstrap failed: ${boot.detail}` };
    const imported = sh(`tar -C ${quote(root)} -c . | docker import --change 'CMD ["/bin/bash"]' - ${quote(image)}`, 300_000);
    if (!imported.ok) return { ok: false, reason: `docker import of the helper image failed: ${imported.detail}` };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const check = sh(`docker run --rm --network none ${quote(image)} sh -c 'command -v bash && command -v rsync'`, 60_000);
  return check.ok ? { ok: true, built: true } : { ok: false, reason: `${image} has no bash or rsync: ${check.detail}` };
}
