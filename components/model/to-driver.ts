// The plan in the infrastructure driver's terms (components/infra/driver.ts):
// one NetworkSpec for the cluster and one HostSpec per host. The driver gets
// nothing else, so anything it needs to build a host must be here.
import type { HostSpec, NetworkSpec, SegmentSpec } from "../infra/driver";
import type { Plan, PlannedHost } from "./plan";

export function toNetworkSpec(plan: Plan): NetworkSpec {
  const segments: SegmentSpec[] = plan.segments.map((s) => ({
    name: s.name,
    zone: s.zone,
    network: s.network,
    primaryCidr: s.primaryCidr,
    gatewayIp: s.gatewayIp,
    portableCidrs: plan.portableSubnets.filter((p) => p.segment === s.name).map((p) => p.cidr),
  }));
  return { clusterName: plan.cluster.name, zones: plan.zones.map((z) => z.name), segments };
}

export function toHostSpec(host: PlannedHost): HostSpec {
  return {
    name: host.name,
    role: host.role,
    zone: host.zone,
    ...(host.pool !== null ? { pool: host.pool } : {}),
    flavor: host.flavor,
    hardware: host.hardware,
    cpu: host.cpu,
    memoryMiB: host.memoryMiB,
    privateSegment: host.privateSegment,
    privateIp: host.privateIp,
    ...(host.publicSegment !== null && host.publicIp !== null ? { publicSegment: host.publicSegment, publicIp: host.publicIp } : {}),
    labels: { ...host.labels },
    taints: host.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
    ...(host.replacement ? { replacement: host.replacement } : {}),
  };
}

export function toHostSpecs(plan: Plan): HostSpec[] {
  return plan.hosts.map(toHostSpec);
}
