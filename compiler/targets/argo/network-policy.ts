/**
 * `network: none` on Kubernetes: a NetworkPolicy over the pods of such jobs (selected by a label on
 * their template) that denies all ingress and all egress but DNS and the profile's `egress` CIDRs.
 * It needs a CNI that enforces policies, and it covers the whole pod, init and wait containers too.
 */
import type { Plan } from "../../../runtime/plan/schema.ts";
import type { TargetProfile } from "../types.ts";
import { kubernetesName } from "./rollout.ts";

export function networkPolicy(plan: Plan, profile: TargetProfile["argo"], label: string): Record<string, unknown> {
  const dns = { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${kubernetesName(plan.name)}-network-none`, ...(profile.namespace === null ? {} : { namespace: profile.namespace }) },
    spec: {
      podSelector: { matchLabels: { [label]: "none" } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [],
      egress: [dns, ...(profile.egress.length === 0 ? [] : [{ to: profile.egress.map((cidr) => ({ ipBlock: { cidr } })) }])],
    },
  };
}
