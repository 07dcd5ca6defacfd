// kube-proxy in iptables mode: Service ClusterIPs and NodePorts as NAT rules.
import { stringify } from "yaml";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { renderUnit } from "../../bootstrap/host/systemd";
import { KUBE_PROXY_CONFIG, nodeKubeconfig } from "./paths";
import type { NodeClusterSpec, NodeIdentity } from "./spec";

export function kubeProxyConfig(s: NodeClusterSpec, n: NodeIdentity): string {
  return stringify({
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    mode: "iptables",
    clientConnection: { kubeconfig: nodeKubeconfig("kube-proxy") },
    hostnameOverride: n.name,
    bindAddress: "0.0.0.0",
    // Traffic from outside the pod network to a ClusterIP is masqueraded.
    clusterCIDR: s.podSubnet,
    healthzBindAddress: "127.0.0.1:10256",
    metricsBindAddress: "127.0.0.1:10249",
    // nf_conntrack_max is machine-wide, not per network namespace: leave it to the machine.
    conntrack: { maxPerCore: 0, min: 0 },
    iptables: { masqueradeAll: false, syncPeriod: "30s", minSyncPeriod: "1s" },
  });
}

export function kubeProxyUnit(): string {
  return renderUnit({
    description: "Kubernetes kube-proxy (iptables mode)",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/",
    after: ["network-online.target", "keelson-master-proxy.service"],
    wants: ["keelson-master-proxy.service"],
    exec: [`${BIN_DIR}/kube-proxy`, `--config=${KUBE_PROXY_CONFIG}`],
    restartSec: 5,
  });
}

export function kubeProxyHealthCheck(): string {
  return "curl -s --max-time 3 -o /dev/null http://127.0.0.1:10256/healthz";
}
