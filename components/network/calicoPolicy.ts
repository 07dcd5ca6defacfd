// A Calico network policy with its rendered manifest. Applying it (calicoctl
// or kubectl, after Calico is up) belongs to the networking add-on layer,
// which reads `manifest`.
import * as pulumi from "@pulumi/pulumi";
import type { CalicoManifest } from "../model/calico";
import { TOKENS, type CalicoPolicyProps } from "../types";

export class CalicoPolicy extends pulumi.ComponentResource {
  readonly manifest: CalicoManifest;

  constructor(name: string, props: CalicoPolicyProps, extra: { manifest: CalicoManifest }, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.CalicoPolicy, name, props, opts);
    this.manifest = extra.manifest;
    this.registerOutputs({ kind: extra.manifest.kind, name: extra.manifest.metadata.name });
  }
}
