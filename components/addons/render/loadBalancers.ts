// The spec's LoadBalancers as Services of type LoadBalancer, each pinned to the
// portable IP the plan gave it (stable across runs and growth) in its zone's
// pool. Pure.
import type { PlannedLoadBalancer } from "../../model/plan";
import { IKS_IP_TYPE_ANNOTATION, IKS_ZONE_ANNOTATION, IPS_ANNOTATION, POOL_ANNOTATION, poolName } from "./metallb";
import type { K8sObject } from "./objects";

/** How long an `up` waits for MetalLB to give a Service its address before it fails, naming the Service. */
export const ADDRESS_WAIT_SECONDS = 180;

export function loadBalancerServices(lbs: PlannedLoadBalancer[]): K8sObject[] {
  return lbs.map((lb) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: lb.name,
      namespace: lb.namespace,
      labels: { "app.kubernetes.io/managed-by": "keelson" },
      annotations: {
        [POOL_ANNOTATION]: poolName(lb.network, lb.zone),
        [IPS_ANNOTATION]: lb.ip,
        // What an IKS NLB says of itself, so tools reading IKS annotations see the same.
        [IKS_ZONE_ANNOTATION]: lb.zone,
        [IKS_IP_TYPE_ANNOTATION]: lb.network,
        // Done when MetalLB has given it the plan's address, not when pods are behind
        // it: the app is the user's and may be deployed after the cluster.
        "pulumi.com/waitFor": `jsonpath={.status.loadBalancer.ingress[0].ip}=${lb.ip}`,
        "pulumi.com/timeoutSeconds": String(ADDRESS_WAIT_SECONDS),
      },
    },
    spec: {
      type: "LoadBalancer",
      selector: lb.selector,
      ports: lb.ports,
    },
  }));
}

/** The namespaces the spec's LoadBalancers live in (created if missing, never deleted: users' apps live there too). */
export function loadBalancerNamespaces(lbs: PlannedLoadBalancer[]): K8sObject[] {
  return [...new Set(lbs.map((lb) => lb.namespace))].sort().map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));
}
