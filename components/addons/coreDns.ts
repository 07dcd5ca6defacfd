// CoreDNS: the cluster's DNS, one replica per zone, on the cluster DNS IP that
// every kubelet is told about, from the nodes' image bundle.
import * as pulumi from "@pulumi/pulumi";
import { createObjects } from "./k8sObjects";
import { coreDnsObjects, type CoreDnsOptions, type CoreDnsSpec } from "./render/coreDns";

export interface CoreDnsArgs {
  spec: CoreDnsSpec;
  options: CoreDnsOptions;
  provider: pulumi.ProviderResource;
  /** The nodes it may run on are Ready. */
  dependsOn: pulumi.Resource[];
}

export class CoreDns extends pulumi.ComponentResource {
  readonly objects: pulumi.CustomResource[];
  constructor(name: string, args: CoreDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("keelson:addons:CoreDns", name, { replicas: args.options.replicas, image: args.spec.images.coredns }, opts);
    this.objects = createObjects(name, coreDnsObjects(args.spec, args.options), { parent: this, provider: args.provider, dependsOn: args.dependsOn });
    this.registerOutputs({});
  }
}
