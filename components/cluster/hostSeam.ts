// Where the model meets the infrastructure layer: with a driver, every
// MasterReplica and Worker asks it for a real host; without one (unit tests,
// examples that have no driver yet) the model is built without hosts. Nothing
// pretends to be a host.
import type * as pulumi from "@pulumi/pulumi";
import type { HostSpec, InfrastructureDriver, ProvisionedHost, ProvisionedNetwork } from "../infra/driver";

export interface HostSeam {
  driver: InfrastructureDriver;
  network: ProvisionedNetwork;
}

/** `after`: what must be done before this host is created or replaced (the previous master's member rejoined). */
export function provisionHost(seam: HostSeam | undefined, spec: HostSpec, parent: pulumi.Resource, after: pulumi.Input<pulumi.Resource>[] = []): ProvisionedHost | undefined {
  return seam ? seam.driver.host(spec, seam.network, { parent, dependsOn: after }) : undefined;
}
