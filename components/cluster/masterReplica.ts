// One of the three master replicas as a place in the cluster model: its zone,
// index and addresses, and (with a driver) the host it runs on. The control
// plane layer (components/control) puts etcd and the Kubernetes daemons on
// `host`.
import * as pulumi from "@pulumi/pulumi";
import type { HostSpec, ProvisionedHost } from "../infra/driver";
import { TOKENS, type MasterReplicaProps } from "../types";
import { provisionHost, type HostSeam } from "./hostSeam";

export class MasterReplica extends pulumi.ComponentResource {
  readonly hostSpec: HostSpec;
  readonly host?: ProvisionedHost;

  constructor(name: string, props: MasterReplicaProps, extra: { hostSpec: HostSpec; seam?: HostSeam; after?: pulumi.Input<pulumi.Resource>[] }, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.MasterReplica, name, props, opts);
    this.hostSpec = extra.hostSpec;
    this.host = provisionHost(extra.seam, extra.hostSpec, this, extra.after);
    this.registerOutputs({ hostName: props.hostName, privateIp: props.privateIp, publicIp: props.publicIp ?? null });
  }
}
