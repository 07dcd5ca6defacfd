// `keelson backup` and `keelson restore FILE`: the machine running Pulumi drives
// the masters' own tools (components/control/render/backup.ts) over SSH, with
// what the stack exports (`backup`, `backupIdentity`, `sshPrivateKey`).
//
//   backup   one master takes a backup now (the first that can), then every
//            master's backups that the backup directory lacks are copied into
//            it (scheduled ones included), and the directory keeps the newest
//            `keep`. Files stay encrypted end to end: nothing here decrypts them.
//   restore  the file is decrypted here (into a private temporary directory),
//            checked to be this cluster's, and its etcd snapshot copied to every
//            master; then phase by phase on all masters: stop the control plane,
//            rebuild each member's data from the snapshot, start etcd everywhere
//            (a quorum forms), wait for it, start the apiservers one at a time.
//            Nothing on any master is stopped until every master is reachable
//            and has the restore tool.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sshArgs, sshOptionArgs } from "../bootstrap/host/ssh";
import type { BackupInfo } from "../control/controlPlane";
import { BACKUP_DIR, BACKUP_FILE_PATTERN, BACKUP_TOOL, RESTORE_DIR, RESTORE_TOOL } from "../control/render/backup";

type Master = BackupInfo["masters"][number];
export type Say = (line: string) => void;

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 300_000): Run {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.error) return { status: -1, stdout: "", stderr: r.error.message };
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** SSH and scp to the masters with the stack's key (in a 0600 file for the command's lifetime). */
class Masters {
  private readonly opts: string[];
  constructor(private readonly keyFile: string) {
    this.opts = sshOptionArgs(keyFile);
  }
  ssh(m: Master, script: string, timeoutMs?: number): Run {
    return run("ssh", sshArgs(this.keyFile, m, script), timeoutMs);
  }
  fetch(m: Master, remote: string, local: string): Run {
    return run("scp", [...this.opts, "-q", "-P", String(m.port), `${m.user}@${m.host}:${remote}`, local]);
  }
  push(m: Master, local: string, remote: string): Run {
    return run("scp", [...this.opts, "-q", "-P", String(m.port), local, `${m.user}@${m.host}:${remote}`]);
  }
}

function why(r: Run): string {
  return (r.stderr.trim() || r.stdout.trim() || `exit ${r.status}`).split("\n").slice(-3).join(" / ");
}

/** This cluster's backup files among `names`, oldest first (by the time in the name, then the name). */
export function clusterBackups(names: string[], clusterName: string): string[] {
  return names
    .map((n) => ({ n, m: BACKUP_FILE_PATTERN.exec(n) }))
    .filter((x) => x.m && x.m[1] === clusterName)
    .sort((a, b) => a.m![2].localeCompare(b.m![2]) || a.n.localeCompare(b.n))
    .map((x) => x.n);
}

/** What retention removes: all but the newest `keep`. */
export function beyondRetention(names: string[], clusterName: string, keep: number): string[] {
  const all = clusterBackups(names, clusterName);
  return all.slice(0, Math.max(0, all.length - keep));
}

function withKey<T>(sshPrivateKey: string, fn: (m: Masters, tmp: string) => T): T {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-backup-"));
  try {
    const keyFile = path.join(tmp, "id");
    fs.writeFileSync(keyFile, sshPrivateKey.endsWith("\n") ? sshPrivateKey : sshPrivateKey + "\n", { mode: 0o600 });
    return fn(new Masters(keyFile), tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export interface BackupResult {
  /** The backup taken now (a file name in `directory`). */
  taken: string;
  directory: string;
  /** Files copied into the directory by this run (the new one included). */
  fetched: string[];
  /** Files retention removed from the directory. */
  removed: string[];
}

/** A backup now, and every master's backups collected into the backup directory. */
export function takeBackup(info: BackupInfo, sshPrivateKey: string, projectRoot: string, say: Say): BackupResult {
  const directory = path.resolve(projectRoot, info.directory);
  fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
  return withKey(sshPrivateKey, (masters) => {
    let taken = "";
    const failures: string[] = [];
    for (const m of info.masters) {
      say(`backup: taking a snapshot on ${m.name}`);
      const r = masters.ssh(m, `${BACKUP_TOOL} --any`);
      const file = r.stdout.trim().split("\n").pop() ?? "";
      if (r.status === 0 && file.startsWith(`${BACKUP_DIR}/`)) {
        taken = path.posix.basename(file);
        break;
      }
      failures.push(`${m.name}: ${why(r)}`);
      say(`backup: ${m.name} could not take it (${why(r)}); trying the next master`);
    }
    if (!taken) throw new Error(`no master could take a backup:\n  ${failures.join("\n  ")}`);
    const fetched: string[] = [];
    for (const m of info.masters) {
      const ls = masters.ssh(m, `ls -1 ${BACKUP_DIR} 2>/dev/null || true`);
      if (ls.status !== 0) {
        say(`backup: ${m.name} unreachable, its backups are not collected (${why(ls)})`);
        continue;
      }
      for (const name of clusterBackups(ls.stdout.split("\n"), info.clusterName)) {
        if (fs.existsSync(path.join(directory, name))) continue;
        const part = path.join(directory, `.${name}.part`);
        const cp = masters.fetch(m, `${BACKUP_DIR}/${name}`, part);
        if (cp.status !== 0) {
          fs.rmSync(part, { force: true });
          throw new Error(`copying ${name} from ${m.name}: ${why(cp)}`);
        }
        fs.chmodSync(part, 0o600);
        fs.renameSync(part, path.join(directory, name));
        fetched.push(name);
      }
    }
    const removed = beyondRetention(fs.readdirSync(directory), info.clusterName, info.keep);
    for (const n of removed) fs.rmSync(path.join(directory, n), { force: true });
    say(`backup: ${taken} taken; ${fetched.length} file(s) copied to ${directory}${removed.length ? `, ${removed.length} beyond retention removed` : ""}`);
    return { taken, directory, fetched, removed };
  });
}

/** Decrypts `file` into `dir` with the stack's identity; returns what the backup says of itself. */
export function openBackup(file: string, identity: string, dir: string): { cluster: string; member: string; taken: string; snapshot: string } {
  const idFile = path.join(dir, "identity");
  fs.writeFileSync(idFile, identity.trim() + "\n", { mode: 0o600 });
  const tarFile = path.join(dir, "backup.tar");
  const dec = run("age", ["-d", "-i", idFile, "-o", tarFile, file]);
  fs.rmSync(idFile, { force: true });
  if (dec.status !== 0) throw new Error(`${file}: cannot be decrypted with this stack's backup identity (${why(dec)})`);
  const out = path.join(dir, "backup");
  fs.mkdirSync(out, { mode: 0o700 });
  const x = run("tar", ["-xf", tarFile, "-C", out]);
  fs.rmSync(tarFile, { force: true });
  if (x.status !== 0) throw new Error(`${file}: not a tar archive inside (${why(x)})`);
  const metaFile = path.join(out, "keelson-backup");
  const snapshot = path.join(out, "etcd.db");
  if (!fs.existsSync(metaFile) || !fs.existsSync(snapshot)) throw new Error(`${file}: not a Keelson backup (no keelson-backup or etcd.db inside)`);
  const meta = Object.fromEntries(
    fs
      .readFileSync(metaFile, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { cluster: meta.cluster ?? "", member: meta.member ?? "", taken: meta.taken ?? "", snapshot };
}

/** Restores the cluster's etcd (and with it every Kubernetes object) from a backup file. */
export function restoreBackup(info: BackupInfo, sshPrivateKey: string, identity: string, file: string, say: Say): void {
  if (!fs.existsSync(file)) throw new Error(`restore: ${file} does not exist`);
  withKey(sshPrivateKey, (masters, tmp) => {
    const b = openBackup(file, identity, tmp);
    if (b.cluster !== info.clusterName) throw new Error(`restore: ${file} is a backup of cluster ${JSON.stringify(b.cluster)}, not of ${info.clusterName}`);
    say(`restore: backup of ${b.cluster} taken ${b.taken} on ${b.member}`);
    // Before anything stops: every master answers and has the tool.
    for (const m of info.masters) {
      const r = masters.ssh(m, `test -x ${RESTORE_TOOL} && mkdir -p -m 0700 ${RESTORE_DIR}`);
      if (r.status !== 0) throw new Error(`restore: ${m.name} (${m.host}) is not ready for a restore, nothing was changed: ${why(r)}`);
    }
    for (const m of info.masters) {
      say(`restore: copying the snapshot to ${m.name}`);
      const cp = masters.push(m, b.snapshot, `${RESTORE_DIR}/etcd.db`);
      if (cp.status !== 0) throw new Error(`restore: copying the snapshot to ${m.name} failed, nothing was changed: ${why(cp)}`);
    }
    const phase = (label: string, args: string, timeoutMs?: number) => {
      for (const m of info.masters) {
        say(`restore: ${label} on ${m.name}`);
        const r = masters.ssh(m, `${RESTORE_TOOL} ${args}`, timeoutMs);
        if (r.status !== 0) {
          throw new Error(
            `restore: ${label} on ${m.name} failed: ${why(r)}\n` +
              `Run the same restore again once the master is back; each member's data before the restore is in /var/lib/etcd.before-restore.`,
          );
        }
      }
    };
    phase("stopping the control plane", "stop");
    phase("rebuilding etcd's data from the snapshot", `restore ${RESTORE_DIR}/etcd.db`);
    phase("starting etcd", "start-etcd");
    phase("waiting for etcd", "wait-etcd", 300_000);
    phase("starting the apiserver, controller-manager and scheduler", "start", 300_000);
    say(`restore: the control plane of ${info.clusterName} serves the state of ${b.taken}`);
  });
}
