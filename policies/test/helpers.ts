// Builds ClusterViews from the engine fixture's parts, the way the pack does
// from a stack: one resource per part, parented to its Cluster.
import { Part, broken, good } from "../../test/engine/fixtures/policy/cluster";
import { StackResource, clusterViews } from "../rules/view";
import type { ClusterView } from "../rules/model";

export function urnOf(p: { token: string; name: string }): string {
  return `urn:pulumi:test::keelson::${p.token}::${p.name}`;
}

export function toStackResources(parts: Part[]): StackResource[] {
  const byName = new Map(parts.map((p) => [p.name, p]));
  return parts.map((p) => ({
    urn: urnOf(p),
    type: p.token,
    name: p.name,
    parentUrn: p.parent ? urnOf(byName.get(p.parent)!) : undefined,
    props: JSON.parse(JSON.stringify(p.props)) as Record<string, unknown>,
  }));
}

export function viewOf(parts: Part[]): ClusterView {
  const views = clusterViews(toStackResources(parts));
  if (views.length !== 1) throw new Error(`expected one cluster view, got ${views.length}`);
  return views[0];
}

/** A fresh copy of the good lab cluster, edited by `edit` (find parts by name). */
export function labWith(edit: (find: (name: string) => Record<string, unknown>, parts: Part[]) => void = () => {}): ClusterView {
  const parts = good();
  const find = (name: string) => {
    const p = parts.find((x) => x.name === name);
    if (!p) throw new Error(`no part ${name}`);
    return p.props as Record<string, unknown>;
  };
  edit(find, parts);
  return viewOf(parts);
}

export { good, broken };
