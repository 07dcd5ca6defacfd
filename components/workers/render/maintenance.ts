// Draining and returning a worker around a change of its machine or a reload
// (IKS's `worker replace` and `worker reload`, and a new flavor): the scripts a
// master runs with the admin kubeconfig, and the key that says a worker's turn
// has come. Pure: no Pulumi.
//
// A change rolls through a pool one worker at a time without the workers'
// resources depending on each other (that would also serialize the first
// `up`): before draining, a worker waits until every worker before it in the
// pool carries the key it is planned to have, is Ready and schedulable.
//
//   drain (before the host changes)         return (after the node is Ready)
//   wait for the pool's earlier workers      uncordon, if Keelson cordoned it
//   mark keelson.dev/drained=<key>           mark keelson.dev/maintenance=<key>
//   kubectl drain (evictions: PDBs hold)
import { createHash } from "crypto";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { kubeconfigPath } from "../../control/render/paths";

/** The key a node carries once its current machine and reload generation are in place. */
export const MAINTENANCE_ANNOTATION = "keelson.dev/maintenance";
/** Set by a drain, removed by the return: Keelson uncordons only nodes it cordoned. */
export const DRAINED_ANNOTATION = "keelson.dev/drained";

export interface DrainTimeouts {
  /** Seconds to wait for each earlier worker of the pool to be back. */
  waitPerWorker: number;
  /** Seconds `kubectl drain` may take (PodDisruptionBudgets can hold it). */
  drain: number;
}
export const DRAIN_TIMEOUTS: DrainTimeouts = { waitPerWorker: 900, drain: 600 };

/** How long a drain that waits for `earlier` workers may take in all (with a minute for SSH and kubectl). */
export function drainTimeoutSeconds(earlier: number, t: DrainTimeouts = DRAIN_TIMEOUTS): number {
  return earlier * t.waitPerWorker + t.drain + 60;
}

/** kubectl on a master, with the admin kubeconfig the control plane put there. */
export function adminKubectl(args: string): string {
  return `${BIN_DIR}/kubectl --kubeconfig ${kubeconfigPath("admin")} ${args}`;
}

/**
 * What a worker is: its machine (the driver's key for its host spec) and its
 * reload generation. Short, so it fits an annotation and reads in a log.
 */
export function maintenanceKey(machineKey: string, reload: string): string {
  return createHash("sha256").update(JSON.stringify({ machineKey, reload })).digest("hex").slice(0, 16);
}

export interface PoolWorker {
  node: string;
  key: string;
}

/** The workers a worker waits for: those before it in its pool's order (the plan's: zone by zone). */
export function earlierInPool(pool: readonly PoolWorker[], node: string): PoolWorker[] {
  const i = pool.findIndex((w) => w.node === node);
  if (i < 0) throw new Error(`maintenance: ${node} is not in its pool's list (${pool.map((w) => w.node).join(", ")})`);
  return pool.slice(0, i);
}

export interface MaintainedWorker {
  node: string;
  pool: string;
  /** The driver's machine key for the worker's host spec. */
  machineKey: string;
  /** The plan's reload generation ("" until asked for). */
  reload: string;
}

/** Each worker's key and the workers of its pool it waits for, in the order given (the plan's). */
export function poolTurns(workers: readonly MaintainedWorker[]): Map<string, { self: PoolWorker; earlier: PoolWorker[] }> {
  const byPool = new Map<string, PoolWorker[]>();
  for (const w of workers) {
    const pool = byPool.get(w.pool) ?? [];
    pool.push({ node: w.node, key: maintenanceKey(w.machineKey, w.reload) });
    byPool.set(w.pool, pool);
  }
  return new Map(
    workers.map((w) => {
      const pool = byPool.get(w.pool)!;
      const self = pool.find((p) => p.node === w.node)!;
      return [w.node, { self, earlier: earlierInPool(pool, w.node) }];
    }),
  );
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const KEY = /^[0-9a-f]{16}$/;
function checked(w: PoolWorker): PoolWorker {
  // Both go into a shell script: only names and keys that need no quoting.
  if (!NODE_NAME.test(w.node)) throw new Error(`maintenance: ${JSON.stringify(w.node)} is not a node name`);
  if (!KEY.test(w.key)) throw new Error(`maintenance: ${JSON.stringify(w.key)} is not a maintenance key`);
  return w;
}

/** `state <node>`: "<maintenance key>|<unschedulable>|<Ready status>", or "absent". */
const STATE_FN = [
  "state() {",
  `  k get node "$1" -o go-template='{{with .metadata.annotations}}{{index . "${MAINTENANCE_ANNOTATION}"}}{{end}}|{{.spec.unschedulable}}|{{range .status.conditions}}{{if eq .type "Ready"}}{{.status}}{{end}}{{end}}' 2>/dev/null || echo absent`,
  "}",
];

/**
 * Run on a master before `self`'s host changes machine or is reloaded: wait
 * for the pool's earlier workers to be back (a worker not in the cluster yet is
 * not waited for), then cordon and drain `self`, if it is a node.
 */
export function drainScript(self: PoolWorker, earlier: readonly PoolWorker[], t: DrainTimeouts = DRAIN_TIMEOUTS): string {
  const me = checked(self);
  const wait = earlier.map(checked);
  return [
    "set -eu",
    `k() { ${adminKubectl('"$@"')}; }`,
    ...STATE_FN,
    ...wait.flatMap((w) => [
      `deadline=$(( $(date +%s) + ${t.waitPerWorker} ))`,
      "while :; do",
      `  s=$(state ${w.node})`,
      `  case "$s" in absent|"${w.key}|<no value>|True"|"${w.key}|false|True") break ;; esac`,
      `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "${me.node}: ${w.node}, before it in the pool, is not back after ${t.waitPerWorker}s (key|unschedulable|Ready: $s; want ${w.key}|false|True)" >&2; exit 1; fi`,
      "  sleep 5",
      "done",
    ]),
    `if [ "$(state ${me.node})" = absent ]; then echo "${me.node}: not a node (yet): nothing to drain"; exit 0; fi`,
    `k annotate node ${me.node} ${DRAINED_ANNOTATION}=${me.key} --overwrite >/dev/null`,
    `echo "${me.node}: draining"`,
    `if ! k drain ${me.node} --ignore-daemonsets --delete-emptydir-data --force --timeout=${t.drain}s; then`,
    `  echo "${me.node}: the drain did not finish in ${t.drain}s (a PodDisruptionBudget may allow no eviction now); the node stays cordoned and the next up tries again" >&2`,
    "  exit 1",
    "fi",
  ].join("\n");
}

/** Run on a master once `self` is Ready again: uncordon it if a drain cordoned it, and record its key. */
export function returnScript(self: PoolWorker): string {
  const me = checked(self);
  return [
    "set -eu",
    `k() { ${adminKubectl('"$@"')}; }`,
    `drained=$(k get node ${me.node} -o go-template='{{with .metadata.annotations}}{{index . "${DRAINED_ANNOTATION}"}}{{end}}')`,
    // A node a user cordoned is left as it is; only Keelson's own drain is undone.
    `case "$drained" in ""|"<no value>") ;; *) k uncordon ${me.node} && k annotate node ${me.node} ${DRAINED_ANNOTATION}- >/dev/null ;; esac`,
    `k annotate node ${me.node} ${MAINTENANCE_ANNOTATION}=${me.key} --overwrite >/dev/null`,
  ].join("\n");
}
