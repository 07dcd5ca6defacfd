// Kubernetes objects (components/addons/render/*) as typed @pulumi/kubernetes
// resources through the cluster's provider: `pulumi preview` shows their diff,
// an object dropped from the program is deleted from the cluster, and the
// provider waits for each to be ready (a Deployment's rollout, a Service's endpoints).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkUnique, kindKey, objectResourceName, type K8sObject } from "./render/objects";

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
};

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
    if (!ctor) throw new Error(`${prefix}: ${kindKey(o)} ${o.metadata.name} is not a kind Keelson's add-ons know (${Object.keys(KINDS).join(", ")})`);
    return ctor;
  });
  return objects.map((o, i) => {
    const { apiVersion: _v, kind: _k, metadata, ...body } = o;
    const args = { ...body, metadata: { ...metadata, annotations: { ...metadata.annotations, ...OWNED } } };
    return new ctors[i](objectResourceName(prefix, o), args, opts);
  });
}
