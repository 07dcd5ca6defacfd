// Network policy on a node: kube-router's network policy controller (and only
// that: no routing, no service proxy, no CNI; flannel and kube-proxy keep those
// jobs) turns the cluster's NetworkPolicy objects into iptables chains and
// ipsets on this node, for the pods on this node. It is the engine k3s embeds;
// why this engine, and what it enforces, is docs/calico.md.
//
// A node unit beside flanneld rather than a DaemonSet: the pod network agents
// are node units in Keelson (one binary from the artifact mirror, its own
// client certificate, restarted only when its own files change).
import { BIN_DIR } from "../../bootstrap/host/paths";
import { renderUnit } from "../../bootstrap/host/systemd";
import { nodeKubeconfig } from "./paths";
import type { NodeClusterSpec, NodeIdentity } from "./spec";

/** The user in kube-router's client certificate (components/addons/render/rbac.ts grants it what it reads). */
export const KUBE_ROUTER_USER = "keelson:kube-router";

/** kube-router's own default health port; `/healthz` answers once its controllers run. */
export const KUBE_ROUTER_HEALTH_PORT = 20244;

/** The NodePort range Keelson's apiservers use (the Kubernetes default), which kube-router must know to leave NodePort traffic to kube-proxy. */
export const NODE_PORT_RANGE = "30000-32767";

export function kubeRouterUnit(s: NodeClusterSpec, n: NodeIdentity): string {
  return renderUnit({
    description: "kube-router network policy controller: NetworkPolicy as iptables and ipsets",
    documentation: "https://github.com/cloudnativelabs/kube-router/blob/master/docs/user-guide.md",
    // flannel first: the pod CIDR and the cni0 bridge exist before the first sync.
    after: ["network-online.target", "keelson-master-proxy.service", "flanneld.service"],
    wants: ["keelson-master-proxy.service"],
    exec: [
      `${BIN_DIR}/kube-router`,
      "--run-firewall=true",
      "--run-router=false",
      "--run-service-proxy=false",
      "--enable-cni=false",
      "--enable-ipv4=true",
      "--enable-ipv6=false",
      `--kubeconfig=${nodeKubeconfig("kube-router")}`,
      `--hostname-override=${n.name}`,
      `--service-cluster-ip-range=${s.serviceSubnet}`,
      `--service-node-port-range=${NODE_PORT_RANGE}`,
      `--health-port=${KUBE_ROUTER_HEALTH_PORT}`,
      "--metrics-port=0",
    ],
    restartSec: 3,
  });
}

/** kube-router's health endpoint answers (its policy controller has synced once). */
export function kubeRouterHealthCheck(): string {
  return `curl -fsS --max-time 3 -o /dev/null http://127.0.0.1:${KUBE_ROUTER_HEALTH_PORT}/healthz`;
}
