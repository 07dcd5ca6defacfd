// planCluster: a pure function from a valid ClusterSpec to every concrete
// thing the cluster is made of (zones, segments, hosts and their IPs, portable
// subnets and the use of every portable address, ALBs, LoadBalancers, Calico
// policies). Addresses come from layout.ts, by stable keys.
import { addressAt, cidr, formatCidr, offsetOf, parseIp, size } from "./ipv4";
import {
  hostName,
  isLbOffset,
  isVlanInfrastructure,
  masterOffset,
  masterPlacement,
  primaryCidrOf,
  segmentName,
  workerOffset,
  zonePortableBlocks,
  zoneSlot,
} from "./layout";
import type { ClusterSpec } from "./spec";
import type { Hardware, Isolation, NetworkKind } from "../types";

export interface PlannedZone {
  name: string;
  slot: number;
}

export interface PlannedSegment {
  name: string;
  kind: "vlan" | "vpc-subnet";
  zone: string;
  network: NetworkKind;
  /** Existing VLAN id, or null when Keelson creates the VLAN (and always null for VPC subnets). */
  vlanId: number | null;
  primaryCidr: string;
  gatewayIp: string;
  publicGateway: boolean;
}

export interface PlannedHost {
  name: string;
  role: "master" | "worker";
  zone: string;
  pool: string | null;
  /** Master number (0-2) or host number within its pool and zone (1-based). */
  index: number;
  flavor: string;
  hardware: Hardware;
  isolation: Isolation;
  cpu: number;
  memoryMiB: number;
  privateSegment: string;
  privateIp: string;
  publicSegment: string | null;
  publicIp: string | null;
  labels: Record<string, string>;
  taints: ClusterSpec["workerPools"][number]["taints"];
  /**
   * The worker's reload and replace generations from the pool's and its own
   * counters ("" while both are 0, so clusters that never asked keep their keys):
   * a new value reloads (bootstraps again in place) or replaces (new host) it.
   * Always "" for masters.
   */
  reload: string;
  replacement: string;
}

/** A pool's and one worker's counters as one generation: "" until either is raised. */
export function maintenanceGeneration(pool: number, worker: number | undefined): string {
  return pool === 0 && !worker ? "" : `${pool}.${worker ?? 0}`;
}

export type PortableUse = "network" | "gateway" | "broadcast" | "alb" | "loadBalancer";

export interface PortableAddress {
  ip: string;
  use: PortableUse;
  /** The ALB or `namespace/name` of the LoadBalancer holding it, when one does. */
  holder: string | null;
}

export interface PlannedPortableSubnet {
  zone: string;
  network: NetworkKind;
  cidr: string;
  size: number;
  userProvided: boolean;
  segment: string;
  reserved: string[];
  alb: string | null;
  loadBalancers: string[];
  addresses: PortableAddress[];
}

export interface PlannedAlb {
  name: string;
  zone: string;
  network: NetworkKind;
  enabled: boolean;
  /** The ALB's portable IP; null on VPC, where a VPC load balancer fronts it. */
  ip: string | null;
}

export interface PlannedLoadBalancer {
  name: string;
  namespace: string;
  zone: string;
  network: NetworkKind;
  ip: string;
  /** The pods behind it (the spec's, or `app: <name>`). */
  selector: Record<string, string>;
  ports: { name?: string; port: number; targetPort: number | string; protocol: "TCP" | "UDP" }[];
}

export interface Plan {
  cluster: {
    name: string;
    accountId: string;
    region: string;
    infrastructure: ClusterSpec["infrastructure"]["kind"];
    kubernetesVersion: string;
    privateOnly: boolean;
    podSubnet: string;
    serviceSubnet: string;
    serviceEndpoints: ClusterSpec["serviceEndpoints"];
    calico: Omit<ClusterSpec["network"]["calico"], "policies">;
  };
  zones: PlannedZone[];
  segments: PlannedSegment[];
  hosts: PlannedHost[];
  portableSubnets: PlannedPortableSubnet[];
  albs: PlannedAlb[];
  loadBalancers: PlannedLoadBalancer[];
  calicoPolicies: ClusterSpec["network"]["calico"]["policies"];
}

export function planCluster(spec: ClusterSpec): Plan {
  const infra = spec.infrastructure;
  const zones = spec.zones.map((name) => ({ name, slot: zoneSlot(spec, name) }));

  const segments: PlannedSegment[] = [];
  for (const z of spec.zones) {
    for (const network of ["private", "public"] as const) {
      const c = primaryCidrOf(infra, z, network);
      if (!c) continue;
      const vlan = isVlanInfrastructure(infra) ? (network === "private" ? infra.zones[z].privateVlan : infra.zones[z].publicVlan) : undefined;
      segments.push({
        name: segmentName(z, network),
        kind: isVlanInfrastructure(infra) ? "vlan" : "vpc-subnet",
        zone: z,
        network,
        vlanId: vlan?.id ?? null,
        primaryCidr: formatCidr(c),
        gatewayIp: addressAt(c, 1),
        publicGateway: infra.kind === "vpc" ? infra.zones[z].publicGateway : network === "public",
      });
    }
  }

  const hostIps = (zone: string, offset: number, name: string) => {
    const priv = primaryCidrOf(infra, zone, "private")!;
    const pub = primaryCidrOf(infra, zone, "public");
    if (infra.kind === "ssh") {
      // Existing hosts keep the addresses they have.
      const h = infra.hosts[name];
      return { privateIp: h.address, publicIp: pub ? h.publicAddress ?? null : null };
    }
    return { privateIp: addressAt(priv, offset), publicIp: pub ? addressAt(pub, offset) : null };
  };
  const segmentsOf = (zone: string) => ({
    privateSegment: segmentName(zone, "private"),
    publicSegment: primaryCidrOf(infra, zone, "public") ? segmentName(zone, "public") : null,
  });

  const hosts: PlannedHost[] = [];
  for (const m of masterPlacement(spec.zones)) {
    const name = hostName(spec.name, "master", { index: m.index });
    hosts.push({
      name,
      role: "master",
      zone: m.zone,
      pool: null,
      index: m.index,
      flavor: spec.masters.flavor,
      hardware: "virtual",
      isolation: "dedicated",
      cpu: spec.masters.cpu,
      memoryMiB: spec.masters.memoryMiB,
      ...segmentsOf(m.zone),
      ...hostIps(m.zone, masterOffset(spec.network, m.indexInZone), name),
      labels: nodeLabels(spec, { zone: m.zone, pool: null, flavor: spec.masters.flavor, hardware: "virtual", labels: {} }),
      taints: [],
      reload: "",
      replacement: "",
    });
  }
  for (const pool of spec.workerPools) {
    // Zones in cluster order, so a pool's hosts list the same way whatever order its zones were written in.
    for (const z of spec.zones.filter((zone) => pool.zones.includes(zone))) {
      for (let n = 1; n <= pool.sizePerZone; n++) {
        const name = hostName(spec.name, "worker", { pool: pool.name, zone: z, n });
        hosts.push({
          name,
          role: "worker",
          zone: z,
          pool: pool.name,
          index: n,
          flavor: pool.flavor,
          hardware: pool.hardware,
          isolation: pool.isolation,
          cpu: pool.cpu,
          memoryMiB: pool.memoryMiB,
          ...segmentsOf(z),
          ...hostIps(z, workerOffset(spec.network, pool.slot, n), name),
          labels: nodeLabels(spec, { zone: z, pool: pool.name, flavor: pool.flavor, hardware: pool.hardware, labels: pool.labels }),
          taints: pool.taints,
          reload: maintenanceGeneration(pool.reload, pool.workers[name]?.reload),
          replacement: maintenanceGeneration(pool.replace, pool.workers[name]?.replace),
        });
      }
    }
  }

  // Portable subnets, ALBs and LoadBalancers.
  const portableSubnets: PlannedPortableSubnet[] = [];
  const albs: PlannedAlb[] = [];
  const loadBalancers: PlannedLoadBalancer[] = [];
  const albName = (zone: string, network: NetworkKind) => `${network}-${spec.name}-${zone}-alb1`;
  for (const z of spec.zones) {
    const blocks = zonePortableBlocks(spec, z);
    const lbsHere = (network: NetworkKind) => spec.loadBalancers.filter((lb) => lb.zone === z && lb.network === network);
    for (const network of ["private", "public"] as const) {
      const mine = blocks.filter((b) => b.network === network);
      // Free LoadBalancer addresses in order, walked once by a cursor (holders only grow).
      const free: { block: number; offset: number }[] = [];
      mine.forEach((b, bi) => {
        for (let offset = b.lbFirst; offset <= b.lbLast; offset++) free.push({ block: bi, offset });
      });
      let cursor = 0;
      const holders = new Map<string, string>(); // `${block}/${offset}` -> holder
      // Pinned LoadBalancers first, then the others in spec order on the lowest free address.
      const lbs = lbsHere(network);
      const assigned = new Map<(typeof lbs)[number], string>();
      for (const lb of lbs.filter((l) => l.ip !== undefined)) {
        const ip = parseIp(lb.ip!)!;
        const bi = mine.findIndex((b) => offsetOf(b.cidr, ip) !== undefined);
        holders.set(`${bi}/${offsetOf(mine[bi].cidr, ip)}`, `${lb.namespace}/${lb.name}`);
        assigned.set(lb, lb.ip!);
      }
      for (const lb of lbs.filter((l) => l.ip === undefined)) {
        while (holders.has(`${free[cursor].block}/${free[cursor].offset}`)) cursor++;
        const slot = free[cursor];
        holders.set(`${slot.block}/${slot.offset}`, `${lb.namespace}/${lb.name}`);
        assigned.set(lb, addressAt(mine[slot.block].cidr, slot.offset));
      }
      for (const lb of lbs) {
        loadBalancers.push({
          name: lb.name,
          namespace: lb.namespace,
          zone: z,
          network,
          ip: assigned.get(lb)!,
          selector: lb.selector ?? { app: lb.name },
          ports: lb.ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol })),
        });
      }

      mine.forEach((b, bi) => {
        const last = size(b.cidr) - 1;
        const addresses: PortableAddress[] = [];
        for (let off = 0; off <= last; off++) {
          const ip = addressAt(b.cidr, off);
          if (b.reservedOffsets.includes(off)) addresses.push({ ip, use: off === 0 ? "network" : off === last ? "broadcast" : "gateway", holder: null });
          else if (off === b.albOffset) addresses.push({ ip, use: "alb", holder: albName(z, network) });
          else if (isLbOffset(b, off)) addresses.push({ ip, use: "loadBalancer", holder: holders.get(`${bi}/${off}`) ?? null });
        }
        portableSubnets.push({
          zone: z,
          network,
          cidr: formatCidr(b.cidr),
          size: size(b.cidr),
          userProvided: b.userProvided,
          segment: segmentName(z, network),
          reserved: addresses.filter((a) => ["network", "gateway", "broadcast"].includes(a.use)).map((a) => a.ip),
          alb: addresses.find((a) => a.use === "alb")?.ip ?? null,
          loadBalancers: addresses.filter((a) => a.use === "loadBalancer").map((a) => a.ip),
          addresses,
        });
      });
    }
    for (const network of ["public", "private"] as const) {
      const vlan = isVlanInfrastructure(infra);
      if (vlan && network === "public" && spec.privateOnly) continue; // no public VLAN, no public ALB
      const ip = vlan ? portableSubnets.find((p) => p.zone === z && p.network === network && !p.userProvided)?.alb ?? null : null;
      albs.push({ name: albName(z, network), zone: z, network, enabled: spec.albs[network].enabled, ip });
    }
  }

  return {
    cluster: {
      name: spec.name,
      accountId: spec.account.id,
      region: spec.region,
      infrastructure: infra.kind,
      kubernetesVersion: spec.kubernetesVersion,
      privateOnly: spec.privateOnly,
      podSubnet: formatCidr(cidr(spec.network.podSubnet)),
      serviceSubnet: formatCidr(cidr(spec.network.serviceSubnet)),
      serviceEndpoints: spec.serviceEndpoints,
      calico: { encapsulation: spec.network.calico.encapsulation, crossSubnet: spec.network.calico.crossSubnet, natOutgoing: spec.network.calico.natOutgoing, defaultHostPolicies: spec.network.calico.defaultHostPolicies, systemManagementNets: spec.network.calico.systemManagementNets },
    },
    zones,
    segments,
    hosts,
    portableSubnets,
    albs,
    loadBalancers,
    calicoPolicies: spec.network.calico.policies,
  };
}

/**
 * The labels a node registers with: the pool's own, plus where it is and what
 * it is made of. Only keys the kubelet may set on itself under the
 * NodeRestriction admission plugin (topology.kubernetes.io/*,
 * node.kubernetes.io/instance-type) or outside kubernetes.io (keelson.dev/*).
 */
export function nodeLabels(
  spec: ClusterSpec,
  h: { zone: string; pool: string | null; flavor: string; hardware: Hardware; labels: Record<string, string> },
): Record<string, string> {
  return {
    ...h.labels,
    "topology.kubernetes.io/region": spec.region,
    "topology.kubernetes.io/zone": h.zone,
    "node.kubernetes.io/instance-type": h.flavor,
    "keelson.dev/hardware": h.hardware,
    ...(h.pool ? { "keelson.dev/worker-pool": h.pool } : { "keelson.dev/role": "master" }),
  };
}
