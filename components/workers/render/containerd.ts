// containerd's config for a Kubernetes node (containerd 1.6, config version 2).
import { CNI_BIN_DIR, CNI_CONF_DIR, CONTAINERD_SOCKET } from "./paths";
import type { NodeClusterSpec } from "./spec";

export interface ContainerdOptions {
  /**
   * overlayfs where /var/lib/containerd sits on a real filesystem; native where it
   * sits on an overlay itself (a lab host's root is an overlay mount, and overlayfs
   * cannot stack its upper dir on another overlay).
   */
  snapshotter: "overlayfs" | "native";
  /** cgroupfs: kubelet and runc manage pod cgroups directly (cgroup v1 machines). */
  systemdCgroup: boolean;
}

export function containerdConfig(s: NodeClusterSpec, o: ContainerdOptions): string {
  return [
    "# Written by Keelson: containerd for a Kubernetes node (CRI plugin on).",
    "version = 2",
    'root = "/var/lib/containerd"',
    'state = "/run/containerd"',
    "",
    "[grpc]",
    `  address = "${CONTAINERD_SOCKET}"`,
    "",
    '[plugins."io.containerd.grpc.v1.cri"]',
    // The pause image comes from the node's image bundle, never from a registry.
    `  sandbox_image = "${s.images.pause}"`,
    // This kernel refuses negative oom_score_adj values: without this every sandbox fails
    // with "can't get final child's PID from pipe: EOF" (shared/notes/lab-facts.md).
    "  restrict_oom_score_adj = true",
    "  enable_cdi = false",
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    `    snapshotter = "${o.snapshotter}"`,
    '    default_runtime_name = "runc"',
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    `        SystemdCgroup = ${o.systemdCgroup}`,
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    `    bin_dir = "${CNI_BIN_DIR}"`,
    `    conf_dir = "${CNI_CONF_DIR}"`,
    "",
  ].join("\n");
}
