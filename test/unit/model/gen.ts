// Seeded random generators of valid cluster specs (raw stack-config values),
// for the property tests. No dependency: a 32-bit PRNG (mulberry32).
import type { ClusterSpecInput } from "../../../components/model/schema";

export type Rng = () => number;

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

export type Kind = "classic" | "lab" | "vpc";

const ZONES: Record<Kind, { region: string; zones: string[] }> = {
  classic: { region: "us-south", zones: ["dal10", "dal12", "dal13"] },
  lab: { region: "lab", zones: ["lab-z1", "lab-z2", "lab-z3"] },
  vpc: { region: "us-south", zones: ["us-south-1", "us-south-2", "us-south-3"] },
};

const FLAVORS: Record<Kind, string[]> = {
  classic: ["u3c.2x4", "b3c.4x16", "mb4c.20x64"],
  lab: ["lab.v1x1", "lab.v2x2", "lab.bm2x2"],
  vpc: ["cx2.2x4", "bx2.4x16"],
};

/** Network definition of the zone at index i of its kind's zone list (stable per zone name). */
export function zoneNetwork(kind: Kind, i: number, privateOnly: boolean): Record<string, unknown> {
  if (kind === "vpc") return { subnet: `10.240.${i}.0/24`, publicGateway: i % 2 === 0 };
  return {
    privateVlan: { ...(i === 0 ? { id: 2000 + i } : {}), primarySubnet: `10.88.${i}.0/24` },
    // IBM classic public subnets are public addresses (never 10.0.0.0/8); lab ones are RFC 1918.
    ...(privateOnly ? {} : { publicVlan: { primarySubnet: kind === "classic" ? `198.51.${100 + i}.0/24` : `10.89.${i}.0/24` } }),
  };
}

export interface GenOptions {
  kind?: Kind;
  zoneCount?: 1 | 3;
}

export function genSpec(r: Rng, o: GenOptions = {}): ClusterSpecInput & Record<string, unknown> {
  const kind = o.kind ?? pick(r, ["classic", "lab", "vpc"] as const);
  const zoneCount = o.zoneCount ?? pick(r, [1, 3] as const);
  const { region, zones: allZones } = ZONES[kind];
  const zones = allZones.slice(0, zoneCount);
  const privateOnly = kind !== "vpc" && r() < 0.3;
  const infraZones = Object.fromEntries(zones.map((z, i) => [z, zoneNetwork(kind, i, privateOnly)]));
  const infrastructure =
    kind === "vpc"
      ? { kind, vpcName: "gen-vpc", zones: infraZones }
      : { kind, ...(kind === "lab" ? { maxHosts: 64 } : {}), portableRanges: { private: "10.90.0.0/24", ...(privateOnly ? {} : { public: kind === "classic" ? "203.0.113.0/24" : "10.91.0.0/24" }) }, zones: infraZones };
  const pools = Array.from({ length: int(r, 1, 4) }, (_, i) => genPool(r, kind, zones, i));
  if (pools.every((p) => p.sizePerZone === 0)) pools[0].sizePerZone = 1;
  const loadBalancers: Record<string, unknown>[] = [];
  if (kind !== "vpc") {
    for (const z of zones) {
      for (const network of privateOnly ? ["private"] : ["private", "public"]) {
        for (let k = int(r, 0, 3); k > 0; k--) loadBalancers.push({ name: `lb-${loadBalancers.length}`, zone: z, network });
      }
    }
  }
  return {
    name: "gen",
    account: { id: "acct-1" },
    region,
    zones,
    infrastructure,
    workerPools: pools,
    network: { calico: { encapsulation: kind === "lab" ? "vxlan" : pick(r, ["ipip", "vxlan"]) } },
    ...(privateOnly ? { albs: { public: { enabled: false } } } : {}),
    loadBalancers,
  } as ClusterSpecInput & Record<string, unknown>;
}

export function genPool(r: Rng, kind: Kind, zones: string[], i: number): { name: string; flavor: string; sizePerZone: number; zones?: string[] } {
  const subset = zones.length > 1 && r() < 0.4 ? zones.filter(() => r() < 0.6) : [];
  return {
    name: `pool${i}`,
    flavor: pick(r, FLAVORS[kind]),
    sizePerZone: int(r, 0, 5),
    ...(subset.length > 0 ? { zones: subset } : {}),
  };
}

export function kindOf(spec: Record<string, unknown>): Kind {
  return (spec.infrastructure as { kind: Kind }).kind;
}

/** The same spec with the cluster grown from one zone to three (pools without explicit zones follow). */
export function addZones(spec: Record<string, unknown>): Record<string, unknown> {
  const s = structuredClone(spec) as Record<string, any>;
  const kind = kindOf(s);
  const all = ZONES[kind].zones;
  const privateOnly = kind !== "vpc" && !Object.values(s.infrastructure.zones as Record<string, any>).some((z) => z.publicVlan);
  s.zones = all;
  all.forEach((z, i) => {
    if (!s.infrastructure.zones[z]) s.infrastructure.zones[z] = zoneNetwork(kind, i, privateOnly);
  });
  return s;
}

export { ZONES, FLAVORS };
