// Kubernetes objects as plain data (what a manifest holds), and the Pulumi
// resource name each one gets. Pure: the add-on renderers return these and
// components/addons/k8sObjects.ts turns each into a @pulumi/kubernetes resource.

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
