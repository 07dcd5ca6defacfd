// From the cluster spec and the driver's hosts to what the worker layer takes:
// each node's identity (labels from the plan, taints from its pool) and the
// node options that follow from the kind of infrastructure.
import type { ProvisionedHost } from "../infra/driver";
import type { ClusterSpec } from "../model/spec";
import type { NodeOptions } from "./render/bundles";
import type { NodeIdentity } from "./render/spec";

export function workerIdentities(spec: ClusterSpec, hosts: ProvisionedHost[]): { host: ProvisionedHost; identity: NodeIdentity }[] {
  return hosts.map((host) => {
    const h = host.spec;
    const pool = spec.workerPools.find((p) => p.name === h.pool);
    if (!pool) throw new Error(`workers: host ${h.name} names pool ${JSON.stringify(h.pool)}, which the spec does not have`);
    return {
      host,
      identity: {
        name: h.name,
        zone: h.zone,
        pool: pool.name,
        privateIp: h.privateIp,
        ...(h.publicIp ? { publicIp: h.publicIp } : {}),
        labels: { ...h.labels },
        taints: pool.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
      },
    };
  });
}

/**
 * Lab hosts are nspawn containers on a cgroup v1 machine: kubelet 1.35+ must be
 * told it may run on v1, and pod cgroups are managed with cgroupfs (the lab
 * host's systemd does not own the node's controllers). Other hosts get the
 * kubeadm defaults (systemd cgroup driver); failCgroupV1 stays false so older
 * v1 machines keep working and v2 machines are unaffected.
 */
export function nodeOptionsFor(kind: ClusterSpec["infrastructure"]["kind"]): NodeOptions {
  if (kind === "lab") {
    return { containerd: { snapshotter: "overlayfs", systemdCgroup: false }, kubelet: { failCgroupV1: false, cgroupDriver: "cgroupfs" } };
  }
  return { containerd: { snapshotter: "overlayfs", systemdCgroup: true }, kubelet: { failCgroupV1: false, cgroupDriver: "systemd" } };
}
