// Policy group: Kubernetes versions.
import { clusterPolicy } from "./lib/clusterPolicy";
import { DEFAULTS, SCHEMAS } from "./rules/config";
import { kubernetesVersionSupported, workersNotNewerThanMasters } from "./rules/versions";

export const versionPolicies = [
  clusterPolicy({
    name: "kubernetes-version-supported",
    description: "The cluster, masters and workers run a Kubernetes release Keelson supports (configurable).",
    enforcementLevel: "mandatory",
    config: { schema: SCHEMAS.versions, defaults: DEFAULTS.versions },
    rule: kubernetesVersionSupported,
  }),
  clusterPolicy({
    name: "workers-not-newer-than-masters",
    description: "Workers are never newer than the masters, and at most maxMinorSkew minor versions older.",
    enforcementLevel: "mandatory",
    config: { schema: SCHEMAS.skew, defaults: DEFAULTS.skew },
    rule: workersNotNewerThanMasters,
  }),
];
