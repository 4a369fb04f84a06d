import { describe, expect, it } from "vitest";
import { renderConfig } from "../../../../../runtime/deploy/router/haproxy/config.ts";
import { CounterHistory } from "../../../../../runtime/deploy/router/haproxy/counter-history.ts";
import { escapePcre, routePattern, stickyPattern } from "../../../../../runtime/deploy/router/haproxy/map-routes.ts";
import { cliArgument } from "../../../../../runtime/deploy/router/haproxy/runtime-api.ts";
import { RouterCapacityError } from "../../../../../runtime/deploy/router/errors.ts";
import { SlotTable, type SlotUse } from "../../../../../runtime/deploy/router/haproxy/slots.ts";
import { parseServerWeights, parseShowStat } from "../../../../../runtime/deploy/router/haproxy/stats.ts";

const instance = (id: string, port: number) => ({ id, host: "127.0.0.1" as const, port });

describe("haproxy config", () => {
  it("has one split server and one backend of disabled instance slots per version slot", () => {
    const config = renderConfig({
      port: 8080, adminSocket: "/s/admin.sock", mapFile: "/s/routes.map", stickyMapFile: "/s/sticky.map", cookieMapFile: "/s/cookies.map", abnsPrefix: "p",
      versionSlots: 2, instanceSlots: 2, timeouts: { connectMs: 1, clientMs: 2, serverMs: 3 },
    });
    expect(config).toContain("bind 127.0.0.1:8080");
    expect(config).toContain("http-request set-var(txn.pipec_to) req.hdrs,map_reg(/s/routes.map)");
    expect(config).toContain("http-request set-var(txn.pipec_to) req.hdrs,map_reg(/s/sticky.map) if { req.hdr(cookie) -m found } !{ var(txn.pipec_to) -m found }");
    expect(config).toContain("default_backend be_split");
    expect(config).toContain("http-response add-header Set-Cookie %[srv_name,map(/s/cookies.map)] if { srv_name,map(/s/cookies.map) -m found }");
    expect(config.match(/server v\d abns@p-v\d weight 0/g)).toEqual(["server v0 abns@p-v0 weight 0", "server v1 abns@p-v1 weight 0"]);
    expect(config.match(/server s\d 127\.0\.0\.1:1 weight 1 disabled/g)).toHaveLength(4);
  });
});

describe("header route patterns", () => {
  it.each([
    [{ exact: "a b;c" }, String.raw`(*CRLF)(?m)^x\x2dcanary:[\t\x20]*a\x20b\x3bc[\t\x20]*$`],
    [{ prefix: "beta-" }, String.raw`(*CRLF)(?m)^x\x2dcanary:[\t\x20]*beta-`],
    [{ regex: "u [0-9]+$" }, String.raw`(*CRLF)(?m)^x\x2dcanary:[\t\x20]*[^\r\n]*?(?:u\x20[0-9]+$)`],
  ])("turns %o into a req.hdrs regex", (match, pattern) => {
    expect(routePattern({ name: "r", header: "X-Canary", match, version: "canary" }).replace(/\\x2d/g, "\\x2d")).toBe(
      pattern.replace("x\\x2dcanary", escapePcre("x-canary")),
    );
  });

  it("matches a sticky cookie anywhere in the cookie line, and only the whole value", () => {
    // PCRE and JS agree on this subset once (*CRLF)(?m) is read as the m flag.
    const pattern = stickyPattern("pipec-version", "canary").replace("(*CRLF)(?m)", "");
    const regex = new RegExp(pattern.replace(/\\x([0-9a-f]{2})/g, (_, hex: string) => `\\x${hex}`), "m");
    for (const line of ["cookie: pipec-version=canary", "cookie: a=1; pipec-version=canary", "cookie: a=1;pipec-version=canary; b=2"]) expect(line).toMatch(regex);
    for (const line of ["cookie: pipec-version=canary2", "cookie: xpipec-version=canary", "cookie: a=pipec-version=canary", "x-cookie: pipec-version=canary"]) {
      expect(line).not.toMatch(regex);
    }
  });

  it("escapes CLI separators", () => {
    expect(cliArgument(String.raw`a\x20 b;c`)).toBe(String.raw`a\\x20\ b\;c`);
  });
});

describe("haproxy stats", () => {
  it("reads responses, 5xx and in-flight sessions from show stat", () => {
    const csv = "# pxname,svname,scur,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,rtime,\nbe_v0,BACKEND,2,0,90,1,2,7,0,3,\n";
    expect(parseShowStat(csv)).toEqual([{ proxy: "be_v0", server: "BACKEND", responses: 100, errors5xx: 7, current: 2, rtimeMs: 3 }]);
  });

  it("reads user weights from show servers state", () => {
    const text = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight\n3 be_split 1 v0 - 2 0 180 0\n3 be_split 2 v1 - 2 0 20 0\n";
    expect(parseServerWeights(text)).toEqual(new Map([["v0", 180], ["v1", 20]]));
  });

  it("starts windows from the newest sample at or before their start", () => {
    const history = new CounterHistory(1, 0, 1000, 3000);
    for (let at = 1000; at <= 10_000; at += 1000) history.add({ at, responses: [at / 100], errors: [0] });
    expect(history.baseline(7_500).responses).toEqual([70]);
    expect(history.baseline(0).at).toBe(6000);
  });
});

describe("SlotTable", () => {
  it("fills free slots, drains dropped instances, and reuses drained slots once idle", () => {
    const table = new SlotTable(2, 2);
    const slot = table.slotOf("stable");
    expect(table.planInstances(slot, [instance("a", 1001)], () => false)).toEqual([
      "set server be_v0/s0 addr 127.0.0.1 port 1001",
      "set server be_v0/s0 state ready",
    ]);
    expect(table.planInstances(slot, [instance("b", 1002)], () => false)).toEqual([
      "set server be_v0/s1 addr 127.0.0.1 port 1002",
      "set server be_v0/s1 state ready",
      "set server be_v0/s0 state drain",
    ]);
    expect(() => table.planInstances(slot, [instance("c", 1003)], () => true)).toThrow(/no instance slot left/);
    expect(table.planInstances(slot, [instance("b", 1002), instance("d", 1004)], () => false)).toEqual([
      "set server be_v0/s0 state maint",
      "set server be_v0/s0 addr 127.0.0.1 port 1004",
      "set server be_v0/s0 state ready",
    ]);
  });

  it("refuses more versions than slots, naming the ones that hold them", () => {
    const table = new SlotTable(1, 1);
    table.slotOf("stable");
    expect(() => table.slotOf("canary")).toThrow(/all 1 are in use \(traffic, header routes or instances\) by "stable"/);
  });

  it("frees the least recently named idle version slot for a new version, over any number of rollouts", () => {
    const table = new SlotTable(2, 2);
    const weights = new Map<string, number>();
    const routed = new Set<number>();
    let busy = false;
    const use = (...keep: string[]): SlotUse => ({
      keep: new Set(keep),
      weight: (version) => weights.get(version) ?? 0,
      routed: (slot) => routed.has(slot),
      busy: () => busy,
    });
    // v0 serves; each rollout starts v(n+1) beside it, shifts all traffic to it and drops v(n)'s instance.
    table.planInstances(table.claim("v0", use("v0")).slot, [instance("a0", 2000)], () => false);
    weights.set("v0", 100);
    for (let n = 0; n < 20; n++) {
      const next = table.claim(`v${n + 1}`, use(`v${n + 1}`));
      expect(next.slot.index).toBe((n + 1) % 2);
      if (n >= 1) expect(next).toMatchObject({ freed: `v${n - 1}`, commands: [`set server be_v${(n + 1) % 2}/s0 state maint`] });
      expect(next.slot.instances.every((server) => server.state === "free")).toBe(true);
      table.planInstances(next.slot, [instance(`a${n + 1}`, 2001 + n)], () => false);
      weights.set(`v${n + 1}`, 100).delete(`v${n}`);
      table.planInstances(table.slotOf(`v${n}`), [], () => false);
    }
    expect(table.all().map((slot) => slot.version)).toEqual(["v20", "v19"]);

    // A slot is not idle while it has weight, a header route, a ready instance, a busy draining
    // one, or is named by the change itself.
    weights.set("v19", 1);
    expect(() => table.claim("x", use("x"))).toThrow(RouterCapacityError);
    weights.delete("v19");
    routed.add(1);
    expect(() => table.claim("x", use("x"))).toThrow(/no slot left for version "x"/);
    routed.clear();
    busy = true;
    expect(() => table.claim("x", use("x"))).toThrow(RouterCapacityError);
    busy = false;
    expect(() => table.claim("x", use("x", "v19"))).toThrow(RouterCapacityError);
    table.planInstances(table.slotOf("v19"), [instance("late", 3000)], () => false);
    expect(() => table.claim("x", use("x"))).toThrow(RouterCapacityError);
    // Without a use (slotOf) nothing is ever freed.
    table.planInstances(table.slotOf("v19"), [], () => false);
    expect(() => table.slotOf("x")).toThrow(RouterCapacityError);
    expect(table.claim("x", use("x"))).toMatchObject({ freed: "v19", slot: { index: 1, version: "x", listed: false } });
  });
});
