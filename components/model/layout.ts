// Where every address comes from. Allocation is by stable keys, never by
// counting what exists, so growing a pool, adding a pool or adding a zone never
// renumbers anything (IKS portable IPs are permanent), and shrinking frees only
// what it removes:
//   - a zone's slot: infrastructure.zones.<zone>.slot, else its position in `zones`;
//   - a pool's slot: workerPools[i].slot, else its position in `workerPools`;
//   - a host's offset in its zone's primary subnet(s):
//       masters    hostOffset + 4 + (index of the master within the zone)
//       pool hosts hostOffset + 16 + poolSlot * poolBlockSize + (n - 1), n = 1..sizePerZone
//     (offsets 0-3 are the network address, the gateway and two addresses the
//     network keeps for routers; the last address is broadcast);
//   - a zone's default portable /29: block number `zoneSlot` of the portable range;
//   - inside a portable /29: offsets 0, 1, 7 reserved (network, gateway,
//     broadcast), 2 the default ALB, 3-6 LoadBalancers.
import type { Infrastructure, ParsedSpec, WorkerPoolSpec } from "./schema";
import { cidr, size, subnetAt, type Cidr } from "./ipv4";

export const MASTER_BASE = 4;
export const POOL_BASE = 16;
export const MASTER_COUNT = 3;

export const PORTABLE_PREFIX = 29;
export const PORTABLE_RESERVED_OFFSETS = [0, 1, 7];
export const PORTABLE_ALB_OFFSET = 2;
export const PORTABLE_LB_OFFSETS = [3, 4, 5, 6];
/** Where a user subnet's LoadBalancer addresses start (after the network and gateway addresses). */
export const USER_PORTABLE_LB_FIRST = 2;

export function zoneSlot(spec: Pick<ParsedSpec, "zones" | "infrastructure">, zone: string): number {
  return spec.infrastructure.zones[zone]?.slot ?? spec.zones.indexOf(zone);
}

export function poolSlot(pool: WorkerPoolSpec, index: number): number {
  return pool.slot ?? index;
}

export function poolZones(spec: Pick<ParsedSpec, "zones">, pool: WorkerPoolSpec): string[] {
  return pool.zones ?? spec.zones;
}

/** Where the three master replicas go: one per zone (multizone) or three in the one zone. */
export function masterPlacement(zones: string[]): { index: number; zone: string; indexInZone: number }[] {
  return Array.from({ length: MASTER_COUNT }, (_, index) =>
    zones.length >= MASTER_COUNT
      ? { index, zone: zones[index], indexInZone: 0 }
      : { index, zone: zones[0], indexInZone: index },
  );
}

export function masterOffset(network: ParsedSpec["network"], indexInZone: number): number {
  return network.hostOffset + MASTER_BASE + indexInZone;
}

/** Offset of host number n (1-based) of the pool in slot `slot`. */
export function workerOffset(network: ParsedSpec["network"], slot: number, n: number): number {
  return network.hostOffset + POOL_BASE + slot * network.poolBlockSize + (n - 1);
}

/** The highest offset a host may take in a block (the last address is broadcast). */
export function lastHostOffset(c: Cidr): number {
  return size(c) - 2;
}

export function isVlanInfrastructure(infra: Infrastructure): infra is Extract<Infrastructure, { kind: "classic" | "lab" | "ssh" }> {
  return infra.kind !== "vpc";
}

/** Private-only: workers have no public VLAN (VPC workers never have public IPs). */
export function isPrivateOnly(infra: Infrastructure): boolean {
  if (!isVlanInfrastructure(infra)) return true;
  const zones = Object.values(infra.zones);
  return zones.length > 0 && zones.every((z) => z.publicVlan === undefined);
}

/** Masters take their public address from the zone's public VLAN; VPC and private-only hosts have none. */
export function mastersHavePublicAddresses(infra: Infrastructure): boolean {
  return isVlanInfrastructure(infra) && !isPrivateOnly(infra);
}

export function hostName(cluster: string, role: "master" | "worker", o: { index?: number; pool?: string; zone?: string; n?: number }): string {
  return role === "master" ? `${cluster}-master-${(o.index ?? 0) + 1}` : `${cluster}-${o.pool}-${o.zone}-${o.n}`;
}

export function segmentName(zone: string, network: "public" | "private"): string {
  return `${zone}-${network}`;
}

export function primaryCidrOf(infra: Infrastructure, zone: string, network: "public" | "private"): Cidr | undefined {
  if (!isVlanInfrastructure(infra)) {
    const z = infra.zones[zone];
    return network === "private" && z ? cidr(z.subnet) : undefined;
  }
  const z = infra.zones[zone];
  const vlan = network === "private" ? z?.privateVlan : z?.publicVlan;
  return vlan ? cidr(vlan.primarySubnet) : undefined;
}

export interface PortableBlock {
  zone: string;
  network: "public" | "private";
  cidr: Cidr;
  userProvided: boolean;
  /** Where the block comes from in the spec (for error messages). */
  path: PropertyKey[];
  reservedOffsets: number[];
  albOffset?: number;
  /**
   * The LoadBalancer addresses: offsets lbFirst..lbLast (inclusive; none when
   * lbLast < lbFirst). A range, not a list, so that a block of any size costs
   * the same to describe: a spec with a /0 "portable subnet" must be rejected,
   * not expanded into four billion offsets first.
   */
  lbFirst: number;
  lbLast: number;
}

export function lbCount(b: PortableBlock): number {
  return Math.max(0, b.lbLast - b.lbFirst + 1);
}

export function isLbOffset(b: PortableBlock, offset: number): boolean {
  return offset >= b.lbFirst && offset <= b.lbLast;
}

/**
 * The portable subnets routed to one zone, in a stable order: the default
 * private /29, the default public /29, then the user's extra subnets. A default
 * /29 whose range is missing or too small is left out (rules.ts reports it).
 */
export function zonePortableBlocks(
  spec: Pick<ParsedSpec, "zones" | "infrastructure">,
  zone: string,
): PortableBlock[] {
  const infra = spec.infrastructure;
  if (!isVlanInfrastructure(infra)) return [];
  const z = infra.zones[zone];
  if (!z) return [];
  const slot = zoneSlot(spec, zone);
  const blocks: PortableBlock[] = [];
  for (const network of ["private", "public"] as const) {
    if (network === "public" && !z.publicVlan) continue;
    const pinned = z.portable[network];
    let c: Cidr | undefined;
    let path: PropertyKey[];
    if (pinned) {
      c = cidr(pinned);
      path = ["infrastructure", "zones", zone, "portable", network];
    } else {
      const range = infra.portableRanges[network];
      c = range ? subnetAt(cidr(range), PORTABLE_PREFIX, slot) : undefined;
      path = ["infrastructure", "portableRanges", network];
    }
    if (!c) continue;
    blocks.push({
      zone,
      network,
      cidr: c,
      userProvided: false,
      path,
      reservedOffsets: PORTABLE_RESERVED_OFFSETS,
      albOffset: PORTABLE_ALB_OFFSET,
      lbFirst: PORTABLE_LB_OFFSETS[0],
      lbLast: PORTABLE_LB_OFFSETS[PORTABLE_LB_OFFSETS.length - 1],
    });
  }
  z.portable.extra.forEach((e, i) => {
    const c = cidr(e.cidr);
    const last = size(c) - 1;
    blocks.push({
      zone,
      network: e.network,
      cidr: c,
      userProvided: true,
      path: ["infrastructure", "zones", zone, "portable", "extra", i, "cidr"],
      reservedOffsets: [0, 1, last],
      lbFirst: USER_PORTABLE_LB_FIRST,
      lbLast: last - 1,
    });
  });
  return blocks;
}

