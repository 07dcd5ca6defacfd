// The phases of a cluster's creation, told apart by the resources that end each
// one (their type and URN, as `pulumi up --event-log` reports them), for
// scripts/bench.mjs. Plain Node.js.

/** In the order a cluster goes through them. */
export const PHASES = ["hosts up", "etcd healthy on every master", "apiservers ready", "nodes Ready", "add-ons applied"];

/** urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name> -> { chain, name } */
function parts(urn) {
  const [, , types = "", ...name] = urn.split("::");
  return { chain: types.split("$"), name: name.join("::") };
}

/** The phase the resource `urn` (of type `type`) ends, or undefined. */
export function phaseOf(type, urn) {
  const { chain, name } = parts(urn);
  const parent = chain.length > 1 ? chain[chain.length - 2] : "";
  if (/Host$/.test(type.split(":").pop() ?? "")) return "hosts up";
  if (type === "command:remote:Command" && name.endsWith("-etcd-ready")) return "etcd healthy on every master";
  if (type === "command:remote:Command" && parent === "keelson:control:ControlPlane" && name.endsWith("-ready")) return "apiservers ready";
  if (type === "command:remote:Command" && parent === "keelson:workers:NodeBootstrap" && name.endsWith("-ready")) return "nodes Ready";
  if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:providers")) return "add-ons applied";
  return undefined;
}
