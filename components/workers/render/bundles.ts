// Per-daemon file sets on a worker node. One bundle per daemon, each the stdin
// of its own remote command, so a change restarts only the daemon it touches
// (the same scheme as the masters: components/control/render/bundles.ts).
import type { Pem } from "../../bootstrap/host/commands";
import type { HostFile } from "../../bootstrap/host/files";
import { renderKubeconfig } from "../../bootstrap/host/kubeconfig";
import { unitFile } from "../../bootstrap/host/systemd";
import { containerdConfig, type ContainerdOptions } from "./containerd";
import { kubeletConfig, kubeletUnit, type KubeletOptions } from "./kubelet";
import { kubeProxyConfig, kubeProxyUnit } from "./kubeProxy";
import { masterProxyConfig, masterProxyUnit } from "./masterProxy";
import {
  CNI_RENDER_SCRIPT,
  CONTAINERD_CONFIG,
  FLANNEL_NET_CONF,
  KUBELET_CONFIG,
  KUBE_PROXY_CONFIG,
  MASTER_PROXY_CONFIG,
  NODE_CA,
  kubeletCert,
  kubeletKey,
  nodeKubeconfig,
} from "./paths";
import { KUBE_ROUTER_USER, kubeRouterUnit } from "./networkPolicy";
import { HOST_POLICY_RULES, HOST_POLICY_SCRIPT, HOST_POLICY_UNIT, hostPolicyRules, hostPolicyScript, hostPolicyUnit } from "./hostPolicy";
import { FLANNEL_USER, cniPathUnit, cniRenderScript, cniServiceUnit, flannelNetConf, flannelUnit } from "./podNetwork";
import type { NodeClusterSpec, NodeIdentity } from "./spec";

/** Every PEM a node needs, resolved (secret values inside an apply). */
export interface NodePems {
  kubernetesCaCert: string;
  kubelet: Pem; // this node's
  kubeProxy: Pem;
  flannel: Pem;
  kubeRouter: Pem;
}

export interface NodeOptions {
  containerd: ContainerdOptions;
  kubelet: KubeletOptions;
}

const pub = (path: string, content: string): HostFile => ({ path, mode: "0644", content });
const sec = (path: string, content: string): HostFile => ({ path, mode: "0600", content });

/** Node agents reach the apiservers through the local master proxy. */
export function masterProxyServer(s: NodeClusterSpec): string {
  return `https://127.0.0.1:${s.masterProxyPort}`;
}

function kubeconfig(s: NodeClusterSpec, caPem: string, user: string, pem: Pem): string {
  return renderKubeconfig({ clusterName: s.clusterName, server: masterProxyServer(s), caPem, user, ...pem });
}

export function containerdFiles(s: NodeClusterSpec, o: NodeOptions): HostFile[] {
  return [pub(CONTAINERD_CONFIG, containerdConfig(s, o.containerd))];
}

export function masterProxyFiles(s: NodeClusterSpec): HostFile[] {
  return [pub(MASTER_PROXY_CONFIG, masterProxyConfig(s)), unitFile(`keelson-master-proxy.service`, masterProxyUnit())];
}

export function kubeletFiles(s: NodeClusterSpec, n: NodeIdentity, p: NodePems, o: NodeOptions): HostFile[] {
  return [
    pub(NODE_CA, p.kubernetesCaCert),
    pub(kubeletCert, p.kubelet.certPem),
    sec(kubeletKey, p.kubelet.keyPem),
    sec(nodeKubeconfig("kubelet"), kubeconfig(s, p.kubernetesCaCert, `system:node:${n.name}`, p.kubelet)),
    sec(KUBELET_CONFIG, kubeletConfig(s, n, o.kubelet)),
    unitFile(`kubelet.service`, kubeletUnit(n)),
  ];
}

export function kubeProxyFiles(s: NodeClusterSpec, n: NodeIdentity, p: NodePems): HostFile[] {
  return [
    sec(nodeKubeconfig("kube-proxy"), kubeconfig(s, p.kubernetesCaCert, "system:kube-proxy", p.kubeProxy)),
    pub(KUBE_PROXY_CONFIG, kubeProxyConfig(s, n)),
    unitFile(`kube-proxy.service`, kubeProxyUnit()),
  ];
}

export function podNetworkFiles(s: NodeClusterSpec, n: NodeIdentity, p: NodePems): HostFile[] {
  return [
    sec(nodeKubeconfig("flannel"), kubeconfig(s, p.kubernetesCaCert, FLANNEL_USER, p.flannel)),
    pub(FLANNEL_NET_CONF, flannelNetConf(s)),
    unitFile(`flanneld.service`, flannelUnit(n)),
    { path: CNI_RENDER_SCRIPT, mode: "0755", content: cniRenderScript() },
    unitFile(`keelson-cni.path`, cniPathUnit()),
    unitFile(`keelson-cni.service`, cniServiceUnit()),
  ];
}

export function networkPolicyFiles(s: NodeClusterSpec, n: NodeIdentity, p: NodePems): HostFile[] {
  return [
    sec(nodeKubeconfig("kube-router"), kubeconfig(s, p.kubernetesCaCert, KUBE_ROUTER_USER, p.kubeRouter)),
    unitFile(`kube-router.service`, kubeRouterUnit(s, n)),
  ];
}

export function hostPolicyFiles(s: NodeClusterSpec, n: NodeIdentity): HostFile[] {
  return [
    pub(HOST_POLICY_RULES, hostPolicyRules(s)),
    { path: HOST_POLICY_SCRIPT, mode: "0755", content: hostPolicyScript() },
    unitFile(`${HOST_POLICY_UNIT}.service`, hostPolicyUnit(n)),
  ];
}
