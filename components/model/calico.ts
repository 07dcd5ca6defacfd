// Calico policy manifests (projectcalico.org/v3) rendered from the spec, for
// whoever applies them (calicoctl or kubectl with the Calico API server).
import type { CalicoPolicySpec } from "./schema";
import { policyTypes } from "./networkPolicy";

export interface CalicoManifest {
  apiVersion: "projectcalico.org/v3";
  kind: "GlobalNetworkPolicy" | "NetworkPolicy";
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

export function renderCalicoPolicy(p: CalicoPolicySpec): CalicoManifest {
  return {
    apiVersion: "projectcalico.org/v3",
    kind: p.scope === "global" ? "GlobalNetworkPolicy" : "NetworkPolicy",
    metadata: { name: p.name, ...(p.namespace ? { namespace: p.namespace } : {}) },
    spec: {
      ...(p.order !== undefined ? { order: p.order } : {}),
      selector: p.selector,
      // Calico requires applyOnForward with preDNAT: the traffic it filters is
      // forwarded to a pod, not addressed to the host.
      ...(p.preDnat ? { preDNAT: true, applyOnForward: true } : {}),
      types: policyTypes(p),
      ...(p.ingress.length > 0 ? { ingress: p.ingress } : {}),
      ...(p.egress.length > 0 ? { egress: p.egress } : {}),
    },
  };
}
