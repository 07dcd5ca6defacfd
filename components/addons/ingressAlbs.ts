// The Ingress ALBs on the cluster (render/ingressAlbs.ts): after MetalLB, which
// gives each its zone's ALB portable IP.
import * as pulumi from "@pulumi/pulumi";
import { createObjects } from "./k8sObjects";
import { ingressAlbObjects, type AlbSpec } from "./render/ingressAlbs";

export interface IngressAlbsArgs {
  spec: AlbSpec;
  provider: pulumi.ProviderResource;
  /** MetalLB and its pools are in place. */
  dependsOn: pulumi.Resource[];
}

export class IngressAlbs extends pulumi.ComponentResource {
  readonly objects: pulumi.CustomResource[];
  constructor(name: string, args: IngressAlbsArgs, opts?: pulumi.ComponentResourceOptions) {
    const enabled = args.spec.albs.filter((a) => a.enabled).map((a) => a.name);
    super("keelson:addons:IngressAlbs", name, { enabled, image: args.spec.image }, opts);
    this.objects = createObjects(name, ingressAlbObjects(args.spec), { parent: this, provider: args.provider, dependsOn: args.dependsOn });
    this.registerOutputs({});
  }
}
