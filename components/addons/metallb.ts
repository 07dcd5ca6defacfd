// MetalLB on the cluster, and the spec's LoadBalancers as real Services on the
// portable IPs the plan gave them. Upstream's manifest comes from the image
// bundle (built from the same module as the images); see render/metallb.ts.
import * as pulumi from "@pulumi/pulumi";
import type { PlannedLoadBalancer } from "../model/plan";
import { createObjects } from "./k8sObjects";
import { loadBalancerNamespaces, loadBalancerServices } from "./render/loadBalancers";
import { iksAnnotationPolicies, poolObjects, upstreamObjects, type MetallbSpec } from "./render/metallb";
import type { K8sObject } from "./render/objects";

export interface MetallbArgs {
  spec: MetallbSpec;
  /** Upstream's metallb-native.yaml, parsed. */
  manifest: K8sObject[];
  loadBalancers: PlannedLoadBalancer[];
  provider: pulumi.ProviderResource;
  /** The nodes the speakers and the controller run on are Ready. */
  dependsOn: pulumi.Resource[];
}

export class Metallb extends pulumi.ComponentResource {
  /** MetalLB itself, its pools and the admission policies: ready to give addresses once these are. */
  readonly objects: pulumi.CustomResource[];
  /** The spec's LoadBalancer Services, each done when it holds the plan's IP. */
  readonly services: pulumi.CustomResource[];

  constructor(name: string, args: MetallbArgs, opts?: pulumi.ComponentResourceOptions) {
    super("keelson:addons:Metallb", name, { pools: args.spec.pools.map((p) => p.name), images: args.spec.images }, opts);
    const base = { parent: this, provider: args.provider };
    const upstream = createObjects(name, upstreamObjects(args.manifest, args.spec.images), { ...base, dependsOn: args.dependsOn });
    // Pools after the CRDs (and the controller that reads them) exist.
    const pools = createObjects(`${name}-pool`, poolObjects(args.spec), { ...base, dependsOn: upstream });
    const policies = createObjects(`${name}-iks`, iksAnnotationPolicies(args.spec), { ...base, dependsOn: args.dependsOn });
    this.objects = [...upstream, ...pools, ...policies];
    // Server-side apply creates a namespace that is missing and adopts one that exists;
    // it is never deleted with a LoadBalancer: the user's app lives there too.
    const namespaces = createObjects(`${name}-ns`, loadBalancerNamespaces(args.loadBalancers), { ...base, retainOnDelete: true, dependsOn: args.dependsOn });
    this.services = createObjects(`${name}-lb`, loadBalancerServices(args.loadBalancers), { ...base, dependsOn: [...this.objects, ...namespaces] });
    this.registerOutputs({});
  }
}
