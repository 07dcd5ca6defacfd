// The account the cluster's infrastructure belongs to (IKS: the IBM Cloud
// account that owns the workers, VLANs and portable subnets).
import * as pulumi from "@pulumi/pulumi";
import { TOKENS, type AccountProps } from "../types";

export class Account extends pulumi.ComponentResource {
  readonly accountId: string;

  constructor(name: string, props: AccountProps, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.Account, name, props, opts);
    this.accountId = props.accountId;
    this.registerOutputs({ accountId: props.accountId });
  }
}
