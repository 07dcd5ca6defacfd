// Keelson as a package: the Cluster component, the spec and its parser, the
// plan, and the component contract.
export { Cluster, clusterProps, type ClusterArgs } from "./cluster/cluster";
export { clusterSpecFromConfig } from "./cluster/config";
export { Account } from "./cluster/account";
export { MasterReplica } from "./cluster/masterReplica";
export { Zone } from "./network/zone";
export { Vlan } from "./network/vlan";
export { VpcSubnet } from "./network/vpcSubnet";
export { PortableSubnet } from "./network/portableSubnet";
export { IngressAlb } from "./network/ingressAlb";
export { LoadBalancer } from "./network/loadBalancer";
export { CalicoPolicy } from "./network/calicoPolicy";
export { WorkerPool } from "./workers/workerPool";
export { Worker } from "./workers/worker";
export * from "./model";
export * from "./types";
export type { InfrastructureDriver, NetworkSpec, SegmentSpec, HostSpec, ProvisionedHost, ProvisionedNetwork, SshConnection } from "./infra/driver";
