// The plain-data view the rules work on. The CrossGuard wiring (policies/*.ts)
// turns what the engine reports into these shapes; the rules themselves never
// touch @pulumi/policy, so they are unit-tested with plain objects.
//
// Props come from the contract in components/types.ts. During `pulumi preview`
// some props are not known yet (a host's IP is an output of the host), so every
// field may be `undefined` here and every rule skips a check whose inputs are
// not known rather than guessing.
import type {
  CalicoPolicyProps,
  ClusterProps,
  IngressAlbProps,
  LoadBalancerProps,
  MasterReplicaProps,
  PortableSubnetProps,
  VlanProps,
  VpcSubnetProps,
  WorkerPoolProps,
  WorkerProps,
} from "../../components/types";

/** Every field possibly unknown (preview), recursively for nested objects. */
export type Partially<T> = T extends (infer E)[]
  ? Partially<E>[] | undefined
  : T extends object
    ? { [K in keyof T]?: Partially<T[K]> }
    : T | undefined;

/** One Keelson resource as a rule sees it. */
export interface Found<P> {
  /** The Pulumi logical name, used in messages. */
  name: string;
  urn: string;
  props: Partially<P>;
}

/** Everything in a stack that belongs to one cluster (its Cluster component and descendants). */
export interface ClusterView {
  cluster?: Found<ClusterProps>;
  masters: Found<MasterReplicaProps>[];
  pools: Found<WorkerPoolProps>[];
  workers: Found<WorkerProps>[];
  vlans: Found<VlanProps>[];
  vpcSubnets: Found<VpcSubnetProps>[];
  portables: Found<PortableSubnetProps>[];
  albs: Found<IngressAlbProps>[];
  loadBalancers: Found<LoadBalancerProps>[];
  calicoPolicies: Found<CalicoPolicyProps>[];
}

export function emptyView(): ClusterView {
  return { masters: [], pools: [], workers: [], vlans: [], vpcSubnets: [], portables: [], albs: [], loadBalancers: [], calicoPolicies: [] };
}

/** A rule's finding: the message names the resource and the fix; urn attributes it in the engine's output. */
export interface Violation {
  message: string;
  urn?: string;
}

/** `kind "name"`, the way every message starts. */
export function label(kind: string, r: { name: string }): string {
  return `${kind} "${r.name}"`;
}

export function violation(r: { name: string; urn: string } | undefined, message: string): Violation {
  return r ? { message, urn: r.urn } : { message };
}

/** The cluster's name for messages about the cluster as a whole. */
export function clusterLabel(view: ClusterView): string {
  if (view.cluster) return label("Cluster", view.cluster);
  return "the cluster";
}

export function known<T>(v: T | undefined | null): v is T {
  return v !== undefined && v !== null;
}
