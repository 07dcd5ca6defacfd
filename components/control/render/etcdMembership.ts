// How an etcd member starts, decided on its host each time its command runs,
// so that a replaced master (a new host, an empty disk) joins the cluster that
// still holds the data instead of founding a new, empty one:
//
//   data dir has a member   -> restart as itself (config change, reboot); nothing to decide
//   a peer answers healthy  -> the cluster exists: drop the stale member this host
//                              replaces (same name or peer URL, started before),
//                              `member add` it again, start with state "existing",
//                              and wait until it serves linearizable reads (caught up).
//                              A member that never started at this peer URL is this
//                              host's own slot and is kept: at a first bootstrap the
//                              planned members carry their names from the initial
//                              cluster, so a master whose step runs after the other two
//                              formed quorum finds itself "unstarted" under its own name.
//                              Removing it then (as a CI run once did) reconfigures a
//                              cluster seconds old, which etcd refuses.
//   no peer is healthy      -> the first bootstrap: the planned members, state "new"
//
// The decision is written to MEMBERSHIP_ENV, which the unit reads (etcd takes
// ETCD_INITIAL_CLUSTER{,_STATE} from its environment). Pure: no Pulumi.
import type { MasterIdentity } from "../../pki/profiles";
import { etcdctl } from "./etcd";
import { waitFor } from "../../bootstrap/host/commands";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { ETCD_DATA_DIR, kubeconfigPath } from "./paths";
import type { ControlPlaneSpec } from "./spec";
import { etcdMemberName } from "./spec";

export const MEMBERSHIP_ENV = "/etc/kubernetes/etcd-membership.env";

export function initialCluster(s: ControlPlaneSpec): string {
  return s.masters.map((m) => `${etcdMemberName(m)}=${peerUrl(m)}`).join(",");
}

export function peerUrl(m: MasterIdentity): string {
  return `https://${m.privateIp}:2380`;
}

export function clientUrl(m: MasterIdentity): string {
  return `https://${m.privateIp}:2379`;
}

/** Runs on master `m` before etcd (re)starts; leaves JOINING=1 in the environment file when it joined an existing cluster. */
export function etcdMembershipScript(s: ControlPlaneSpec, m: MasterIdentity): string {
  const name = etcdMemberName(m);
  const peers = s.masters.filter((x) => x.name !== m.name).map(clientUrl);
  const ctl = (endpoint: string) => `${etcdctl([endpoint])} --command-timeout=5s --dial-timeout=3s`;
  return [
    "set -eu",
    `mkdir -p "$(dirname ${MEMBERSHIP_ENV})"`,
    `if [ -d ${ETCD_DATA_DIR}/member ]; then`,
    // A member restarting with data ignores the initial-cluster settings.
    `  [ -f ${MEMBERSHIP_ENV} ] || printf 'ETCD_INITIAL_CLUSTER=%s\\nETCD_INITIAL_CLUSTER_STATE=new\\nJOINING=0\\n' '${initialCluster(s)}' > ${MEMBERSHIP_ENV}`,
    "  sed -i 's/^JOINING=.*/JOINING=0/' " + MEMBERSHIP_ENV,
    "  exit 0",
    "fi",
    "healthy=''",
    `for p in ${peers.join(" ")}; do`,
    `  if ${ctl("$p")} endpoint health >/dev/null 2>&1; then healthy=$p; break; fi`,
    "done",
    'if [ -z "$healthy" ]; then',
    `  printf 'ETCD_INITIAL_CLUSTER=%s\\nETCD_INITIAL_CLUSTER_STATE=new\\nJOINING=0\\n' '${initialCluster(s)}' > ${MEMBERSHIP_ENV}`,
    `  echo "etcd ${name}: no healthy peer; bootstrapping with the planned members"`,
    "  exit 0",
    "fi",
    // member list -w simple: ID, STATUS, NAME, PEER ADDRS, CLIENT ADDRS, IS LEARNER
    `list() { ${ctl('"$healthy"')} member list -w simple; }`,
    // etcd refuses a membership change until the leader has heard from a quorum for
    // a few seconds ("unhealthy cluster"), e.g. right after the cluster formed or
    // after the previous change: retry for a minute before giving up.
    `reconfig() { n=0; until ${ctl('"$healthy"')} member "$@"; do n=$((n + 1)); [ "$n" -lt 30 ] || { echo "etcd ${name}: member $1 refused for 60s" >&2; return 1; }; sleep 2; done; }`,
    // Stale: this name or peer URL, except a never-started member at this peer URL (this host's slot).
    `stale=$(list | awk -F', ' -v n='${name}' -v u='${peerUrl(m)}' '($3 == n || $4 == u) && !($2 == "unstarted" && $4 == u) { print $1 }')`,
    "for id in $stale; do",
    `  echo "etcd ${name}: removing member $id, the host it ran on was replaced"`,
    `  reconfig remove "$id"`,
    "done",
    `if ! list | awk -F', ' -v u='${peerUrl(m)}' '$4 == u { found=1 } END { exit !found }'; then`,
    `  reconfig add '${name}' --peer-urls='${peerUrl(m)}' >/dev/null`,
    "fi",
    // Every member as the cluster knows it now; this (not yet started) member has no name yet.
    `cluster=$(list | awk -F', ' -v n='${name}' -v u='${peerUrl(m)}' '{ nm = ($4 == u) ? n : $3; if (nm != "") printf "%s%s=%s", sep, nm, $4; sep = "," }')`,
    `printf 'ETCD_INITIAL_CLUSTER=%s\\nETCD_INITIAL_CLUSTER_STATE=existing\\nJOINING=1\\n' "$cluster" > ${MEMBERSHIP_ENV}`,
    `echo "etcd ${name}: joining the existing cluster through $healthy"`,
  ].join("\n");
}

/** Runs `script` only when this run of the etcd step joined an existing cluster. */
function whenJoining(script: string): string {
  return [`if grep -q '^JOINING=1' ${MEMBERSHIP_ENV}; then`, script, "fi"].join("\n");
}

/**
 * After a join: the member is healthy, i.e. it serves a linearizable read, which
 * it can only do once connected to the leader and applied up to its commit
 * index. Only then may the next master be replaced.
 */
export function etcdJoinedCheck(seconds = 300): string {
  return whenJoining([waitFor(`${etcdctl(["https://127.0.0.1:2379"])} endpoint health`, seconds, "etcd", "etcd joining the cluster"), `echo "etcd joined and caught up"`].join("\n"));
}

/**
 * After a join, the replaced master's apiserver must answer again before the
 * next master goes (its apiserver starts beside this wait); after a restart or
 * a first bootstrap there is nothing to wait for.
 */
export function memberReadyCheck(seconds = 300): string {
  return whenJoining(waitFor(`${BIN_DIR}/kubectl --kubeconfig ${kubeconfigPath("admin")} get --raw /readyz`, seconds, "kube-apiserver", "the replaced master's apiserver"));
}
