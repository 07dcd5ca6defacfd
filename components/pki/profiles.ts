// Which certificate has which subject, SANs and usages: the cluster's PKI as data.
// Pure (no Pulumi, no crypto), so the rules Kubernetes depends on are unit-tested:
// the apiserver authenticates clients by CN (user) and O (groups), kubelets and
// etcd by the CA that signed them, and a client reaches the apiserver only by a
// name or address listed in its serving certificate.
import { firstServiceIp } from "./ipmath";

export type CaName = "kubernetes-ca" | "etcd-ca" | "front-proxy-ca";
export type Usage = "server" | "client";

export interface CertProfile {
  /** Stable logical name, used as the resource name and the file stem on hosts. */
  name: string;
  ca: CaName;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: Usage[];
  validityDays: number;
}

export interface CaProfile {
  name: CaName;
  commonName: string;
  validityDays: number;
}

export interface MasterIdentity {
  name: string; // hostname, unique
  zone: string;
  privateIp: string;
  publicIp?: string;
}

export interface PkiInput {
  clusterName: string;
  serviceSubnet: string;
  masters: MasterIdentity[];
  /** Every host name or address clients use for the API: endpoints, load balancers, SSH-reachable addresses. */
  extraApiServerSans: string[];
  clusterDomain?: string;
  leafValidityDays?: number;
  caValidityDays?: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const DNS = /^(?=.{1,253}$)[a-z0-9*]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** Splits names and addresses into DNS and IP SANs, de-duplicated, order kept. */
export function splitSans(values: string[], path: string): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  values.forEach((v, i) => {
    if (isIpv4(v)) {
      if (!ipAddresses.includes(v)) ipAddresses.push(v);
    } else if (DNS.test(v)) {
      const lower = v.toLowerCase();
      if (!dnsNames.includes(lower)) dnsNames.push(lower);
    } else {
      throw new Error(`${path}[${i}]: ${JSON.stringify(v)} is neither an IPv4 address nor a DNS name`);
    }
  });
  return { dnsNames, ipAddresses };
}

export const CA_PROFILES: Record<CaName, CaProfile> = {
  "kubernetes-ca": { name: "kubernetes-ca", commonName: "kubernetes", validityDays: 3650 },
  "etcd-ca": { name: "etcd-ca", commonName: "etcd-ca", validityDays: 3650 },
  "front-proxy-ca": { name: "front-proxy-ca", commonName: "front-proxy-ca", validityDays: 3650 },
};

function validate(input: PkiInput): void {
  if (!input.clusterName) throw new Error("pki.clusterName: required");
  if (input.masters.length === 0) throw new Error("pki.masters: at least one master is required");
  const seen = new Set<string>();
  input.masters.forEach((m, i) => {
    if (!m.name || !DNS.test(m.name)) throw new Error(`pki.masters[${i}].name: ${JSON.stringify(m.name)} is not a valid host name`);
    if (seen.has(m.name)) throw new Error(`pki.masters[${i}].name: duplicate master name ${m.name}`);
    seen.add(m.name);
    if (!isIpv4(m.privateIp)) throw new Error(`pki.masters[${i}].privateIp: ${JSON.stringify(m.privateIp)} is not an IPv4 address`);
    if (m.publicIp !== undefined && !isIpv4(m.publicIp)) {
      throw new Error(`pki.masters[${i}].publicIp: ${JSON.stringify(m.publicIp)} is not an IPv4 address`);
    }
  });
}

function leaf(
  name: string,
  ca: CaName,
  commonName: string,
  usages: Usage[],
  days: number,
  extra: Partial<Pick<CertProfile, "organizations" | "dnsNames" | "ipAddresses">> = {},
): CertProfile {
  return {
    name,
    ca,
    commonName,
    organizations: extra.organizations ?? [],
    dnsNames: extra.dnsNames ?? [],
    ipAddresses: extra.ipAddresses ?? [],
    usages,
    validityDays: days,
  };
}

/** The names kube-apiserver must answer to inside and outside the cluster. */
export function apiServerSans(input: PkiInput): { dnsNames: string[]; ipAddresses: string[] } {
  const domain = input.clusterDomain ?? "cluster.local";
  const values = [
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    `kubernetes.default.svc.${domain}`,
    "localhost",
    "127.0.0.1",
    firstServiceIp(input.serviceSubnet, "pki.serviceSubnet"),
    ...input.masters.flatMap((m) => [m.name, m.privateIp, ...(m.publicIp ? [m.publicIp] : [])]),
    ...input.extraApiServerSans,
  ];
  return splitSans(values, "pki.apiServerSans");
}

/** The user the apiserver is to kubelets (components/addons/render/rbac.ts binds it). */
export const KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";

/** Certificates shared by the whole control plane (not per master). */
export function clusterCertProfiles(input: PkiInput): CertProfile[] {
  validate(input);
  const d = input.leafValidityDays ?? 365;
  return [
    leaf("apiserver", "kubernetes-ca", "kube-apiserver", ["server"], d, apiServerSans(input)),
    // The apiserver authenticates to kubelets with this; the control plane binds this
    // user to system:kubelet-api-admin (least privilege, not cluster-admin).
    leaf("apiserver-kubelet-client", "kubernetes-ca", KUBELET_CLIENT_USER, ["client"], d),
    leaf("apiserver-etcd-client", "etcd-ca", "kube-apiserver-etcd-client", ["client"], d),
    leaf("front-proxy-client", "front-proxy-ca", "front-proxy-client", ["client"], d),
    // CN is the user RBAC's bootstrap roles know: system:kube-controller-manager, system:kube-scheduler.
    leaf("controller-manager", "kubernetes-ca", "system:kube-controller-manager", ["client"], d),
    leaf("scheduler", "kubernetes-ca", "system:kube-scheduler", ["client"], d),
    // Keelson's approver of kubelet serving CSRs (control/render/kubeletServingApprover.ts APPROVER_USER).
    leaf("kubelet-serving-approver", "kubernetes-ca", "keelson:kubelet-serving-approver", ["client"], d),
    leaf("admin", "kubernetes-ca", "kubernetes-admin", ["client"], d, { organizations: ["system:masters"] }),
    leaf("kube-proxy", "kubernetes-ca", "system:kube-proxy", ["client"], d, { organizations: ["system:node-proxier"] }),
    leaf("etcd-healthcheck-client", "etcd-ca", "kube-etcd-healthcheck-client", ["client"], d),
  ];
}

/** etcd serving + peer certificate of one master: both usages, its own IP and loopback. */
export function etcdMemberProfile(m: MasterIdentity, days = 365): CertProfile {
  return leaf(`etcd-${m.name}`, "etcd-ca", m.name, ["server", "client"], days, {
    dnsNames: [m.name, "localhost"],
    ipAddresses: [m.privateIp, "127.0.0.1"],
  });
}

/**
 * A kubelet's client certificate: the Node authorizer and NodeRestriction admit
 * exactly user `system:node:<nodeName>` in group `system:nodes`. It still carries
 * the serving usage and the node's IPs, from when kubelets served with it; they now
 * serve with the certificate they ask for by CSR (workers/render/kubelet.ts). The
 * profile is kept as it was so that existing nodes keep their certificate.
 */
export function kubeletProfile(nodeName: string, ips: string[], days = 365): CertProfile {
  if (!nodeName || !DNS.test(nodeName)) throw new Error(`kubelet.nodeName: ${JSON.stringify(nodeName)} is not a valid node name`);
  const sans = splitSans([nodeName, ...ips], `kubelet(${nodeName}).ips`);
  return leaf(`kubelet-${nodeName}`, "kubernetes-ca", `system:node:${nodeName}`, ["client", "server"], days, {
    organizations: ["system:nodes"],
    ...sans,
  });
}

/** A canonical string of everything that, when changed, means a new certificate. */
export function profileFingerprint(p: CertProfile): string {
  return JSON.stringify({
    ca: p.ca,
    cn: p.commonName,
    o: [...p.organizations].sort(),
    dns: [...p.dnsNames].sort(),
    ip: [...p.ipAddresses].sort(),
    usages: [...p.usages].sort(),
    days: p.validityDays,
  });
}

/** A client certificate for a node agent Keelson runs on every worker (flannel): the user its RBAC binds to. */
export function nodeAgentProfile(name: string, user: string, days = 365): CertProfile {
  return leaf(name, "kubernetes-ca", user, ["client"], days);
}
