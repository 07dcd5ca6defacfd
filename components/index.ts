// Keelson as a package: the Cluster component, the spec and its parser, the
// plan, and the component contract.
export { Cluster, clusterProps, type ClusterArgs, type ClusterHostSummary, type ClusterPortableSubnetSummary } from "./cluster/cluster";
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
export type { InfrastructureDriver, NetworkSpec, SegmentSpec, HostSpec, HostTraits, ProvisionedHost, ProvisionedNetwork, SshConnection } from "./infra/driver";
export { driverFor } from "./infra/drivers";
export { LabDriver, type LabDriverArgs } from "./infra/lab";
export { ControlPlane } from "./control/controlPlane";
export { WorkerNodes } from "./workers/workerNodes";
export { CoreDns } from "./addons/coreDns";
export { ClusterRbac } from "./addons/clusterRbac";
export { VERSIONS } from "./releases";
