// What a worker node is asked to be: the cluster-wide settings every node shares
// (NodeClusterSpec) and one node's identity (NodeIdentity), validated with field
// paths before any resource is created. Pure: no Pulumi.
import { cidrContains, cidrsOverlap, intToIp, parseCidr } from "../../pki/ipmath";
import { isIpv4 } from "../../pki/profiles";

import type { Taint } from "../../types";
import type { Failsafe, HostPolicy, PreDnatPolicy } from "../../model/hostRules";
export type { Taint };

export interface NodeClusterSpec {
  clusterName: string;
  kubernetesVersion: string; // v1.36.3
  podSubnet: string;
  serviceSubnet: string;
  clusterDomain: string;
  /** https://<master private IP>:<port> for every master: what the master proxy balances over. */
  apiServerEndpoints: string[];
  /** The master proxy listens on 127.0.0.1:<port> on every node; kubelet and kube-proxy use it. */
  masterProxyPort: number;
  /** Pod network: flannel's VXLAN, direct routes between nodes of one subnet when crossSubnet. */
  podNetwork: { crossSubnet: boolean; vxlanPort: number; vni: number };
  /** Image references the node runs (must be in the node's image bundle). */
  images: { pause: string; coredns: string };
  /** Resolvers CoreDNS forwards non-cluster names to; empty = cluster names only (the lab has none). */
  upstreamDns: string[];
  /** The spec's preDNAT host policies, enforced on every node's interfaces (render/hostPolicy.ts). */
  preDnatPolicies: PreDnatPolicy[];
  /** The normal host endpoint policies (IKS's defaults and the spec's), in filter INPUT/OUTPUT. */
  hostPolicies: HostPolicy[];
  /** Ports that pass unjudged on a private host endpoint. */
  hostFailsafe: Failsafe;
}

export interface NodeIdentity {
  name: string;
  zone: string;
  pool: string;
  privateIp: string;
  publicIp?: string;
  labels: Record<string, string>;
  taints: Taint[];
}

export const NODE_DEFAULTS = {
  clusterDomain: "cluster.local",
  masterProxyPort: 6443,
  podNetwork: { crossSubnet: true, vxlanPort: 8472, vni: 1 },
};

/** The cluster DNS service IP: the 10th address of the service subnet, as kubeadm and IKS use. */
export function dnsServiceIp(serviceSubnet: string): string {
  const c = parseCidr(serviceSubnet, "serviceSubnet");
  return intToIp(c.network + 10);
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IMAGE_REF = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._\/-]+:[A-Za-z0-9._-]+$/;

export function validateNodeClusterSpec(s: NodeClusterSpec): NodeClusterSpec {
  const p = "workers";
  parseCidr(s.podSubnet, `${p}.podSubnet`);
  parseCidr(s.serviceSubnet, `${p}.serviceSubnet`);
  if (cidrsOverlap(s.podSubnet, s.serviceSubnet)) throw new Error(`${p}.podSubnet: ${s.podSubnet} overlaps serviceSubnet ${s.serviceSubnet}`);
  if (s.apiServerEndpoints.length === 0) throw new Error(`${p}.apiServerEndpoints: at least one master endpoint is required`);
  s.apiServerEndpoints.forEach((e, i) => {
    if (!/^https:\/\/[0-9.]+:\d+$/.test(e) || !isIpv4(new URL(e).hostname)) {
      throw new Error(`${p}.apiServerEndpoints[${i}]: ${JSON.stringify(e)} must be https://<IPv4>:<port>`);
    }
  });
  if (!Number.isInteger(s.masterProxyPort) || s.masterProxyPort < 1 || s.masterProxyPort > 65535) {
    throw new Error(`${p}.masterProxyPort: ${s.masterProxyPort} is not a TCP port`);
  }
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(s.clusterDomain)) throw new Error(`${p}.clusterDomain: ${JSON.stringify(s.clusterDomain)} is not a DNS domain`);
  for (const [k, ref] of Object.entries(s.images)) {
    if (!IMAGE_REF.test(ref)) throw new Error(`${p}.images.${k}: ${JSON.stringify(ref)} is not an image reference like registry.k8s.io/pause:3.10`);
  }
  s.upstreamDns.forEach((ip, i) => {
    if (!isIpv4(ip)) throw new Error(`${p}.upstreamDns[${i}]: ${JSON.stringify(ip)} is not an IPv4 address`);
  });
  return s;
}

export function validateNodeIdentity(n: NodeIdentity, s: NodeClusterSpec, path = "node"): NodeIdentity {
  if (!DNS_LABEL.test(n.name)) throw new Error(`${path}.name: ${JSON.stringify(n.name)} is not a DNS label (a node name)`);
  if (!isIpv4(n.privateIp)) throw new Error(`${path}.privateIp: ${JSON.stringify(n.privateIp)} is not an IPv4 address`);
  if (n.publicIp !== undefined && !isIpv4(n.publicIp)) throw new Error(`${path}.publicIp: ${JSON.stringify(n.publicIp)} is not an IPv4 address`);
  for (const c of [s.podSubnet, s.serviceSubnet]) {
    for (const ip of [n.privateIp, n.publicIp].filter((x): x is string => !!x)) {
      if (cidrContains(c, `${ip}/32`)) throw new Error(`${path}: node IP ${ip} lies inside ${c}`);
    }
  }
  n.taints.forEach((t, i) => {
    if (!t.key) throw new Error(`${path}.taints[${i}].key: empty`);
  });
  return n;
}
