/**
 * The HAProxy configuration the adapter starts with. Its shape never changes afterwards: every
 * change (weights, instances, header routes) goes through the runtime API, so there are no reloads.
 *
 *   frontend fe (127.0.0.1:PORT) ── header route map hit ──────────────► backend be_vN
 *        │ default                                                           ▲
 *        ▼                                                                   │
 *   backend be_split: one server vN per version slot, weight = 2 × percent   │
 *        └─► abns@PREFIX-vN ─► frontend fe_vN ──────────────────────────────┘
 *   backend be_vN: S server slots (maint until used), equal weights, round robin
 *
 * Two tiers make the version split exact and readable: HAProxy's weighted round robin over
 * be_split picks a version, then be_vN round-robins its instances, so a version's share does not
 * depend on how many instances it has, and `show servers state be_split` reads the percentages back.
 * Header routes are a regex map over the request's header block (`req.hdrs`, one
 * "name: value\r\n" line per header, names lowercased), updated with `prepare/add/commit map`.
 *
 * Cookie stickiness uses two more maps, empty while it is off: `sticky.map` (regexes over the
 * `cookie:` line, one per version with a weight above 0, → be_vN; consulted after the header
 * routes) and `cookies.map` (be_split server vN → the Set-Cookie value pinning a client to that
 * version). A request that reaches be_split, i.e. one picked by weight, gets the cookie of the
 * version it went to; one pinned by its cookie or a header route does not.
 */
export interface HaproxyConfigSpec {
  readonly port: number;
  readonly adminSocket: string;
  readonly mapFile: string;
  /** Sticky cookie patterns → version backend. */
  readonly stickyMapFile: string;
  /** be_split server name → Set-Cookie value. */
  readonly cookieMapFile: string;
  /** Unique per router: abstract socket names are machine-wide. */
  readonly abnsPrefix: string;
  readonly versionSlots: number;
  readonly instanceSlots: number;
  readonly timeouts: { readonly connectMs: number; readonly clientMs: number; readonly serverMs: number };
}

export const SPLIT_BACKEND = "be_split";

/** Weight units per percent on be_split servers (HAProxy weights are integers 0..256). */
export const WEIGHT_PER_PERCENT = 2;

export function versionServer(slot: number): string {
  return `v${slot}`;
}

export function versionBackend(slot: number): string {
  return `be_v${slot}`;
}

export function instanceServer(slot: number): string {
  return `s${slot}`;
}

/** The whole configuration file. */
export function renderConfig(spec: HaproxyConfigSpec): string {
  const { connectMs, clientMs, serverMs } = spec.timeouts;
  const lines = [
    "# Written by pipec's haproxy router; changed at runtime through the admin socket only.",
    "global",
    `  stats socket ${spec.adminSocket} mode 600 level admin`,
    "  stats timeout 10s",
    "  maxconn 4096",
    "",
    "defaults",
    "  mode http",
    `  timeout connect ${connectMs}ms`,
    `  timeout client ${clientMs}ms`,
    `  timeout server ${serverMs}ms`,
    "  timeout http-keep-alive 10s",
    "  timeout http-request 10s",
    "  # A refused connection is retried once, on another server of the same backend.",
    "  retries 1",
    "  option redispatch 1",
    "",
    "frontend fe",
    `  bind 127.0.0.1:${spec.port}`,
    "  option forwardfor",
    `  http-request set-var(txn.pipec_to) req.hdrs,map_reg(${spec.mapFile})`,
    // Only requests with a cookie pay for the sticky lookup.
    `  http-request set-var(txn.pipec_to) req.hdrs,map_reg(${spec.stickyMapFile}) if { req.hdr(cookie) -m found } !{ var(txn.pipec_to) -m found }`,
    "  use_backend %[var(txn.pipec_to)] if { var(txn.pipec_to) -m found }",
    `  default_backend ${SPLIT_BACKEND}`,
    "",
    `backend ${SPLIT_BACKEND}`,
    "  balance roundrobin",
    `  http-response add-header Set-Cookie %[srv_name,map(${spec.cookieMapFile})] if { srv_name,map(${spec.cookieMapFile}) -m found }`,
  ];
  for (let v = 0; v < spec.versionSlots; v++) {
    lines.push(`  server ${versionServer(v)} abns@${spec.abnsPrefix}-v${v} weight 0`);
  }
  for (let v = 0; v < spec.versionSlots; v++) {
    lines.push("", `frontend fe_v${v}`, `  bind abns@${spec.abnsPrefix}-v${v}`, `  default_backend ${versionBackend(v)}`);
    lines.push("", `backend ${versionBackend(v)}`, "  balance roundrobin");
    for (let s = 0; s < spec.instanceSlots; s++) {
      lines.push(`  server ${instanceServer(s)} 127.0.0.1:1 weight 1 disabled`);
    }
  }
  return `${lines.join("\n")}\n`;
}
