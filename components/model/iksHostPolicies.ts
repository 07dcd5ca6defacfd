// IKS's default host endpoint policies (pure).
//
// IKS creates a host endpoint for every worker's public interface and these
// global policies on it (IBM Cloud docs, "Default Calico and Kubernetes
// network policies"), so that a worker's public side takes only what a cluster
// needs; everything else inbound there is denied by the host endpoint's
// default. Keelson adds them to the spec's own policies unless
// `network.calico.defaultHostPolicies` is false, and enforces them like any
// other normal host endpoint policy (model/hostRules.ts). Orders are IKS's.
import type { CalicoPolicySpec } from "./schema";

export const IKS_DEFAULT_HOST_POLICY_NAMES = ["allow-all-outbound", "allow-bigfix-port", "allow-icmp", "allow-node-port-dnat", "allow-sys-mgmt", "allow-vrrp"] as const;

/** BigFix's relay port: IBM's worker updates come in on it. */
export const BIGFIX_PORT = 52311;
/** VRRP's IP protocol number: keepalived moves virtual IPs between workers with it. */
export const VRRP_PROTOCOL = 112;

const PUBLIC = "ibm.role == 'worker_public'";

/**
 * The six policies, for a cluster whose pods are in `podSubnet`.
 * `systemManagementNets` are the networks the operator manages workers from
 * over their public side (IBM's infrastructure subnets on IKS; none by default,
 * since Keelson reaches nodes over the private network).
 */
export function iksDefaultHostPolicies(podSubnet: string, systemManagementNets: string[]): CalicoPolicySpec[] {
  const policy = (name: string, order: number, types: ("Ingress" | "Egress")[], ingress: CalicoPolicySpec["ingress"], egress: CalicoPolicySpec["egress"]): CalicoPolicySpec & { types: ("Ingress" | "Egress")[] } => ({
    name,
    scope: "global",
    order,
    preDnat: false,
    types,
    selector: PUBLIC,
    ingress,
    egress,
  });
  return [
    policy("allow-all-outbound", 1900, ["Egress"], [], [{ action: "Allow" }]),
    policy("allow-bigfix-port", 1900, ["Ingress"], [
      { action: "Allow", protocol: "TCP", destination: { ports: [BIGFIX_PORT] } },
      { action: "Allow", protocol: "UDP", destination: { ports: [BIGFIX_PORT] } },
    ], []),
    policy("allow-icmp", 1500, ["Ingress", "Egress"], [{ action: "Allow", protocol: "ICMP" }], [{ action: "Allow", protocol: "ICMP" }]),
    // In IKS an applyOnForward policy letting NodePort, NLB and ALB traffic through to the pods
    // it is DNATed to. Keelson's host rules never judge forwarded traffic, so this rule, which
    // only matches packets addressed to pods, is kept for the record and matches nothing on the host.
    policy("allow-node-port-dnat", 1500, ["Ingress"], [{ action: "Allow", destination: { nets: [podSubnet] } }], []),
    policy("allow-sys-mgmt", 1950, ["Ingress"], systemManagementNets.length > 0 ? [{ action: "Allow", source: { nets: [...systemManagementNets] } }] : [], []),
    policy("allow-vrrp", 1500, ["Ingress", "Egress"], [{ action: "Allow", protocol: VRRP_PROTOCOL }], [{ action: "Allow", protocol: VRRP_PROTOCOL }]),
  ];
}
