// The lab network of a stack, as data (pure): which bridges, which addresses
// the routers hold, which routes hosts and the machine get.
//
// Topology (one set per stack, all in the stack's own namespaces):
//   fabric ns   one Linux bridge per VLAN (segment); L2 only, no addresses
//   router ns   the private backbone: one leg in every private bridge holding
//               that VLAN's gateway (and its portable subnets' gateways), IP
//               forwarding on, so private VLANs of different zones reach each
//               other; plus the management link to the root namespace
//   public ns   the public side: one leg in every public bridge holding the
//               public gateways, and a link to the internet client
//   client ns   "the internet": reaches public IPs through the public ns; the
//               public ns has no route to any private range, so private IPs
//               are unreachable from it
// Nothing has a default route out of the lab and nothing is NATed.
import { parseCidr } from "../../pki/ipmath";
import { addressAt, cidr, containsIp, formatCidr, overlaps as cidrsOverlap, parseIp, size, subnetAt } from "../../model/ipv4";
import type { HostSpec, NetworkSpec, SegmentSpec } from "../driver";
import { bridgeName, routerLinkNames, stackNames, validateHostName } from "./naming";

/** Management addresses come from the shared address space (RFC 6598), one /30 per stack. */
export const MGMT_RANGE = "100.64.0.0/10";
/** The internet client's link to the public router (TEST-NET-1, never on a real network). */
export const CLIENT_LINK = { cidr: "192.0.2.0/30", public: "192.0.2.1", client: "192.0.2.2" };

export interface SegmentPlan {
  name: string;
  zone: string;
  network: "public" | "private";
  bridge: string;
  /** veth between the bridge (fabric ns) and the router of this segment's side. */
  fabricLeg: string;
  routerLeg: string;
  /** Addresses (with prefix) the router holds on this segment: gateway of the primary and of each portable subnet. */
  gateways: string[];
  cidrs: string[];
}

export interface NetworkPlan {
  stack: string;
  names: ReturnType<typeof stackNames>;
  segments: SegmentPlan[];
  /** Every private range of the lab: routed from the machine through the management link. */
  privateCidrs: string[];
  publicCidrs: string[];
  mgmt: { cidr: string; router: string; root: string };
  hasPublic: boolean;
}

/** The first usable address of a CIDR, with the CIDR's prefix (a gateway). */
export function gatewayOf(cidr: string, field: string): string {
  const c = parseCidr(cidr, field);
  if (c.prefix > 30) throw new Error(`${field}: ${cidr} is too small for a gateway and hosts (at most /30)`);
  return `${addressAt(c, 1)}/${c.prefix}`;
}

/** Whether `ip` lies in `block`; false for a value that is not an address (validIp reports those). */
export function ipInCidr(ip: string, block: string): boolean {
  const n = parseIp(ip);
  return n !== undefined && containsIp(parseCidr(block, "cidr"), n);
}

function validIp(ip: string, field: string): string {
  if (parseIp(ip ?? "") === undefined) throw new Error(`${field}: ${JSON.stringify(ip)} is not an IPv4 address`);
  return ip;
}

/** The stack's management /30, derived from its name so two stacks get different ones. */
export function mgmtLink(tag: string): NetworkPlan["mgmt"] {
  const range = cidr(MGMT_RANGE);
  const link = subnetAt(range, 30, parseInt(tag, 16) % (size(range) / 4))!;
  return { cidr: formatCidr(link), router: addressAt(link, 1), root: addressAt(link, 2) };
}

function checkSegment(s: SegmentSpec, i: number): void {
  const f = `network.segments[${i}]`;
  if (!s.name) throw new Error(`${f}.name: required`);
  if (s.network !== "public" && s.network !== "private") throw new Error(`${f}.network: must be "public" or "private", got ${JSON.stringify(s.network)}`);
  const gw = gatewayOf(s.primaryCidr, `${f}.primaryCidr`);
  validIp(s.gatewayIp, `${f}.gatewayIp`);
  if (gw.split("/")[0] !== s.gatewayIp) {
    throw new Error(`${f}.gatewayIp: ${s.gatewayIp} is not the first usable address of ${s.primaryCidr} (${gw.split("/")[0]})`);
  }
  s.portableCidrs.forEach((p, j) => gatewayOf(p, `${f}.portableCidrs[${j}]`));
}

function overlaps(a: string, b: string): boolean {
  return cidrsOverlap(parseCidr(a, "a"), parseCidr(b, "b"));
}

export function networkPlan(stack: string, spec: NetworkSpec, labRoot?: string): NetworkPlan {
  const names = stackNames(stack, labRoot);
  if (!spec.segments?.length) throw new Error("network.segments: at least one segment is required");
  const seen = new Map<string, number>();
  spec.segments.forEach((s, i) => {
    checkSegment(s, i);
    if (seen.has(s.name)) throw new Error(`network.segments[${i}].name: ${s.name} is also segments[${seen.get(s.name)}]`);
    seen.set(s.name, i);
    if (!spec.zones.includes(s.zone)) throw new Error(`network.segments[${i}].zone: ${s.zone} is not one of the cluster's zones (${spec.zones.join(", ")})`);
  });
  const all = spec.segments.flatMap((s, i) => [s.primaryCidr, ...s.portableCidrs].map((c) => ({ c, i })));
  for (let a = 0; a < all.length; a++) {
    for (let b = a + 1; b < all.length; b++) {
      if (overlaps(all[a].c, all[b].c)) {
        throw new Error(`network.segments[${all[b].i}]: ${all[b].c} overlaps ${all[a].c} of segments[${all[a].i}]`);
      }
    }
  }
  const mgmt = mgmtLink(names.tag);
  for (const { c, i } of all) {
    if (overlaps(c, mgmt.cidr) || overlaps(c, CLIENT_LINK.cidr)) {
      throw new Error(`network.segments[${i}]: ${c} overlaps the lab's own link ${overlaps(c, mgmt.cidr) ? mgmt.cidr : CLIENT_LINK.cidr}`);
    }
  }
  const segments: SegmentPlan[] = spec.segments.map((s) => {
    const legs = routerLinkNames(s.name);
    const cidrs = [s.primaryCidr, ...s.portableCidrs];
    return {
      name: s.name,
      zone: s.zone,
      network: s.network,
      bridge: bridgeName(s.name),
      fabricLeg: legs.fabric,
      routerLeg: legs.router,
      gateways: cidrs.map((c, j) => gatewayOf(c, `segment ${s.name} cidr ${j}`)),
      cidrs,
    };
  });
  const privateCidrs = segments.filter((s) => s.network === "private").flatMap((s) => s.cidrs);
  const publicCidrs = segments.filter((s) => s.network === "public").flatMap((s) => s.cidrs);
  return { stack, names, segments, privateCidrs, publicCidrs, mgmt, hasPublic: publicCidrs.length > 0 };
}

export interface NicPlan {
  /** Name inside the host. */
  name: "eth0" | "eth1";
  /** Fabric-side veth end. */
  veth: string;
  bridge: string;
  address: string; // ip/prefix
  gateway: string;
}

export interface HostNetPlan {
  nics: NicPlan[];
  /** `ip route` arguments inside the host. */
  routes: string[];
}

/**
 * A host's NICs and routes. Private NIC (eth0): the primary private IP; every
 * private range of the lab and the management range go via the private
 * gateway. Public NIC (eth1): the public IP and the default route, as on an
 * IKS classic worker; a private-only host takes its default via the private
 * gateway, which leads nowhere outside the lab.
 */
export function hostNetPlan(spec: HostSpec, net: NetworkPlan, veths: { privateVeth: string; publicVeth: string }): HostNetPlan {
  validateHostName(spec.name);
  const f = `hosts[${spec.name}]`;
  const priv = net.segments.find((s) => s.name === spec.privateSegment);
  if (!priv) throw new Error(`${f}.privateSegment: no segment named ${JSON.stringify(spec.privateSegment)}`);
  if (priv.network !== "private") throw new Error(`${f}.privateSegment: ${priv.name} is a ${priv.network} segment`);
  if (priv.zone !== spec.zone) throw new Error(`${f}.privateSegment: ${priv.name} is in zone ${priv.zone}, the host in ${spec.zone}`);
  validIp(spec.privateIp, `${f}.privateIp`);
  const primary = priv.cidrs[0];
  const prefix = primary.split("/")[1];
  const gw = priv.gateways[0].split("/")[0];
  if (!ipInCidr(spec.privateIp, primary)) throw new Error(`${f}.privateIp: ${spec.privateIp} is not in ${priv.name}'s primary subnet ${primary}`);
  if (spec.privateIp === gw) throw new Error(`${f}.privateIp: ${spec.privateIp} is the gateway of ${primary}`);
  const nics: NicPlan[] = [{ name: "eth0", veth: veths.privateVeth, bridge: priv.bridge, address: `${spec.privateIp}/${prefix}`, gateway: gw }];
  const routes = [...net.privateCidrs.filter((c) => c !== primary), MGMT_RANGE].map((c) => `${c} via ${gw} dev eth0`);
  if (spec.publicSegment || spec.publicIp) {
    const pub = net.segments.find((s) => s.name === spec.publicSegment);
    if (!pub) throw new Error(`${f}.publicSegment: no segment named ${JSON.stringify(spec.publicSegment)}`);
    if (pub.network !== "public") throw new Error(`${f}.publicSegment: ${pub.name} is a ${pub.network} segment`);
    if (pub.zone !== spec.zone) throw new Error(`${f}.publicSegment: ${pub.name} is in zone ${pub.zone}, the host in ${spec.zone}`);
    if (!spec.publicIp) throw new Error(`${f}.publicIp: required with a public segment`);
    validIp(spec.publicIp, `${f}.publicIp`);
    const pprimary = pub.cidrs[0];
    const pgw = pub.gateways[0].split("/")[0];
    if (!ipInCidr(spec.publicIp, pprimary)) throw new Error(`${f}.publicIp: ${spec.publicIp} is not in ${pub.name}'s primary subnet ${pprimary}`);
    if (spec.publicIp === pgw) throw new Error(`${f}.publicIp: ${spec.publicIp} is the gateway of ${pprimary}`);
    nics.push({ name: "eth1", veth: veths.publicVeth, bridge: pub.bridge, address: `${spec.publicIp}/${pprimary.split("/")[1]}`, gateway: pgw });
    routes.push(`default via ${pgw} dev eth1`);
  } else {
    routes.push(`default via ${gw} dev eth0`);
  }
  return { nics, routes };
}
