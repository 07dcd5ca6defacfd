// The infrastructure layer's seam (Cluster API's "infrastructure provider").
// The cluster model asks a driver for networks and hosts; the bootstrap and
// control-plane layers only ever see `ProvisionedHost`s, reach them over SSH and
// read what they must know of a host from its `traits`: they never ask which
// driver made it.
import * as pulumi from "@pulumi/pulumi";
import type { Hardware, NetworkKind, Taint } from "../types";

/** One VLAN (classic) or subnet (VPC) segment in one zone. */
export interface SegmentSpec {
  name: string; // unique within the cluster, e.g. "dal10-private"
  zone: string;
  network: NetworkKind;
  primaryCidr: string; // node IPs come from here
  gatewayIp: string; // first usable address of primaryCidr
  portableCidrs: string[]; // the cluster's portable subnets routed on this segment
}

export interface NetworkSpec {
  clusterName: string;
  zones: string[];
  segments: SegmentSpec[];
}

export interface HostSpec {
  name: string; // hostname, unique within the cluster
  role: "master" | "worker";
  zone: string;
  pool?: string;
  flavor: string;
  hardware: Hardware;
  cpu: number;
  memoryMiB: number;
  privateSegment: string; // SegmentSpec.name
  privateIp: string;
  publicSegment?: string;
  publicIp?: string;
  labels: Record<string, string>;
  /** A worker's pool taints (empty for masters): the node registers with them. */
  taints: Taint[];
  /**
   * A generation the user raises to have this host replaced by a new machine
   * (IKS's `worker replace`): when it changes, the driver must give a new
   * instance, as for a new flavor. Absent until first asked for.
   */
  replacement?: string;
}

/** What the layers above must know of a host to configure it, as the driver knows it. */
export interface HostTraits {
  /** The cgroup hierarchy the host's kernel gives it (kubelet 1.35+ refuses v1 unless told). */
  cgroupVersion: 1 | 2;
  /**
   * Whether the host's systemd owns its cgroup tree, so containerd and the kubelet
   * use the systemd cgroup driver (ordinary hosts and VMs). False where the
   * controllers are delegated to the host from outside (a container-based host).
   */
  systemdCgroups: boolean;
}

/** What `@pulumi/command`'s remote.Command takes as `connection`. */
export interface SshConnection {
  host: pulumi.Input<string>;
  port?: pulumi.Input<number>;
  user: pulumi.Input<string>;
  privateKey: pulumi.Input<string>; // always a Pulumi secret
}

export interface ProvisionedHost {
  spec: HostSpec;
  /** Address the machine running `pulumi up` uses to reach the host over SSH. */
  connection: SshConnection;
  /** Depend on this to run after the host is up and reachable. */
  ready: pulumi.Resource;
  /**
   * Changes exactly when the host is a new machine (a replacement with an empty
   * disk), never when it is only updated or rebooted: every step on the host
   * runs again when it changes (components/bootstrap/host/hostCommand.ts).
   */
  instance: pulumi.Input<string>;
  traits: HostTraits;
}

export interface ProvisionedNetwork {
  spec: NetworkSpec;
  ready: pulumi.Resource;
}

export interface InfrastructureDriver {
  readonly kind: "lab" | "ssh" | "classic" | "vpc";
  /** The private key of the SSH key pair the driver made for its hosts, if it made one (a secret). */
  readonly sshPrivateKey?: pulumi.Output<string>;
  network(spec: NetworkSpec, opts: pulumi.ComponentResourceOptions): ProvisionedNetwork;
  host(spec: HostSpec, network: ProvisionedNetwork, opts: pulumi.ComponentResourceOptions): ProvisionedHost;
  /**
   * What, changed, makes this host spec a new machine on this driver (as a
   * string to compare): the worker layer drains a node before its host changes
   * machine, so it must know before the host resource does.
   */
  machineKey(spec: HostSpec): string;
}
