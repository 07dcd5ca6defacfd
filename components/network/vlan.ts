// A public or private VLAN in one zone with its primary subnet (node IPs).
// An existing VLAN is referenced by id; without one, the infrastructure driver
// creates it (in the lab: a bridge).
import * as pulumi from "@pulumi/pulumi";
import { TOKENS, type VlanProps } from "../types";

export class Vlan extends pulumi.ComponentResource {
  readonly primaryCidr: string;
  readonly gatewayIp: string;

  constructor(name: string, props: VlanProps, extra: { gatewayIp: string }, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.Vlan, name, props, opts);
    this.primaryCidr = props.primaryCidr;
    this.gatewayIp = extra.gatewayIp;
    this.registerOutputs({ primaryCidr: props.primaryCidr, gatewayIp: extra.gatewayIp, vlanId: props.vlanId ?? null });
  }
}
