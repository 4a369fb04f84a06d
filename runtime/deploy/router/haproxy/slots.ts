import type { InstanceAddress } from "../../types.ts";
import { RouterCapacityError } from "../errors.ts";
import { instanceServer, versionBackend } from "./config.ts";

/** One `server sK` line of a version backend. */
export interface InstanceSlot {
  readonly index: number;
  instance: { readonly id: string; readonly port: number } | undefined;
  /** free: maint, never used or drained; ready: serving; draining: dropped, finishing its requests. */
  state: "free" | "ready" | "draining";
}

/** One version's pair of be_split server and backend. */
export interface VersionSlot {
  readonly index: number;
  readonly version: string;
  /** Named in setInstances or setWeights: listed by readWeights. */
  listed: boolean;
  readonly instances: InstanceSlot[];
}

/**
 * Which version and instance uses which of the fixed server slots of the config, and the
 * runtime API commands that move instances in and out of them.
 */
export class SlotTable {
  private readonly versions: VersionSlot[] = [];

  constructor(
    private readonly versionSlots: number,
    private readonly instanceSlots: number,
  ) {}

  find(version: string): VersionSlot | undefined {
    return this.versions.find((slot) => slot.version === version);
  }

  all(): readonly VersionSlot[] {
    return this.versions;
  }

  /** The slot of `version`, taking a new one the first time. */
  slotOf(version: string): VersionSlot {
    const found = this.find(version);
    if (found !== undefined) return found;
    if (this.versions.length >= this.versionSlots) {
      throw new RouterCapacityError(
        `HAProxy router has no slot left for version "${version}": all ${this.versionSlots} are taken by ` +
          `${this.versions.map((slot) => `"${slot.version}"`).join(", ")}. Create the router with a larger versionSlots`,
      );
    }
    const instances = Array.from({ length: this.instanceSlots }, (_, index): InstanceSlot => ({ index, instance: undefined, state: "free" }));
    const slot: VersionSlot = { index: this.versions.length, version, listed: false, instances };
    this.versions.push(slot);
    return slot;
  }

  /**
   * Commands that make `instances` the ones serving `slot`: new instances take free slots (or
   * drained ones with no request left, per `busy`) and turn ready; dropped ones turn to drain.
   * Updates the table as if the commands succeeded.
   */
  planInstances(slot: VersionSlot, instances: readonly InstanceAddress[], busy: (index: number) => boolean): string[] {
    const backend = versionBackend(slot.index);
    const name = (server: InstanceSlot): string => `${backend}/${instanceServer(server.index)}`;
    const wanted = new Map(instances.map((instance) => [`${instance.id}\0${instance.port}`, instance]));
    const dropped: InstanceSlot[] = [];
    for (const server of slot.instances) {
      if (server.state !== "ready" || server.instance === undefined) continue;
      const key = `${server.instance.id}\0${server.instance.port}`;
      if (!wanted.delete(key)) dropped.push(server);
    }
    // Slots for the new instances: never used first, then drained ones with no request left.
    const reusable = [
      ...slot.instances.filter((server) => server.state === "free"),
      ...slot.instances.filter((server) => server.state === "draining" && !busy(server.index)),
    ];
    if (reusable.length < wanted.size) {
      throw new RouterCapacityError(
        `HAProxy router has no instance slot left for version "${slot.version}" (${this.instanceSlots} per version, ` +
          "counting instances still draining). Create the router with a larger instanceSlots",
      );
    }
    const commands: string[] = [];
    for (const [i, instance] of [...wanted.values()].entries()) {
      const server = reusable[i] as InstanceSlot;
      if (server.state === "draining") commands.push(`set server ${name(server)} state maint`);
      commands.push(`set server ${name(server)} addr 127.0.0.1 port ${instance.port}`, `set server ${name(server)} state ready`);
      server.instance = { id: instance.id, port: instance.port };
      server.state = "ready";
    }
    for (const server of dropped) {
      commands.push(`set server ${name(server)} state drain`);
      server.state = "draining";
    }
    return commands;
  }

}
