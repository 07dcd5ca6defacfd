// Policy group: worker pools.
import { clusterPolicy } from "./lib/clusterPolicy";
import { DEFAULTS, SCHEMAS, flavorCatalogue } from "./rules/config";
import { baremetalDedicated, workerFlavorKnown, workersPerZone } from "./rules/workers";

const catalogue = flavorCatalogue();

export const workerPolicies = [
  clusterPolicy({
    name: "workers-per-zone",
    description: "Production worker pools have at least two workers in every zone (configurable).",
    enforcementLevel: "advisory",
    config: { schema: SCHEMAS.workersPerZone, defaults: DEFAULTS.workersPerZone },
    rule: workersPerZone,
  }),
  clusterPolicy({
    name: "worker-flavor-known",
    description: "Worker pools and workers use a flavor from Keelson's catalogue, of the hardware they declare.",
    enforcementLevel: "mandatory",
    config: { schema: SCHEMAS.flavors, defaults: DEFAULTS.flavors },
    rule: (view, cfg) => workerFlavorKnown(view, cfg, catalogue),
  }),
  clusterPolicy({
    name: "baremetal-dedicated",
    description: "Bare-metal worker pools run on dedicated (single-tenant) hardware.",
    enforcementLevel: "mandatory",
    rule: (view) => baremetalDedicated(view),
  }),
];
