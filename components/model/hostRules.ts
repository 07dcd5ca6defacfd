// preDNAT host endpoint policies as iptables rules (pure, unit-tested).
//
// Calico applies a preDNAT policy to traffic arriving on a host endpoint (here:
// a worker's public or private interface) before kube-proxy's DNAT, so a rule
// sees the address and port the client used: IKS's `deny-public-nodeports`
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
export function preDnatRuleLines(r: CalicoRule, chain: string, ruleChain: string, comment: string, at: readonly PropertyKey[]): { chains: string[]; lines: string[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const say = (path: PropertyKey[], msg: string) => problems.push(problem([...at, ...path], msg));
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
  return rules.flatMap((r, j) => preDnatRuleLines(r, "C", "R", "c", ["network", "calico", "policies", policyIndex, "ingress", j]).problems);
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
          const out = preDnatRuleLines(r, chain, `${chain.replace("KEELSON-PREDNAT-", "KPD-")}-${i}-${j}`, `${p.id} ingress[${j}]`, []);
          chains.push(...out.chains);
          lines.push(...out.lines);
        }),
      );
  }
  return ["*mangle", ...chains.map((c) => `:${c} - [0:0]`), ...lines, "COMMIT", ""].join("\n");
}
