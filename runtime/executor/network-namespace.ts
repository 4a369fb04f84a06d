/**
 * `network: none` for local steps: the step runs in a private network namespace with only loopback,
 * as in a container on network `none`. Without root this needs unprivileged user namespaces
 * (`unshare --user`, util-linux), which some machines turn off: `networkIsolation()` finds out
 * once, by trying, and the local executor says when it cannot isolate.
 *
 * The outer namespace maps the user to root, so that it may bring loopback up (`ip`, if the machine
 * has it); the inner one maps the user back to their own uid and gid, so the step runs as the user
 * it would run as without isolation and its files belong to them.
 */
import { execFile, spawnSync } from "node:child_process";

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
