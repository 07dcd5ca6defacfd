// Keelson's pinned versions, read from components/versions.json (a module of
// another name, so that `require("./versions")` cannot pick the JSON): the same file
// toolchain/*.mjs reads to decide what to build, so what hosts run and what was
// built cannot drift apart.
import versions from "./versions.json";

export const VERSIONS = {
  kubernetes: versions.kubernetes,
  etcd: versions.etcd,
  /** Older etcd servers a member steps through to reach `etcd`, one minor at a time (oldest first). */
  etcdUpgradeSteps: versions.etcdUpgradeSteps as readonly string[],
  flannel: versions.flannel,
  /** kube-router, whose network policy controller enforces NetworkPolicy on every worker. */
  kubeRouter: versions.kubeRouter,
  /** Keelson's approver of kubelet serving certificates (toolchain/kubelet-serving-approver/), on every master. */
  kubeletServingApprover: versions.kubeletServingApprover,
  images: versions.images,
} as const;

/** The spec writes Kubernetes versions as IKS does (1.36.3); releases and binaries are tagged v1.36.3. */
export function kubernetesRelease(specVersion: string): string {
  return specVersion.startsWith("v") ? specVersion : `v${specVersion}`;
}

/** The default `kubernetesVersion` of a spec: the release Keelson builds, without its `v`. */
export const DEFAULT_KUBERNETES_VERSION = VERSIONS.kubernetes.replace(/^v/, "");
