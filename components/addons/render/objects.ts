// Kubernetes objects as plain data (what a manifest holds), and the Pulumi
// resource name each one gets. Pure: the add-on renderers return these and
// components/addons/k8sObjects.ts turns each into a @pulumi/kubernetes resource.
import { parseAllDocuments } from "yaml";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** `apiVersion/kind`, the key that says which typed resource an object becomes. */
export function kindKey(o: Pick<K8sObject, "apiVersion" | "kind">): string {
  return `${o.apiVersion}/${o.kind}`;
}

/**
 * A resource name unique within a stack and stable for the object: the add-on,
 * the kind, the namespace if any, and the name (":" is legal in RBAC names but
 * reads badly in URNs).
 */
export function objectResourceName(prefix: string, o: K8sObject): string {
  const parts = [prefix, o.kind.toLowerCase(), ...(o.metadata.namespace ? [o.metadata.namespace] : []), o.metadata.name];
  return parts.join("-").replace(/:/g, "-");
}

/** Every object with a duplicate (kind, namespace, name) is a bug in its renderer: two resources would fight over one object. */
export function checkUnique(objects: K8sObject[], where: string): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const k = `${kindKey(o)} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    if (seen.has(k)) throw new Error(`${where}: ${k} appears twice`);
    seen.add(k);
  }
}

/** The objects of a multi-document manifest (empty documents skipped). */
export function parseManifest(text: string, what: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${what}: document ${i + 1}: ${doc.errors[0].message}`);
    const o = doc.toJS() as K8sObject | null;
    if (o === null) return [];
    if (typeof o !== "object" || typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") {
      throw new Error(`${what}: document ${i + 1} is not a Kubernetes object (apiVersion, kind, metadata.name)`);
    }
    return [o];
  });
}

/** What a pod starts with: its identity, its permissions, its configuration. */
const POD_PREREQUISITES = new Set([
  "v1/ServiceAccount",
  "v1/ConfigMap",
  "rbac.authorization.k8s.io/v1/ClusterRole",
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
  "rbac.authorization.k8s.io/v1/Role",
  "rbac.authorization.k8s.io/v1/RoleBinding",
]);
const WORKLOADS = new Set(["apps/v1/Deployment", "apps/v1/DaemonSet", "apps/v1/StatefulSet", "batch/v1/Job", "v1/Pod"]);

/**
 * For each object of a batch, the indexes of the batch's objects it must be
 * created after (nothing else orders them; the engine creates all at once):
 *  - an object in a namespace the batch creates waits for that Namespace (the
 *    API refuses it until then);
 *  - a workload waits for the batch's ServiceAccounts, RBAC and ConfigMaps. Its
 *    pods would otherwise start without their permissions, and not every
 *    controller recovers: Traefik's Kubernetes providers, refused their first
 *    list, served nothing for minutes (a CI run's z3 ALB).
 * Objects of one rank never wait for each other, so there is no cycle.
 */
export function creationPrerequisites(objects: K8sObject[]): number[][] {
  const nsIndex = new Map<string, number>();
  objects.forEach((o, i) => kindKey(o) === "v1/Namespace" && nsIndex.set(o.metadata.name, i));
  const prerequisites = objects.map((o, i) => (POD_PREREQUISITES.has(kindKey(o)) ? i : -1)).filter((i) => i >= 0);
  return objects.map((o) => {
    const out: number[] = [];
    const ns = o.metadata.namespace !== undefined ? nsIndex.get(o.metadata.namespace) : undefined;
    if (ns !== undefined) out.push(ns);
    if (WORKLOADS.has(kindKey(o))) out.push(...prerequisites);
    return out;
  });
}
