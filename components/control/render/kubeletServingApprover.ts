// Keelson's approver of kubelet serving certificates, on every master (the Go
// program: toolchain/kubelet-serving-approver/). Kubelets ask for their serving
// certificate by CSR (serverTLSBootstrap) and renew it themselves before it
// expires; kube-controller-manager signs it with the cluster CA, which the
// apiservers trust for kubelets (--kubelet-certificate-authority). Nothing in
// Kubernetes approves a serving CSR: this does, when it names exactly its
// node's name and addresses as the plan lists them, and denies any other.
import { parseIp } from "../../model/ipv4";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { renderUnit } from "../../bootstrap/host/systemd";
import { K8S_DIR, kubeconfigPath } from "./paths";
import type { ControlPlaneSpec } from "./spec";

/** The approver's binary on a master. */
export const APPROVER_BIN = `${BIN_DIR}/kubelet-serving-approver`;
/** The plan's nodes and their addresses, as the approver reads them. */
export const APPROVER_CONFIG = `${K8S_DIR}/kubelet-serving-approver.json`;
/** The user in its client certificate (components/addons/render/rbac.ts grants it what it does). */
export const APPROVER_USER = "keelson:kubelet-serving-approver";
/** Its leader lease in kube-system: one replica decides at a time. */
export const APPROVER_LEASE = "keelson-kubelet-serving-approver";
/** Its systemd unit (without .service). */
export const APPROVER_UNIT = "keelson-kubelet-serving-approver";

/** A node whose kubelet may have a serving certificate: its name and the addresses it may carry. */
export interface ServingNode {
  name: string;
  ips: string[];
}

export function validateServingNodes(nodes: ServingNode[], path = "controlPlane.kubeletServingNodes"): void {
  const seen = new Set<string>();
  nodes.forEach((n, i) => {
    if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(n.name)) throw new Error(`${path}[${i}].name: ${JSON.stringify(n.name)} is not a node name`);
    if (seen.has(n.name)) throw new Error(`${path}[${i}].name: ${n.name} is listed twice`);
    seen.add(n.name);
    if (n.ips.length === 0) throw new Error(`${path}[${i}].ips: required (the node's private IP at least)`);
    n.ips.forEach((ip, j) => {
      if (parseIp(ip) === undefined) throw new Error(`${path}[${i}].ips[${j}]: ${JSON.stringify(ip)} is not an IPv4 address`);
    });
  });
}

/** The approver's config (toolchain/kubelet-serving-approver/decide.go Config): sorted, so it changes only when the plan does. */
export function approverConfig(s: ControlPlaneSpec): string {
  const nodes = [...s.kubeletServingNodes]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((n) => ({ name: n.name, dnsNames: [n.name], ips: [...n.ips] }));
  return JSON.stringify({ nodes }, null, 2) + "\n";
}

export function approverUnit(s: ControlPlaneSpec, masterName: string): string {
  return renderUnit({
    description: `Keelson kubelet serving certificate approver (${s.clusterName})`,
    after: ["kube-apiserver.service"],
    exec: [APPROVER_BIN, `--kubeconfig=${kubeconfigPath("kubelet-serving-approver")}`, `--config=${APPROVER_CONFIG}`, `--identity=${masterName}`, `--lease-name=${APPROVER_LEASE}`, "--v=1"],
  });
}
