// The cluster model: pure functions from a stack config value to a validated
// spec, a plan, driver specs and a diagram. No Pulumi calls.
export { parseSpec, parseSpecOrThrow, zodProblems, type ClusterSpec, type ParseResult, type ResolvedWorkerPool } from "./spec";
export { ClusterSpecSchema, type ClusterSpecInput, type ParsedSpec } from "./schema";
export { planCluster, type Plan, type PlannedHost, type PlannedPortableSubnet, type PlannedSegment, type PlannedAlb, type PlannedLoadBalancer } from "./plan";
export { toNetworkSpec, toHostSpec, toHostSpecs } from "./to-driver";
export { renderDiagram } from "./diagram";
export { renderCalicoPolicy, type CalicoManifest } from "./calico";
export { readStackConfig, parseStackConfig, CLUSTER_CONFIG_KEY } from "./stackConfig";
export { FLAVORS, findFlavor, flavorsFor, type Flavor } from "./flavors";
export type { Problem } from "./problems";
export { LIMITS } from "./limits";
export { SUPPORTED_KUBERNETES_VERSIONS, kubernetesVersionProblem } from "./kubernetesVersions";
export { regionCatalogue } from "./regions";
export { selectorProblem } from "./selector";
