// What enforces each of the spec's Calico policies (pure, unit-tested).
//
// Pod policies (scope: namespaced) become Kubernetes NetworkPolicy objects,
// which kube-router's policy controller enforces on every worker. Calico's
// model is richer than NetworkPolicy (ordered policies, Deny and Pass, ICMP,
// negations, service accounts, L7): a policy using what NetworkPolicy cannot
// say is *rejected* with the field that says it, never translated into
// something weaker. The faithful subset, rule by rule:
//   - action Allow (a policy that selects a pod denies every flow of its types
//     that no policy allows: Kubernetes' default-deny, and Calico's too);
//   - protocol TCP, UDP, SCTP (or 6, 17, 132), or none (every protocol);
//   - ports on the far side: numbers, "min:max" ranges, named ports;
//   - the far side as selector and/or namespaceSelector (label conjunctions:
//     ==, !=, has(), !has(), in, not in, all()), or as nets with notNets
//     (ipBlock with except);
//   - policy types from `types`, or as Calico infers them.
// `order` is kept in the record but changes nothing: with Allow rules only, the
// outcome does not depend on the order policies are evaluated in.
//
// Host endpoint policies (global, selecting `ibm.role`, or preDNAT) are
// recognised here and their interfaces checked; both kinds become host rules
// on the nodes' interfaces (model/hostRules.ts): preDNAT in mangle PREROUTING,
// normal ones in filter INPUT/OUTPUT. IKS's default host policies
// (model/iksHostPolicies.ts) join the spec's unless turned off.
import { cidr, containsCidr, formatCidr, type Cidr } from "./ipv4";
import { problem, type Problem } from "./problems";
import { parseSelector, type SelectorNode } from "./selector";
import type { CalicoPolicySpec } from "./schema";
import type { CalicoRule } from "./calicoRules";
import { hostPolicyProblems, preDnatProblems, type HostPolicy, type PreDnatPolicy } from "./hostRules";
import { iksDefaultHostPolicies, IKS_DEFAULT_HOST_POLICY_NAMES } from "./iksHostPolicies";

/** A Kubernetes label selector (metav1.LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

export interface NetworkPolicyPort {
  protocol: "TCP" | "UDP" | "SCTP";
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicyRule {
  ports?: NetworkPolicyPort[];
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
}

export interface NetworkPolicyObject {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { podSelector: LabelSelector; policyTypes: ("Ingress" | "Egress")[]; ingress?: NetworkPolicyRule[]; egress?: NetworkPolicyRule[] };
}

/** What one spec policy became. */
export type Enforcement =
  | { policy: string; as: "NetworkPolicy"; object: NetworkPolicyObject }
  | { policy: string; as: "HostRules"; preDnat: boolean; interfaces: ("public" | "private")[] };

/** The label every object made from a spec policy carries (who made it, and from which policy). */
export const POLICY_LABEL = "keelson.dev/policy";

/** Calico's label for a namespace's name, and the one Kubernetes sets on every namespace. */
const CALICO_NAMESPACE_NAME = "projectcalico.org/name";
const K8S_NAMESPACE_NAME = "kubernetes.io/metadata.name";

/** Calico's default policy types: Ingress, plus Egress when there are egress rules; Egress alone when there are only egress rules. */
export function policyTypes(p: Pick<CalicoPolicySpec, "ingress" | "egress" | "preDnat"> & { types?: ("Ingress" | "Egress")[] }): ("Ingress" | "Egress")[] {
  if (p.types && p.types.length > 0) return [...p.types];
  const t = [...(p.ingress.length > 0 || p.preDnat ? ["Ingress" as const] : []), ...(p.egress.length > 0 ? ["Egress" as const] : [])];
  return t.length > 0 ? t : ["Ingress"];
}

/** A host endpoint policy: preDNAT, or a global policy whose selector names IKS's host endpoint label ibm.role. */
export function isHostPolicy(p: Pick<CalicoPolicySpec, "scope" | "preDnat" | "selector">): boolean {
  if (p.preDnat) return true;
  if (p.scope !== "global") return false;
  const r = parseSelector(p.selector);
  return "node" in r && selectorKeys(r.node).includes("ibm.role");
}

function selectorKeys(n: SelectorNode): string[] {
  switch (n.kind) {
    case "has":
    case "compare":
    case "set":
      return [n.key];
    case "not":
      return selectorKeys(n.expr);
    case "and":
    case "or":
      return n.exprs.flatMap(selectorKeys);
    default:
      return [];
  }
}

/** The host interfaces an IKS host endpoint selector picks (ibm.role == 'worker_public' / 'worker_private'). */
function hostInterfaces(selector: string): ("public" | "private")[] | undefined {
  const r = parseSelector(selector);
  if (!("node" in r)) return undefined;
  const terms = r.node.kind === "and" ? r.node.exprs : [r.node];
  const roles = terms.filter((t) => t.kind === "compare" && t.key === "ibm.role" && t.op === "==") as { value: string }[];
  const sets = terms.filter((t) => t.kind === "set" && t.key === "ibm.role" && t.op === "in") as { values: string[] }[];
  if (roles.length + sets.length !== 1 || terms.length !== 1) return undefined;
  const values = roles.length ? [roles[0].value] : sets[0].values;
  const out = values.map((v) => (v === "worker_public" ? "public" : v === "worker_private" ? "private" : undefined));
  return out.every((x): x is "public" | "private" => x !== undefined) && out.length > 0 ? [...new Set(out)] : undefined;
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function labelKeyProblem(key: string): string | undefined {
  const [prefix, name] = key.includes("/") ? [key.slice(0, key.lastIndexOf("/")), key.slice(key.lastIndexOf("/") + 1)] : [undefined, key];
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `label key ${JSON.stringify(key)}: its prefix is not a DNS subdomain`;
  if (!LABEL_NAME.test(name)) return `label key ${JSON.stringify(key)} is not a Kubernetes label name (63 characters at most: letters, digits, '-', '_', '.')`;
  return undefined;
}

function labelValueProblem(v: string): string | undefined {
  return v === "" || LABEL_NAME.test(v) ? undefined : `label value ${JSON.stringify(v)} is not a Kubernetes label value (63 characters at most: letters, digits, '-', '_', '.')`;
}

/**
 * A Calico selector as a Kubernetes label selector: a conjunction of label
 * tests. Disjunctions, negations of anything but has(), global() and the string
 * matches (contains, starts with, ends with) have no LabelSelector form.
 */
export function labelSelector(text: string, opts: { namespaceLabels?: boolean } = {}): { selector: LabelSelector } | { problem: string } {
  const parsed = parseSelector(text);
  if ("problem" in parsed) return parsed;
  const terms = parsed.node.kind === "and" ? parsed.node.exprs : [parsed.node];
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelector["matchExpressions"]> = [];
  const no = (what: string) => ({ problem: `selector ${JSON.stringify(text)}: ${what} has no Kubernetes label selector form (label tests joined by &&: ==, !=, has(), !has(), in, not in, all()), so the policy engine could not enforce it faithfully` });
  const key = (k: string) => (opts.namespaceLabels && k === CALICO_NAMESPACE_NAME ? K8S_NAMESPACE_NAME : k);
  for (const t of terms) {
    const k = "key" in t ? key(t.key) : undefined;
    const bad = k !== undefined ? labelKeyProblem(k) : undefined;
    if (bad) return { problem: `selector ${JSON.stringify(text)}: ${bad}` };
    const values = t.kind === "compare" ? [t.value] : t.kind === "set" ? t.values : [];
    for (const v of values) {
      const p = labelValueProblem(v);
      if (p) return { problem: `selector ${JSON.stringify(text)}: ${p}` };
    }
    if (t.kind === "all") continue;
    if (t.kind === "has") matchExpressions.push({ key: k!, operator: "Exists" });
    else if (t.kind === "not" && t.expr.kind === "has") {
      const nk = key(t.expr.key);
      const p = labelKeyProblem(nk);
      if (p) return { problem: `selector ${JSON.stringify(text)}: ${p}` };
      matchExpressions.push({ key: nk, operator: "DoesNotExist" });
    } else if (t.kind === "compare" && t.op === "==") {
      if (k! in matchLabels && matchLabels[k!] !== t.value) matchExpressions.push({ key: k!, operator: "In", values: [t.value] });
      else matchLabels[k!] = t.value;
    } else if (t.kind === "compare" && t.op === "!=") matchExpressions.push({ key: k!, operator: "NotIn", values: [t.value] });
    else if (t.kind === "set" && t.op === "in") {
      // Calico's `in {}` matches nothing; Kubernetes refuses In without values.
      if (t.values.length === 0) return no("`in {}` (matches nothing)");
      matchExpressions.push({ key: k!, operator: "In", values: [...t.values] });
    } else if (t.kind === "set" && t.op === "not in") {
      if (t.values.length > 0) matchExpressions.push({ key: k!, operator: "NotIn", values: [...t.values] });
    } else if (t.kind === "or") return no("`||`");
    else if (t.kind === "not") return no("`!` of anything but has()");
    else if (t.kind === "global") return no("global()");
    else if (t.kind === "compare") return no(`\`${t.op}\``);
    else if (t.kind === "and") return no("a nested group");
  }
  return {
    selector: {
      ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
      ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
    },
  };
}

type Side = NonNullable<CalicoRule["source"]>;

/** ipBlocks for Calico's `nets` minus `notNets`: each net with the notNets inside it as except; a net inside a notNet drops out. */
export function ipBlocks(nets: string[] | undefined, notNets: string[] | undefined): NetworkPolicyPeer[] {
  const outs = (notNets ?? []).map(cidr);
  const ins = nets && nets.length > 0 ? nets.map(cidr) : [cidr("0.0.0.0/0")];
  return ins
    .filter((n) => !outs.some((o) => containsCidr(o, n)))
    .map((n: Cidr) => {
      const except = outs.filter((o) => containsCidr(n, o) && !(o.network === n.network && o.prefix === n.prefix)).map(formatCidr);
      return { ipBlock: { cidr: formatCidr(n), ...(except.length > 0 ? { except: [...new Set(except)] } : {}) } };
    });
}

const PROTOCOL_NAMES: Record<string, "TCP" | "UDP" | "SCTP"> = { TCP: "TCP", UDP: "UDP", SCTP: "SCTP", "6": "TCP", "17": "UDP", "132": "SCTP" };

/** One Calico rule as a NetworkPolicy rule, or the problems (with paths below the rule) that stop it. */
function translateRule(r: CalicoRule, direction: "ingress" | "egress", at: (...p: PropertyKey[]) => PropertyKey[]): { rule?: NetworkPolicyRule; problems: Problem[] } {
  const problems: Problem[] = [];
  const say = (path: PropertyKey[], msg: string) => problems.push(problem(at(...path), msg));
  if (r.action !== "Allow") {
    say(
      ["action"],
      `${r.action}: the policy engine enforces Kubernetes NetworkPolicy, which only allows (a pod any policy selects is denied every flow of the policy's types that no rule allows). ` +
        `Drop the rule and let the policy's types deny, or allow what should pass`,
    );
  }
  for (const f of ["notProtocol", "icmp", "notICMP", "http"] as const) {
    if (r[f] !== undefined) say([f], `${f} has no Kubernetes NetworkPolicy form, so the policy engine could not enforce it faithfully`);
  }
  if (r.ipVersion === 6) say(["ipVersion"], "Keelson clusters are IPv4 only");
  let protocol: NetworkPolicyPort["protocol"] | undefined;
  if (r.protocol !== undefined) {
    protocol = PROTOCOL_NAMES[String(r.protocol)];
    if (!protocol) say(["protocol"], `${r.protocol}: Kubernetes NetworkPolicy matches TCP, UDP and SCTP only (no ICMP or other protocols), so the policy engine could not enforce it faithfully`);
  }
  // The near side is the selected pods themselves; the far side is the peer.
  const [nearName, farName] = direction === "ingress" ? (["destination", "source"] as const) : (["source", "destination"] as const);
  const near: Side = r[nearName] ?? {};
  const far: Side = r[farName] ?? {};
  for (const [k, v] of Object.entries(near)) {
    if (v === undefined) continue;
    if (direction === "ingress" && k === "ports") continue;
    say([nearName, k], `${direction} rules match the selected pods themselves on the ${nearName} side${direction === "ingress" ? " (only their ports can be named there)" : ""}; NetworkPolicy has no ${k} for them`);
  }
  for (const k of ["notSelector", "notPorts", "serviceAccounts", "services"] as const) {
    if (far[k] !== undefined) say([farName, k], `${k} has no Kubernetes NetworkPolicy form, so the policy engine could not enforce it faithfully`);
  }
  if (direction === "ingress" && far.ports !== undefined) say([farName, "ports"], "NetworkPolicy cannot match source ports");
  const hasNets = far.nets !== undefined || far.notNets !== undefined;
  if (hasNets && (far.selector !== undefined || far.namespaceSelector !== undefined)) {
    say([farName, "nets"], "nets together with a selector has no NetworkPolicy form (a peer is either addresses or pods); write two rules");
  }
  const ports = direction === "ingress" ? near.ports : far.ports;
  const peers: NetworkPolicyPeer[] = [];
  if (hasNets) peers.push(...ipBlocks(far.nets, far.notNets));
  else if (far.selector !== undefined || far.namespaceSelector !== undefined) {
    const peer: NetworkPolicyPeer = {};
    for (const [k, field, ns] of [
      ["selector", "podSelector", false],
      ["namespaceSelector", "namespaceSelector", true],
    ] as const) {
      if (far[k] === undefined) continue;
      const s = labelSelector(far[k]!, { namespaceLabels: ns });
      if ("problem" in s) say([farName, k], s.problem);
      else peer[field] = s.selector;
    }
    peers.push(peer);
  }
  if (problems.length > 0) return { problems };
  const rule: NetworkPolicyRule = {};
  if (ports && ports.length > 0) {
    rule.ports = ports.map((p) => {
      const m = typeof p === "string" ? /^(\d+):(\d+)$/.exec(p) : null;
      if (m) return { protocol: protocol ?? "TCP", port: Number(m[1]), ...(m[1] !== m[2] ? { endPort: Number(m[2]) } : {}) };
      return { protocol: protocol ?? "TCP", port: typeof p === "string" && /^\d+$/.test(p) ? Number(p) : p };
    });
  } else if (protocol) rule.ports = [{ protocol }];
  if (hasNets && peers.length === 0) {
    // Every net lies inside a notNet: the rule matches nothing, and NetworkPolicy has no empty peer list.
    problems.push(problem(at(farName, "nets"), "every net lies inside one of notNets: the rule matches nothing; remove it"));
    return { problems };
  }
  if (peers.length > 0) rule[direction === "ingress" ? "from" : "to"] = peers;
  return { rule, problems };
}

/** The policy's name in the record: scope/namespace/name. */
export function policyId(p: Pick<CalicoPolicySpec, "scope" | "namespace" | "name">): string {
  return p.scope === "global" ? `global/${p.name}` : `${p.namespace}/${p.name}`;
}

/**
 * What enforces policy `i` of the spec, or the problems that stop it (paths
 * from the spec's root). Structural checks (namespace given, preDNAT global)
 * are rules.ts's; this is only what the policy engine can and cannot say.
 */
export function enforcementOf(p: CalicoPolicySpec & { types?: ("Ingress" | "Egress")[] }, i: number): { enforcement?: Enforcement; problems: Problem[] } {
  const at = (...rest: PropertyKey[]) => ["network", "calico", "policies", i, ...rest];
  const id = policyId(p);
  if (isHostPolicy(p)) {
    const interfaces = hostInterfaces(p.selector);
    if (!interfaces) {
      return { problems: [problem(at("selector"), `host endpoint policies select interfaces with ibm.role == 'worker_public' or ibm.role == 'worker_private' (or ibm.role in {...} of those), as IKS's do; ${JSON.stringify(p.selector)} is not one of those`)] };
    }
    const problems = p.preDnat ? preDnatProblems(p.ingress, i) : hostPolicyProblems(p, i);
    for (const [direction, type] of [["ingress", "Ingress"], ["egress", "Egress"]] as const) {
      if (!p.preDnat && p.types && p[direction].length > 0 && !p.types.includes(type)) problems.push(problem(at("types"), `${direction} rules are given but types has no ${type}: they would be ignored`));
    }
    if (problems.length > 0) return { problems };
    return { enforcement: { policy: id, as: "HostRules", preDnat: p.preDnat, interfaces }, problems: [] };
  }
  if (p.scope === "global") {
    return {
      problems: [
        problem(
          at("scope"),
          "a global policy that selects pods is a cluster-wide, ordered policy; the policy engine (kube-router) enforces Kubernetes NetworkPolicy, which has no cluster-wide or ordered form (no AdminNetworkPolicy). Write it as namespaced policies, one per namespace",
        ),
      ],
    };
  }
  const problems: Problem[] = [];
  for (const [direction, type] of [["ingress", "Ingress"], ["egress", "Egress"]] as const) {
    if (p.types && p[direction].length > 0 && !p.types.includes(type)) problems.push(problem(at("types"), `${direction} rules are given but types has no ${type}: they would be ignored`));
  }
  const pod = labelSelector(p.selector);
  if ("problem" in pod) problems.push(problem(at("selector"), pod.problem));
  const rules = { ingress: [] as NetworkPolicyRule[], egress: [] as NetworkPolicyRule[] };
  for (const direction of ["ingress", "egress"] as const) {
    p[direction].forEach((r, j) => {
      const t = translateRule(r, direction, (...rest) => at(direction, j, ...rest));
      problems.push(...t.problems);
      if (t.rule) rules[direction].push(t.rule);
    });
  }
  if (problems.length > 0 || "problem" in pod) return { problems };
  const types = policyTypes(p);
  const object: NetworkPolicyObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: p.name, namespace: p.namespace!, labels: { "app.kubernetes.io/managed-by": "keelson", [POLICY_LABEL]: p.name } },
    spec: {
      podSelector: pod.selector,
      policyTypes: types,
      ...(types.includes("Ingress") && rules.ingress.length > 0 ? { ingress: rules.ingress } : {}),
      ...(types.includes("Egress") && rules.egress.length > 0 ? { egress: rules.egress } : {}),
    },
  };
  return { enforcement: { policy: id, as: "NetworkPolicy", object }, problems: [] };
}

/** A line per policy: what it became and where it is enforced (the stack output `networkPolicies`). */
export function describeEnforcement(e: Enforcement): { policy: string; became: string; where: string } {
  if (e.as === "NetworkPolicy") {
    return { policy: e.policy, became: `NetworkPolicy ${e.object.metadata.namespace}/${e.object.metadata.name}`, where: "every worker, for the pods it selects (kube-router)" };
  }
  if (e.preDnat) return { policy: e.policy, became: "host rules (preDNAT, iptables mangle PREROUTING)", where: `every worker's ${e.interfaces.join(" and ")} interface` };
  const iks = (IKS_DEFAULT_HOST_POLICY_NAMES as readonly string[]).includes(e.policy.replace(/^global\//, "")) ? ", IKS default" : "";
  return { policy: e.policy, became: `host rules (iptables filter INPUT/OUTPUT${iks})`, where: `every worker's ${e.interfaces.join(" and ")} interface (a host endpoint: what no policy allows is dropped)` };
}

type SpecPolicy = CalicoPolicySpec & { types?: ("Ingress" | "Egress")[] };

/**
 * The policies in force: IKS's default host policies (unless
 * defaultHostPolicies is false), then the spec's own. A spec policy may not
 * take a default's name (rules.ts says so): the defaults come first, so the
 * spec's indices are the spec's paths after them.
 */
export function policiesInForce(calico: { policies: SpecPolicy[]; defaultHostPolicies?: boolean; systemManagementNets?: string[] }, podSubnet: string): SpecPolicy[] {
  const defaults = calico.defaultHostPolicies === false ? [] : iksDefaultHostPolicies(podSubnet, calico.systemManagementNets ?? []);
  return [...defaults, ...calico.policies];
}

/** The normal host endpoint policies among `policies`, as every node's host rules take them. */
export function hostPolicies(policies: SpecPolicy[]): HostPolicy[] {
  return policies.flatMap((p, i) => {
    const e = enforcementOf(p, i).enforcement;
    return e?.as === "HostRules" && !e.preDnat
      ? [{ id: e.policy, ...(p.order !== undefined ? { order: p.order } : {}), interfaces: e.interfaces, types: policyTypes(p), ingress: p.ingress, egress: p.egress }]
      : [];
  });
}

/** The spec's preDNAT policies, as every node's host rules take them. */
export function preDnatPolicies(policies: SpecPolicy[]): PreDnatPolicy[] {
  return policies.flatMap((p, i) => {
    const e = enforcementOf(p, i).enforcement;
    return e?.as === "HostRules" && e.preDnat ? [{ id: e.policy, ...(p.order !== undefined ? { order: p.order } : {}), interfaces: e.interfaces, ingress: p.ingress }] : [];
  });
}
