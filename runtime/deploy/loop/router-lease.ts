/**
 * A supervised deployment's router outlives each rollout: every session borrows it through a lease.
 * When the next rollout takes over, the old session's lease is revoked (its router calls do nothing
 * from then on, so stopping its instances never touches the router) and the new one inherits the
 * instances that serve now: until the new session routes ready instances of a version itself, the
 * router keeps the inherited ones for it, so no request meets an empty version during the handover.
 */
import type { InstanceAddress, Router } from "../types.ts";

export interface RouterLease {
  readonly router: Router;
  /** From now on the holder's changes are ignored; returns what it routed, per version. */
  revoke(): Map<string, InstanceAddress[]>;
}

export function leaseRouter(router: Router, inherited: ReadonlyMap<string, readonly InstanceAddress[]> = new Map()): RouterLease {
  let revoked = false;
  const routed = new Map<string, InstanceAddress[]>([...inherited].map(([version, list]) => [version, [...list]]));
  const kept = new Map(inherited);
  const leased: Router = {
    kind: router.kind,
    listen: router.listen,
    async setInstances(version, instances) {
      if (revoked) return;
      // An empty list before this session routed the version itself keeps the inherited instances.
      const inheritedList = kept.get(version);
      const applied = instances.length === 0 && inheritedList !== undefined ? inheritedList : instances;
      if (instances.length > 0) kept.delete(version);
      await router.setInstances(version, applied);
      routed.set(version, [...applied]);
    },
    async setWeights(weights) {
      if (!revoked) await router.setWeights(weights);
    },
    readWeights: () => router.readWeights(),
    async setHeaderRoute(route) {
      if (!revoked) await router.setHeaderRoute(route);
    },
    async removeHeaderRoute(name) {
      if (!revoked) await router.removeHeaderRoute(name);
    },
    metrics: (version, windowMs) => router.metrics(version, windowMs),
    // The supervisor closes the router when the deployment stops, not a session.
    async close() {
      revoked = true;
    },
  };
  if (router.setStickiness !== undefined) {
    const setStickiness = router.setStickiness.bind(router);
    leased.setStickiness = async (stickiness) => {
      if (!revoked) await setStickiness(stickiness);
    };
  }
  return {
    router: leased,
    revoke() {
      revoked = true;
      return routed;
    },
  };
}
