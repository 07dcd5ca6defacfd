// Policy group: networking.
import { clusterPolicy } from "./lib/clusterPolicy";
import { noOverlappingCidrs, portableSubnetCapacity, privateOnlyNoPublic } from "./rules/networking";

export const networkingPolicies = [
  clusterPolicy({
    name: "portable-subnet-capacity",
    description: "Portable subnets have an address for every Ingress ALB and LoadBalancer of their zone and network.",
    enforcementLevel: "mandatory",
    rule: (view) => portableSubnetCapacity(view),
  }),
  clusterPolicy({
    name: "no-overlapping-cidrs",
    description: "Pod, service, primary, portable and VPC subnets of a cluster do not overlap.",
    enforcementLevel: "mandatory",
    rule: (view) => noOverlappingCidrs(view),
  }),
  clusterPolicy({
    name: "private-only-no-public",
    description: "A private-only cluster exposes no public ALB, public LoadBalancer or public worker address.",
    enforcementLevel: "mandatory",
    rule: (view) => privateOnlyNoPublic(view),
  }),
];
