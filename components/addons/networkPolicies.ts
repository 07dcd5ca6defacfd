// The spec's pod policies as NetworkPolicy objects (components/model/networkPolicy.ts
// translates them; kube-router on every worker enforces them), with the
// namespaces they live in. A policy removed from the spec is deleted from the
// cluster, and its enforcement with it.
import * as pulumi from "@pulumi/pulumi";
import { createObjects } from "./k8sObjects";
import type { K8sObject } from "./render/objects";
import type { NetworkPolicyObject } from "../model/networkPolicy";

/** Namespaces every cluster has from the start. */
const BUILT_IN_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export interface NetworkPoliciesArgs {
  policies: NetworkPolicyObject[];
  provider: pulumi.ProviderResource;
  dependsOn: pulumi.Resource[];
}

export class NetworkPolicies extends pulumi.ComponentResource {
  readonly objects: pulumi.CustomResource[];
  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("keelson:addons:NetworkPolicies", name, { policies: args.policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`) }, opts);
    const base = { parent: this, provider: args.provider };
    const wanted = [...new Set(args.policies.map((p) => p.metadata.namespace))].filter((n) => !BUILT_IN_NAMESPACES.includes(n)).sort();
    // Server-side apply creates a missing namespace and adopts one that exists; it is
    // never deleted with a policy: the user's apps live there.
    const namespaces = createObjects(`${name}-ns`, wanted.map((n): K8sObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n } })), { ...base, retainOnDelete: true, dependsOn: args.dependsOn });
    this.objects = createObjects(name, args.policies as unknown as K8sObject[], { ...base, dependsOn: [...args.dependsOn, ...namespaces] });
    this.registerOutputs({});
  }
}
