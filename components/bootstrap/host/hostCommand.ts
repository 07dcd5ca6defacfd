// Every step Keelson runs on a host goes through here: it runs once the host is
// up, and it is tied to that host's instance, so a replaced host (a new machine
// with an empty disk under the same name and address) gets every step again
// instead of silently running nothing.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ProvisionedHost } from "../../infra/driver";
import { CopyToRemote } from "../copyToRemote";

export interface HostCommandArgs {
  create: pulumi.Input<string>;
  stdin?: pulumi.Input<string>;
  delete?: pulumi.Input<string>;
  /** More reasons to run again (a content key); the host's instance is always one. */
  triggers?: pulumi.Input<unknown>[];
}

function dependsOnList(d: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
  return d === undefined ? [] : Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}

/** A command on `host`, through its connection. */
export function hostCommand(name: string, host: ProvisionedHost, args: HostCommandArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
  return new command.remote.Command(
    name,
    { connection: host.connection, create: args.create, stdin: args.stdin, delete: args.delete, triggers: [host.instance, ...(args.triggers ?? [])] },
    { ...opts, dependsOn: [host.ready, ...dependsOnList(opts.dependsOn)] },
  );
}

/** A file pushed to `host`, again for every new instance of it. */
export function hostCopy(name: string, host: ProvisionedHost, args: { source: pulumi.asset.Asset | pulumi.asset.Archive; remotePath: string }, opts: pulumi.CustomResourceOptions): CopyToRemote {
  return new CopyToRemote(name, { connection: host.connection, ...args, triggers: [host.instance] }, { ...opts, dependsOn: [host.ready, ...dependsOnList(opts.dependsOn)] });
}
