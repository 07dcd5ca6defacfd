// What each layer above the infrastructure is given: a projection of the
// validated spec (and of the layer below), computed here once, so nothing
// re-derives a port, a version or an endpoint elsewhere. Pure: no Pulumi.
import { hostPolicies, policiesInForce, preDnatPolicies } from "../model/networkPolicy";
import { failsafeWith } from "../model/hostRules";
import { KUBELET_PORT } from "../workers/render/kubelet";
import type { ProvisionedHost } from "../infra/driver";
import type { ClusterSpec } from "../model/spec";
import type { Plan } from "../model/plan";
import { addressPools, defaultZones, MEMBERLIST_PORT, type MetallbSpec } from "../addons/render/metallb";
import type { ControlPlaneArgs } from "../control/controlPlane";
import type { ControlPlaneSpec } from "../control/render/spec";
import { NODE_DEFAULTS, type NodeClusterSpec } from "../workers/render/spec";
import { kubernetesRelease } from "../releases";

export type ControlPlaneInputs = Omit<ControlPlaneArgs, "artifacts">;

/**
 * The control plane: the spec's subnets, apiserver settings and service
 * endpoints (IKS: private and/or public, here on master 1's addresses).
 */
export function controlPlaneInputs(spec: ClusterSpec, masters: ProvisionedHost[], apiServerPort: number): ControlPlaneInputs {
  const first = masters[0]?.spec;
  if (!first) throw new Error("cluster: the driver gave no master hosts");
  return {
    clusterName: spec.name,
    kubernetesVersion: kubernetesRelease(spec.kubernetesVersion),
    serviceSubnet: spec.network.serviceSubnet,
    podSubnet: spec.network.podSubnet,
    masters,
    apiServerPort,
    apiserver: { encryptionAtRest: spec.apiserver.encryptionAtRest, auditLogging: spec.apiserver.auditLogging, anonymousAuth: spec.apiserver.anonymousAuth },
    audit: spec.apiserver.auditLog,
    endpoints: {
      ...(spec.serviceEndpoints.private ? { private: { host: first.privateIp, port: apiServerPort } } : {}),
      ...(spec.serviceEndpoints.public && first.publicIp ? { public: { host: first.publicIp, port: apiServerPort } } : {}),
    },
    publicAllowlist: spec.serviceEndpoints.publicAllowlist,
    ...(spec.backup.enabled
      ? {
          backup: {
            everyHours: spec.backup.everyHours,
            keep: spec.backup.keep,
            ...(spec.backup.directory ? { directory: spec.backup.directory } : {}),
            ...(spec.backup.target ? { target: spec.backup.target } : {}),
          },
        }
      : {}),
  };
}

/** The worker layer: what every node shares, from the spec and the control plane it joins. */
export function nodeClusterSpec(
  spec: ClusterSpec,
  controlPlane: Pick<ControlPlaneSpec, "clusterDomain" | "apiServerPort" | "kubernetesVersion"> & { apiServerEndpoints: string[] },
  images: NodeClusterSpec["images"],
): NodeClusterSpec {
  return {
    clusterName: spec.name,
    kubernetesVersion: controlPlane.kubernetesVersion,
    podSubnet: spec.network.podSubnet,
    serviceSubnet: spec.network.serviceSubnet,
    clusterDomain: controlPlane.clusterDomain,
    apiServerEndpoints: controlPlane.apiServerEndpoints,
    // Every node's master proxy listens on the apiservers' own port on 127.0.0.1.
    masterProxyPort: controlPlane.apiServerPort,
    podNetwork: { ...NODE_DEFAULTS.podNetwork, crossSubnet: spec.network.calico.crossSubnet },
    images,
    // Resolvers outside the cluster are not part of the spec yet: cluster names only.
    upstreamDns: [],
    preDnatPolicies: preDnatPolicies(spec.network.calico.policies),
    hostPolicies: hostPolicies(policiesInForce(spec.network.calico, spec.network.podSubnet)),
    // On a private host endpoint: Calico's failsafe ports, and what a node's own agents use there.
    hostFailsafe: failsafeWith({
      inbound: [
        { protocol: "tcp", port: KUBELET_PORT, why: "kubelet (apiservers)" },
        { protocol: "udp", port: NODE_DEFAULTS.podNetwork.vxlanPort, why: "pod network (VXLAN)" },
        { protocol: "tcp", port: MEMBERLIST_PORT, why: "MetalLB speakers" },
        { protocol: "udp", port: MEMBERLIST_PORT, why: "MetalLB speakers" },
      ],
      outbound: [
        { protocol: "tcp", port: controlPlane.apiServerPort, why: "master proxy (apiservers)" },
        { protocol: "udp", port: NODE_DEFAULTS.podNetwork.vxlanPort, why: "pod network (VXLAN)" },
        { protocol: "tcp", port: MEMBERLIST_PORT, why: "MetalLB speakers" },
        { protocol: "udp", port: MEMBERLIST_PORT, why: "MetalLB speakers" },
      ],
    }),
  };
}

/** One CoreDNS replica per zone that has nodes (at least one). */
export function coreDnsReplicas(workers: ProvisionedHost[]): number {
  return Math.max(1, new Set(workers.map((w) => w.spec.zone)).size);
}

/** The LoadBalancer layer's projection of the plan: the portable subnets' pools, and the images MetalLB runs. */
export function metallbSpec(plan: Pick<Plan, "portableSubnets" | "zones">, images: { controller: string; speaker: string }): MetallbSpec {
  const pools = addressPools(plan.portableSubnets, plan.zones.map((z) => z.name));
  return { images, pools, defaultZones: defaultZones(pools) };
}
