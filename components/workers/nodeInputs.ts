// From the driver's hosts to what the worker layer takes: each node's identity
// (labels and taints from the plan, carried by the host spec) and the node
// options that follow from the host's traits. Pure: no Pulumi.
import type { HostTraits, ProvisionedHost } from "../infra/driver";
import type { NodeOptions } from "./render/bundles";
import type { NodeIdentity } from "./render/spec";

export function nodeIdentity(host: ProvisionedHost): NodeIdentity {
  const h = host.spec;
  if (h.role !== "worker" || !h.pool) throw new Error(`workers: host ${h.name} is a ${h.role}${h.pool ? "" : " without a pool"}, not a pool's worker`);
  return {
    name: h.name,
    zone: h.zone,
    pool: h.pool,
    privateIp: h.privateIp,
    ...(h.publicIp ? { publicIp: h.publicIp } : {}),
    labels: { ...h.labels },
    taints: h.taints.map((t) => ({ ...t })),
  };
}

/**
 * Where the host's systemd owns its cgroups, containerd and the kubelet use the
 * systemd cgroup driver (kubeadm's default); where the controllers are delegated
 * from outside (a container-based host), they manage cgroupfs themselves.
 * kubelet 1.35+ must be told it may run on cgroup v1 (failCgroupV1: false); on
 * v2 the setting changes nothing.
 */
export function nodeOptionsFor(traits: HostTraits): NodeOptions {
  return {
    containerd: { snapshotter: "overlayfs", systemdCgroup: traits.systemdCgroups },
    kubelet: { failCgroupV1: false, cgroupDriver: traits.systemdCgroups ? "systemd" : "cgroupfs" },
  };
}
