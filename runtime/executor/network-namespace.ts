/**
 * `network: none` for local steps: the step runs in a private network namespace with only loopback,
 * as in a container on network `none`. Without root this needs unprivileged user namespaces
 * (`unshare --user`, util-linux), which some machines turn off: `networkIsolation()` finds out
 * once, by trying, and the local executor says when it cannot isolate.
 *
 * The outer namespace maps the user to root, so that it may bring loopback up (`ip`, if the machine
 * has it); the inner one maps the user back to their own uid and gid, so the step runs as the user
 * it would run as without isolation and its files belong to them.
 *
 * A run says before its first job whether `network: none` is enforced, but a fully cached run starts
 * no step at all: its answer comes from `.pipec/network-probe.json` when everything that decides it
 * is as when it was probed (rememberedIsolation); steps themselves always use this process's own probe.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readlinkSync, renameSync, statSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { delimiter, join } from "node:path";

const INNER = 'ip link set lo up 2>/dev/null; exec unshare --user --map-user="$1" --map-group="$2" -- sh -e -c "$3"';

/** The argv that runs `sh -e -c <script>` with no network but loopback. */
export function withoutNetwork(script: string): { file: string; args: string[] } {
  const uid = String(process.getuid?.() ?? 0);
  const gid = String(process.getgid?.() ?? 0);
  return { file: "unshare", args: ["--user", "--map-root-user", "--net", "--", "sh", "-c", INNER, "pipec-no-network", uid, gid, script] };
}

export interface NetworkIsolation {
  readonly available: boolean;
  readonly why: string;
}

let probed: NetworkIsolation | undefined;
let probing: Promise<NetworkIsolation> | undefined;

/** Whether steps can be put in a private network namespace here, and if not, why (tried once per process). */
export function networkIsolation(): NetworkIsolation {
  if (probed) return probed;
  if (process.platform !== "linux") return (probed = notLinux());
  const { file, args } = withoutNetwork(":");
  const result = spawnSync(file, args, { encoding: "utf8", timeout: PROBE_TIMEOUT_MS });
  return (probed = probeResult(result.status, result.error?.message ?? result.stderr));
}

/** networkIsolation without blocking: the probe runs while the run does other work (a run starts it with its snapshot). */
export function probeNetworkIsolation(): Promise<NetworkIsolation> {
  if (probed) return Promise.resolve(probed);
  if (process.platform !== "linux") return Promise.resolve((probed = notLinux()));
  const { file, args } = withoutNetwork(":");
  probing ??= new Promise<NetworkIsolation>((resolve) => {
    execFile(file, args, { encoding: "utf8", timeout: PROBE_TIMEOUT_MS }, (error, _stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve((probed ??= probeResult(status, typeof error?.code === "string" ? error.message : stderr)));
    });
  });
  return probing;
}

const PROBE_TIMEOUT_MS = 5_000;

const notLinux = (): NetworkIsolation => ({ available: false, why: `network namespaces are Linux only (this is ${process.platform})` });

function probeResult(status: number | null, output: string | undefined): NetworkIsolation {
  if (status === 0) return { available: true, why: "" };
  const said = (output ?? "").trim().split("\n")[0] ?? "";
  return { available: false, why: `this machine does not let unprivileged users make network namespaces (unshare --user --net: ${said || `exit ${status}`})` };
}

export const NETWORK_PROBE_FILE = "network-probe.json";

/**
 * The probe's answer as remembered in `dir` (a project's .pipec), when everything that decides it is
 * as when it was probed: the boot and kernel, this process's namespaces, user, capabilities and
 * seccomp filter (another container, service or user is another key), the sysctls that allow user
 * namespaces, the PATH and the `unshare` it finds. Else (or on any doubt) the probe is run, and its
 * answer remembered.
 */
export async function rememberedIsolation(dir: string): Promise<NetworkIsolation> {
  if (process.platform !== "linux") return probeNetworkIsolation();
  const key = isolationKey();
  const remembered = key === null ? null : readRemembered(dir, key);
  // This process's own probe, when it has one, is the truth: remembered unless it already is.
  if (probed) {
    if (remembered?.available !== probed.available || remembered.why !== probed.why) rememberIsolation(dir, probed, key);
    return probed;
  }
  if (remembered !== null) return remembered;
  const isolation = await probeNetworkIsolation();
  rememberIsolation(dir, isolation, key);
  return isolation;
}

function readRemembered(dir: string, key: string): NetworkIsolation | null {
  try {
    const saved = JSON.parse(readFileSync(join(dir, NETWORK_PROBE_FILE), "utf8")) as { key?: unknown; available?: unknown; why?: unknown };
    return saved.key === key && typeof saved.available === "boolean" && typeof saved.why === "string" ? { available: saved.available, why: saved.why } : null;
  } catch {
    return null;
  }
}

/** Remembers `isolation` (this process's probe) in `dir` for the next runs. */
export function rememberIsolation(dir: string, isolation: NetworkIsolation, key = isolationKey()): void {
  if (key === null) return;
  const file = join(dir, NETWORK_PROBE_FILE);
  try {
    mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ key, available: isolation.available, why: isolation.why })}\n`);
    renameSync(temp, file);
  } catch {
    // Best effort: the next run probes again.
  }
}

/** What decides whether the probe succeeds, as one string; null when it cannot be told (then nothing is remembered). */
function isolationKey(): string | null {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8").trim();
    } catch {
      return "-";
    }
  };
  const namespace = (name: string) => {
    try {
      return readlinkSync(`/proc/self/ns/${name}`);
    } catch {
      return "-";
    }
  };
  const boot = read("/proc/sys/kernel/random/boot_id");
  if (boot === "-") return null;
  const status = read("/proc/self/status")
    .split("\n")
    .filter((line) => /^(Uid|Gid|CapEff|CapBnd|NoNewPrivs|Seccomp|Seccomp_filters):/.test(line))
    .join(";");
  const path = process.env.PATH ?? "";
  const unshare = path
    .split(delimiter)
    .filter((folder) => folder !== "")
    .map((folder) => {
      try {
        const stats = statSync(join(folder, "unshare"));
        return `${folder}:${stats.ino}:${stats.ctimeMs}`;
      } catch {
        return "";
      }
    })
    .find((found) => found !== "");
  return JSON.stringify([
    boot,
    release(),
    namespace("user"),
    namespace("mnt"),
    namespace("net"),
    namespace("pid"),
    status,
    read("/proc/sys/user/max_user_namespaces"),
    read("/proc/sys/kernel/unprivileged_userns_clone"),
    read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
    path,
    unshare ?? "-",
  ]);
}
