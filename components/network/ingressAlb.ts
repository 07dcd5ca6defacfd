// The default Ingress ALB of one zone and network. Its portable IP is reserved
// whether or not it is enabled (IKS: public enabled, private disabled by
// default). Deploying the ALB itself belongs to the add-ons layer.
import * as pulumi from "@pulumi/pulumi";
import { TOKENS, type IngressAlbProps } from "../types";

export class IngressAlb extends pulumi.ComponentResource {
  readonly ip: string;
  readonly enabled: boolean;

  constructor(name: string, props: IngressAlbProps, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.IngressAlb, name, props, opts);
    this.ip = props.ip;
    this.enabled = props.enabled;
    this.registerOutputs({ ip: props.ip, enabled: props.enabled });
  }
}
