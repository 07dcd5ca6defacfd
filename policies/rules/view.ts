// Groups a stack's Keelson resources into one ClusterView per Cluster component
// (a resource belongs to the nearest Cluster among its ancestors). Resources
// with no Cluster ancestor form one view of their own, so a stack that
// registers the pieces without a Cluster (or a test fixture) is still checked.
import { TOKENS } from "../../components/types";
import { ClusterView, Found, emptyView } from "./model";

export interface StackResource {
  urn: string;
  type: string;
  name: string;
  parentUrn?: string;
  /** The props the component recorded; undefined when they were not seen. */
  props?: Record<string, unknown>;
}

const FIELD: Partial<Record<string, keyof Omit<ClusterView, "cluster">>> = {
  [TOKENS.MasterReplica]: "masters",
  [TOKENS.WorkerPool]: "pools",
  [TOKENS.Worker]: "workers",
  [TOKENS.Vlan]: "vlans",
  [TOKENS.VpcSubnet]: "vpcSubnets",
  [TOKENS.PortableSubnet]: "portables",
  [TOKENS.IngressAlb]: "albs",
  [TOKENS.LoadBalancer]: "loadBalancers",
  [TOKENS.CalicoPolicy]: "calicoPolicies",
};

export function clusterViews(resources: StackResource[]): ClusterView[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const views = new Map<string, ClusterView>(); // key: Cluster URN, or "" for orphans
  const viewFor = (key: string) => {
    let v = views.get(key);
    if (!v) views.set(key, (v = emptyView()));
    return v;
  };
  const owningCluster = (r: StackResource): string => {
    const seen = new Set<string>();
    let p = r.parentUrn ? byUrn.get(r.parentUrn) : undefined;
    while (p && !seen.has(p.urn)) {
      if (p.type === TOKENS.Cluster) return p.urn;
      seen.add(p.urn);
      p = p.parentUrn ? byUrn.get(p.parentUrn) : undefined;
    }
    return "";
  };
  for (const r of resources) {
    if (!r.props) continue; // nothing recorded: nothing to check
    const found = { name: r.name, urn: r.urn, props: r.props } as Found<never>;
    if (r.type === TOKENS.Cluster) {
      viewFor(r.urn).cluster = found;
      continue;
    }
    const field = FIELD[r.type];
    if (field) (viewFor(owningCluster(r))[field] as Found<unknown>[]).push(found);
  }
  return [...views.values()];
}
