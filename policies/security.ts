// Policy group: master security settings and the seed's preDNAT advice.
import { clusterPolicy } from "./lib/clusterPolicy";
import { DEFAULTS, SCHEMAS } from "./rules/config";
import { anonymousAuthDisabled, auditLogging, encryptionAtRest, privateLoadBalancerPreDnat, publicEndpointAllowlist } from "./rules/security";

export const securityPolicies = [
  clusterPolicy({
    name: "public-endpoint-allowlist",
    description: "A public service endpoint is enabled only with an allow-list of source CIDRs (optionally within allowedSourceCidrs).",
    enforcementLevel: "mandatory",
    config: { schema: SCHEMAS.allowlist, defaults: DEFAULTS.allowlist },
    rule: publicEndpointAllowlist,
  }),
  clusterPolicy({
    name: "encryption-at-rest",
    description: "The apiserver encrypts Secrets at rest in etcd.",
    enforcementLevel: "mandatory",
    rule: (view) => encryptionAtRest(view),
  }),
  clusterPolicy({
    name: "audit-logging",
    description: "The apiserver writes an audit log.",
    enforcementLevel: "mandatory",
    rule: (view) => auditLogging(view),
  }),
  clusterPolicy({
    name: "anonymous-auth-disabled",
    description: "The apiserver rejects anonymous requests.",
    enforcementLevel: "mandatory",
    rule: (view) => anonymousAuthDisabled(view),
  }),
  clusterPolicy({
    name: "private-lb-prednat",
    description: "A cluster with private LoadBalancers and public workers has a Calico preDNAT policy blocking public NodePorts.",
    enforcementLevel: "advisory",
    rule: (view) => privateLoadBalancerPreDnat(view),
  }),
];
