// The contract between the component tree (components/), the policy pack (policies/)
// and anything else that reads Keelson resources out of a Pulumi stack.
//
// Every Keelson component passes the properties below as the inputs of its
// ComponentResource (the third argument of super()), so they are recorded in
// state and visible to CrossGuard policies (`args.props`). Change a shape here
// and both sides see the type error.

export const TOKENS = {
  Cluster: "keelson:index:Cluster",
  Account: "keelson:index:Account",
  Zone: "keelson:network:Zone",
  Vlan: "keelson:network:Vlan",
  VpcSubnet: "keelson:network:VpcSubnet",
  PortableSubnet: "keelson:network:PortableSubnet",
  IngressAlb: "keelson:network:IngressAlb",
  LoadBalancer: "keelson:network:LoadBalancer",
  CalicoPolicy: "keelson:network:CalicoPolicy",
  MasterReplica: "keelson:control:MasterReplica",
  WorkerPool: "keelson:workers:WorkerPool",
  Worker: "keelson:workers:Worker",
} as const;

export type NetworkKind = "public" | "private";
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}
export type Hardware = "virtual" | "baremetal";
export type Isolation = "shared" | "dedicated";

export interface ClusterProps {
  clusterName: string;
  accountId: string;
  region: string;
  zones: string[];
  kubernetesVersion: string;
  infrastructure: "classic" | "vpc" | "lab" | "ssh";
  privateOnly: boolean;
  podSubnet: string;
  serviceSubnet: string;
  serviceEndpoints: { public: boolean; private: boolean; publicAllowlist: string[] };
  apiserver: { encryptionAtRest: boolean; auditLogging: boolean; anonymousAuth: boolean };
  calico: { encapsulation: "ipip" | "vxlan"; crossSubnet: boolean; natOutgoing: boolean };
}

export interface AccountProps { accountId: string; accountName?: string; region: string }

export interface ZoneProps { zone: string; region: string }

export interface VlanProps {
  zone: string;
  network: NetworkKind;
  vlanId?: number; // an existing VLAN referenced by id, or undefined when Keelson creates it
  primaryCidr: string; // the primary subnet on this VLAN that gives node IPs
}

export interface VpcSubnetProps { zone: string; cidr: string; publicGateway: boolean }

export interface PortableSubnetProps {
  zone: string;
  network: NetworkKind;
  cidr: string;
  size: number; // number of addresses (8 for the default /29)
  reserved: string[]; // network, gateway, broadcast
  albIps: string[];
  loadBalancerIps: string[];
  userProvided: boolean;
}

export interface IngressAlbProps { zone: string; network: NetworkKind; enabled: boolean; ip: string }
export interface LoadBalancerProps { zone: string; network: NetworkKind; ip: string; serviceName?: string }

export interface CalicoPolicyProps {
  scope: "global" | "namespaced";
  namespace?: string;
  order?: number;
  preDnat: boolean;
  selector: string;
}

export interface MasterReplicaProps {
  zone: string;
  index: number;
  hostName: string;
  privateIp: string;
  publicIp?: string;
  kubernetesVersion: string;
}

export interface WorkerPoolProps {
  poolName: string;
  flavor: string;
  hardware: Hardware;
  isolation: Isolation;
  sizePerZone: number;
  zones: string[];
  labels: Record<string, string>;
  taints: Taint[];
  kubernetesVersion: string;
}

export interface WorkerProps {
  pool: string;
  zone: string;
  hostName: string;
  privateIp: string;
  publicIp?: string;
  flavor: string;
  hardware: Hardware;
  kubernetesVersion: string;
}
