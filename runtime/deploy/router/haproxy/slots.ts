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
  /** When the version was last named (a counter): the least recent idle slot is freed first. */
  named: number;
}

/** What the router knows about a slot's use, for freeing idle ones. */
export interface SlotUse {
  /** Versions named by the change being made: never freed by it. */
  readonly keep: ReadonlySet<string>;
  /** The weight applied now. */
  weight(version: string): number;
  /** A header route sends requests to the slot's backend. */
  routed(slot: number): boolean;
  /** A draining server of the slot still has a request in flight. */
  busy(slot: number, server: number): boolean;
}

/** Never frees a slot: every version counts as in use. */
const NO_REUSE: SlotUse = { keep: new Set(), weight: () => 1, routed: () => true, busy: () => true };

/**
 * Which version and instance uses which of the fixed server slots of the config, and the
 * runtime API commands that move instances in and out of them. Version slots are reused once idle.
 */
export class SlotTable {
  private readonly versions: VersionSlot[] = [];
  private clock = 0;

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

  /**
   * The slot of `version`, taking a new one the first time. When all are taken, the least recently
   * named slot that is idle per `use` (no weight, no header route, no ready instance, no draining
   * one with a request left) is freed and given to `version`; `commands` then put its draining
   * servers to maint. A long-lived router thus serves any number of versions over its life.
   */
  claim(version: string, use: SlotUse = NO_REUSE): { readonly slot: VersionSlot; readonly commands: string[]; readonly freed?: string } {
    const found = this.find(version);
    if (found !== undefined) {
      found.named = ++this.clock;
      return { slot: found, commands: [] };
    }
    const fresh = (index: number): VersionSlot => {
      const instances = Array.from({ length: this.instanceSlots }, (_, i): InstanceSlot => ({ index: i, instance: undefined, state: "free" }));
      return { index, version, listed: false, instances, named: ++this.clock };
    };
    if (this.versions.length < this.versionSlots) {
      const slot = fresh(this.versions.length);
      this.versions.push(slot);
      return { slot, commands: [] };
    }
    const idle = this.versions
      .filter((slot) => this.isIdle(slot, use))
      .sort((a, b) => a.named - b.named)[0];
    if (idle === undefined) {
      throw new RouterCapacityError(
        `HAProxy router has no slot left for version "${version}": all ${this.versionSlots} are in use (traffic, header routes ` +
          `or instances) by ${this.versions.map((slot) => `"${slot.version}"`).join(", ")}. Create the router with a larger versionSlots`,
      );
    }
    const backend = versionBackend(idle.index);
    const commands = idle.instances
      .filter((server) => server.state === "draining")
      .map((server) => `set server ${backend}/${instanceServer(server.index)} state maint`);
    const slot = fresh(idle.index);
    this.versions[idle.index] = slot;
    return { slot, commands, freed: idle.version };
  }

  /** `claim` without freeing idle slots. */
  slotOf(version: string): VersionSlot {
    return this.claim(version).slot;
  }

  private isIdle(slot: VersionSlot, use: SlotUse): boolean {
    if (use.keep.has(slot.version) || use.weight(slot.version) > 0 || use.routed(slot.index)) return false;
    return slot.instances.every((server) => server.state === "free" || (server.state === "draining" && !use.busy(slot.index, server.index)));
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
