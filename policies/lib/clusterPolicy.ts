// Wiring between CrossGuard and the pure rules in ../rules.
//
// Why an inventory: a Keelson component records its props as the *inputs* of
// its ComponentResource, and the Node SDK then registers empty outputs for it,
// so validateStack (which sees outputs) gets `{}` for every component. The
// engine calls validateResource with each resource's inputs first, in the same
// policy-pack process, so the `keelson-inventory` policy remembers them by URN
// and the stack-wide policies read them back. Keep it enabled.
import type { PolicyResource, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy, EnforcementLevel } from "@pulumi/policy";
import { readProps } from "./engineProps";
import { StackResource, clusterViews } from "../rules/view";
import type { ClusterView, Violation } from "../rules/model";
import { withDefaults } from "../rules/config";

interface Recorded {
  urn: string;
  type: string;
  name: string;
  parentUrn?: string;
  props: Record<string, unknown>;
  secretPaths?: Set<string>;
}

const inventory = new Map<string, Recorded>();

export const inventoryPolicy: ResourceValidationPolicy = {
  name: "keelson-inventory",
  description: "Records every resource's inputs for Keelson's stack-wide rules. Reports nothing; keep it enabled.",
  enforcementLevel: "advisory",
  validateResource: (args) => {
    const { props, secretPaths } = readProps(args.props);
    inventory.set(args.urn, { urn: args.urn, type: args.type, name: args.name, parentUrn: args.opts.parent, props, secretPaths });
  },
};

/** What was recorded for a URN (inputs), if the inventory saw it. */
export function recorded(urn: string): Recorded | undefined {
  return inventory.get(urn);
}

function isKeelson(type: string): boolean {
  return type.startsWith("keelson:");
}

/** The stack's resources with the props each Keelson resource recorded. */
export function stackResources(resources: PolicyResource[]): StackResource[] {
  return resources.map((r) => {
    const rec = inventory.get(r.urn);
    let props = rec?.props;
    if (!props && isKeelson(r.type)) {
      // Not seen by validateResource (e.g. `--target`): fall back to outputs, if the component registered any.
      const outs = readProps(r.props).props;
      if (Object.keys(outs).length > 0) props = outs;
    }
    return { urn: r.urn, type: r.type, name: r.name, parentUrn: r.parent?.urn ?? rec?.parentUrn, props };
  });
}

export interface ClusterPolicySpec<C extends object> {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  config?: { schema: { properties: Record<string, unknown> }; defaults: C };
  rule: (view: ClusterView, config: C) => Violation[];
}

/** A stack policy that runs `rule` once per cluster in the stack. */
export function clusterPolicy<C extends object>(spec: ClusterPolicySpec<C>): StackValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel,
    ...(spec.config ? { configSchema: spec.config.schema as StackValidationPolicy["configSchema"] } : {}),
    validateStack: (args: StackValidationArgs, report) => {
      const config = withDefaults((spec.config?.defaults ?? {}) as C, spec.config ? args.getConfig<Partial<C>>() : undefined);
      for (const view of clusterViews(stackResources(args.resources))) {
        for (const v of spec.rule(view, config)) report(v.message, v.urn);
      }
    },
  };
}

/**
 * Every cluster rule reads what keelson-inventory recorded. With it disabled
 * (or a run that skipped it), they would see no cluster settings and pass in
 * silence; this rule fails instead, naming the cluster.
 */
export const rulesActivePolicy: StackValidationPolicy = {
  name: "keelson-rules-active",
  description: "Keelson's cluster rules could read each cluster's settings (keelson-inventory is enabled).",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report) => {
    const keelson = args.resources.filter((r) => isKeelson(r.type));
    if (keelson.some((r) => inventory.has(r.urn))) return;
    for (const r of keelson) {
      if (r.type !== "keelson:index:Cluster") continue;
      report(
        `Cluster "${r.name}": Keelson's cluster rules could not read its settings, so none of them checked it. Fix: keep the keelson-inventory policy enabled (it records what the rules read).`,
        r.urn,
      );
    }
  },
};
