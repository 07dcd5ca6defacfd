// Worker pools: enough workers per zone to survive a worker loss, flavors from
// the catalogue, and bare metal only on dedicated (single-tenant) hardware.
import { ClusterView, Violation, known, label, violation } from "./model";
import type { FlavorsConfig, WorkersPerZoneConfig } from "./config";

/** workers-per-zone (advisory): each pool has at least minWorkersPerZone workers in every zone. */
export function workersPerZone(view: ClusterView, cfg: WorkersPerZoneConfig): Violation[] {
  const out: Violation[] = [];
  for (const pool of view.pools) {
    const name = pool.props.poolName ?? pool.name;
    if (cfg.exemptPools.includes(name)) continue;
    const size = pool.props.sizePerZone;
    if (!known(size) || size >= cfg.minWorkersPerZone) continue;
    const zones = pool.props.zones?.filter(known) ?? [];
    out.push(
      violation(
        pool,
        `${label("WorkerPool", pool)} has ${size} worker(s) per zone${zones.length ? ` in ${zones.join(", ")}` : ""}; ` +
          `production pools need at least ${cfg.minWorkersPerZone} per zone so apps keep running while a worker is reloaded or lost. ` +
          `Fix: set sizePerZone to ${cfg.minWorkersPerZone} or more (or list the pool in exemptPools).`,
      ),
    );
  }
  return out;
}

/** worker-flavor-known: pools and workers use a flavor Keelson knows, of the hardware they say. */
export function workerFlavorKnown(view: ClusterView, cfg: FlavorsConfig, catalogue: Map<string, "virtual" | "baremetal">): Violation[] {
  const out: Violation[] = [];
  const check = (kind: string, r: { name: string; urn: string; props: { flavor?: string; hardware?: string } }) => {
    const flavor = r.props.flavor;
    if (!known(flavor)) return;
    const hw = catalogue.get(flavor);
    if (hw === undefined) {
      if (cfg.extraFlavors.includes(flavor)) return;
      out.push(
        violation(
          r,
          `${label(kind, r)} uses flavor "${flavor}", which is not in Keelson's flavor catalogue. ` +
            `Fix: pick a known flavor (${[...catalogue.keys()].join(", ")}) or add it to extraFlavors.`,
        ),
      );
    } else if (known(r.props.hardware) && r.props.hardware !== hw) {
      out.push(
        violation(
          r,
          `${label(kind, r)} says hardware "${r.props.hardware}" but flavor "${flavor}" is ${hw}. Fix: use a ${r.props.hardware} flavor or set hardware to "${hw}".`,
        ),
      );
    }
  };
  for (const p of view.pools) check("WorkerPool", p);
  for (const w of view.workers) check("Worker", w);
  return out;
}

/** baremetal-dedicated: bare-metal pools are single-tenant hardware, never "shared". */
export function baremetalDedicated(view: ClusterView): Violation[] {
  return view.pools
    .filter((p) => p.props.hardware === "baremetal" && known(p.props.isolation) && p.props.isolation !== "dedicated")
    .map((p) =>
      violation(
        p,
        `${label("WorkerPool", p)} is bare metal with isolation "${p.props.isolation}"; bare-metal workers are single-tenant machines. Fix: set isolation to "dedicated".`,
      ),
    );
}
