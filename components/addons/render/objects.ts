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
