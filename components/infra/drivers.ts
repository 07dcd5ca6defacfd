// The driver an infrastructure kind names, for programs that build a cluster
// straight from a spec. Only here does anything choose by kind: the layers
// above a driver see hosts and their traits.
import type { ClusterSpec } from "../model/spec";
import type { InfrastructureDriver } from "./driver";
import { LabDriver, type LabDriverArgs } from "./lab";

/** The lab driver for `lab`; undefined for kinds with no driver yet (classic, vpc, ssh: the model is built without hosts). */
export function driverFor(spec: Pick<ClusterSpec, "infrastructure">, lab: LabDriverArgs = {}): InfrastructureDriver | undefined {
  switch (spec.infrastructure.kind) {
    case "lab":
      return new LabDriver(lab);
    default:
      return undefined;
  }
}
