// Encrypted etcd backups and their restore, as files on every master (pure: no Pulumi).
//
// Every master gets the same two tools and a timer:
//   keelson-etcd-backup [--any]   a snapshot of etcd (`etcdctl snapshot save`),
//                                 the PKI and the secrets-encryption config in one
//                                 tar, encrypted with age to the cluster's backup
//                                 recipient (the identity that decrypts it never
//                                 reaches a host: it is a Pulumi secret), kept in
//                                 BACKUP_DIR with the newest `keep` files.
//                                 On the timer only the etcd leader takes one (one
//                                 backup per interval for the cluster, from a member
//                                 that is certainly current); `--any` takes it here.
//   keelson-etcd-restore PHASE    the steps of a restore, which the orchestrator
//                                 (components/cli/backup.ts) runs on all masters
//                                 phase by phase: stop every control-plane daemon
//                                 first, then each member's data is rebuilt from
//                                 the same snapshot, then etcd starts everywhere
//                                 (a quorum forms), then the apiservers one by one.
// The timer fires at fixed hours (00/N:00 UTC), `Persistent=` so a master that
// was down at that time takes it when it boots.
import { BIN_DIR } from "../../bootstrap/host/paths";
import type { HostFile } from "../../bootstrap/host/files";
import { renderUnit, unitFile } from "../../bootstrap/host/systemd";
import type { MasterIdentity } from "../../pki/profiles";
import { ETCD_USER, etcdctl, initialClusterToken } from "./etcd";
import { MEMBERSHIP_ENV, initialCluster, peerUrl } from "./etcdMembership";
import { ENCRYPTION_CONFIG, ETCD_DATA_DIR, PKI_DIR, kubeconfigPath } from "./paths";
import type { ControlPlaneSpec } from "./spec";
import { etcdMemberName } from "./spec";

export const BACKUP_DIR = "/var/lib/keelson/backups";
/** Where the orchestrator puts the decrypted snapshot for a restore (removed afterwards). */
export const RESTORE_DIR = "/var/lib/keelson/restore";
export const BACKUP_TOOL = `${BIN_DIR}/keelson-etcd-backup`;
export const RESTORE_TOOL = `${BIN_DIR}/keelson-etcd-restore`;
export const AGE = `${BIN_DIR}/age`;
export const BACKUP_UNIT = "keelson-etcd-backup";
/** Hours between scheduled backups: divisors of 24, so the times are the same every day. */
export const BACKUP_INTERVALS = [1, 2, 3, 4, 6, 8, 12, 24] as const;

/**
 * An SSH host the masters copy every backup they take to (off the masters, as
 * IBM Cloud keeps its managed masters' backups): the file stays age-encrypted, so
 * the host never holds anything it could read. The masters log in with a key of
 * their own (BackupTargetKey, its public half to authorize there) and check the
 * host's key against `hostKey`, never trusting on first use.
 */
export interface BackupTarget {
  host: string;
  port: number;
  user: string;
  /** Absolute folder on the host (made if missing); it keeps the newest `keep` backups too. */
  path: string;
  /** The host's public key as in its /etc/ssh/ssh_host_*_key.pub: "ssh-ed25519 AAAA...". */
  hostKey: string;
}

export interface BackupSettings {
  /** Hours between scheduled backups (BACKUP_INTERVALS). */
  everyHours: number;
  /** Backups kept on each master (and in the backup directory). */
  keep: number;
  /** The age recipient (public key) backups are encrypted to. */
  recipient: string;
  /** Where each backup is copied after it is taken; none when absent. */
  target?: BackupTarget;
}

/** The masters' key to the backup target and its known_hosts (root's alone). */
export const BACKUP_TARGET_DIR = "/etc/keelson/backup-target";

/** A backup file's name: the cluster, when (UTC, sortable), and the member that took it. */
export const BACKUP_FILE_PATTERN = /^([a-z0-9-]+)-(\d{8}T\d{6}Z)-([a-z0-9-]+)\.tar\.age$/;

/** Checked before any resource is created: every field ends up in a shell line on the masters. */
export function validateBackupTarget(t: BackupTarget, field = "backup.target"): BackupTarget {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(t.host)) throw new Error(`${field}.host: ${JSON.stringify(t.host)} must be a host name or an IPv4 address`);
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new Error(`${field}.port: ${t.port} must be an integer from 1 to 65535`);
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(t.user)) throw new Error(`${field}.user: ${JSON.stringify(t.user)} must be a user name (lowercase letters, digits, '_' and '-')`);
  if (!/^\/[A-Za-z0-9._/-]{0,4095}$/.test(t.path) || t.path.split("/").includes("..")) throw new Error(`${field}.path: ${JSON.stringify(t.path)} must be an absolute path of letters, digits, '.', '_', '-' and '/', without '..'`);
  if (!/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]{16,8192}={0,3}$/.test(t.hostKey)) {
    throw new Error(`${field}.hostKey: must be the host's public key as its /etc/ssh/ssh_host_*_key.pub has it ("ssh-ed25519 AAAA..."), without the comment`);
  }
  return t;
}

/** The schedule alone: checked before any resource is created (the recipient exists only later). */
export function validateBackupSchedule(b: Pick<BackupSettings, "everyHours" | "keep">): void {
  if (!(BACKUP_INTERVALS as readonly number[]).includes(b.everyHours)) {
    throw new Error(`controlPlane.backup.everyHours: ${b.everyHours} must be one of ${BACKUP_INTERVALS.join(", ")} (a divisor of 24)`);
  }
  if (!Number.isInteger(b.keep) || b.keep < 1 || b.keep > 1000) throw new Error(`controlPlane.backup.keep: ${b.keep} must be an integer from 1 to 1000`);
}

export function validateBackupSettings(b: BackupSettings): BackupSettings {
  validateBackupSchedule(b);
  // age X25519 recipients are Bech32: "age1" and 58 characters of its alphabet.
  if (!/^age1[02-9ac-hj-np-z]{58}$/.test(b.recipient)) throw new Error(`controlPlane.backup.recipient: ${JSON.stringify(b.recipient)} is not an age X25519 recipient (age1...)`);
  if (b.target) validateBackupTarget(b.target, "controlPlane.backup.target");
  return b;
}

/** The timer's schedule: every `everyHours` hours from midnight UTC. */
export function backupCalendar(everyHours: number): string {
  return everyHours === 24 ? "*-*-* 00:00:00 UTC" : `*-*-* 00/${everyHours}:00:00 UTC`;
}

function backupScript(s: ControlPlaneSpec, m: MasterIdentity, b: BackupSettings): string {
  const ctl = `${etcdctl(["https://127.0.0.1:2379"])} --command-timeout=60s`;
  const retained = `^${s.clusterName}-[0-9]{8}T[0-9]{6}Z-.*\\.tar\\.age$`;
  return `#!/bin/sh
# keelson-etcd-backup [--any]: an encrypted backup of etcd, the PKI and the
# secrets-encryption config of cluster ${s.clusterName} into ${BACKUP_DIR}.
# Without --any only the etcd leader takes one. Prints the file it wrote.
set -eu
umask 077
copied=0
ctl() { ${ctl} "$@"; }
if [ "\${1:-}" != "--any" ]; then
  # "MemberID" and "Leader" of the local member (etcdctl -w fields).
  if ! ctl endpoint status -w fields | awk -F' : ' '/^"MemberID"/ { m = $2 } /^"Leader"/ { l = $2 } END { exit !(m != "" && m == l) }'; then
    echo "not the etcd leader: the leader takes the scheduled backup"
    exit 0
  fi
fi
mkdir -p ${BACKUP_DIR}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
name=${s.clusterName}-$stamp-${etcdMemberName(m)}.tar.age
tmp=$(mktemp -d ${BACKUP_DIR}/.taking-XXXXXX)
trap 'rm -rf "$tmp" "${BACKUP_DIR}/.$name.part"' EXIT
ctl snapshot save "$tmp/etcd.db" >/dev/null
ctl endpoint status -w fields > "$tmp/status"
cp -a ${PKI_DIR} "$tmp/pki"
if [ -f ${ENCRYPTION_CONFIG} ]; then cp ${ENCRYPTION_CONFIG} "$tmp/"; fi
printf 'cluster=%s\\nmember=%s\\ntaken=%s\\n' '${s.clusterName}' '${etcdMemberName(m)}' "$stamp" > "$tmp/keelson-backup"
tar -C "$tmp" -cf - . | ${AGE} -r '${b.recipient}' -o "${BACKUP_DIR}/.$name.part"
mv "${BACKUP_DIR}/.$name.part" "${BACKUP_DIR}/$name"
# Retention: the newest ${b.keep} (names sort by time).
ls -1 ${BACKUP_DIR} | grep -E '${retained}' | sort | head -n -${b.keep} | while read -r old; do rm -f "${BACKUP_DIR}/$old"; done
${b.target ? targetCopy(b.target, b.keep, retained) : ""}echo "${BACKUP_DIR}/$name"
exit $copied
`;
}

/**
 * Copies the new backup to the target over one SSH connection (made, written
 * under a temporary name, renamed, retention applied there), host key checked
 * against the pinned one. A failed copy leaves the backup on this master, says
 * why, and makes the tool exit 1 after printing the file (so `keelson backup`
 * and the timer's unit both show it).
 */
function targetCopy(t: BackupTarget, keep: number, retained: string): string {
  const known = `${BACKUP_TARGET_DIR}/known_hosts`;
  const ssh = [
    "ssh -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=yes",
    `-o UserKnownHostsFile=${known} -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i ${BACKUP_TARGET_DIR}/id -p ${t.port} ${t.user}@${t.host}`,
  ].join(" ");
  const remote = [
    `umask 077 && mkdir -p ${t.path}`,
    `cat > ${t.path}/.$name.part`,
    `mv ${t.path}/.$name.part ${t.path}/$name`,
    `cd ${t.path} && ls -1 | grep -E '${retained}' | sort | head -n -${keep} | while read -r old; do rm -f \\"\\$old\\"; done`,
  ].join(" && ");
  return `# A copy off the masters: ${t.user}@${t.host}:${t.path}.
if ${ssh} "${remote}" < "${BACKUP_DIR}/$name"; then
  echo "copied to ${t.user}@${t.host}:${t.path}/$name" >&2
else
  echo "copying $name to the backup target ${t.user}@${t.host}:${t.port} failed; it stays in ${BACKUP_DIR} on this master" >&2
  copied=1
fi
`;
}

function restoreScript(s: ControlPlaneSpec, m: MasterIdentity): string {
  const daemons = "kube-scheduler kube-controller-manager kube-apiserver";
  const local = etcdctl(["https://127.0.0.1:2379"]);
  const kubectl = `${BIN_DIR}/kubectl --kubeconfig ${kubeconfigPath("admin")}`;
  return `#!/bin/sh
# keelson-etcd-restore stop | restore SNAPSHOT | start-etcd | wait-etcd | start
# One phase of restoring cluster ${s.clusterName} from an etcd snapshot on member
# ${etcdMemberName(m)}; run each phase on every master before the next
# (components/cli/backup.ts does). The data directory before the restore is
# kept as ${ETCD_DATA_DIR}.before-restore (the previous one of those is removed).
set -eu
umask 077
ctl() { ${local} "$@"; }
wait_for() { # seconds what command... (a command or a function: no VAR=value prefix)
  s=$1; w=$2; shift 2; i=0
  until "$@" >/dev/null 2>&1; do i=$((i + 2)); if [ $i -ge "$s" ]; then echo "$w not ready after \${s}s" >&2; exit 1; fi; sleep 2; done
}
case "\${1:-}" in
stop)
  systemctl stop ${BACKUP_UNIT}.timer ${daemons} etcd
  ;;
restore)
  snap=\${2:?usage: keelson-etcd-restore restore SNAPSHOT}
  [ -f "$snap" ] || { echo "no snapshot at $snap" >&2; exit 1; }
  if systemctl is-active --quiet etcd; then echo "etcd is running: stop it first (keelson-etcd-restore stop)" >&2; exit 1; fi
  rm -rf ${ETCD_DATA_DIR}.restoring
  # etcdutl (etcdctl lost snapshot restore in 3.6). The revision jumps far past any
  # the old cluster reached and everything before is marked compacted, so a client
  # or cache (the apiservers' watch caches, controllers' informers) holding a newer
  # revision than the snapshot's is told to relist instead of silently missing
  # changes (https://etcd.io/docs/v3.6/op-guide/recovery/).
  ${BIN_DIR}/etcdutl snapshot restore "$snap" \\
    --bump-revision=1000000000 --mark-compacted \\
    --name='${etcdMemberName(m)}' \\
    --initial-cluster='${initialCluster(s)}' \\
    --initial-cluster-token='${initialClusterToken(s)}' \\
    --initial-advertise-peer-urls='${peerUrl(m)}' \\
    --data-dir=${ETCD_DATA_DIR}.restoring
  rm -rf ${ETCD_DATA_DIR}.before-restore
  if [ -d ${ETCD_DATA_DIR} ]; then mv ${ETCD_DATA_DIR} ${ETCD_DATA_DIR}.before-restore; fi
  mv ${ETCD_DATA_DIR}.restoring ${ETCD_DATA_DIR}
  chmod 0700 ${ETCD_DATA_DIR}
  chown -R ${ETCD_USER}:${ETCD_USER} ${ETCD_DATA_DIR}
  # The restored member has data: etcd ignores the initial-cluster settings from now on.
  printf 'ETCD_INITIAL_CLUSTER=%s\\nETCD_INITIAL_CLUSTER_STATE=new\\nJOINING=0\\n' '${initialCluster(s)}' > ${MEMBERSHIP_ENV}
  rm -f "$snap"
  echo "etcd ${etcdMemberName(m)}: data restored from the snapshot"
  ;;
start-etcd)
  # Not blocking: a member is up only once a quorum of them is.
  systemctl start --no-block etcd
  ;;
wait-etcd)
  wait_for 240 "etcd" ctl endpoint health
  ;;
start)
  systemctl start kube-apiserver
  wait_for 180 "kube-apiserver" ${kubectl} get --raw /readyz
  systemctl start kube-controller-manager kube-scheduler ${BACKUP_UNIT}.timer
  echo "control plane on ${m.name} started"
  ;;
*)
  echo "usage: keelson-etcd-restore stop | restore SNAPSHOT | start-etcd | wait-etcd | start" >&2
  exit 2
  ;;
esac
`;
}

/** What a master holds for backups and restores: the two tools, the backup service and its timer. */
export function backupFiles(s: ControlPlaneSpec, m: MasterIdentity, b: BackupSettings, targetKey?: string): HostFile[] {
  validateBackupSettings(b);
  if (b.target && !targetKey) throw new Error("controlPlane.backup.target: the masters' key to the target is missing");
  const service = renderUnit({
    description: `Encrypted etcd backup of cluster ${s.clusterName} (the leader takes it)`,
    after: ["etcd.service"],
    type: "oneshot",
    exec: [BACKUP_TOOL],
    wantedBy: [],
  });
  const timer = [
    "[Unit]",
    `Description=Encrypted etcd backup of cluster ${s.clusterName} every ${b.everyHours} h`,
    "",
    "[Timer]",
    `OnCalendar=${backupCalendar(b.everyHours)}`,
    "Persistent=true",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
  return [
    { path: BACKUP_TOOL, mode: "0700", content: backupScript(s, m, b) },
    { path: RESTORE_TOOL, mode: "0700", content: restoreScript(s, m) },
    unitFile(`${BACKUP_UNIT}.service`, service),
    unitFile(`${BACKUP_UNIT}.timer`, timer),
    ...(b.target
      ? [
          { path: `${BACKUP_TARGET_DIR}/id`, mode: "0600", content: targetKey!.endsWith("\n") ? targetKey! : `${targetKey}\n` },
          // For port 22 ssh looks the host up by its name alone; otherwise as [host]:port.
          { path: `${BACKUP_TARGET_DIR}/known_hosts`, mode: "0644", content: `${b.target.port === 22 ? b.target.host : `[${b.target.host}]:${b.target.port}`} ${b.target.hostKey}\n` },
        ]
      : []),
  ];
}
