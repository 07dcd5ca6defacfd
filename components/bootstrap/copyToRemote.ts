// command:remote:CopyToRemote as a resource class. The pinned @pulumi/command SDK
// (4.5.0) predates this type, but Keelson's command provider implements it with
// upstream's inputs (connection, source asset/archive, remotePath), so we
// register it directly against the same provider package and version.
import * as pulumi from "@pulumi/pulumi";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const utilities = require("@pulumi/command/utilities") as { resourceOptsDefaults(): pulumi.CustomResourceOptions };
import type { SshConnection } from "../infra/driver";

export interface CopyToRemoteArgs {
  connection: pulumi.Input<SshConnection>;
  source: pulumi.Input<pulumi.asset.Asset | pulumi.asset.Archive>;
  remotePath: pulumi.Input<string>;
  triggers?: pulumi.Input<unknown[]>;
}

export class CopyToRemote extends pulumi.CustomResource {
  declare readonly remotePath: pulumi.Output<string>;
  constructor(name: string, args: CopyToRemoteArgs, opts?: pulumi.CustomResourceOptions) {
    const connection = pulumi.secret(args.connection);
    super(
      "command:remote:CopyToRemote",
      name,
      { connection, source: args.source, remotePath: args.remotePath, triggers: args.triggers },
      pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts),
    );
  }
}
