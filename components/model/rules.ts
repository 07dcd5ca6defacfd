// Cross-field rules: everything the schema cannot see by looking at one field.
// They run on a partially parsed spec (sections that failed the schema are
// undefined) so that one broken section does not hide the problems of the
// others. Every rule here is listed in docs/reference.md.
import { IKS_DEFAULT_HOST_POLICY_NAMES } from "./iksHostPolicies";
import { findFlavor, flavorsFor, DEFAULT_MASTER_FLAVOR } from "./flavors";
import { cidr, containsCidr, containsIp, formatCidr, isPrivate, offsetOf, overlaps, parseCidr, parseIp, size, type Cidr } from "./ipv4";
import { LIMITS } from "./limits";
import { regionProblem, zoneProblem } from "./regions";
import {
  MASTER_COUNT,
  PORTABLE_PREFIX,
  hostName,
  isLbOffset,
  isPrivateOnly,
  lbCount,
  mastersHavePublicAddresses,
  isVlanInfrastructure,
  lastHostOffset,
  masterOffset,
  masterPlacement,
  poolSlot,
  primaryCidrOf,
  workerOffset,
  zonePortableBlocks,
  zoneSlot,
} from "./layout";
import { formatPath, problem, type Problem } from "./problems";
import { enforcementOf } from "./networkPolicy";
import type { Infrastructure, LoadBalancerSpec, ParsedSpec, VlanInfrastructure, WorkerPoolSpec } from "./schema";

/** A spec in which any top-level section (or any pool / load balancer) may have failed the schema. */
export type PartialSpec = {
  [K in Exclude<keyof ParsedSpec, "workerPools" | "loadBalancers">]?: ParsedSpec[K];
} & {
  workerPools?: (WorkerPoolSpec | undefined)[];
  loadBalancers?: (LoadBalancerSpec | undefined)[];
  /** The fields that did parse, of pools that failed the schema. */
  brokenPools?: { index: number; fields: Partial<WorkerPoolSpec> }[];
};

/** A value as a message shows it: an empty string must be visible. */
const show = (v: string): string => (v === "" ? '""' : v);

const RESERVED_LABEL_PREFIXES = ["kubernetes.io/", "k8s.io/", "ibm-cloud.kubernetes.io/", "keelson.dev/"];

export function checkRules(s: PartialSpec): Problem[] {
  const out: Problem[] = [];
  zoneRules(s, out);
  geographyRules(s, out);
  // The workers of the pools that parsed: rules that list every host (ssh)
  // run only when their number is within bounds.
  const workers = (s.workerPools ?? []).reduce((n, p) => n + (p ? p.sizePerZone * (p.zones ?? s.zones ?? []).length : 0), 0);
  const workersBounded = workers <= LIMITS.workers;
  if (!workersBounded) out.push(problem(["workerPools"], `${workers} workers; a cluster has at most ${LIMITS.workers}`));
  // Rules below need the zones and the infrastructure to agree; when they do
  // not, their messages would only repeat the problem reported above.
  const infraOk = s.zones !== undefined && s.infrastructure !== undefined && infraZoneRules(s.zones, s.infrastructure, out);
  if (s.infrastructure && s.zones && infraOk) {
    const base = { zones: s.zones, infrastructure: s.infrastructure };
    if (isVlanInfrastructure(s.infrastructure)) {
      vlanRules(base.zones, s.infrastructure, out);
      portableRangeRules(base.zones, s.infrastructure, out);
      if (s.infrastructure.kind === "classic") classicAddressRules(base.zones, s.infrastructure, out);
    }
    if (s.workerPools && s.network) capacityRules(base, s.network, s.workerPools, out);
    if (s.loadBalancers) loadBalancerRules(base, s.loadBalancers, out);
    if (s.albs && isVlanInfrastructure(s.infrastructure) && isPrivateOnly(s.infrastructure) && s.albs.public.enabled === true) {
      out.push(problem(["albs", "public", "enabled"], "a private-only cluster (no public VLANs) gets no public ALB"));
    }
    if (s.infrastructure.kind === "lab") labRules(s, s.infrastructure, out);
    if (s.infrastructure.kind === "ssh" && s.name && s.workerPools && workersBounded) sshRules(s as PartialSpec & { name: string }, s.infrastructure, out);
  }
  if (s.network) overlapRules(s.infrastructure && s.zones && infraOk ? { zones: s.zones, infrastructure: s.infrastructure } : undefined, s.network, out);
  if (s.workerPools) poolRules(s, s.workerPools, out);
  if (s.masters && s.infrastructure) flavorRule(s.masters.flavor ?? DEFAULT_MASTER_FLAVOR[s.infrastructure.kind], s.infrastructure, undefined, ["masters", "flavor"], out);
  if (s.network) clusterNetworkRules(s, s.network, out);
  if (s.serviceEndpoints) endpointRules(s, s.serviceEndpoints, out);
  if (s.name && s.workerPools) hostNameRules(s.name, s, s.workerPools, out);
  return out;
}

function zoneRules(s: PartialSpec, out: Problem[]): void {
  if (!s.zones) return;
  const seen = new Set<string>();
  s.zones.forEach((z, i) => {
    if (seen.has(z)) out.push(problem(["zones", i], `duplicate zone ${z}`));
    seen.add(z);
    if (s.region && s.infrastructure && s.infrastructure.kind === "lab" && !z.startsWith(`${s.region}-`)) {
      out.push(problem(["zones", i], `${s.infrastructure.kind} zones are named <region>-<name>: ${z} is not in region ${s.region}`));
    }
  });
  if (s.zones.length !== 1 && s.zones.length !== MASTER_COUNT) {
    out.push(problem(["zones"], `a cluster has one zone, or three for a multizone cluster (got ${s.zones.length})`));
  }
}

/** Classic and VPC: the region is IBM Cloud's and every zone is in it (regions.ts); lab and ssh name their own. */
function geographyRules(s: PartialSpec, out: Problem[]): void {
  if (!s.infrastructure || s.region === undefined) return;
  const kind = s.infrastructure.kind;
  const bad = regionProblem(kind, s.region);
  if (bad) {
    out.push(problem(["region"], bad));
    return;
  }
  (s.zones ?? []).forEach((z, i) => {
    const p = zoneProblem(kind, s.region!, z);
    if (p) out.push(problem(["zones", i], p));
  });
}

/**
 * IBM classic networks: a private VLAN's subnets (primary and portable) are
 * in IBM's private space 10.0.0.0/8, and a public VLAN's never are (that
 * space is routed on the private network only).
 */
function classicAddressRules(zones: string[], infra: VlanInfrastructure, out: Problem[]): void {
  const ten = parseCidr("10.0.0.0/8")!;
  const check = (path: PropertyKey[], text: string | undefined, network: "private" | "public") => {
    if (text === undefined) return;
    const c = cidr(text);
    if (network === "private" && !containsCidr(ten, c)) {
      out.push(problem(path, `IBM classic private subnets are in 10.0.0.0/8 (IBM's private network); ${formatCidr(c)} is not`));
    }
    if (network === "public" && overlaps(ten, c)) {
      out.push(problem(path, `${formatCidr(c)} is in 10.0.0.0/8, IBM's classic private network; a public subnet has public addresses`));
    }
  };
  for (const n of ["private", "public"] as const) check(["infrastructure", "portableRanges", n], infra.portableRanges[n], n);
  for (const z of zones) {
    const zone = infra.zones[z];
    const at = (...rest: PropertyKey[]) => ["infrastructure", "zones", z, ...rest];
    check(at("privateVlan", "primarySubnet"), zone.privateVlan.primarySubnet, "private");
    check(at("publicVlan", "primarySubnet"), zone.publicVlan?.primarySubnet, "public");
    for (const n of ["private", "public"] as const) check(at("portable", n), zone.portable[n], n);
    zone.portable.extra.forEach((e, i) => check(at("portable", "extra", i, "cidr"), e.cidr, e.network));
  }
}

/** Every cluster zone has its network and nothing else does; slots are unique. Returns false when they disagree. */
function infraZoneRules(zones: string[], infra: Infrastructure, out: Problem[]): boolean {
  const before = out.length;
  const defined = Object.keys(infra.zones);
  for (const z of zones) {
    if (!defined.includes(z)) {
      out.push(problem(["infrastructure", "zones", z], `required: zone ${z} is in zones and needs its ${infra.kind === "vpc" ? "VPC subnet" : "VLANs"} here`));
    }
  }
  for (const z of defined) {
    if (!zones.includes(z)) out.push(problem(["infrastructure", "zones", z], `${z} is not one of the cluster's zones (${zones.join(", ")})`));
  }
  const taken = new Map<number, string>();
  for (const z of new Set(zones)) {
    if (!defined.includes(z)) continue;
    const slot = zoneSlot({ zones, infrastructure: infra }, z);
    const other = taken.get(slot);
    if (other !== undefined) {
      out.push(problem(["infrastructure", "zones", z, "slot"], `slot ${slot} is already zone ${other}'s (a zone's slot is its position in zones unless pinned)`));
    }
    taken.set(slot, z);
  }
  return out.length === before;
}

function vlanRules(zones: string[], infra: VlanInfrastructure, out: Problem[]): void {
  const vlanOwner = new Map<number, string>();
  const withPublic = zones.filter((z) => infra.zones[z].publicVlan);
  for (const z of zones) {
    const zone = infra.zones[z];
    for (const network of ["private", "public"] as const) {
      const vlan = network === "private" ? zone.privateVlan : zone.publicVlan;
      if (vlan?.id === undefined) continue;
      const owner = vlanOwner.get(vlan.id);
      if (owner) out.push(problem(["infrastructure", "zones", z, `${network}Vlan`, "id"], `VLAN ${vlan.id} is already the ${owner}; a VLAN belongs to one zone and one network`));
      else vlanOwner.set(vlan.id, `${network} VLAN of zone ${z}`);
    }
    if (!zone.publicVlan && withPublic.length > 0) {
      out.push(problem(["infrastructure", "zones", z, "publicVlan"], `required: zone ${withPublic[0]} has a public VLAN, and a cluster's workers are either all public and private or all private-only`));
    }
    if (!zone.publicVlan) {
      if (zone.portable.public) out.push(problem(["infrastructure", "zones", z, "portable", "public"], `zone ${z} has no public VLAN to route a public portable subnet to`));
      zone.portable.extra.forEach((e, i) => {
        if (e.network === "public") out.push(problem(["infrastructure", "zones", z, "portable", "extra", i, "network"], `zone ${z} has no public VLAN to route a public portable subnet to`));
      });
    }
    zone.portable.extra.forEach((e, i) => {
      const c = cidr(e.cidr);
      if (c.prefix > PORTABLE_PREFIX || c.prefix < 20) {
        out.push(problem(["infrastructure", "zones", z, "portable", "extra", i, "cidr"], `a user portable subnet is a /20 to /29 (got /${c.prefix})`));
      }
    });
  }
}

function portableRangeRules(zones: string[], infra: VlanInfrastructure, out: Problem[]): void {
  for (const network of ["private", "public"] as const) {
    const range = infra.portableRanges[network];
    const needing = zones.filter((z) => !infra.zones[z].portable[network] && (network === "private" || infra.zones[z].publicVlan));
    if (!range) {
      if (needing.length > 0) {
        out.push(problem(["infrastructure", "portableRanges", network], `required: zone ${needing[0]} has no pinned ${network} portable subnet (infrastructure.zones.${needing[0]}.portable.${network}) to use instead`));
      }
      continue;
    }
    const r = cidr(range);
    if (r.prefix > PORTABLE_PREFIX) {
      out.push(problem(["infrastructure", "portableRanges", network], `must be a /29 or larger to hold /29 portable subnets (got /${r.prefix})`));
      continue;
    }
    const blocks = 2 ** (PORTABLE_PREFIX - r.prefix);
    for (const z of needing) {
      const slot = zoneSlot({ zones, infrastructure: infra }, z);
      if (slot >= blocks) {
        out.push(problem(["infrastructure", "portableRanges", network], `${range} holds ${blocks} /29 subnets; zone ${z} (slot ${slot}) needs number ${slot + 1}`));
      }
    }
  }
}

interface NamedCidr {
  path: PropertyKey[];
  label: string;
  cidr: Cidr;
  kind: "cluster" | "primary" | "vpc" | "portable" | "range";
  network?: "private" | "public";
}

function overlapRules(s: { zones: string[]; infrastructure: Infrastructure } | undefined, network: ParsedSpec["network"], out: Problem[]): void {
  // Ordered from what is most shared to what is most specific, so a problem is
  // reported on the more specific field (a user subnet, rather than the VLAN it overlaps).
  const all: NamedCidr[] = [
    { path: ["network", "podSubnet"], label: "the pod subnet", cidr: cidr(network.podSubnet), kind: "cluster" },
    { path: ["network", "serviceSubnet"], label: "the service subnet", cidr: cidr(network.serviceSubnet), kind: "cluster" },
  ];
  const infra = s?.infrastructure;
  if (s && infra && isVlanInfrastructure(infra)) {
    for (const n of ["private", "public"] as const) {
      const r = infra.portableRanges[n];
      if (r) all.push({ path: ["infrastructure", "portableRanges", n], label: `the ${n} portable range`, cidr: cidr(r), kind: "range", network: n });
    }
    for (const z of s.zones) {
      const zone = infra.zones[z];
      all.push({ path: ["infrastructure", "zones", z, "privateVlan", "primarySubnet"], label: `zone ${z}'s private primary subnet`, cidr: cidr(zone.privateVlan.primarySubnet), kind: "primary" });
      if (zone.publicVlan) all.push({ path: ["infrastructure", "zones", z, "publicVlan", "primarySubnet"], label: `zone ${z}'s public primary subnet`, cidr: cidr(zone.publicVlan.primarySubnet), kind: "primary" });
    }
    for (const z of s.zones) {
      for (const b of zonePortableBlocks(s, z)) {
        all.push({ path: b.path, label: `zone ${z}'s ${b.userProvided ? "user" : "default"} ${b.network} portable subnet`, cidr: b.cidr, kind: "portable", network: b.network });
      }
    }
  } else if (s && infra && infra.kind === "vpc") {
    for (const z of s.zones) {
      all.push({ path: ["infrastructure", "zones", z, "subnet"], label: `zone ${z}'s VPC subnet`, cidr: cidr(infra.zones[z].subnet), kind: "vpc" });
    }
  }
  for (let i = 0; i < all.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = all[i];
      const b = all[j];
      // Portable subnets are carved from (or pinned inside) their own network's
      // portable range; inside the other network's range they are an error.
      if (((a.kind === "range" && b.kind === "portable") || (a.kind === "portable" && b.kind === "range")) && a.network === b.network) continue;
      if (overlaps(a.cidr, b.cidr)) {
        out.push(problem(a.path, `${a.label} ${formatCidr(a.cidr)} overlaps ${b.label} ${formatCidr(b.cidr)} (${formatPath(b.path)})`));
      }
    }
  }
}

/** Every host's offset fits in its zone's primary subnet(s). */
function capacityRules(s: { zones: string[]; infrastructure: Infrastructure }, network: ParsedSpec["network"], pools: (WorkerPoolSpec | undefined)[], out: Problem[]): void {
  const infra = s.infrastructure;
  const segments = (z: string): { label: string; path: PropertyKey[]; c: Cidr }[] => {
    if (!isVlanInfrastructure(infra)) return [{ label: `zone ${z}'s VPC subnet`, path: ["infrastructure", "zones", z, "subnet"], c: primaryCidrOf(infra, z, "private")! }];
    const zone = infra.zones[z];
    const list = [{ label: `zone ${z}'s private primary subnet`, path: ["infrastructure", "zones", z, "privateVlan", "primarySubnet"] as PropertyKey[], c: cidr(zone.privateVlan.primarySubnet) }];
    if (zone.publicVlan) list.push({ label: `zone ${z}'s public primary subnet`, path: ["infrastructure", "zones", z, "publicVlan", "primarySubnet"], c: cidr(zone.publicVlan.primarySubnet) });
    return list;
  };
  const masters = s.zones.length === 1 || s.zones.length === MASTER_COUNT ? masterPlacement(s.zones) : [];
  for (const m of masters) {
    const off = masterOffset(network, m.indexInZone);
    for (const seg of segments(m.zone)) {
      if (off > lastHostOffset(seg.c)) {
        out.push(problem(seg.path, `${seg.label} ${formatCidr(seg.c)} has no address at offset ${off} for master ${m.index + 1}`));
      }
    }
  }
  pools.forEach((pool, i) => {
    if (!pool) return;
    if (pool.sizePerZone > network.poolBlockSize) {
      out.push(problem(["workerPools", i, "sizePerZone"], `${pool.sizePerZone} is more than network.poolBlockSize (${network.poolBlockSize}), the addresses each pool reserves per zone`));
      return;
    }
    if (pool.sizePerZone === 0) return;
    const last = workerOffset(network, poolSlot(pool, i), pool.sizePerZone);
    for (const z of pool.zones ?? s.zones) {
      if (!s.zones.includes(z)) continue;
      for (const seg of segments(z)) {
        if (last > lastHostOffset(seg.c)) {
          out.push(problem(["workerPools", i, "sizePerZone"], `pool ${pool.name} needs offset ${last} (slot ${poolSlot(pool, i)}) in ${seg.label} ${formatCidr(seg.c)}, whose last host offset is ${lastHostOffset(seg.c)}`));
        }
      }
    }
  });
}

function poolRules(s: PartialSpec, pools: (WorkerPoolSpec | undefined)[], out: Problem[]): void {
  const names = new Map<string, number>();
  const slots = new Map<number, string>();
  let workers = 0;
  let known = true;
  pools.forEach((pool, i) => {
    if (!pool) {
      known = false;
      return;
    }
    const at = (...rest: PropertyKey[]) => ["workerPools", i, ...rest];
    if (names.has(pool.name)) out.push(problem(at("name"), `duplicate pool name ${pool.name} (also workerPools[${names.get(pool.name)}])`));
    else names.set(pool.name, i);
    const slot = poolSlot(pool, i);
    if (slots.has(slot)) out.push(problem(at(pool.slot === undefined ? "name" : "slot"), `address slot ${slot} is already pool ${slots.get(slot)}'s (a pool's slot is its position in workerPools unless pinned)`));
    else slots.set(slot, pool.name);
    if (s.zones) workers += pool.sizePerZone * (pool.zones ?? s.zones).length;
    poolFieldRules(s, pool, i, out);
  });
  // Pools that failed the schema still get the checks of their good fields.
  for (const b of s.brokenPools ?? []) poolFieldRules(s, b.fields, b.index, out);
  if (known && s.zones && workers === 0) {
    out.push(problem(["workerPools"], "a cluster needs at least one worker (ALBs and cluster add-ons run on workers)"));
  }
}

/** Rules that look at one pool's own fields. */
function poolFieldRules(s: PartialSpec, pool: Partial<WorkerPoolSpec>, i: number, out: Problem[]): void {
  const at = (...rest: PropertyKey[]) => ["workerPools", i, ...rest];
  if (s.zones && pool.zones) {
    const seen = new Set<string>();
    pool.zones.forEach((z, j) => {
      if (!s.zones!.includes(z)) out.push(problem(at("zones", j), `${show(z)} is not one of the cluster's zones (${s.zones!.join(", ")})`));
      if (seen.has(z)) out.push(problem(at("zones", j), `duplicate zone ${z}`));
      seen.add(z);
    });
  }
  if (pool.flavor === undefined) return;
  if (s.infrastructure) flavorRule(pool.flavor, s.infrastructure, pool.hardware, at("flavor"), out);
  const hardware = pool.hardware ?? findFlavor(pool.flavor)?.hardware;
  if (hardware === "baremetal" && pool.isolation === "shared") {
    out.push(problem(at("isolation"), "bare-metal workers are single-tenant: isolation must be dedicated (or left out)"));
  }
  for (const key of Object.keys(pool.labels ?? {})) {
    const reserved = RESERVED_LABEL_PREFIXES.find((p) => key.startsWith(p) || key.includes(`.${p}`));
    if (reserved) out.push(problem(at("labels", key), `the ${reserved} prefix is reserved for labels that Keelson and Kubernetes set`));
  }
  const taints = new Set<string>();
  (pool.taints ?? []).forEach((t, j) => {
    const k = `${t.key}:${t.effect}`;
    if (taints.has(k)) out.push(problem(at("taints", j), `duplicate taint ${t.key} with effect ${t.effect}`));
    taints.add(k);
  });
}

function flavorRule(name: string, infra: Infrastructure, hardware: "virtual" | "baremetal" | undefined, path: PropertyKey[], out: Problem[]): void {
  const flavor = findFlavor(name);
  if (!flavor) {
    out.push(problem(path, `unknown flavor ${name}; known ${infra.kind} flavors: ${flavorsFor(infra.kind, hardware).join(", ")}`));
    return;
  }
  if (!flavor.infrastructures.includes(infra.kind)) {
    out.push(problem(path, `flavor ${name} is not available on ${infra.kind} infrastructure; choose one of ${flavorsFor(infra.kind, hardware).join(", ")}`));
    return;
  }
  if (hardware && flavor.hardware !== hardware) {
    out.push(problem(path, `flavor ${name} is ${flavor.hardware}, but the pool's hardware is ${hardware}; ${hardware} flavors: ${flavorsFor(infra.kind, hardware).join(", ") || "none"}`));
  }
  if (path[0] === "masters" && flavor.hardware !== "virtual") {
    out.push(problem(path, `masters run on virtual flavors; ${name} is ${flavor.hardware}`));
  }
}

function loadBalancerRules(s: { zones: string[]; infrastructure: Infrastructure }, lbs: (LoadBalancerSpec | undefined)[], out: Problem[]): void {
  const infra = s.infrastructure;
  if (!isVlanInfrastructure(infra)) {
    if (lbs.length > 0) out.push(problem(["loadBalancers"], "VPC clusters get LoadBalancer addresses from VPC load balancers, not portable subnets: leave loadBalancers empty"));
    return;
  }
  const names = new Set<string>();
  const pinned = new Map<number, number>();
  const demand = new Map<string, number[]>();
  lbs.forEach((lb, i) => {
    if (!lb) return;
    const key = `${lb.namespace}/${lb.name}`;
    if (names.has(key)) out.push(problem(["loadBalancers", i, "name"], `duplicate LoadBalancer ${key}`));
    names.add(key);
    // A Service may not list the same port and protocol twice, nor two ports under one name (or several without names).
    const seenPorts = new Set<string>();
    const seenNames = new Set<string>();
    lb.ports.forEach((p, j) => {
      if (seenPorts.has(`${p.port}/${p.protocol}`)) out.push(problem(["loadBalancers", i, "ports", j, "port"], `${p.protocol} port ${p.port} is listed twice`));
      seenPorts.add(`${p.port}/${p.protocol}`);
      if (lb.ports.length > 1 && p.name === undefined) out.push(problem(["loadBalancers", i, "ports", j, "name"], "required when a LoadBalancer has several ports"));
      if (p.name !== undefined && seenNames.has(p.name)) out.push(problem(["loadBalancers", i, "ports", j, "name"], `${p.name} is used twice`));
      if (p.name !== undefined) seenNames.add(p.name);
    });
    if (!s.zones.includes(lb.zone)) {
      out.push(problem(["loadBalancers", i, "zone"], `${show(lb.zone)} is not one of the cluster's zones (${s.zones.join(", ")})`));
      return;
    }
    if (lb.network === "public" && !infra.zones[lb.zone].publicVlan) {
      out.push(problem(["loadBalancers", i, "network"], `zone ${lb.zone} has no public VLAN, so no public portable addresses`));
      return;
    }
    const blocks = zonePortableBlocks(s, lb.zone).filter((b) => b.network === lb.network);
    if (lb.ip !== undefined) {
      const ip = parseIp(lb.ip)!;
      const block = blocks.find((b) => containsIp(b.cidr, ip));
      if (!block) {
        out.push(problem(["loadBalancers", i, "ip"], `${lb.ip} is not in zone ${lb.zone}'s ${lb.network} portable subnets (${blocks.map((b) => formatCidr(b.cidr)).join(", ")})`));
        return;
      }
      const off = offsetOf(block.cidr, ip)!;
      if (!isLbOffset(block, off)) {
        const use = off === block.albOffset ? "the default ALB's" : "reserved (network, gateway or broadcast)";
        out.push(problem(["loadBalancers", i, "ip"], `${lb.ip} is ${use} in ${formatCidr(block.cidr)}, not a LoadBalancer address`));
        return;
      }
      if (pinned.has(ip)) {
        out.push(problem(["loadBalancers", i, "ip"], `${lb.ip} is already loadBalancers[${pinned.get(ip)}]'s`));
        return;
      }
      pinned.set(ip, i);
    }
    const k = `${lb.zone}/${lb.network}`;
    demand.set(k, [...(demand.get(k) ?? []), i]);
  });
  for (const [k, indexes] of demand) {
    const [zone, network] = k.split("/");
    const capacity = zonePortableBlocks(s, zone)
      .filter((b) => b.network === network)
      .reduce((n, b) => n + lbCount(b), 0);
    if (indexes.length > capacity) {
      out.push(problem(["loadBalancers", indexes[capacity]], `zone ${zone} has ${capacity} ${network} portable addresses for LoadBalancers and ${indexes.length} are asked for; add a subnet under infrastructure.zones.${zone}.portable.extra`));
    }
  }
}

function clusterNetworkRules(s: PartialSpec, network: ParsedSpec["network"], out: Problem[]): void {
  const pod = cidr(network.podSubnet);
  const svc = cidr(network.serviceSubnet);
  if (pod.prefix > 23) out.push(problem(["network", "podSubnet"], `must be a /23 or larger: every worker takes blocks of pod addresses (got /${pod.prefix})`));
  if (svc.prefix > 24) out.push(problem(["network", "serviceSubnet"], `must be a /24 or larger (got /${svc.prefix})`));
  if (svc.prefix < 12) out.push(problem(["network", "serviceSubnet"], `must be a /12 or smaller: kube-apiserver refuses an IPv4 service range larger than /12 (got /${svc.prefix})`));
  if (!isPrivate(pod)) out.push(problem(["network", "podSubnet"], "must be inside a private (RFC 1918) range"));
  if (!isPrivate(svc)) out.push(problem(["network", "serviceSubnet"], "must be inside a private (RFC 1918) range"));
  if (s.infrastructure?.kind === "lab" && network.calico.encapsulation === "ipip") {
    out.push(problem(["network", "calico", "encapsulation"], "lab hosts cannot use IP-in-IP (the lab kernel has no ipip support); use vxlan"));
  }
  const names = new Set<string>();
  network.calico.policies.forEach((p, i) => {
    const at = (...rest: PropertyKey[]) => ["network", "calico", "policies", i, ...rest];
    const key = `${p.scope}/${p.namespace ?? ""}/${p.name}`;
    if (names.has(key)) out.push(problem(at("name"), `duplicate ${p.scope} policy ${p.name}${p.namespace ? ` in namespace ${p.namespace}` : ""}`));
    names.add(key);
    if (p.scope === "global" && network.calico.defaultHostPolicies !== false && (IKS_DEFAULT_HOST_POLICY_NAMES as readonly string[]).includes(p.name)) {
      out.push(problem(at("name"), `${p.name} is one of IKS's default host policies, which Keelson adds itself; name yours differently, or set network.calico.defaultHostPolicies: false and write all of them`));
    }
    if (p.scope === "namespaced" && !p.namespace) out.push(problem(at("namespace"), "required: a namespaced policy needs its namespace"));
    if (p.scope === "global" && p.namespace) out.push(problem(at("namespace"), "a global policy has no namespace (use scope: namespaced)"));
    if (p.preDnat && p.scope !== "global") out.push(problem(at("preDnat"), "preDNAT policies must be global (Calico GlobalNetworkPolicy)"));
    if (p.preDnat && p.egress.length > 0) out.push(problem(at("egress"), "preDNAT policies have ingress rules only"));
    // What the policy engine cannot enforce faithfully is refused here, before anything is built.
    if ((p.scope !== "namespaced" || p.namespace) && !(p.preDnat && p.scope !== "global")) out.push(...enforcementOf(p, i).problems);
  });
}

/**
 * Workers reach their masters through a service endpoint: private-only
 * workers (no public VLANs; every VPC worker) only through the private one. A
 * public endpoint is served on the masters' public addresses, so asking for
 * one where they have none is an error (not silently dropped).
 */
function endpointRules(s: PartialSpec, e: ParsedSpec["serviceEndpoints"], out: Problem[]): void {
  const infra = s.infrastructure;
  const mastersPublic = infra ? mastersHavePublicAddresses(infra) : true;
  const pub = e.public ?? mastersPublic;
  if (infra && e.public === true && !mastersPublic) {
    out.push(problem(["serviceEndpoints", "public"], infra.kind === "vpc"
      ? "VPC masters have no public address to serve a public endpoint on; set it to false (or leave it out)"
      : "the masters have no public address (there are no public VLANs) to serve a public endpoint on; set it to false (or leave it out)"));
  }
  if (infra && isPrivateOnly(infra) && !e.private) {
    out.push(problem(["serviceEndpoints", "private"], infra.kind === "vpc"
      ? "VPC clusters always have the private service endpoint: their workers reach the masters only through it"
      : "private-only workers (no public VLANs) reach their masters only through the private service endpoint: it must be enabled"));
  } else if (!pub && !e.private) out.push(problem(["serviceEndpoints"], "at least one of the public and the private service endpoint must be enabled"));
  if (!pub && e.publicAllowlist.length > 0) out.push(problem(["serviceEndpoints", "publicAllowlist"], "applies to the public service endpoint, which is disabled"));
}

function labRules(s: PartialSpec, infra: Extract<Infrastructure, { kind: "lab" }>, out: Problem[]): void {
  const zones = s.zones ?? [];
  for (const z of zones) {
    const zone = infra.zones[z];
    const cidrs: [PropertyKey[], string | undefined][] = [
      [["infrastructure", "zones", z, "privateVlan", "primarySubnet"], zone.privateVlan.primarySubnet],
      [["infrastructure", "zones", z, "publicVlan", "primarySubnet"], zone.publicVlan?.primarySubnet],
    ];
    for (const [path, c] of cidrs) {
      if (c && !isPrivate(cidr(c))) out.push(problem(path, `lab addresses live only inside lab network namespaces and must be a private (RFC 1918) range; ${c} is not`));
    }
  }
  for (const n of ["private", "public"] as const) {
    const r = infra.portableRanges[n];
    if (r && !isPrivate(cidr(r))) out.push(problem(["infrastructure", "portableRanges", n], `lab addresses must be a private (RFC 1918) range; ${r} is not`));
  }
  if (s.workerPools && s.workerPools.every((p) => p)) {
    const workers = s.workerPools.reduce((n, p) => n + p!.sizePerZone * (p!.zones ?? zones).length, 0);
    const hosts = MASTER_COUNT + workers;
    if (hosts > infra.maxHosts) {
      out.push(problem(["workerPools"], `the lab would run ${hosts} hosts (${MASTER_COUNT} masters and ${workers} workers), more than infrastructure.maxHosts (${infra.maxHosts})`));
    }
  }
}

function sshRules(s: PartialSpec & { name: string }, infra: Extract<Infrastructure, { kind: "ssh" }>, out: Problem[]): void {
  const zones = s.zones ?? [];
  const planned = new Map<string, string>(); // host name -> zone
  if (zones.length === 1 || zones.length === MASTER_COUNT) {
    for (const m of masterPlacement(zones)) planned.set(hostName(s.name, "master", { index: m.index }), m.zone);
  }
  (s.workerPools ?? []).forEach((p) => {
    if (!p) return;
    for (const z of p.zones ?? zones) for (let n = 1; n <= p.sizePerZone; n++) planned.set(hostName(s.name, "worker", { pool: p.name, zone: z, n }), z);
  });
  for (const [name, zone] of planned) {
    if (!infra.hosts[name]) out.push(problem(["infrastructure", "hosts", name], `required: the plan has host ${name} in zone ${zone}; give its address`));
  }
  const addresses = new Map<string, string>();
  // Built once and cut short: with thousands of hosts, one full list per unknown host would be quadratic.
  const names = [...planned.keys()];
  const plannedList = names.length <= 12 ? names.join(", ") : `${names.slice(0, 12).join(", ")}, … (${names.length} in all)`;
  for (const [name, h] of Object.entries(infra.hosts)) {
    const zone = planned.get(name);
    if (!zone) {
      out.push(problem(["infrastructure", "hosts", name], `the plan has no host named ${show(name)} (hosts: ${plannedList})`));
      continue;
    }
    if (!infra.zones[zone]) continue;
    const priv = primaryCidrOf(infra, zone, "private")!;
    const pub = primaryCidrOf(infra, zone, "public");
    if (h.publicAddress && !pub) out.push(problem(["infrastructure", "hosts", name, "publicAddress"], `zone ${zone} has no public VLAN`));
    if (!h.publicAddress && pub) out.push(problem(["infrastructure", "hosts", name, "publicAddress"], `required: zone ${zone} has a public VLAN, so ${name} needs its public address`));
    const check = (field: "address" | "publicAddress", ip: string, c: Cidr, label: string) => {
      const at = ["infrastructure", "hosts", name, field];
      const off = offsetOf(c, parseIp(ip)!);
      if (off === undefined) {
        out.push(problem(at, `${ip} is not in zone ${zone}'s ${label} ${formatCidr(c)}`));
        return;
      }
      // The subnet's own addresses: a host cannot have them.
      const use = off === 0 ? "network" : off === size(c) - 1 ? "broadcast" : off === 1 ? "gateway" : undefined;
      if (use) out.push(problem(at, `${ip} is the ${use} address of zone ${zone}'s ${label} ${formatCidr(c)}, not a host address`));
      // One address, one host: across private and public addresses alike.
      const other = addresses.get(ip);
      if (other) out.push(problem(at, `${ip} is already ${other}`));
      else addresses.set(ip, `${name}'s ${field === "address" ? "" : "public "}address`);
    };
    check("address", h.address, priv, "private primary subnet");
    if (h.publicAddress && pub) check("publicAddress", h.publicAddress, pub, "public primary subnet");
  }
}

function hostNameRules(cluster: string, s: PartialSpec, pools: (WorkerPoolSpec | undefined)[], out: Problem[]): void {
  pools.forEach((p, i) => {
    if (!p) return;
    const longest = [...(p.zones ?? s.zones ?? [])].sort((a, b) => b.length - a.length)[0];
    if (!longest) return;
    const name = hostName(cluster, "worker", { pool: p.name, zone: longest, n: Math.max(1, p.sizePerZone) });
    if (name.length > 63) out.push(problem(["workerPools", i, "name"], `host names like ${name} would be longer than 63 characters; shorten the cluster, pool or zone name`));
    workerCounterRules(cluster, s, p, i, out);
  });
}

/** A pool's per-worker counters name workers the pool has now (a typo would silently do nothing). */
function workerCounterRules(cluster: string, s: PartialSpec, p: WorkerPoolSpec, i: number, out: Problem[]): void {
  const named = Object.keys(p.workers ?? {});
  if (named.length === 0) return;
  // At most zones x sizePerZone names (16 x 128), both bounded by the schema.
  const workers = new Set((p.zones ?? s.zones ?? []).flatMap((zone) => Array.from({ length: p.sizePerZone }, (_, k) => hostName(cluster, "worker", { pool: p.name, zone, n: k + 1 }))));
  const some = [...workers].slice(0, 3).join(", ");
  for (const w of named) {
    if (workers.has(w)) continue;
    out.push(problem(["workerPools", i, "workers", w], `${show(w)} is not a worker of pool ${p.name}${workers.size ? ` (its workers are named like ${some})` : " (it has none)"}: counters apply to the pool's current workers`));
  }
}
