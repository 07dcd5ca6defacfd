// The flavor catalogue: what a worker (or master) host is made of. Names follow
// IKS conventions (<class><generation><c|s>.<cpu>x<memoryGiB>); `lab.*` flavors
// are sized for lab hosts on one small machine, where the figures are what the
// kubelet is told to reserve against, not dedicated hardware.
import type { Hardware } from "../types";

export type InfrastructureKind = "classic" | "vpc" | "lab" | "ssh";

export interface Flavor {
  name: string;
  cpu: number;
  memoryMiB: number;
  hardware: Hardware;
  /** Where this flavor can be ordered. */
  infrastructures: readonly InfrastructureKind[];
}

const GiB = 1024;
const CLASSIC: readonly InfrastructureKind[] = ["classic", "ssh"];
const VPC: readonly InfrastructureKind[] = ["vpc"];
const LAB: readonly InfrastructureKind[] = ["lab", "ssh"];

export const FLAVORS: readonly Flavor[] = [
  // classic virtual (shared or dedicated hypervisor)
  { name: "u3c.2x4", cpu: 2, memoryMiB: 4 * GiB, hardware: "virtual", infrastructures: CLASSIC },
  { name: "b3c.4x16", cpu: 4, memoryMiB: 16 * GiB, hardware: "virtual", infrastructures: CLASSIC },
  { name: "b3c.8x32", cpu: 8, memoryMiB: 32 * GiB, hardware: "virtual", infrastructures: CLASSIC },
  { name: "b3c.16x64", cpu: 16, memoryMiB: 64 * GiB, hardware: "virtual", infrastructures: CLASSIC },
  { name: "c3c.16x16", cpu: 16, memoryMiB: 16 * GiB, hardware: "virtual", infrastructures: CLASSIC },
  { name: "m3c.8x64", cpu: 8, memoryMiB: 64 * GiB, hardware: "virtual", infrastructures: CLASSIC },
  // classic bare metal (always single-tenant)
  { name: "mb4c.4x32", cpu: 4, memoryMiB: 32 * GiB, hardware: "baremetal", infrastructures: CLASSIC },
  { name: "mb4c.20x64", cpu: 20, memoryMiB: 64 * GiB, hardware: "baremetal", infrastructures: CLASSIC },
  { name: "mb4c.32x384", cpu: 32, memoryMiB: 384 * GiB, hardware: "baremetal", infrastructures: CLASSIC },
  // VPC virtual servers
  { name: "cx2.2x4", cpu: 2, memoryMiB: 4 * GiB, hardware: "virtual", infrastructures: VPC },
  { name: "bx2.4x16", cpu: 4, memoryMiB: 16 * GiB, hardware: "virtual", infrastructures: VPC },
  { name: "bx2.8x32", cpu: 8, memoryMiB: 32 * GiB, hardware: "virtual", infrastructures: VPC },
  { name: "mx2.4x32", cpu: 4, memoryMiB: 32 * GiB, hardware: "virtual", infrastructures: VPC },
  // lab hosts (systemd-nspawn containers sharing the machine's cores)
  { name: "lab.v1x1", cpu: 1, memoryMiB: 1 * GiB, hardware: "virtual", infrastructures: LAB },
  { name: "lab.v2x2", cpu: 2, memoryMiB: 2 * GiB, hardware: "virtual", infrastructures: LAB },
  { name: "lab.bm2x2", cpu: 2, memoryMiB: 2 * GiB, hardware: "baremetal", infrastructures: LAB },
];

export function findFlavor(name: string): Flavor | undefined {
  return FLAVORS.find((f) => f.name === name);
}

export function flavorsFor(infrastructure: InfrastructureKind, hardware?: Hardware): string[] {
  return FLAVORS.filter((f) => f.infrastructures.includes(infrastructure) && (!hardware || f.hardware === hardware)).map(
    (f) => f.name,
  );
}

/** The master flavor used when the spec names none. */
export const DEFAULT_MASTER_FLAVOR: Record<InfrastructureKind, string> = {
  classic: "b3c.4x16",
  vpc: "bx2.4x16",
  lab: "lab.v2x2",
  ssh: "lab.v2x2",
};
