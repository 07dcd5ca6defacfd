// The RBAC a Keelson cluster needs from the start (components/addons/render/rbac.ts):
// the apiserver's kubelet client, and the node agents. Node bootstraps wait for it.
import * as pulumi from "@pulumi/pulumi";
import { createObjects } from "./k8sObjects";
import { controlPlaneRbacObjects, nodeAgentsRbacObjects } from "./render/rbac";

export class ClusterRbac extends pulumi.ComponentResource {
  readonly objects: pulumi.CustomResource[];
  constructor(name: string, args: { provider: pulumi.ProviderResource }, opts?: pulumi.ComponentResourceOptions) {
    super("keelson:addons:ClusterRbac", name, {}, opts);
    this.objects = createObjects(name, [...controlPlaneRbacObjects(), ...nodeAgentsRbacObjects()], { parent: this, provider: args.provider });
    this.registerOutputs({});
  }
}
