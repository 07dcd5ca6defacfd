// Which etcd release may replace the one a master runs. etcd moves one minor
// release at a time, never down (https://etcd.io/docs/v3.6/upgrades/): a 3.6
// server refuses data a 3.4 cluster wrote, and a 3.5 server cannot read what a
// 3.6 cluster has become. Keelson's masters ran Debian's etcd 3.4.23 before the
// build from etcd's Go modules; installing 3.6 over such a member would stop
// the cluster at the next restart of its etcd (tried here: 3.6.17 on a 3.4.23
// member's data logs "cannot detect storage schema version" and cannot migrate
// it). So the binaries step refuses first, on the host, before any file is
// replaced, and says why. Pure: no Pulumi.
import { BIN_DIR } from "../../bootstrap/host/paths";
import { ETCD_DATA_DIR } from "./paths";

/** "v3.6.17" -> { major: 3, minor: 6 } */
export function etcdMinor(version: string): { major: number; minor: number } {
  const m = /^v?(\d+)\.(\d+)\.\d+$/.exec(version);
  if (!m) throw new Error(`etcd version ${JSON.stringify(version)} must look like v3.6.17`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** The releases (major.minor) a member may be running for `target` to replace it: the same minor or the one before. */
export function etcdUpgradableFrom(target: string): string[] {
  const { major, minor } = etcdMinor(target);
  return minor > 0 ? [`${major}.${minor}`, `${major}.${minor - 1}`] : [`${major}.${minor}`];
}

/**
 * Shell run on a master before etcd `target` is installed: a host without
 * member data (a new or replaced master) takes any release; a member whose
 * installed etcd is not the same minor or the one before is refused with the
 * versions and the way out, and nothing is changed.
 */
export function etcdUpgradeGuard(target: string): string {
  const allowed = etcdUpgradableFrom(target);
  const bare = target.replace(/^v/, "");
  return [
    `if [ -d ${ETCD_DATA_DIR}/member ] && [ -x ${BIN_DIR}/etcd ]; then`,
    `  have=$(${BIN_DIR}/etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')`,
    '  case "$have" in',
    `  ${allowed.map((a) => `${a}.*`).join("|")}) ;;`,
    "  *)",
    `    echo "etcd ${bare} cannot replace etcd \${have:-of unknown version} on this master, whose member holds the cluster's data: etcd upgrades one minor release at a time (${allowed.join(" or ")} to ${bare}) and never downgrades. Nothing was changed. Keep the Keelson release that built this cluster: the in-place roll through 3.5 is not built yet (docs/control-plane.md, 'etcd releases')." >&2`,
    "    exit 1",
    "    ;;",
    "  esac",
    "fi",
  ].join("\n");
}
