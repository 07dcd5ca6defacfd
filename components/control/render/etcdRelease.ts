// Which etcd release each member runs, and how a member moves to a newer one.
//
// etcd upgrades one minor release at a time and never down
// (https://etcd.io/docs/v3.6/upgrades/): a 3.6 server cannot take over data a
// 3.4 cluster wrote (tried here: 3.6.17 on a 3.4.23 member's data logs "cannot
// detect storage schema version"), and a 3.6 member starts only in a cluster
// whose version is 3.5 at least, i.e. once every member runs 3.5. So masters get
// the server of every release on the way (etcd-v3.5.36, etcd-v3.6.17 in
// /usr/local/bin, from the binaries step), /usr/local/bin/etcd points at the one
// the member runs, and one step per release and master, chained release by
// release and master by master, moves each member in turn:
//
//   no member data      -> a new member (first bootstrap, replaced host): the pinned release
//   runs this release   -> nothing to do (every later `up`, and a new member's later steps)
//   or a newer one         (a newer minor than the pinned release is a downgrade: refused)
//   an older one        -> every member healthy; for a new minor, the cluster version has
//                          reached this member's minor (all members moved); point etcd at
//                          this release, restart, wait until the member reports it and the
//                          cluster is healthy again. Only then does the next master go.
//
// Keelson's masters ran Debian's etcd 3.4.23 as a plain file: it is kept as
// etcd-v3.4.23 and etcd becomes the link. Pure: no Pulumi.
import { waitFor } from "../../bootstrap/host/commands";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { etcdServerName } from "../../bootstrap/artifactPlan";
import { etcdctl } from "./etcd";
import { clientUrl } from "./etcdMembership";
import { ETCD_DATA_DIR, pki } from "./paths";
import type { ControlPlaneSpec } from "./spec";

/** /usr/local/bin/etcd: what the unit runs, a link to one etcd-<version>. */
export const ETCD_LINK = `${BIN_DIR}/etcd`;

function parse(version: string): [number, number, number] {
  const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Error(`etcd release ${JSON.stringify(version)} must look like v3.6.17`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * The releases a member may step through, oldest first, ending with the pinned
 * one: each exactly one minor above the one before (etcd's upgrade rule), so a
 * member is never asked to skip one.
 */
export function etcdReleases(target: string, steps: readonly string[]): string[] {
  const all = [...steps, target];
  all.forEach((v, i) => {
    const [major, minor] = parse(v);
    if (i === 0) return;
    const [pMajor, pMinor] = parse(all[i - 1]);
    if (major !== pMajor || minor !== pMinor + 1) {
      throw new Error(`etcdUpgradeSteps: ${all[i - 1]} then ${v}: each release must be one minor above the one before (etcd upgrades one minor at a time)`);
    }
  });
  return all;
}

/**
 * Shell run on a master for one release `step` of `releases` (etcdReleases):
 * see the header. Idempotent, so a failed or interrupted `up` re-runs it.
 */
export function etcdReleaseScript(s: ControlPlaneSpec, releases: readonly string[], step: string): string {
  if (!releases.includes(step)) throw new Error(`etcd release ${step} is not one of ${releases.join(", ")}`);
  const target = releases[releases.length - 1];
  const [, stepMinor] = parse(step);
  const bare = step.slice(1);
  const all = s.masters.map(clientUrl);
  const local = `${etcdctl(["https://127.0.0.1:2379"])} --command-timeout=5s --dial-timeout=3s`;
  const cluster = `${etcdctl(all)} --command-timeout=5s --dial-timeout=3s`;
  // etcd's /version (the cluster version is nowhere in etcdctl's output), fetched with the
  // masters' kubectl as a plain HTTPS client: curl is not on every host.
  const version = [
    `${BIN_DIR}/kubectl --kubeconfig=/dev/null --server=https://127.0.0.1:2379 --request-timeout=5s`,
    `--certificate-authority=${pki.etcdCa} --client-certificate=${pki.etcdCert("healthcheck-client")} --client-key=${pki.etcdKey("healthcheck-client")}`,
    "get --raw /version",
  ].join(" ");
  return [
    "set -eu",
    `ver() { "$1" --version 2>/dev/null | sed -n 's/^etcd Version: //p'; }`,
    // 3.5.36 -> 3005036, for comparisons in sh.
    `num() { echo "$1" | awk -F. '{ printf "%d", $1 * 1000000 + $2 * 1000 + $3 }'; }`,
    `minor() { echo "$1" | cut -d. -f2; }`,
    `point() { ln -sfn "$1" ${BIN_DIR}/.etcd-link && mv -Tf ${BIN_DIR}/.etcd-link ${ETCD_LINK}; }`,
    // An etcd installed as a plain file (Keelson before releases side by side: Debian's) is kept under its version.
    `if [ -f ${ETCD_LINK} ] && [ ! -L ${ETCD_LINK} ]; then`,
    `  v=$(ver ${ETCD_LINK}); [ -n "$v" ] || { echo "etcd: ${ETCD_LINK} reports no version; not touching it" >&2; exit 1; }`,
    `  mv ${ETCD_LINK} ${BIN_DIR}/etcd-v$v && point etcd-v$v`,
    `  echo "etcd: the installed etcd $v is kept as ${BIN_DIR}/etcd-v$v"`,
    "fi",
    `if [ ! -d ${ETCD_DATA_DIR}/member ]; then`,
    `  [ "$(readlink ${ETCD_LINK} 2>/dev/null || true)" = "${etcdServerName(target)}" ] || point ${etcdServerName(target)}`,
    `  echo "etcd: a new member, on ${target.slice(1)}"`,
    "  exit 0",
    "fi",
    // The running member's version; the linked binary's when etcd is not answering.
    `cur=$(${local} endpoint status -w fields 2>/dev/null | sed -n 's/^"Version" : "\\(.*\\)"$/\\1/p')`,
    `[ -n "$cur" ] || cur=$(ver ${ETCD_LINK})`,
    `[ -n "$cur" ] || { echo "etcd: cannot tell which release this member runs (not answering, ${ETCD_LINK} reports no version)" >&2; exit 1; }`,
    `if [ "$(num "$cur")" -ge "$(num ${bare})" ]; then`,
    ...(step === target
      ? [
          `  if [ "$(echo "$cur" | cut -d. -f1,2)" != "${bare.split(".").slice(0, 2).join(".")}" ]; then`,
          `    echo "etcd: this member runs $cur, newer than ${bare}: etcd does not downgrade a minor release; nothing was changed" >&2`,
          "    exit 1",
          "  fi",
        ]
      : []),
    `  echo "etcd: member on $cur; nothing to do for ${bare}"`,
    "  exit 0",
    "fi",
    `if [ "$(minor "$cur")" -lt ${stepMinor - 1} ]; then`,
    `  echo "etcd: this member runs $cur and cannot move to ${bare}: etcd upgrades one minor release at a time (${releases.map((r) => r.slice(1)).join(" -> ")}); nothing was changed" >&2`,
    "  exit 1",
    "fi",
    `echo "etcd: moving this member from $cur to ${bare}, once every member is healthy"`,
    waitFor(`${cluster} endpoint health`, 300, "etcd", "every etcd member healthy"),
    // A new minor needs the cluster version at this member's minor (every member moved there).
    `if [ "$(minor "$cur")" -lt ${stepMinor} ]; then`,
    `  cv() { ${version} 2>/dev/null | sed -n 's/.*"etcdcluster":"\\([0-9]*\\)\\.\\([0-9]*\\)\\..*/\\2/p'; }`,
    `  atLeast() { v=$(cv); [ -n "$v" ] && [ "$v" -ge "$(minor "$cur")" ]; }`,
    "  " + waitFor("atLeast", 120, "etcd", "the etcd cluster version at this member's minor"),
    "fi",
    `point ${etcdServerName(step)}`,
    "systemctl restart etcd",
    `reports() { [ "$(${local} endpoint status -w fields 2>/dev/null | sed -n 's/^"Version" : "\\(.*\\)"$/\\1/p')" = "${bare}" ]; }`,
    waitFor("reports", 300, "etcd", `this member on ${bare}`),
    waitFor(`${cluster} endpoint health`, 300, "etcd", "every etcd member healthy"),
    `echo "etcd: member moved from $cur to ${bare}"`,
  ].join("\n");
}
