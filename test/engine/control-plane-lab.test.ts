// The control plane on lab-driver hosts (3 zones, private + public VLANs, one
// master per zone): what `npm run up` builds on the lab stack, minus workers.
// readyz through every master from the machine running pulumi; the public
// service endpoint from "the internet" (the lab's client namespace) refuses
// anonymous requests; etcd has three started members in three zones; a second
// up is a no-op; a master killed like failed hardware leaves the API and etcd
// quorum up, and after refresh + up restarts the host, its daemons rejoin with
// no control-plane step (nothing of the control plane is re-run); an encrypted
// backup taken now and collected off the masters restores objects deleted after
// it (and drops one created after it), with etcd 3/3 and a no-change up after.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cleanupStack } from "../../components/infra/lab/cleanup";
import { stackNames } from "../../components/infra/lab/naming";
import { crashHost } from "../../components/infra/lab/crash";
import { openBackup, restoreBackup, takeBackup } from "../../components/cli/backup";
import { pulumiOk, removeStack, uniqueStackName } from "./lib/pulumi";
import { sh, ssh as sshAs, until } from "./lib/shell";

const fixture = path.join(__dirname, "fixtures", "control-plane-lab");
const stack = uniqueStackName("cplab");
const opts = { cwd: fixture };
const names = stackNames(stack);
const octet = 20 + 2 * (process.pid % 30); // 10.<octet>.x private, 10.<octet+1>.x public; unlike lab.test.ts's range
const zones = ["z1", "z2", "z3"];
const privateIps = zones.map((_, i) => `10.${octet}.${i + 1}.10`);
const publicIps = zones.map((_, i) => `10.${octet + 1}.${i + 1}.10`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-cplab-"));
const kubeconfig = path.join(work, "kubeconfig");
const keyFile = path.join(work, "id");
const cache = process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
const kubectlBin = path.join(cache, "kubernetes", "v1.36.3", "bin", "kubectl");

jest.setTimeout(30 * 60_000);

const ssh = (ip: string, script: string) => sshAs(keyFile, ip, script);
const kubectl = (server: string, ...args: string[]) => sh(kubectlBin, ["--kubeconfig", kubeconfig, "--server", server, "--request-timeout=10s", ...args]);
const ETCDCTL =
  "/usr/local/bin/etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key";
const allEtcd = privateIps.map((ip) => `https://${ip}:2379`).join(",");


afterAll(() => {
  removeStack(stack, opts);
  cleanupStack(stack);
  fs.rmSync(work, { recursive: true, force: true });
});

let outputs: Record<string, any> = {};

test("pulumi up builds the lab and its control plane", () => {
  pulumiOk(["stack", "init", stack], opts);
  pulumiOk(["config", "set", "octet", String(octet), "--stack", stack], opts);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  const out = (outputs = JSON.parse(pulumiOk(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts)));
  fs.writeFileSync(kubeconfig, out.kubeconfig, { mode: 0o600 });
  fs.writeFileSync(keyFile, out.sshPrivateKey, { mode: 0o600 });
  expect(out.apiServerEndpoints).toEqual(privateIps.map((ip) => `https://${ip}:6443`));
  expect(out.privateEndpoint).toBe(`https://${privateIps[0]}:6443`);
  expect(out.publicEndpoint).toBe(`https://${publicIps[0]}:6443`);
});

test("readyz through every master with the exported kubeconfig", () => {
  for (const ip of privateIps) {
    const r = kubectl(`https://${ip}:6443`, "get", "--raw", "/readyz");
    expect({ ip, out: r.stdout.trim() }).toEqual({ ip, out: "ok" });
  }
});

test("the public service endpoint answers from the internet, and refuses anonymous requests", () => {
  const r = sh("ip", ["netns", "exec", names.clientNs, "curl", "-sk", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", `https://${publicIps[0]}:6443/readyz`]);
  expect(r.stdout).toBe("401");
});

test("etcd: three started members, one per zone; a client without a certificate is refused", () => {
  const list = ssh(privateIps[0], `${ETCDCTL} --endpoints=${allEtcd} member list -w json`);
  expect(list.status).toBe(0);
  const members = JSON.parse(list.stdout).members as { name: string }[];
  expect(members.map((m) => m.name).sort()).toEqual(zones.map((z) => `cplab-master-${z}`));
  const noCert = ssh(privateIps[1], `/usr/local/bin/etcdctl --endpoints=https://${privateIps[2]}:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --command-timeout=5s get / --prefix --keys-only --limit=1`);
  expect(noCert.status).not.toBe(0);
});

/** Who runs etcd on a master, and who owns its data directory and member key (root: systemd hands etcd the key). */
const ETCD_OWNERSHIP = "ps -o user= -C etcd | sort -u; stat -c '%U:%G %a' /var/lib/etcd /var/lib/etcd/member /etc/kubernetes/pki/etcd/member.key /etc/kubernetes/pki/etcd /etc/kubernetes/pki/etcd/healthcheck-client.key";
// The other keys beside etcd's stay root's alone.
const etcdsOwn = ["etcd", "etcd:etcd 700", "etcd:etcd 700", "root:root 600", "root:root 755", "root:root 600"];

test("etcd runs as its own user, which owns its data directory (CIS 1.1.11, 1.1.12); the PKI stays root's (CIS 1.1.19)", () => {
  for (const ip of privateIps) expect({ ip, own: ssh(ip, ETCD_OWNERSHIP).stdout.trim().split("\n") }).toEqual({ ip, own: etcdsOwn });
});

test("a second up reports no changes", () => {
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});

test("a master killed like failed hardware: API and etcd quorum stay; after refresh + up it rejoins by itself", async () => {
  const victim = "cplab-master-z2";
  crashHost(stack, victim); // failed hardware: every process of the host at once, its NICs dark
  // A dead member (silent, not refusing) may have been etcd's leader: the others
  // elect a new one and the apiservers' etcd clients move off it, a few seconds in
  // which /readyz can fail. The survivors must be ready again within a minute.
  const t0 = Date.now();
  for (const ip of [privateIps[0], privateIps[2]]) {
    await until(`${ip} /readyz ok with a master dead`, 60, () => kubectl(`https://${ip}:6443`, "get", "--raw", "/readyz").stdout.trim() === "ok");
  }
  const ready = (Date.now() - t0) / 1000;
  // A write through a survivor. The apiservers' etcd clients balance over all three
  // members, and one silently dead stays in the balance until gRPC keepalive drops
  // it (30 s + 10 s in kube-apiserver), so a request may hang on it until then
  // (docs/control-plane.md). A timed-out create that did land reads AlreadyExists.
  let firstError = "";
  await until("a write through a surviving master", 60, () => {
    const r = kubectl(`https://${privateIps[2]}:6443`, "create", "configmap", "during-outage", "--from-literal=a=b");
    if (r.status !== 0 && firstError === "") firstError = r.stderr.trim().split("\n")[0];
    return r.status === 0 || /AlreadyExists/.test(r.stderr);
  });
  const written = (Date.now() - t0) / 1000;
  console.log(`a master crashed: both others ready ${ready.toFixed(1)} s later, a write through one landed ${written.toFixed(1)} s later${firstError ? ` (first failure: ${firstError})` : ""}`);

  pulumiOk(["refresh", "--yes", "--stack", stack], opts);
  const up = pulumiOk(["up", "--yes", "--stack", stack], opts);
  expect(up).toMatch(/1 updated/); // the host restarted; no control-plane resource ran again
  await until("the restarted master serves /readyz", 240, () => kubectl(`https://${privateIps[1]}:6443`, "get", "--raw", "/readyz").stdout.trim() === "ok");
  expect(kubectl(`https://${privateIps[1]}:6443`, "get", "configmap", "during-outage").status).toBe(0);
  await until("etcd 3/3 healthy", 120, () => {
    const h = ssh(privateIps[1], `${ETCDCTL} --endpoints=${allEtcd} endpoint health`);
    return ((h.stdout + h.stderr).match(/is healthy/g) ?? []).length === 3;
  });
});

test("backup and restore: an encrypted backup collected off the masters brings back what was deleted after it", () => {
  for (const ip of privateIps) expect(ssh(ip, "systemctl is-enabled keelson-etcd-backup.timer; systemctl is-active keelson-etcd-backup.timer").stdout.split("\n").slice(0, 2)).toEqual(["enabled", "active"]);
  const items = Array.from({ length: 100 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `kept-${i}`, labels: { "keelson-test": "backup" } }, data: { i: String(i) } }));
  const server = `https://${privateIps[0]}:6443`;
  const created = sh(kubectlBin, ["--kubeconfig", kubeconfig, "--server", server, "apply", "-f", "-"], 120_000, JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  expect(created.stderr).toBe("");
  const count = () => (kubectl(server, "get", "configmaps", "-l", "keelson-test=backup", "-o", "name").stdout.match(/configmap\//g) ?? []).length;
  expect(count()).toBe(100);

  const lines: string[] = [];
  const t0 = Date.now();
  const b = takeBackup(outputs.backup, outputs.sshPrivateKey, work, (l) => lines.push(l));
  const backupSecs = (Date.now() - t0) / 1000;
  expect(b.directory).toBe(path.join(work, ".keelson", "backups", stack));
  expect(b.fetched).toContain(b.taken);
  const file = path.join(b.directory, b.taken);
  const bytes = fs.readFileSync(file);
  // Encrypted: age's header, and none of etcd's keys readable in it.
  expect(bytes.subarray(0, 21).toString()).toBe("age-encryption.org/v1");
  expect(bytes.includes(Buffer.from("/registry/configmaps/default/kept-1"))).toBe(false);
  const otherKey = sh("age-keygen", []).stdout.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
  expect(() => openBackup(file, otherKey, fs.mkdtempSync(path.join(work, "wrong-")))).toThrow(/cannot be decrypted/);

  // After the backup: the objects are deleted and another one is created.
  expect(kubectl(server, "delete", "configmaps", "-l", "keelson-test=backup", "--wait=true").status).toBe(0);
  expect(kubectl(server, "create", "configmap", "after-backup", "--from-literal=a=b").status).toBe(0);
  expect(count()).toBe(0);

  const t1 = Date.now();
  restoreBackup(outputs.backup, outputs.sshPrivateKey, outputs.backupIdentity, file, (l) => lines.push(l));
  const restoreSecs = (Date.now() - t1) / 1000;
  console.log(`backup ${backupSecs.toFixed(1)} s, restore ${restoreSecs.toFixed(1)} s:\n  ${lines.join("\n  ")}`);
  for (const ip of privateIps) expect(kubectl(`https://${ip}:6443`, "get", "--raw", "/readyz").stdout.trim()).toBe("ok");
  expect(count()).toBe(100);
  expect(kubectl(server, "get", "configmap", "kept-42", "-o", "jsonpath={.data.i}").stdout).toBe("42");
  expect(kubectl(server, "get", "configmap", "after-backup").stderr).toMatch(/NotFound/);
  const h = ssh(privateIps[1], `${ETCDCTL} --endpoints=${allEtcd} endpoint health`);
  expect(((h.stdout + h.stderr).match(/is healthy/g) ?? []).length).toBe(3);
  // The restored data directories are etcd's again.
  for (const ip of privateIps) expect({ ip, own: ssh(ip, ETCD_OWNERSHIP).stdout.trim().split("\n") }).toEqual({ ip, own: etcdsOwn });
  // Pulumi's view is untouched: nothing to do after a restore.
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});

test("a backup target: every backup is copied to an SSH host whose key is pinned, with retention there; a host with another key is refused", () => {
  // A real SSH host on the lab's private network: here the third master plays it (root's
  // authorized_keys gets the masters' target key; a real target would be a host of its own).
  const host = privateIps[2];
  const dir = "/var/lib/keelson-backup-target";
  const hostKey = (ip: string) => ssh(ip, "cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub").stdout.trim();
  const setTarget = (key: string) =>
    pulumiOk(["config", "set-all", "--stack", stack, "--path", "--plaintext", `backupTarget.host=${host}`, "--plaintext", "backupTarget.port=22", "--plaintext", "backupTarget.user=root", "--plaintext", `backupTarget.path=${dir}`, "--plaintext", `backupTarget.hostKey=${key}`], opts);
  setTarget(hostKey(host));
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  const pub = JSON.parse(pulumiOk(["stack", "output", "--json", "--stack", stack], opts)).backupTargetPublicKey as string;
  expect(pub).toMatch(/^ssh-ed25519 \S+ keelson-backup@cplab$/);
  expect(ssh(host, `echo '${pub}' >> /root/.ssh/authorized_keys`).status).toBe(0);

  const taken: string[] = [];
  for (let i = 0; i < 6; i++) {
    taken.push(takeBackup(outputs.backup, outputs.sshPrivateKey, work, () => {}).taken);
    sh("sleep", ["1"]); // names carry the second they were taken in
  }
  const there = ssh(host, `ls -1 ${dir}`).stdout.trim().split("\n");
  // keep is 5: the five newest, byte for byte what the machine running Pulumi collected.
  expect(there.sort()).toEqual(taken.slice(1).sort());
  const local = path.join(work, ".keelson", "backups", stack, taken[5]);
  const remoteSum = ssh(host, `sha256sum ${dir}/${taken[5]}`).stdout.split(" ")[0];
  expect(remoteSum).toBe(sh("sha256sum", [local]).stdout.split(" ")[0]);
  expect(ssh(host, `stat -c %a ${dir}/${taken[5]}`).stdout.trim()).toBe("600");

  // Another host's key pinned: ssh refuses the host, nothing is copied, and the backup says why.
  setTarget(hostKey(privateIps[1]));
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  expect(() => takeBackup(outputs.backup, outputs.sshPrivateKey, work, () => {})).toThrow(/Host key verification failed[\s\S]*to the backup target root@.*:22 failed; it stays in \/var\/lib\/keelson\/backups on this master/);
  expect(ssh(host, `ls -1 ${dir}`).stdout.trim().split("\n").sort()).toEqual(there.sort());
  setTarget(hostKey(host));
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});
