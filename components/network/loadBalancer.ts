// A LoadBalancer service's permanent portable IP in one zone and network.
// The Service itself, and MetalLB that announces the IP, belong to the add-ons
// layer (addons/metallb.ts); this records which address it owns.
import * as pulumi from "@pulumi/pulumi";
import { TOKENS, type LoadBalancerProps } from "../types";

export class LoadBalancer extends pulumi.ComponentResource {
  readonly ip: string;

  constructor(name: string, props: LoadBalancerProps, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.LoadBalancer, name, props, opts);
    this.ip = props.ip;
    this.registerOutputs({ ip: props.ip, serviceName: props.serviceName ?? null });
  }
}
