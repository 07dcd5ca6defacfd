// A worker pool: same flavor, hardware, labels and taints, `sizePerZone`
// workers in each of its zones.
import * as pulumi from "@pulumi/pulumi";
import type { PlannedHost } from "../model/plan";
import { toHostSpec } from "../model/to-driver";
import type { HostSeam } from "../cluster/hostSeam";
import { TOKENS, type WorkerPoolProps } from "../types";
import { Worker } from "./worker";

export class WorkerPool extends pulumi.ComponentResource {
  readonly workers: Worker[];

  constructor(name: string, props: WorkerPoolProps, extra: { hosts: PlannedHost[]; seam?: HostSeam; after?: (hostName: string) => pulumi.Input<pulumi.Resource>[] }, opts?: pulumi.ComponentResourceOptions) {
    super(TOKENS.WorkerPool, name, props, opts);
    this.workers = extra.hosts.map(
      (h) =>
        new Worker(
          h.name,
          {
            pool: props.poolName,
            zone: h.zone,
            hostName: h.name,
            privateIp: h.privateIp,
            ...(h.publicIp ? { publicIp: h.publicIp } : {}),
            flavor: h.flavor,
            hardware: h.hardware,
            kubernetesVersion: props.kubernetesVersion,
          },
          { hostSpec: toHostSpec(h), seam: extra.seam, after: extra.after?.(h.name) ?? [] },
          { parent: this },
        ),
    );
    this.registerOutputs({ poolName: props.poolName, workers: this.workers.map((w) => w.hostSpec.name) });
  }
}
