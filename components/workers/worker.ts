// One worker node of a pool in one zone, and (with a driver) its host.
import * as pulumi from "@pulumi/pulumi";
import type { HostSpec, ProvisionedHost } from "../infra/driver";
import { provisionHost, type HostSeam } from "../cluster/hostSeam";
import { TOKENS, type WorkerProps } from "../types";

export class Worker extends pulumi.ComponentResource {
  readonly hostSpec: HostSpec;
  readonly host?: ProvisionedHost;

  constructor(name: string, props: WorkerProps, extra: { hostSpec: HostSpec; seam?: HostSeam }, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.Worker, name, props, opts);
    this.hostSpec = extra.hostSpec;
    this.host = provisionHost(extra.seam, extra.hostSpec, this);
    this.registerOutputs({ hostName: props.hostName, privateIp: props.privateIp, publicIp: props.publicIp ?? null });
  }
}
