// Host endpoint policies as iptables rules (pure, unit-tested).
//
// preDNAT policies: Calico applies them to traffic arriving on a host endpoint
// (here: a worker's public or private interface) before kube-proxy's DNAT, so a
// rule sees the address and port the client used: IKS's `deny-public-nodeports`
// blocks NodePorts 30000-32767 on the public interface while LoadBalancer and
// ALB IPs (other addresses, service ports) keep working. The same place here:
// the mangle table's PREROUTING, as Calico's Felix uses (the jump is the chain's
// last rule, so ACCEPT skips nothing another tool put there), in one chain per
// interface; policies by `order` (then name), rules in their order:
//   Allow, Pass -> ACCEPT  (no later preDNAT rule sees the packet; DNAT and filtering go on)
//   Deny        -> DROP
//   Log         -> LOG, then the next rule
// Packets of established connections are never judged (as Felix does), so a
// node's own outgoing connections from ports in the NodePort range get their replies.
//
// Normal host endpoint policies (IKS's defaults on the public interface:
// allow-icmp, allow-all-outbound, ...): Calico applies them to traffic that
// ends or starts on the host itself, not to traffic forwarded to pods (that
// needs applyOnForward, which Keelson's policies do not have), so NodePort,
// LoadBalancer and ALB traffic DNATed to pods is never judged by them. Here: the
// filter table's INPUT (ingress rules, `-i <interface>`) and OUTPUT (egress
// rules, `-o <interface>`), one chain per interface and direction, jumped to
// first, as Felix inserts its own. An interface some normal policy selects is a
// host endpoint, and Calico's default for one holds: what no rule allows is
// dropped, in both directions (an egress with no policy too). Only the failsafe
// ports pass unjudged, on the private interface (Keelson manages nodes there),
// never on the public one (an IKS worker takes no ssh from the internet).
import type { CalicoRule } from "./calicoRules";
import { problem, type Problem } from "./problems";

/** One preDNAT policy for the nodes: what host rules are made of. */
export interface PreDnatPolicy {
  id: string;
  order?: number;
  interfaces: ("public" | "private")[];
  ingress: CalicoRule[];
}

/** The chain per interface, in the mangle table. */
export const PREDNAT_CHAIN = { public: "KEELSON-PREDNAT-PUBLIC", private: "KEELSON-PREDNAT-PRIVATE" } as const;

const PROTOCOLS: Record<string, string> = { TCP: "tcp", UDP: "udp", ICMP: "icmp", SCTP: "sctp", UDPLite: "udplite", ICMPv6: "ipv6-icmp" };

/** iptables' multiport takes at most 15 ports (a range counts two). */
function portChunks(ports: (number | string)[]): string[] {
  const items = ports.map((p) => String(p));
  const chunks: string[] = [];
  let cur: string[] = [];
  let weight = 0;
  for (const it of items) {
    const w = it.includes(":") ? 2 : 1;
    if (weight + w > 15) {
      chunks.push(cur.join(","));
      cur = [];
      weight = 0;
    }
    cur.push(it);
    weight += w;
  }
  if (cur.length) chunks.push(cur.join(","));
  return chunks;
}

/**
 * The iptables rule lines (`-A <chain> ...`) of one rule, or the problems with
 * paths below `at`. A rule with lists of nets and ports is a set of lines: one
 * per (source net, destination net, port chunk), notNets and notPorts first as
 * RETURNs from a chain of the rule's own.
 */
export function hostRuleLines(r: CalicoRule, chain: string, ruleChain: string, comment: string, at: readonly PropertyKey[], kind: "preDnat" | "normal" = "preDnat"): { chains: string[]; lines: string[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const say = (path: PropertyKey[], msg: string) => problems.push(problem([...at, ...path], msg));
  // Pass skips to the next tier, and host endpoints have no later tier or profile here: what it would mean is not Calico's.
  if (kind === "normal" && r.action === "Pass") say(["action"], "Pass has no faithful meaning in a normal host endpoint policy here (no tiers or profiles follow): use Allow, Deny or Log");
  for (const side of ["source", "destination"] as const) {
    for (const k of ["selector", "notSelector", "namespaceSelector", "serviceAccounts", "services"] as const) {
      if (r[side]?.[k] !== undefined) say([side, k], `host rules match addresses and ports, not workloads: ${k} has no meaning on a host interface`);
    }
    for (const k of ["ports", "notPorts"] as const) {
      (r[side]?.[k] ?? []).forEach((p, i) => {
        if (typeof p === "string" && !/^\d+(:\d+)?$/.test(p)) say([side, k, i], `${JSON.stringify(p)}: a named port is a pod's; host rules need port numbers`);
      });
    }
  }
  if (r.http !== undefined) say(["http"], "host rules cannot match HTTP");
  if (r.ipVersion === 6) say(["ipVersion"], "Keelson clusters are IPv4 only");
  if (problems.length > 0) return { chains: [], lines: [], problems };

  const m: string[] = [];
  const proto = (p: string | number) => PROTOCOLS[String(p)] ?? String(p);
  // The protocol again on every line of a rule's own chain: port matches need it.
  const pm = r.protocol !== undefined ? ["-p", proto(r.protocol)] : [];
  m.push(...pm);
  if (r.notProtocol !== undefined) m.push("!", "-p", proto(r.notProtocol));
  const icmpArg = (i: { type?: number; code?: number }) => `${i.type}${i.code !== undefined ? `/${i.code}` : ""}`;
  if (r.icmp?.type !== undefined) m.push("-m", "icmp", "--icmp-type", icmpArg(r.icmp));
  if (r.notICMP?.type !== undefined) m.push("-m", "icmp", "!", "--icmp-type", icmpArg(r.notICMP));
  m.push("-m", "comment", "--comment", JSON.stringify(comment));
  const target =
    r.action === "Deny" ? ["-j", "DROP"] : r.action === "Log" ? ["-j", "LOG", "--log-prefix", JSON.stringify(`keelson ${comment.slice(0, 19)}: `)] : ["-j", "ACCEPT"];

  const src = r.source ?? {};
  const dst = r.destination ?? {};
  const negations = [...(src.notNets ?? []).map((n) => ["-s", n]), ...(dst.notNets ?? []).map((n) => ["-d", n])];
  const notPorts = [...portChunks(src.notPorts ?? []).map((c) => ["-m", "multiport", "--sports", c]), ...portChunks(dst.notPorts ?? []).map((c) => ["-m", "multiport", "--dports", c])];
  const sNets = src.nets && src.nets.length ? src.nets.map((n) => ["-s", n]) : [[]];
  const dNets = dst.nets && dst.nets.length ? dst.nets.map((n) => ["-d", n]) : [[]];
  const sPorts = src.ports && src.ports.length ? portChunks(src.ports).map((c) => ["-m", "multiport", "--sports", c]) : [[]];
  const dPorts = dst.ports && dst.ports.length ? portChunks(dst.ports).map((c) => ["-m", "multiport", "--dports", c]) : [[]];
  const combos: string[][] = [];
  for (const s of sNets) for (const d of dNets) for (const sp of sPorts) for (const dp of dPorts) combos.push([...s, ...d, ...sp, ...dp]);

  const chains: string[] = [];
  const lines: string[] = [];
  if (negations.length + notPorts.length === 0) {
    for (const c of combos) lines.push(["-A", chain, ...m, ...c, ...target].join(" "));
  } else {
    // Negated lists: the rule's own chain returns for each excluded net or port, then applies.
    chains.push(ruleChain);
    lines.push(["-A", chain, ...m, "-j", ruleChain].join(" "));
    for (const n of [...negations, ...notPorts]) lines.push(["-A", ruleChain, ...pm, ...n, "-j", "RETURN"].join(" "));
    for (const c of combos) lines.push(["-A", ruleChain, ...pm, ...c, ...target].join(" "));
  }
  return { chains, lines, problems };
}

/** Problems of a preDNAT policy's rules (paths from the spec root), for the plan. */
export function preDnatProblems(rules: CalicoRule[], policyIndex: number): Problem[] {
  return rules.flatMap((r, j) => hostRuleLines(r, "C", "R", "c", ["network", "calico", "policies", policyIndex, "ingress", j]).problems);
}

/**
 * iptables-restore input (mangle table, --noflush) for both interfaces'
 * chains: declaring a chain flushes it, so what a removed policy added goes.
 */
export function preDnatRestore(policies: PreDnatPolicy[]): string {
  const sorted = [...policies].sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || a.id.localeCompare(b.id));
  const chains: string[] = [PREDNAT_CHAIN.public, PREDNAT_CHAIN.private];
  const lines: string[] = [];
  for (const iface of ["public", "private"] as const) {
    const chain = PREDNAT_CHAIN[iface];
    lines.push(`-A ${chain} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`);
    sorted
      .filter((p) => p.interfaces.includes(iface))
      .forEach((p, i) =>
        p.ingress.forEach((r, j) => {
          const out = hostRuleLines(r, chain, `${chain.replace("KEELSON-PREDNAT-", "KPD-")}-${i}-${j}`, `${p.id} ingress[${j}]`, []);
          chains.push(...out.chains);
          lines.push(...out.lines);
        }),
      );
  }
  return ["*mangle", ...chains.map((c) => `:${c} - [0:0]`), ...lines, "COMMIT", ""].join("\n");
}

// ---- normal host endpoint policies (filter INPUT/OUTPUT) --------------------

/** One normal host endpoint policy for the nodes. */
export interface HostPolicy {
  id: string;
  order?: number;
  interfaces: ("public" | "private")[];
  types: ("Ingress" | "Egress")[];
  ingress: CalicoRule[];
  egress: CalicoRule[];
}

/** A port that passes unjudged on the private interface (Calico's failsafe ports, and what Keelson's nodes need there). */
export interface FailsafePort {
  protocol: "tcp" | "udp";
  port: number;
  /** Who needs it: written into the rule's comment. */
  why: string;
}

export interface Failsafe {
  inbound: FailsafePort[];
  outbound: FailsafePort[];
}

/** Calico's own failsafe ports (FelixConfiguration failsafeInboundHostPorts / failsafeOutboundHostPorts defaults). */
export const CALICO_FAILSAFE: Failsafe = {
  inbound: [
    { protocol: "tcp", port: 22, why: "ssh" },
    { protocol: "udp", port: 68, why: "dhcp" },
    { protocol: "tcp", port: 179, why: "bgp" },
    { protocol: "tcp", port: 2379, why: "etcd" },
    { protocol: "tcp", port: 2380, why: "etcd" },
    { protocol: "tcp", port: 5473, why: "typha" },
    { protocol: "tcp", port: 6443, why: "kube-apiserver" },
    { protocol: "tcp", port: 6666, why: "etcd (self-hosted)" },
    { protocol: "tcp", port: 6667, why: "etcd (self-hosted)" },
  ],
  outbound: [
    { protocol: "udp", port: 53, why: "dns" },
    { protocol: "udp", port: 67, why: "dhcp" },
    { protocol: "tcp", port: 53, why: "dns" },
    { protocol: "tcp", port: 179, why: "bgp" },
    { protocol: "tcp", port: 2379, why: "etcd" },
    { protocol: "tcp", port: 2380, why: "etcd" },
    { protocol: "tcp", port: 5473, why: "typha" },
    { protocol: "tcp", port: 6443, why: "kube-apiserver" },
    { protocol: "tcp", port: 6666, why: "etcd (self-hosted)" },
    { protocol: "tcp", port: 6667, why: "etcd (self-hosted)" },
  ],
};

/** Calico's failsafe ports plus `extra` (what the node's own agents need), each port once. */
export function failsafeWith(extra: Failsafe): Failsafe {
  const merge = (a: FailsafePort[], b: FailsafePort[]) => [...a, ...b.filter((x) => !a.some((y) => y.protocol === x.protocol && y.port === x.port))];
  return { inbound: merge(CALICO_FAILSAFE.inbound, extra.inbound), outbound: merge(CALICO_FAILSAFE.outbound, extra.outbound) };
}

/** The chains per interface and direction, in the filter table. */
export const HOST_CHAIN = {
  in: { public: "KEELSON-HOST-IN-PUBLIC", private: "KEELSON-HOST-IN-PRIVATE" },
  out: { public: "KEELSON-HOST-OUT-PUBLIC", private: "KEELSON-HOST-OUT-PRIVATE" },
} as const;

/** Problems of a normal host policy's rules (paths from the spec root), for the plan. */
export function hostPolicyProblems(p: { ingress: CalicoRule[]; egress: CalicoRule[] }, policyIndex: number): Problem[] {
  return (["ingress", "egress"] as const).flatMap((dir) =>
    p[dir].flatMap((r, j) => hostRuleLines(r, "C", "R", "c", ["network", "calico", "policies", policyIndex, dir, j], "normal").problems),
  );
}

/** The interfaces that are host endpoints: those some normal policy selects. */
export function hostEndpoints(policies: HostPolicy[]): ("public" | "private")[] {
  return (["public", "private"] as const).filter((i) => policies.some((p) => p.interfaces.includes(i)));
}

/**
 * iptables-restore input (filter table, --noflush) for the four chains. An
 * interface that is no host endpoint gets empty chains (nothing judged); a
 * host endpoint's chain accepts established traffic, then the failsafe ports
 * (private only), then the policies' rules of that direction by order, and
 * drops the rest.
 */
export function hostFilterRestore(policies: HostPolicy[], failsafe: Failsafe): string {
  const sorted = [...policies].sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || a.id.localeCompare(b.id));
  const endpoints = hostEndpoints(policies);
  const chains: string[] = [HOST_CHAIN.in.public, HOST_CHAIN.in.private, HOST_CHAIN.out.public, HOST_CHAIN.out.private];
  const lines: string[] = [];
  for (const [dir, type, key] of [["in", "Ingress", "ingress"], ["out", "Egress", "egress"]] as const) {
    for (const iface of ["public", "private"] as const) {
      if (!endpoints.includes(iface)) continue;
      const chain = HOST_CHAIN[dir][iface];
      const short = `KH${dir === "in" ? "I" : "O"}-${iface === "public" ? "PUB" : "PRIV"}`;
      lines.push(`-A ${chain} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
      if (iface === "private") {
        for (const f of dir === "in" ? failsafe.inbound : failsafe.outbound) {
          lines.push(`-A ${chain} -p ${f.protocol} -m ${f.protocol} --dport ${f.port} -m comment --comment ${JSON.stringify(`failsafe: ${f.why}`)} -j ACCEPT`);
        }
      }
      sorted
        .filter((p) => p.interfaces.includes(iface) && p.types.includes(type))
        .forEach((p, i) =>
          p[key].forEach((r, j) => {
            const out = hostRuleLines(r, chain, `${short}-${i}-${j}`, `${p.id} ${key}[${j}]`, [], "normal");
            chains.push(...out.chains);
            lines.push(...out.lines);
          }),
        );
      // Calico's default for a host endpoint: what no policy allowed is dropped.
      lines.push(`-A ${chain} -m comment --comment "host endpoint: not allowed by any policy" -j DROP`);
    }
  }
  return ["*filter", ...chains.map((c) => `:${c} - [0:0]`), ...lines, "COMMIT", ""].join("\n");
}
