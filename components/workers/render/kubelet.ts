// The kubelet: its config file (KubeletConfiguration), flags and unit.
// Authenticated to the apiserver with its own client certificate
// (CN system:node:<name>, O system:nodes: the Node authorizer and NodeRestriction
// admit it). It serves with a certificate it asks for by CSR and renews itself
// (serverTLSBootstrap), signed by the cluster CA once Keelson's approver on the
// masters has checked that it names only this node's name and addresses
// (components/control/render/kubeletServingApprover.ts); it authenticates and
// authorizes callers (the apiserver for logs/exec) by webhook.
import { stringify } from "yaml";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { waitFor } from "../../bootstrap/host/commands";
import { renderUnit } from "../../bootstrap/host/systemd";
import { TLS_CIPHER_SUITES, TLS_MIN_VERSION } from "../../pki/tlsPolicy";
import { CONTAINERD_SOCKET, KUBELET_CONFIG, KUBELET_SERVING_CERT, NODE_CA, nodeKubeconfig } from "./paths";
import { dnsServiceIp, type NodeClusterSpec, type NodeIdentity } from "./spec";

/** The kubelet's API port (its default, left unset in the config): the apiservers reach it for logs, exec and port-forward. */
export const KUBELET_PORT = 10250;

export interface KubeletOptions {
  /** cgroup v1 machines: kubelet 1.35+ refuses to start on v1 unless told (lab-facts.md). */
  failCgroupV1: boolean;
  cgroupDriver: "cgroupfs" | "systemd";
}

export function kubeletConfig(s: NodeClusterSpec, n: NodeIdentity, o: KubeletOptions): string {
  return stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: "2m0s" },
      x509: { clientCAFile: NODE_CA },
    },
    authorization: { mode: "Webhook", webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" } },
    cgroupDriver: o.cgroupDriver,
    failCgroupV1: o.failCgroupV1,
    clusterDNS: [dnsServiceIp(s.serviceSubnet)],
    clusterDomain: s.clusterDomain,
    containerRuntimeEndpoint: `unix://${CONTAINERD_SOCKET}`,
    tlsMinVersion: TLS_MIN_VERSION,
    tlsCipherSuites: [...TLS_CIPHER_SUITES],
    // The client certificate Keelson issues (a resource in state) is where the kubelet starts; it
    // renews it itself before it expires (CSRs auto-approved: components/addons/render/rbac.ts),
    // keeping the renewed one in /var/lib/kubelet/pki.
    rotateCertificates: true,
    // The serving certificate: asked for by CSR at start and again before it expires, kept in
    // /var/lib/kubelet/pki (KUBELET_SERVING_CERT); the apiservers verify it against the cluster CA.
    serverTLSBootstrap: true,
    // Every container gets the runtime's default seccomp profile unless its pod asks otherwise.
    seccompDefault: true,
    registerNode: true,
    registerWithTaints: n.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
    // Kernel tunables are the machine's business; a node must not fail over them.
    protectKernelDefaults: false,
    // Resolvers for pods with dnsPolicy Default come from the node.
    resolvConf: "/etc/resolv.conf",
    maxPods: 110,
    podPidsLimit: 4096,
    serializeImagePulls: false,
    // Images come from the node's bundle: never collect them.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { "memory.available": "50Mi", "nodefs.available": "5%", "imagefs.available": "5%" },
    staticPodPath: "",
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
  });
}

export function kubeletFlags(n: NodeIdentity): string[] {
  const labels = Object.entries(n.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return [
    `--config=${KUBELET_CONFIG}`,
    `--kubeconfig=${nodeKubeconfig("kubelet")}`,
    `--hostname-override=${n.name}`,
    `--node-ip=${n.privateIp}`,
    ...(labels ? [`--node-labels=${labels}`] : []),
    "--v=1",
  ];
}

export function kubeletUnit(n: NodeIdentity): string {
  return renderUnit({
    description: "Kubernetes kubelet",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/",
    after: ["containerd.service", "keelson-master-proxy.service"],
    wants: ["containerd.service", "keelson-master-proxy.service"],
    exec: [`${BIN_DIR}/kubelet`, ...kubeletFlags(n)],
    restartSec: 5,
    limitNoFile: 1048576,
  });
}

/** The kubelet's own health endpoint answers ok. */
export function kubeletHealthCheck(): string {
  return "curl -sf --max-time 3 http://127.0.0.1:10248/healthz";
}

/** The kubelet holds a serving certificate (its CSR was approved and signed): the apiservers can reach it for logs and exec. */
export function kubeletServingCheck(): string {
  return waitFor(
    `test -s ${KUBELET_SERVING_CERT}`,
    120,
    "kubelet",
    "kubelet serving certificate (its CSR is approved by keelson-kubelet-serving-approver on the masters: kubectl get csr)",
  );
}
