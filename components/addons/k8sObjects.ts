// Kubernetes objects (components/addons/render/*) as typed @pulumi/kubernetes
// resources through the cluster's provider: `pulumi preview` shows their diff,
// an object dropped from the program is deleted from the cluster, and the
// provider waits for each to be ready (a Deployment's rollout, a Service's endpoints).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkUnique, creationPrerequisites, kindKey, objectResourceName, type K8sObject } from "./render/objects";

type ObjectResource = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The kinds Keelson's add-ons are made of; a renderer using another kind fails here, before anything is created. */
const KINDS: Record<string, ObjectResource> = {
  "v1/Namespace": k8s.core.v1.Namespace,
  "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
  "v1/ConfigMap": k8s.core.v1.ConfigMap,
  "v1/Service": k8s.core.v1.Service,
  "apps/v1/Deployment": k8s.apps.v1.Deployment,
  "apps/v1/DaemonSet": k8s.apps.v1.DaemonSet,
  "rbac.authorization.k8s.io/v1/ClusterRole": k8s.rbac.v1.ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": k8s.rbac.v1.ClusterRoleBinding,
  "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding,
  "apiextensions.k8s.io/v1/CustomResourceDefinition": k8s.apiextensions.v1.CustomResourceDefinition,
  "networking.k8s.io/v1/IngressClass": k8s.networking.v1.IngressClass,
  "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding,
};

/**
 * Kinds the SDK has no class for: MetalLB's custom resources, and
 * MutatingAdmissionPolicy (GA in Kubernetes 1.36, newer than the SDK's schema).
 * They go through CustomResource, which the provider resolves by apiVersion and kind.
 */
const CUSTOM = new Set([
  "metallb.io/v1beta1/IPAddressPool",
  "metallb.io/v1beta1/L2Advertisement",
  "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy",
  "admissionregistration.k8s.io/v1/MutatingAdmissionPolicyBinding",
]);

/**
 * Keelson owns its add-on objects: where one exists already (applied by an older
 * Keelson with kubectl, or edited by hand), server-side apply takes its fields
 * over instead of failing on a field-manager conflict.
 */
const OWNED = { "pulumi.com/patchForce": "true" };

export function createObjects(prefix: string, objects: K8sObject[], opts: pulumi.CustomResourceOptions): pulumi.CustomResource[] {
  checkUnique(objects, prefix);
  const ctors = objects.map((o) => {
    const ctor = KINDS[kindKey(o)];
    if (!ctor && !CUSTOM.has(kindKey(o))) {
      throw new Error(`${prefix}: ${kindKey(o)} ${o.metadata.name} is not a kind Keelson's add-ons know (${[...Object.keys(KINDS), ...CUSTOM].join(", ")})`);
    }
    return ctor;
  });
  const make = (o: K8sObject, i: number, o2: pulumi.CustomResourceOptions) => {
    const { apiVersion, kind, metadata, ...body } = o;
    const args = { ...body, metadata: { ...metadata, annotations: { ...metadata.annotations, ...OWNED } } };
    const name = objectResourceName(prefix, o);
    const ctor = ctors[i];
    return ctor ? new ctor(name, args, o2) : new k8s.apiextensions.CustomResource(name, { apiVersion, kind, ...args }, o2);
  };
  // Each object after what it needs from the same batch (render/objects.ts):
  // namespaces, then what pods start with, then the rest. Made in rank order so
  // every prerequisite exists as a resource before what waits for it.
  const waits = creationPrerequisites(objects);
  const rank = (i: number): number => (waits[i].length === 0 ? 0 : 1 + Math.max(...waits[i].map(rank)));
  const prior = opts.dependsOn === undefined ? [] : Array.isArray(opts.dependsOn) ? opts.dependsOn : [opts.dependsOn as pulumi.Input<pulumi.Resource>];
  const made: pulumi.CustomResource[] = [];
  const order = objects.map((_, i) => i).sort((a, b) => rank(a) - rank(b) || a - b);
  for (const i of order) {
    const after = waits[i].map((j) => made[j]);
    made[i] = make(objects[i], i, after.length > 0 ? { ...opts, dependsOn: [...prior, ...after] } : opts);
  }
  return made;
}
