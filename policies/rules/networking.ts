// Networking: portable subnets big enough for the ALBs and LoadBalancers asked
// for, no overlapping CIDRs, and private-only clusters that stay private.
// Seed 001: a default portable /29 has 8 addresses: 3 reserved (network,
// gateway, broadcast), 1 for the zone's Ingress ALB, 4 for LoadBalancers.
import { ClusterView, Found, Violation, clusterLabel, known, label, violation } from "./model";
import { parseCidr } from "./cidr";
import { containsIp, overlaps, parseIp, size as cidrSize, type Cidr } from "../../components/model/ipv4";
import type { PortableSubnetProps } from "../../components/types";

const DEFAULT_RESERVED = 3;

function usable(p: Found<PortableSubnetProps>): number | undefined {
  const c = parseCidr(p.props.cidr);
  const size = p.props.size ?? (c ? cidrSize(c) : undefined);
  if (!known(size)) return undefined;
  return size - (p.props.reserved?.length ?? DEFAULT_RESERVED);
}

/** portable-subnet-capacity: every ALB and LoadBalancer has a portable address in its zone and network. */
export function portableSubnetCapacity(view: ClusterView): Violation[] {
  const out: Violation[] = [];
  // (1) Each subnet's own allocation fits in it.
  for (const p of view.portables) {
    const u = usable(p);
    const alb = p.props.albIps?.length ?? 0;
    const lb = p.props.loadBalancerIps?.length ?? 0;
    if (known(u) && alb + lb > u) {
      out.push(
        violation(
          p,
          `${label("PortableSubnet", p)} (${p.props.cidr}) has ${u} usable addresses but ${alb} ALB and ${lb} LoadBalancer addresses are assigned to it. ` +
            `Fix: order a larger portable subnet for ${p.props.zone}/${p.props.network} or ask for fewer LoadBalancers.`,
        ),
      );
    }
  }
  // (2) What the cluster asks for per zone and network fits in that zone's portable subnets.
  const key = (zone?: string, network?: string) => `${zone}/${network}`;
  const demand = new Map<string, string[]>();
  for (const a of view.albs) {
    if (a.props.enabled === false || !known(a.props.zone) || !known(a.props.network)) continue;
    const k = key(a.props.zone, a.props.network);
    demand.set(k, [...(demand.get(k) ?? []), `IngressAlb "${a.name}"`]);
  }
  for (const l of view.loadBalancers) {
    if (!known(l.props.zone) || !known(l.props.network)) continue;
    const k = key(l.props.zone, l.props.network);
    demand.set(k, [...(demand.get(k) ?? []), `LoadBalancer "${l.name}"`]);
  }
  for (const [k, users] of demand) {
    const subnets = view.portables.filter((p) => key(p.props.zone, p.props.network) === k);
    const caps = subnets.map(usable);
    if (caps.some((c) => !known(c))) continue; // not known yet
    const total = caps.reduce<number>((s, c) => s + (c ?? 0), 0);
    if (users.length > total) {
      out.push(
        violation(
          view.cluster ?? subnets[0],
          `${clusterLabel(view)} asks for ${users.length} portable addresses in ${k} (${users.join(", ")}) but its portable subnets there ` +
            `(${subnets.map((s) => `"${s.name}" ${s.props.cidr}`).join(", ") || "none"}) have ${total} usable. ` +
            `Fix: add a larger portable subnet for ${k} or move LoadBalancers to another zone.`,
        ),
      );
    }
  }
  // (3) Each ALB / LoadBalancer address lies in a portable subnet of its own zone and network.
  const placed = [
    ...view.albs.filter((a) => a.props.enabled !== false).map((a) => ({ kind: "IngressAlb", r: a, props: a.props })),
    ...view.loadBalancers.map((l) => ({ kind: "LoadBalancer", r: l, props: l.props })),
  ];
  for (const { kind, r, props } of placed) {
    const ip = known(props.ip) ? parseIp(props.ip) : undefined;
    if (ip === undefined) continue;
    const home = view.portables.filter((p) => key(p.props.zone, p.props.network) === key(props.zone, props.network));
    const cidrs = home.map((p) => parseCidr(p.props.cidr));
    if (cidrs.some((c) => !c)) continue;
    if (!cidrs.some((c) => containsIp(c!, ip))) {
      out.push(
        violation(
          r,
          `${label(kind, r)} has address ${props.ip}, which is in none of the ${props.network} portable subnets of zone ${props.zone}` +
            ` (${home.map((p) => p.props.cidr).join(", ") || "none"}). Fix: use an address from that zone's ${props.network} portable subnet.`,
        ),
      );
    }
  }
  return out;
}

interface NamedCidr {
  what: string;
  cidr: Cidr;
  text: string;
  r?: { name: string; urn: string };
  /** Same physical subnet seen twice (a VLAN's primary subnet shared by records of the same zone/network). */
  sameAs?: string;
}

/** no-overlapping-cidrs: pod, service, primary, portable and VPC subnets of a cluster are disjoint. */
export function noOverlappingCidrs(view: ClusterView): Violation[] {
  const all: NamedCidr[] = [];
  const add = (what: string, text: string | undefined, r?: { name: string; urn: string }, sameAs?: string) => {
    const c = parseCidr(text);
    if (c) all.push({ what, cidr: c, text: text!, r, sameAs });
  };
  const c = view.cluster;
  if (c) {
    add(`the pod subnet of Cluster "${c.name}"`, c.props.podSubnet, c);
    add(`the service subnet of Cluster "${c.name}"`, c.props.serviceSubnet, c);
  }
  for (const v of view.vlans) add(`the primary subnet of Vlan "${v.name}"`, v.props.primaryCidr, v, `vlan:${v.props.zone}/${v.props.network}/${v.props.primaryCidr}`);
  for (const p of view.portables) add(`PortableSubnet "${p.name}"`, p.props.cidr, p);
  for (const s of view.vpcSubnets) add(`VpcSubnet "${s.name}"`, s.props.cidr, s);
  const out: Violation[] = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i];
      const b = all[j];
      if (a.sameAs && a.sameAs === b.sameAs) continue;
      if (overlaps(a.cidr, b.cidr)) {
        out.push(
          violation(
            b.r ?? a.r,
            `${a.what} (${a.text}) overlaps ${b.what} (${b.text}); packets for the shared addresses would be routed to the wrong place. Fix: choose non-overlapping ranges.`,
          ),
        );
      }
    }
  }
  return out;
}

/** private-only-no-public: a private-only cluster has no public ALB, public LoadBalancer or public worker address. */
export function privateOnlyNoPublic(view: ClusterView): Violation[] {
  if (view.cluster?.props.privateOnly !== true) return [];
  const out: Violation[] = [];
  const c = clusterLabel(view);
  for (const a of view.albs) {
    if (a.props.network === "public" && a.props.enabled !== false) {
      out.push(violation(a, `${label("IngressAlb", a)} is a public ALB but ${c} is private-only. Fix: disable the public ALB (albs.public.enabled: false) or use a private ALB.`));
    }
  }
  for (const l of view.loadBalancers) {
    if (l.props.network === "public") {
      out.push(violation(l, `${label("LoadBalancer", l)} is public but ${c} is private-only. Fix: give it network "private".`));
    }
  }
  for (const w of view.workers) {
    if (known(w.props.publicIp) && w.props.publicIp !== "") {
      out.push(violation(w, `${label("Worker", w)} has public address ${w.props.publicIp} but ${c} is private-only. Fix: connect the worker to the private VLAN only.`));
    }
  }
  return out;
}
