// One worker node of a pool in one zone, and (with a driver) its host.
import * as pulumi from "@pulumi/pulumi";
import type { HostSpec, ProvisionedHost } from "../infra/driver";
import { provisionHost, type HostSeam } from "../cluster/hostSeam";
import { TOKENS, type WorkerProps } from "../types";

export class Worker extends pulumi.ComponentResource {
  readonly hostSpec: HostSpec;
  readonly host?: ProvisionedHost;

  constructor(name: string, props: WorkerProps, extra: { hostSpec: HostSpec; seam?: HostSeam; after?: pulumi.Input<pulumi.Resource>[] }, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.Worker, name, props, opts);
    this.hostSpec = extra.hostSpec;
    // `after`: the node's drain, which must run before its host changes machine.
    this.host = provisionHost(extra.seam, extra.hostSpec, this, extra.after);
    this.registerOutputs({ hostName: props.hostName, privateIp: props.privateIp, publicIp: props.publicIp ?? null });
  }
}
