// Policy group: master replicas.
import { clusterPolicy } from "./lib/clusterPolicy";
import { DEFAULTS, SCHEMAS } from "./rules/config";
import { mastersReplicas, mastersZoneSpread } from "./rules/masters";

export const masterPolicies = [
  clusterPolicy({
    name: "masters-replicas",
    description: "A cluster has exactly three master replicas (configurable), each on its own host.",
    enforcementLevel: "mandatory",
    config: { schema: SCHEMAS.masters, defaults: DEFAULTS.masters },
    rule: mastersReplicas,
  }),
  clusterPolicy({
    name: "masters-zone-spread",
    description: "Master replicas sit in the cluster's zones; in a multizone cluster, one per zone.",
    enforcementLevel: "mandatory",
    rule: (view) => mastersZoneSpread(view),
  }),
];
