// A VPC cluster's subnet in one zone (VPC has no VLANs or portable subnets).
import * as pulumi from "@pulumi/pulumi";
import { TOKENS, type VpcSubnetProps } from "../types";

export class VpcSubnet extends pulumi.ComponentResource {
  readonly cidr: string;

  constructor(name: string, props: VpcSubnetProps, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.VpcSubnet, name, props, opts);
    this.cidr = props.cidr;
    this.registerOutputs({ cidr: props.cidr, publicGateway: props.publicGateway });
  }
}
