// The masters' backup and restore tools, run for real with sh and the real age
// against a recording etcdctl stand-in (paths moved into a temporary root):
// only the leader takes a scheduled backup, `--any` always does, the file is
// encrypted (no plaintext inside, only the stack's identity opens it, and what
// it opens is the snapshot, the PKI and the encryption config), retention keeps
// the newest; the restore phase rebuilds the member from the snapshot with this
// member's name and the planned cluster, and refuses while etcd runs.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BIN_DIR } from "../../../components/bootstrap/host/paths";
import { beyondRetention, clusterBackups, openBackup } from "../../../components/cli/backup";
import {
  AGE,
  BACKUP_DIR,
  BACKUP_TARGET_DIR,
  BACKUP_FILE_PATTERN,
  BACKUP_TOOL,
  RESTORE_TOOL,
  type BackupTarget,
  backupCalendar,
  backupFiles,
  validateBackupSettings,
} from "../../../components/control/render/backup";
import { MEMBERSHIP_ENV } from "../../../components/control/render/etcdMembership";
import { ENCRYPTION_CONFIG, ETCD_DATA_DIR, PKI_DIR } from "../../../components/control/render/paths";
import { spec } from "./fixtures";

const m1 = spec.masters[0];

function keyPair(): { identity: string; recipient: string } {
  const gen = spawnSync("age-keygen", [], { encoding: "utf8" });
  const identity = gen.stdout.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
  const recipient = spawnSync("age-keygen", ["-y"], { input: identity + "\n", encoding: "utf8" }).stdout.trim();
  return { identity, recipient };
}

/** etcdctl stand-in: $STATE/leader says whether this member leads; snapshots hold a marker. */
const FAKE_ETCDCTL = `#!/bin/sh
echo "$*" >> "$STATE/calls"
case "$*" in
  *"endpoint status -w fields"*) echo '"ClusterID" : 7'; echo '"MemberID" : 11'; echo "\\"Leader\\" : $(cat "$STATE/leader")" ;;
  *"endpoint health"*) [ -f "$STATE/etcd-running" ] ;;
  *"snapshot save "*) for a in "$@"; do f=$a; done; printf 'SNAPSHOT-OF-ETCD' > "$f" ;;
  *"snapshot restore "*) for a in "$@"; do case $a in --data-dir=*) d=\${a#--data-dir=};; esac; done
                         mkdir -p "$d/member/snap"; cp "$3" "$d/member/snap/db" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;
/** date stand-in: a new second each call, so every backup has its own name. */
const FAKE_DATE = `#!/bin/sh
n=$(cat "$STATE/clock" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$STATE/clock"
printf '20261203T1000%02dZ\\n' "$n"
`;
/** chown stand-in: the test machine has no etcd user; the call is what is checked. */
const FAKE_CHOWN = `#!/bin/sh
echo "chown $*" >> "$STATE/calls"
`;
const FAKE_SYSTEMCTL = `#!/bin/sh
echo "systemctl $*" >> "$STATE/calls"
case "$1" in is-active) [ -f "$STATE/etcd-running" ] ;; esac
`;

/** ssh stand-in: runs the remote command here (it is sh either way), unless $STATE/ssh-fails says the host key did not match. */
const FAKE_SSH = `#!/bin/sh
echo "ssh $*" >> "$STATE/calls"
if [ -f "$STATE/ssh-fails" ]; then echo "Host key verification failed." >&2; exit 255; fi
for a; do last=$a; done
exec sh -c "$last"
`;

function setup(keep = 3, target?: BackupTarget) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-backup-"));
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "etcdctl"), FAKE_ETCDCTL, { mode: 0o755 });
  // etcdutl takes `snapshot restore` (gone from etcdctl in 3.6): the same stand-in, its own name in the calls.
  fs.writeFileSync(path.join(bin, "etcdutl"), FAKE_ETCDCTL.replace('echo "$*"', 'echo "etcdutl $*"'), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "date"), FAKE_DATE, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "systemctl"), FAKE_SYSTEMCTL, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "chown"), FAKE_CHOWN, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "ssh"), FAKE_SSH, { mode: 0o755 });
  fs.writeFileSync(path.join(root, "leader"), "22");
  fs.mkdirSync(path.join(root, "pki", "etcd"), { recursive: true });
  fs.writeFileSync(path.join(root, "pki", "ca.key"), "CA-KEY");
  fs.writeFileSync(path.join(root, "enc.yaml"), "ENCRYPTION-CONFIG");
  const key = keyPair();
  // Host paths moved under the temporary root (longest first: BIN_DIR is a prefix of the tools).
  const moves: [string, string][] = [
    [`${BIN_DIR}/etcdctl`, path.join(bin, "etcdctl")],
    [`${BIN_DIR}/etcdutl`, path.join(bin, "etcdutl")],
    [AGE, "age"],
    [BACKUP_DIR, path.join(root, "backups")],
    [ENCRYPTION_CONFIG, path.join(root, "enc.yaml")],
    [PKI_DIR, path.join(root, "pki")],
    [MEMBERSHIP_ENV, path.join(root, "membership.env")],
    [ETCD_DATA_DIR, path.join(root, "etcd")],
  ];
  const files = backupFiles(spec, m1, { everyHours: 8, keep, recipient: key.recipient, ...(target ? { target } : {}) }, target ? "TARGET-KEY" : undefined);
  const tool = (p: string) => {
    let text = files.find((f) => f.path === p)!.content;
    for (const [from, to] of moves) text = text.split(from).join(to);
    const file = path.join(root, path.basename(p));
    fs.writeFileSync(file, text, { mode: 0o755 });
    return file;
  };
  const env = { ...process.env, STATE: root, PATH: `${bin}:${process.env.PATH}` };
  const run = (file: string, ...args: string[]) => spawnSync("sh", [file, ...args], { env, encoding: "utf8" });
  return { root, key, files, backup: tool(BACKUP_TOOL), restore: tool(RESTORE_TOOL), run, backups: () => fs.readdirSync(path.join(root, "backups")).filter((f) => !f.startsWith(".")) };
}

// Needs Debian's age (the runner installs it with the other packages).
describe("keelson-etcd-backup and keelson-etcd-restore", () => {
  test("on the timer only the leader takes a backup; --any always does", () => {
    const t = setup();
    const follower = t.run(t.backup);
    expect(follower.status).toBe(0);
    expect(follower.stdout).toMatch(/not the etcd leader/);
    expect(fs.existsSync(path.join(t.root, "backups")) ? t.backups() : []).toEqual([]);
    fs.writeFileSync(path.join(t.root, "leader"), "11");
    const leader = t.run(t.backup);
    expect(leader.stderr).toBe("");
    expect(leader.status).toBe(0);
    expect(t.backups()).toHaveLength(1);
    fs.writeFileSync(path.join(t.root, "leader"), "22");
    expect(t.run(t.backup, "--any").status).toBe(0);
    expect(t.backups()).toHaveLength(2);
  });

  test("the file is age-encrypted: no plaintext inside, only the identity opens it, and it holds the snapshot, PKI and encryption config", () => {
    const t = setup();
    const r = t.run(t.backup, "--any");
    expect(r.status).toBe(0);
    const [name] = t.backups();
    expect(r.stdout.trim()).toBe(path.join(t.root, "backups", name));
    expect(BACKUP_FILE_PATTERN.exec(name)?.slice(1)).toEqual(["mycluster", "20261203T100001Z", "mycluster-master-dal10"]);
    const file = path.join(t.root, "backups", name);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 21).toString()).toBe("age-encryption.org/v1");
    for (const secret of ["SNAPSHOT-OF-ETCD", "CA-KEY", "ENCRYPTION-CONFIG"]) expect(bytes.includes(Buffer.from(secret))).toBe(false);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe("600");

    const out = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-open-"));
    const opened = openBackup(file, t.key.identity, out);
    expect(opened).toMatchObject({ cluster: "mycluster", member: "mycluster-master-dal10", taken: "20261203T100001Z" });
    expect(fs.readFileSync(opened.snapshot, "utf8")).toBe("SNAPSHOT-OF-ETCD");
    expect(fs.readFileSync(path.join(out, "backup", "pki", "ca.key"), "utf8")).toBe("CA-KEY");
    expect(fs.readFileSync(path.join(out, "backup", "enc.yaml"), "utf8")).toBe("ENCRYPTION-CONFIG");
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-open-"));
    expect(() => openBackup(file, keyPair().identity, other)).toThrow(/cannot be decrypted with this stack's backup identity/);
  });

  test("with a target, every backup is copied there over ssh (host key pinned), with retention there too; a failed copy says so and exits 1", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-target-"));
    const target = { host: "10.9.0.5", port: 2222, user: "backup", path: path.join(dir, "keelson"), hostKey: `ssh-ed25519 ${"A".repeat(68)}` };
    const t = setup(2, target);
    for (let i = 0; i < 3; i++) {
      const r = t.run(t.backup, "--any");
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^copied to backup@10\.9\.0\.5:.*\.tar\.age\n$/);
    }
    const there = fs.readdirSync(target.path).sort();
    expect(there).toEqual(t.backups().sort()); // the same newest two, no partial file left
    expect(there).toHaveLength(2);
    for (const n of there) expect(fs.readFileSync(path.join(target.path, n)).equals(fs.readFileSync(path.join(t.root, "backups", n)))).toBe(true);
    const call = fs.readFileSync(path.join(t.root, "calls"), "utf8").split("\n").find((l) => l.startsWith("ssh "))!;
    for (const o of ["-o StrictHostKeyChecking=yes", `-o UserKnownHostsFile=${BACKUP_TARGET_DIR}/known_hosts`, `-i ${BACKUP_TARGET_DIR}/id`, "-p 2222 backup@10.9.0.5"]) expect(call).toContain(o);
    // The masters hold the key (root's alone) and the pinned host key, as ssh looks a non-22 port up.
    expect(t.files.find((f) => f.path === `${BACKUP_TARGET_DIR}/id`)).toMatchObject({ mode: "0600", content: "TARGET-KEY\n" });
    expect(t.files.find((f) => f.path === `${BACKUP_TARGET_DIR}/known_hosts`)!.content).toBe(`[10.9.0.5]:2222 ${target.hostKey}\n`);

    fs.writeFileSync(path.join(t.root, "ssh-fails"), "");
    const failed = t.run(t.backup, "--any");
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("Host key verification failed.");
    expect(failed.stderr).toMatch(/copying .*\.tar\.age to the backup target backup@10\.9\.0\.5:2222 failed; it stays in .* on this master/);
    const kept = failed.stdout.trim().split("\n").pop()!;
    expect(fs.existsSync(kept)).toBe(true); // taken, printed, kept on the master
    expect(fs.readdirSync(target.path)).not.toContain(path.basename(kept));
    expect(() => backupFiles(spec, m1, { everyHours: 8, keep: 2, recipient: t.key.recipient, target })).toThrow(/key to the target is missing/);
  });

  test("retention keeps the newest `keep` backups", () => {
    const t = setup(3);
    for (let i = 0; i < 5; i++) expect(t.run(t.backup, "--any").status).toBe(0);
    expect(t.backups().sort()).toEqual(["03", "04", "05"].map((s) => `mycluster-20261203T1000${s}Z-mycluster-master-dal10.tar.age`));
  });

  test("restore: rebuilds this member from the snapshot with its name and the planned cluster; refuses while etcd runs", () => {
    const t = setup();
    const snap = path.join(t.root, "etcd.db");
    fs.writeFileSync(snap, "SNAPSHOT-OF-ETCD");
    fs.mkdirSync(path.join(t.root, "etcd", "member"), { recursive: true });
    fs.writeFileSync(path.join(t.root, "etcd", "member", "old"), "OLD");
    fs.writeFileSync(path.join(t.root, "etcd-running"), "");
    const refused = t.run(t.restore, "restore", snap);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/etcd is running: stop it first/);
    fs.rmSync(path.join(t.root, "etcd-running"));

    const r = t.run(t.restore, "restore", snap);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(t.root, "etcd", "member", "snap", "db"), "utf8")).toBe("SNAPSHOT-OF-ETCD");
    expect(fs.readFileSync(path.join(t.root, "etcd.before-restore", "member", "old"), "utf8")).toBe("OLD");
    expect(fs.existsSync(snap)).toBe(false); // the plaintext snapshot does not stay on the master
    const calls = fs.readFileSync(path.join(t.root, "calls"), "utf8").split("\n");
    // The restored data directory is etcd's, as the one it replaces was (etcd runs as its own user).
    expect(calls).toContain(`chown -R etcd:etcd ${path.join(t.root, "etcd")}`);
    expect((fs.statSync(path.join(t.root, "etcd")).mode & 0o777).toString(8)).toBe("700");
    const call = calls.find((l) => l.includes("snapshot restore"))!;
    expect(call).toMatch(/^etcdutl snapshot restore /);
    // The revision jumps and the past is marked compacted, so watchers and caches relist.
    expect(call).toContain("--bump-revision=1000000000 --mark-compacted");
    expect(call).toContain("--name=mycluster-master-dal10");
    expect(call).toContain("--initial-cluster=mycluster-master-dal10=https://10.10.0.11:2380,mycluster-master-dal12=https://10.12.0.11:2380,mycluster-master-dal13=https://10.13.0.11:2380");
    expect(call).toContain("--initial-cluster-token=mycluster-etcd");
    expect(call).toContain("--initial-advertise-peer-urls=https://10.10.0.11:2380");
    expect(fs.readFileSync(path.join(t.root, "membership.env"), "utf8")).toMatch(/^ETCD_INITIAL_CLUSTER=.*\nETCD_INITIAL_CLUSTER_STATE=new\nJOINING=0\n$/);

    // wait-etcd: until the local member is healthy (a quorum formed).
    fs.writeFileSync(path.join(t.root, "etcd-running"), "");
    const waited = t.run(t.restore, "wait-etcd");
    expect(waited.stderr).toBe("");
    expect(waited.status).toBe(0);
    expect(fs.readFileSync(path.join(t.root, "calls"), "utf8")).toMatch(/--endpoints=https:\/\/127\.0\.0\.1:2379 .*endpoint health/);
    fs.rmSync(path.join(t.root, "etcd-running"));
    expect(t.run(t.restore, "stop").status).toBe(0);
    expect(fs.readFileSync(path.join(t.root, "calls"), "utf8")).toContain("systemctl stop keelson-etcd-backup.timer kube-scheduler kube-controller-manager kube-apiserver etcd");
    expect(t.run(t.restore, "bogus").status).toBe(2);
  });
});

describe("backup settings and file names", () => {
  test("bad settings name the field", () => {
    const recipient = "age1" + "q".repeat(58);
    expect(() => validateBackupSettings({ everyHours: 5, keep: 3, recipient })).toThrow(/controlPlane\.backup\.everyHours: 5 must be one of 1, 2, 3, 4, 6, 8, 12, 24/);
    expect(() => validateBackupSettings({ everyHours: 8, keep: 0, recipient })).toThrow(/controlPlane\.backup\.keep/);
    expect(() => validateBackupSettings({ everyHours: 8, keep: 3, recipient: "ssh-ed25519 AAAA" })).toThrow(/controlPlane\.backup\.recipient/);
  });

  test("the timer's calendar", () => {
    expect(backupCalendar(8)).toBe("*-*-* 00/8:00:00 UTC");
    expect(backupCalendar(24)).toBe("*-*-* 00:00:00 UTC");
    const timer = backupFiles(spec, m1, { everyHours: 8, keep: 3, recipient: "age1" + "q".repeat(58) }).find((f) => f.path.endsWith(".timer"))!;
    expect(timer.content).toContain("OnCalendar=*-*-* 00/8:00:00 UTC\nPersistent=true");
  });

  test("a cluster's backups, oldest first, and what retention removes", () => {
    const names = [
      "c1-20261203T100005Z-c1-master-z2.tar.age",
      "c1-20261203T100001Z-c1-master-z1.tar.age",
      "c10-20261203T100000Z-c10-master-z1.tar.age", // another cluster whose name starts the same
      ".c1-20261203T100009Z-c1-master-z1.tar.age.part", // a copy in progress
      "notes.txt",
      "c1-20261203T100003Z-c1-master-z3.tar.age",
    ];
    expect(clusterBackups(names, "c1")).toEqual([names[1], names[5], names[0]]);
    expect(beyondRetention(names, "c1", 2)).toEqual([names[1]]);
    expect(beyondRetention(names, "c1", 5)).toEqual([]);
  });
});

describe("the masters' key to the backup target", () => {
  test("an ed25519 key pair from ssh-keygen, the private half OpenSSH's format; never replaced", async () => {
    const { __test } = await import("../../../components/control/backupKey");
    const made = await __test.backupTargetKeyProvider.create!({ comment: "keelson-backup@mycluster" });
    expect(made.outs.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]{68} keelson-backup@mycluster$/);
    expect(made.outs.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/);
    // The public half is derived from the private one (ssh-keygen -y agrees).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-key-"));
    fs.writeFileSync(path.join(dir, "id"), made.outs.privateKey, { mode: 0o600 });
    expect(spawnSync("ssh-keygen", ["-y", "-f", path.join(dir, "id")], { encoding: "utf8" }).stdout.trim().split(" ").slice(0, 2)).toEqual(made.outs.publicKey.split(" ").slice(0, 2));
    expect((await __test.backupTargetKeyProvider.diff!("x", made.outs, { comment: "other" })).changes).toBe(false);
  });
});
