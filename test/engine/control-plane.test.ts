// The control plane on three plain SSH hosts through the real engine: PKI, etcd,
// kube-apiserver, controller-manager and scheduler, bootstrapped over SSH. Hosts
// come from test/engine/fixtures/control-plane/hosts.sh (systemd-nspawn machines
// reached over SSH, as an `ssh` driver hands them over); the program is that
// fixture's index.ts. One cluster for the whole file (one build instead of two:
// this file and the etcd upgrade were two clusters before, CI time).
//
// What it shows:
//  - issue 5: a `pulumi up` killed mid-bootstrap converges when run again; a
//    second `up` changes nothing;
//  - issue 19: the cluster, built on Debian's etcd 3.4.23 laid out as Keelson had
//    it before etcd was built from its Go modules (a plain /usr/local/bin/etcd),
//    moves with `pulumi up` to the pinned etcd, each member stepping to 3.5.36,
//    then to 3.6.17, one master at a time (components/control/render/etcdRelease.ts):
//    the same etcd cluster (ID) and every object kept, the API answering a polling
//    client throughout (the failed polls are printed), every member on 3.6.17 and
//    the cluster version 3.6 at the end, then nothing to do;
//  - on the upgraded cluster: a changed apiserver setting re-runs only the
//    apiservers, one master at a time; the kubeconfig is a secret; /readyz through
//    every master; anonymous requests refused; three started etcd members in three
//    zones, none answering a client without a certificate; Secrets not plaintext in
//    etcd; one master down keeps the API and etcd quorum, and it rejoins on its own.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { etcdMemberName } from "../../components/control/render/spec";
import { whilePolling } from "./lib/apiPoller";
import { CpHosts } from "./lib/cpHosts";
import { projectRoot, pulumi, pulumiOk, uniqueStackName } from "./lib/pulumi";
import { sh as shell, until } from "./lib/shell";
import versions from "../../components/versions.json";

const stack = uniqueStackName("cp");
// 10.<net>.0.0/24, unlikely to clash with another run.
const cpHosts = new CpHosts(100 + Math.floor(Math.random() * 150));
const { tag, ips, names, zones, opts } = cpHosts;
const fixture = opts.cwd;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-cp-"));
const kubeconfig = path.join(work, "kubeconfig");
const mirror = path.join(work, "mirror");
const cache = process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
const kubectlBin = path.join(cache, "kubernetes", versions.kubernetes, "bin", "kubectl");
const OLD = "v3.4.23";

jest.setTimeout(30 * 60_000);

const sh = (cmd: string, args: string[], timeoutMs = 120_000, input?: string) => shell(cmd, args, timeoutMs, input);

const hosts = (...args: string[]) => cpHosts.run(...args);
const ssh = (ip: string, script: string) => cpHosts.ssh(ip, script);

function sshOk(ip: string, script: string): string {
  const r = ssh(ip, script);
  if (r.status !== 0) throw new Error(`ssh ${ip} ${script}: exit ${r.status}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

function kubectl(server: string, ...args: string[]) {
  return sh(kubectlBin, ["--kubeconfig", kubeconfig, "--server", server, "--request-timeout=10s", ...args]);
}

const CERTS = "--cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key";
const ETCDCTL = `/usr/local/bin/etcdctl ${CERTS}`;
const etcdctl = (endpoints: string) => `${ETCDCTL} --endpoints=${endpoints}`;

const status = (ip: string) => sshOk(ip, `${etcdctl("https://127.0.0.1:2379")} endpoint status -w fields`);
const field = (text: string, name: string) => new RegExp(`^"${name}" : "?([^"\\n]*)"?$`, "m").exec(text)?.[1];
/** etcd's /version on a master: {"etcdserver":..., "etcdcluster":...}. */
const etcdVersion = (ip: string) =>
  JSON.parse(
    sshOk(
      ip,
      "/usr/local/bin/kubectl --kubeconfig=/dev/null --server=https://127.0.0.1:2379 --certificate-authority=/etc/kubernetes/pki/etcd/ca.crt " +
        "--client-certificate=/etc/kubernetes/pki/etcd/healthcheck-client.crt --client-key=/etc/kubernetes/pki/etcd/healthcheck-client.key get --raw /version",
    ),
  ) as { etcdserver: string; etcdcluster: string };

/**
 * A mirror folder like the cache: this build's Kubernetes and etcd releases, plus
 * Debian's etcd 3.4.23 (what Keelson ran before). 3.4 has no etcdutl: its etcdctl
 * stands in under that name, only so the binary set is complete (nothing runs it).
 */
function makeMirror() {
  fs.mkdirSync(path.join(mirror, "etcd"), { recursive: true });
  fs.symlinkSync(path.join(cache, "kubernetes"), path.join(mirror, "kubernetes"));
  for (const v of [versions.etcd, ...versions.etcdUpgradeSteps]) fs.symlinkSync(path.join(cache, "etcd", v), path.join(mirror, "etcd", v));
  const debs = path.join(work, "debs");
  fs.mkdirSync(debs);
  fs.chmodSync(debs, 0o755); // apt's _apt user writes there
  const dl = sh("bash", ["-c", `cd ${debs} && apt-get download etcd-server etcd-client`], 300_000);
  if (dl.status !== 0) throw new Error(`apt-get download: ${dl.stderr}`);
  const bin = path.join(mirror, "etcd", OLD, "bin");
  fs.mkdirSync(bin, { recursive: true });
  for (const d of fs.readdirSync(debs).filter((f) => f.endsWith(".deb"))) sh("dpkg-deb", ["-x", path.join(debs, d), path.join(debs, "x")]);
  fs.copyFileSync(path.join(debs, "x", "usr", "bin", "etcd"), path.join(bin, "etcd"));
  fs.copyFileSync(path.join(debs, "x", "usr", "bin", "etcdctl"), path.join(bin, "etcdctl"));
  fs.copyFileSync(path.join(debs, "x", "usr", "bin", "etcdctl"), path.join(bin, "etcdutl"));
  for (const b of ["etcd", "etcdctl", "etcdutl"]) fs.chmodSync(path.join(bin, b), 0o755);
  const v = sh(path.join(bin, "etcd"), ["--version"]).stdout;
  if (!v.includes(`etcd Version: ${OLD.slice(1)}`)) throw new Error(`Debian's etcd-server is not ${OLD}: ${v}`);
}

/** Every process below `pid` (the plugins the CLI started), read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

beforeAll(() => {
  makeMirror();
  cpHosts.setUp(stack, [`artifactsDir=${mirror}`, `etcdVersion=${OLD}`]);
});

afterAll(() => cpHosts.tearDown(stack, work));

test("a pulumi up killed in the middle of bootstrap converges when run again", async () => {
  const runner = path.join(projectRoot, "scripts", "keelson-run.mjs");
  const child = spawn(process.execPath, [runner, "pulumi", "--", "up", "--yes", "--stack", stack, "-C", fixture, "--non-interactive"], {
    cwd: projectRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let closed = false;
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.on("close", () => ((closed = true), r())));
  const killAll = () => {
    for (const p of [child.pid!, ...descendants(child.pid!)]) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  };
  // Kill once a master's etcd is being set up: certificates exist, the hosts are half done.
  // An up that ends or stalls first fails here with what it printed (and is killed, so that
  // it cannot run on under the next tests).
  const reached = () => /-etcd (creating|created)/.test(out);
  try {
    await until("bootstrap reaches etcd (or the up ends)", 900, () => reached() || closed);
  } catch (e) {
    killAll();
    throw new Error(`${(e as Error).message}; the up printed, last:\n${out.split("\n").slice(-40).join("\n")}`);
  }
  if (!reached()) throw new Error(`the up ended before reaching etcd; it printed, last:\n${out.split("\n").slice(-40).join("\n")}`);
  killAll();
  await exited;
  expect(out).not.toMatch(/cp-ready created/); // it really was interrupted before the end
  // The file backend's lock outlives a killed CLI; `pulumi cancel` is the documented way to release it.
  pulumi(["cancel", "--yes", "--stack", stack], opts);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  fs.writeFileSync(kubeconfig, pulumiOk(["stack", "output", "kubeconfig", "--show-secrets", "--stack", stack], opts), { mode: 0o600 });
});

test("a second up reports no changes", () => {
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});

test("the control plane on Debian's etcd 3.4.23 moves to the pinned etcd member by member: same cluster, every object, the API answering", async () => {
  // As Keelson before releases side by side: /usr/local/bin/etcd a plain file, no etcd-v* beside it.
  for (const ip of ips) sshOk(ip, `cp --remove-destination /usr/local/bin/etcd-${OLD} /usr/local/bin/etcd && rm /usr/local/bin/etcd-${OLD} && test ! -L /usr/local/bin/etcd`);
  for (const ip of ips) expect(field(status(ip), "Version")).toBe(OLD.slice(1));
  expect(etcdVersion(ips[0]).etcdcluster).toBe("3.4.0");

  const kube = (...args: string[]) => sh(kubectlBin, ["--kubeconfig", kubeconfig, "--request-timeout=10s", ...args]);
  const items = Array.from({ length: 300 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `keep-${i}`, namespace: "default", labels: { keep: "etcd" } }, data: { i: String(i) } }));
  const created = sh(kubectlBin, ["--kubeconfig", kubeconfig, "create", "-f", "-"], 300_000, JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  expect(created.stderr).toBe("");
  const count = () => (JSON.parse(kube("get", "configmaps", "-l", "keep=etcd", "-o", "json").stdout).items as unknown[]).length;
  expect(count()).toBe(300);
  const idBefore = field(status(ips[0]), "ClusterID");
  expect(idBefore).toMatch(/^\d+$/);

  // A client polling once a second through any master, as every node's master proxy does.
  pulumiOk(["config", "rm", "--stack", stack, "etcdVersion"], opts); // the pinned release
  const started = Date.now();
  const { ok, failed, result: up } = await whilePolling({ kubectl: kubectlBin, kubeconfig, servers: ips.map((ip) => `https://${ip}:6443`), object: "configmap keep-7", dir: work }, () =>
    pulumiOk(["up", "--yes", "--stack", stack], opts),
  );
  console.log(`etcd ${OLD} -> ${versions.etcdUpgradeSteps.join(" -> ")} -> ${versions.etcd}, member by member: ${((Date.now() - started) / 1000).toFixed(0)} s; the API answered ${ok} polls and failed ${failed}`);

  // Each master stepped in turn: all to 3.5, then all to 3.6 (the order in Pulumi's log).
  const order = [...versions.etcdUpgradeSteps, versions.etcd].flatMap((v) => names.map((n) => up.indexOf(`cp-${n}-etcd-${v} created`)));
  expect(order.every((i) => i > 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  for (const ip of ips) {
    expect(field(status(ip), "Version")).toBe(versions.etcd.slice(1));
    expect(sshOk(ip, "readlink /usr/local/bin/etcd").trim()).toBe(`etcd-${versions.etcd}`);
    expect(sshOk(ip, `/usr/local/bin/etcd-${OLD} --version`)).toContain(OLD.slice(1)); // kept
  }
  expect(etcdVersion(ips[0]).etcdcluster).toBe(`${versions.etcd.slice(1).split(".").slice(0, 2).join(".")}.0`);
  expect(field(status(ips[0]), "ClusterID")).toBe(idBefore);
  const health = ssh(ips[0], `${etcdctl(ips.map((ip) => `https://${ip}:2379`).join(","))} endpoint health`);
  expect(health.status).toBe(0);
  expect((health.stdout + health.stderr).match(/is healthy/g)).toHaveLength(3);
  expect(count()).toBe(300);
  expect(JSON.parse(kube("get", "configmap", "keep-299", "-o", "json").stdout).data).toEqual({ i: "299" });
  expect(ok).toBeGreaterThan(20);
  expect(failed).toBeLessThanOrEqual(3);
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});

test("a changed apiserver setting re-runs only the apiservers, one master at a time; etcd keeps running", () => {
  const since = (unit: string) => ips.map((ip) => ssh(ip, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`).stdout.trim());
  const before = { etcd: since("etcd"), apiserver: since("kube-apiserver") };
  pulumiOk(["config", "set", "auditMaxBackups", "7", "--stack", stack], opts);
  const preview = JSON.parse(pulumiOk(["preview", "--json", "--stack", stack], opts));
  const changed = (preview.steps as { op: string; urn: string }[]).filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn.split("::").pop()}`);
  // Every step is a replacement of a kube-apiserver command, and each master has one.
  for (const n of names) expect(changed.some((c) => c.endsWith(`cp-${n}-kube-apiserver`))).toBe(true);
  expect(changed.filter((c) => !/-kube-apiserver$/.test(c))).toEqual([]);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  const after = { etcd: since("etcd"), apiserver: since("kube-apiserver") };
  expect(after.etcd).toEqual(before.etcd);
  // Keelson did not touch controller-manager/scheduler (the preview above); their timestamps are
  // not compared because a leader may exit on its own when its local apiserver restarts under it.
  after.apiserver.forEach((t, i) => expect(Number(t)).toBeGreaterThan(Number(before.apiserver[i])));
  // Rolling: master N's apiserver restarted only after master N-1's was ready again (the hosts
  // share the kernel's monotonic clock). In parallel they would start within milliseconds.
  for (let i = 1; i < 3; i++) expect(Number(after.apiserver[i]) - Number(after.apiserver[i - 1])).toBeGreaterThan(2_000_000);
  expect(ssh(ips[0], "grep -c -- --audit-log-maxbackup=7 /etc/systemd/system/kube-apiserver.service").stdout.trim()).toBe("1");
});

test("outputs: the kubeconfig is a secret; the endpoint list names every master", () => {
  const masked = JSON.parse(pulumiOk(["stack", "output", "--json", "--stack", stack], opts));
  expect(masked.kubeconfig).toBe("[secret]");
  expect(masked.apiServerEndpoints).toEqual(ips.map((ip) => `https://${ip}:6443`));
  const state = pulumiOk(["stack", "export", "--stack", stack], opts);
  expect(state).not.toMatch(/BEGIN (EC )?PRIVATE KEY/);
  expect(state).not.toContain("client-key-data");
});

test("/readyz is ok through every master with the exported kubeconfig", () => {
  for (const ip of ips) {
    const r = kubectl(`https://${ip}:6443`, "get", "--raw", "/readyz");
    expect({ ip, out: r.stdout.trim(), status: r.status }).toEqual({ ip, out: "ok", status: 0 });
  }
  const v = kubectl(`https://${ips[0]}:6443`, "version", "-o", "json");
  expect(JSON.parse(v.stdout).serverVersion.gitVersion).toBe("v1.36.3");
});

test("anonymous requests to the apiserver are refused", () => {
  for (const ip of ips) {
    const r = sh("curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", `https://${ip}:6443/api/v1/namespaces`]);
    expect(r.stdout).toBe("401");
  }
});

test("etcd: three started members, one per zone; no client cert, no access", () => {
  const endpoints = ips.map((ip) => `https://${ip}:2379`).join(",");
  const r = ssh(ips[0], `${ETCDCTL} --endpoints=${endpoints} member list -w json`);
  expect(r.status).toBe(0);
  const members = JSON.parse(r.stdout).members as { name: string; clientURLs: string[] }[];
  expect(members).toHaveLength(3);
  // A member that has not started has no name yet.
  // Named by the component's own rule (a host name that already holds its zone is kept: the random tag can).
  expect(members.map((m) => m.name).sort()).toEqual(names.map((n, i) => etcdMemberName({ name: n, zone: zones[i], privateIp: ips[i] })).sort());
  const health = ssh(ips[1], `${ETCDCTL} --endpoints=${endpoints} endpoint health`);
  expect((health.stdout + health.stderr).match(/is healthy/g)).toHaveLength(3); // etcdctl 3.4 reports health on stderr

  const noCert = ssh(ips[1], `/usr/local/bin/etcdctl --endpoints=https://${ips[0]}:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --command-timeout=5s get /registry --prefix --keys-only --limit=1`);
  expect(noCert.status).not.toBe(0);
  expect(noCert.stdout).not.toContain("/registry");
});

test("a Secret written through the API is not plaintext in etcd", () => {
  const canary = `keelson-canary-${Date.now()}`;
  expect(kubectl(`https://${ips[1]}:6443`, "create", "secret", "generic", "canary", `--from-literal=token=${canary}`).status).toBe(0);
  const raw = ssh(ips[2], `${ETCDCTL} --endpoints=https://127.0.0.1:2379 get /registry/secrets/default/canary --print-value-only | od -An -c | tr -d ' \\n'`);
  expect(raw.status).toBe(0);
  const flat = raw.stdout;
  expect(flat).toContain("k8s:enc:aescbc:v1:key1");
  expect(flat).not.toContain(canary);
  // And the API still returns it decrypted.
  const back = kubectl(`https://${ips[0]}:6443`, "get", "secret", "canary", "-o", "jsonpath={.data.token}");
  expect(Buffer.from(back.stdout, "base64").toString()).toBe(canary);
});

test("one master down: the API keeps serving and etcd keeps quorum; it rejoins on its own", async () => {
  hosts("stop", tag, "1");
  for (const ip of ips.slice(1)) {
    const r = kubectl(`https://${ip}:6443`, "get", "--raw", "/readyz");
    expect({ ip, out: r.stdout.trim() }).toEqual({ ip, out: "ok" });
  }
  expect(kubectl(`https://${ips[1]}:6443`, "create", "configmap", "during-outage", "--from-literal=a=b").status).toBe(0);
  expect(kubectl(`https://${ips[2]}:6443`, "get", "configmap", "during-outage").status).toBe(0);
  // Leader-elected controllers move to a surviving master.
  await until("controller-manager lease held by a surviving master", 120, () => {
    const r = kubectl(`https://${ips[1]}:6443`, "get", "lease", "-n", "kube-system", "kube-controller-manager", "-o", "jsonpath={.spec.holderIdentity}");
    return r.status === 0 && !r.stdout.startsWith(`${names[0]}_`) && r.stdout !== "";
  });

  hosts("start", tag, "1");
  await until("the restarted master serves /readyz", 240, () => kubectl(`https://${ips[0]}:6443`, "get", "--raw", "/readyz").stdout.trim() === "ok");
  expect(kubectl(`https://${ips[0]}:6443`, "get", "configmap", "during-outage").status).toBe(0);
  const health = ssh(ips[0], `${ETCDCTL} --endpoints=${ips.map((ip) => `https://${ip}:2379`).join(",")} endpoint health`);
  expect((health.stdout + health.stderr).match(/is healthy/g)).toHaveLength(3); // etcdctl 3.4 reports health on stderr
});
