// A portable subnet bound to this cluster and routed on one VLAN: the default
// /29 (3 reserved, 1 for the default ALB, 4 for LoadBalancers) or a larger
// user-provided one. Its addresses are permanent (see model/layout.ts).
import * as pulumi from "@pulumi/pulumi";
import { TOKENS, type PortableSubnetProps } from "../types";

export class PortableSubnet extends pulumi.ComponentResource {
  readonly cidr: string;
  readonly albIps: string[];
  readonly loadBalancerIps: string[];

  constructor(name: string, props: PortableSubnetProps, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.PortableSubnet, name, props, opts);
    this.cidr = props.cidr;
    this.albIps = props.albIps;
    this.loadBalancerIps = props.loadBalancerIps;
    this.registerOutputs({ cidr: props.cidr, albIps: props.albIps, loadBalancerIps: props.loadBalancerIps });
  }
}
