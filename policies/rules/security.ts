// Security settings of the cluster's master: who may reach the public service
// endpoint, and the apiserver switches IKS always turns on (or off).
import { ClusterView, Violation, known, label, violation } from "./model";
import { parseCidr } from "./cidr";
import { containsCidr } from "../../components/model/ipv4";
import type { AllowlistConfig } from "./config";

/** public-endpoint-allowlist: a public service endpoint only with an allow-list of source CIDRs. */
export function publicEndpointAllowlist(view: ClusterView, cfg: AllowlistConfig): Violation[] {
  const c = view.cluster;
  const ep = c?.props.serviceEndpoints;
  if (!c || !ep || ep.public !== true) return [];
  const list = ep.publicAllowlist;
  if (!known(list)) return []; // not known during preview
  const cl = label("Cluster", c);
  if (list.length === 0) {
    return [
      violation(
        c,
        `${cl} enables the public service endpoint with no source allow-list, so anyone on the internet can reach the apiserver. ` +
          `Fix: set serviceEndpoints.publicAllowlist to your CIDRs, or serviceEndpoints.public: false.`,
      ),
    ];
  }
  const out: Violation[] = [];
  const allowed = cfg.allowedSourceCidrs.map(parseCidr).filter(known);
  for (const entry of list) {
    if (!known(entry)) continue;
    const cidr = parseCidr(entry);
    if (!cidr) {
      out.push(violation(c, `${cl} has "${entry}" in serviceEndpoints.publicAllowlist, which is not a CIDR. Fix: write it like 203.0.113.0/24.`));
    } else if (cidr.prefix === 0) {
      out.push(violation(c, `${cl} allows ${entry} on its public service endpoint, which is everyone. Fix: list only the networks that need the apiserver.`));
    } else if (allowed.length > 0 && !allowed.some((a) => containsCidr(a, cidr))) {
      out.push(
        violation(
          c,
          `${cl} allows ${entry} on its public service endpoint, outside the sources this pack allows (${cfg.allowedSourceCidrs.join(", ")}). ` +
            `Fix: narrow the allow-list or extend allowedSourceCidrs in the policy config.`,
        ),
      );
    }
  }
  return out;
}

function apiserverSwitch(view: ClusterView, field: "encryptionAtRest" | "auditLogging" | "anonymousAuth", want: boolean, why: string): Violation[] {
  const c = view.cluster;
  const v = c?.props.apiserver?.[field];
  if (!c || !known(v) || v === want) return [];
  return [violation(c, `${label("Cluster", c)} sets apiserver.${field}: ${v}; ${why} Fix: set apiserver.${field}: ${want}.`)];
}

/** encryption-at-rest: Secrets in etcd are encrypted by the apiserver. */
export function encryptionAtRest(view: ClusterView): Violation[] {
  return apiserverSwitch(view, "encryptionAtRest", true, "Secrets would be stored in etcd (and its backups) in plaintext.");
}

/** audit-logging: the apiserver writes an audit log. */
export function auditLogging(view: ClusterView): Violation[] {
  return apiserverSwitch(view, "auditLogging", true, "without an audit log nobody can tell who changed what in the cluster.");
}

/** anonymous-auth-disabled: the apiserver rejects unauthenticated requests. */
export function anonymousAuthDisabled(view: ClusterView): Violation[] {
  return apiserverSwitch(view, "anonymousAuth", false, "unauthenticated requests would reach the apiserver as system:anonymous.");
}

/**
 * private-lb-prednat (advisory), from seed 001: "A load balancer service with a
 * portable private IP address still has a public node port open on every worker
 * node. You must use a Calico preDNAT network policy to block public node ports."
 */
export function privateLoadBalancerPreDnat(view: ClusterView): Violation[] {
  if (view.cluster?.props.privateOnly === true) return []; // no public interface to protect
  const privateLbs = view.loadBalancers.filter((l) => l.props.network === "private");
  if (privateLbs.length === 0) return [];
  if (view.calicoPolicies.some((p) => p.props.preDnat === true)) return [];
  return privateLbs.map((l) =>
    violation(
      l,
      `${label("LoadBalancer", l)} is private, but its NodePort is still open on every worker's public interface and no Calico preDNAT policy blocks it. ` +
        `Fix: add a network.calico.policies entry with preDnat: true that denies public NodePort traffic.`,
    ),
  );
}
