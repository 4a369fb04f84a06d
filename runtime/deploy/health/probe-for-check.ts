/** The probe a plan's health check asks for. */
import type { Probe } from "../types.ts";
import { commandProbe, type CommandProbeOptions } from "./command-probe.ts";
import { httpProbe } from "./http-probe.ts";
import { tcpProbe } from "./tcp-probe.ts";
import type { HealthCheck } from "./types.ts";

/**
 * Kubernetes takes one handler per probe; a plan may set several (http, tcp, command): then all must
 * pass, checked in that order, and the first failure is the reason. With none set, the tcp probe:
 * an instance is ready once it accepts connections on its port.
 */
export function probeForCheck(check: Pick<HealthCheck, "http" | "tcp" | "command">, options: CommandProbeOptions = {}): Probe {
  const probes: Probe[] = [];
  if (check.http !== null) probes.push(httpProbe({ path: check.http.path, expectStatus: check.http.expectStatus }));
  if (check.tcp) probes.push(tcpProbe());
  if (check.command !== null) probes.push(commandProbe(check.command, options));
  if (probes.length === 0) return tcpProbe();
  if (probes.length === 1) return probes[0]!;
  return async (instance, timeoutMs) => {
    for (const probe of probes) {
      const result = await probe(instance, timeoutMs);
      if (!result.ok) return result;
    }
    return { ok: true };
  };
}
