// One zone of the cluster: the parent of its VLANs (or VPC subnet), portable
// subnets, ALBs, LoadBalancers and master replicas.
import * as pulumi from "@pulumi/pulumi";
import { TOKENS, type ZoneProps } from "../types";

export class Zone extends pulumi.ComponentResource {
  readonly zone: string;

  constructor(name: string, props: ZoneProps, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.Zone, name, props, opts);
    this.zone = props.zone;
    this.registerOutputs({ zone: props.zone });
  }
}
