// What the control plane is asked to be: the slice of the cluster spec the
// masters need, validated with field paths before any resource is created.
import { cidrsOverlap, parseCidr } from "../../pki/ipmath";
import { validateServingNodes, type ServingNode } from "./kubeletServingApprover";
import { isIpv4, type MasterIdentity } from "../../pki/profiles";

export interface Endpoint {
  host: string; // DNS name or IP clients dial
  port: number;
}

export interface ControlPlaneSpec {
  clusterName: string;
  kubernetesVersion: string; // e.g. v1.36.3
  serviceSubnet: string;
  podSubnet: string;
  nodeCidrMaskSize: number;
  clusterDomain: string;
  masters: MasterIdentity[];
  /** Port kube-apiserver listens on, on every master. */
  apiServerPort: number;
  endpoints: { private?: Endpoint; public?: Endpoint };
  /** Source CIDRs allowed to reach the apiservers on masters' public IPs; empty = anyone. */
  publicAllowlist: string[];
  apiserver: { encryptionAtRest: boolean; auditLogging: boolean; anonymousAuth: boolean };
  audit: { maxAgeDays: number; maxBackups: number; maxSizeMiB: number };
  /** The nodes whose kubelets may have serving certificates, with their addresses (render/kubeletServingApprover.ts). */
  kubeletServingNodes: ServingNode[];
}

export const DEFAULTS = {
  nodeCidrMaskSize: 24,
  clusterDomain: "cluster.local",
  apiServerPort: 6443,
  // CIS Kubernetes Benchmark 1.2.17-1.2.19: keep audit logs 30 days, 10 files, 100 MB each.
  audit: { maxAgeDays: 30, maxBackups: 10, maxSizeMiB: 100 },
};

function checkEndpoint(e: Endpoint | undefined, path: string): void {
  if (!e) return;
  if (!e.host || /[\s/:]/.test(e.host)) throw new Error(`${path}.host: ${JSON.stringify(e.host)} is not a host name or IPv4 address`);
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) throw new Error(`${path}.port: ${e.port} is not a TCP port`);
}

export function validateControlPlaneSpec(s: ControlPlaneSpec): ControlPlaneSpec {
  if (!/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(s.clusterName)) {
    throw new Error(`controlPlane.clusterName: ${JSON.stringify(s.clusterName)} must be lower-case letters, digits and dashes`);
  }
  if (!/^v\d+\.\d+\.\d+$/.test(s.kubernetesVersion)) {
    throw new Error(`controlPlane.kubernetesVersion: ${JSON.stringify(s.kubernetesVersion)} must look like v1.36.3`);
  }
  const svc = parseCidr(s.serviceSubnet, "controlPlane.serviceSubnet");
  const pod = parseCidr(s.podSubnet, "controlPlane.podSubnet");
  if (svc.prefix < 12) throw new Error(`controlPlane.serviceSubnet: ${s.serviceSubnet} is larger than kube-apiserver allows (/12 at most)`);
  if (cidrsOverlap(s.serviceSubnet, s.podSubnet)) {
    throw new Error(`controlPlane.podSubnet: ${s.podSubnet} overlaps serviceSubnet ${s.serviceSubnet}`);
  }
  if (!Number.isInteger(s.nodeCidrMaskSize) || s.nodeCidrMaskSize <= pod.prefix || s.nodeCidrMaskSize > 28) {
    throw new Error(`controlPlane.nodeCidrMaskSize: ${s.nodeCidrMaskSize} must be longer than the pod subnet prefix /${pod.prefix} and at most 28`);
  }
  if (s.masters.length !== 1 && s.masters.length !== 3) {
    throw new Error(`controlPlane.masters: ${s.masters.length} masters given; etcd needs 3 for quorum across zones (1 only for a single-host lab)`);
  }
  s.masters.forEach((m, i) => {
    if (!isIpv4(m.privateIp)) throw new Error(`controlPlane.masters[${i}].privateIp: ${JSON.stringify(m.privateIp)} is not an IPv4 address`);
    for (const c of [s.serviceSubnet, s.podSubnet]) {
      if (cidrsOverlap(c, `${m.privateIp}/32`)) throw new Error(`controlPlane.masters[${i}].privateIp: ${m.privateIp} lies inside ${c}`);
    }
  });
  if (!s.endpoints.private && !s.endpoints.public) throw new Error("controlPlane.endpoints: at least one of private/public is required");
  checkEndpoint(s.endpoints.private, "controlPlane.endpoints.private");
  checkEndpoint(s.endpoints.public, "controlPlane.endpoints.public");
  s.publicAllowlist.forEach((c, i) => parseCidr(c, `controlPlane.publicAllowlist[${i}]`));
  for (const [k, v] of Object.entries(s.audit)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`controlPlane.audit.${k}: ${v} must be a positive integer`);
  }
  validateServingNodes(s.kubeletServingNodes);
  return s;
}

/** etcd member name: carries the zone so `etcdctl member list` shows where each member lives. */
export function etcdMemberName(m: MasterIdentity): string {
  return m.name.includes(m.zone) ? m.name : `${m.name}-${m.zone}`;
}

/** Every master's apiserver, for workers' master proxy (the endpoint list it balances over). */
export function apiServerEndpoints(s: ControlPlaneSpec): string[] {
  return s.masters.map((m) => `https://${m.privateIp}:${s.apiServerPort}`);
}

export function etcdClientUrls(s: ControlPlaneSpec): string[] {
  return s.masters.map((m) => `https://${m.privateIp}:2379`);
}
