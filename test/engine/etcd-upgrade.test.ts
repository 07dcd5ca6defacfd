// A control plane built on Debian's etcd 3.4.23, laid out as Keelson had it
// before etcd was built from its Go modules (a plain /usr/local/bin/etcd), then
// `pulumi up` with the pinned etcd: each member steps to 3.5.36, then to 3.6.17,
// one master at a time (components/control/render/etcdRelease.ts).
//
// What it shows (issue 19): the same etcd cluster (ID) and every object kept, the
// API answering a polling client throughout (the failed polls are printed), every
// member on 3.6.17 and the cluster version 3.6 at the end, and a second `up` with
// nothing to do. Hosts and program are the control-plane fixture's.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { whilePolling } from "./lib/apiPoller";
import { CpHosts } from "./lib/cpHosts";
import { pulumiOk, uniqueStackName } from "./lib/pulumi";
import { sh as shell } from "./lib/shell";
import versions from "../../components/versions.json";

const stack = uniqueStackName("etcdup");
// 10.<net>.0.0/24: control-plane.test.ts draws from 100-199; this file from 200-249.
const hosts = new CpHosts(200 + Math.floor(Math.random() * 50));
const { ips, names, opts } = hosts;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-etcdup-"));
const kubeconfig = path.join(work, "kubeconfig");
const mirror = path.join(work, "mirror");
const cache = process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
const kubectlBin = path.join(cache, "kubernetes", versions.kubernetes, "bin", "kubectl");
const OLD = "v3.4.23";

jest.setTimeout(30 * 60_000);

const sh = (cmd: string, args: string[], timeoutMs = 120_000, input?: string) => shell(cmd, args, timeoutMs, input);

const ssh = (ip: string, script: string) => hosts.ssh(ip, script);

function sshOk(ip: string, script: string): string {
  const r = ssh(ip, script);
  if (r.status !== 0) throw new Error(`ssh ${ip} ${script}: exit ${r.status}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const CERTS = "--cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key";
const etcdctl = (endpoints: string) => `/usr/local/bin/etcdctl ${CERTS} --endpoints=${endpoints}`;
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

beforeAll(() => {
  makeMirror();
  hosts.setUp(stack, [`artifactsDir=${mirror}`]);
});

afterAll(() => hosts.tearDown(stack, work));

test("a control plane on Debian's etcd 3.4.23 moves to the pinned etcd member by member: same cluster, every object, the API answering", async () => {
  pulumiOk(["config", "set", "--stack", stack, "etcdVersion", OLD], opts);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  fs.writeFileSync(kubeconfig, pulumiOk(["stack", "output", "kubeconfig", "--show-secrets", "--stack", stack], opts), { mode: 0o600 });
  // As Keelson before releases side by side: /usr/local/bin/etcd a plain file, no etcd-v* beside it.
  for (const ip of ips) sshOk(ip, `cp --remove-destination /usr/local/bin/etcd-${OLD} /usr/local/bin/etcd && rm /usr/local/bin/etcd-${OLD} && test ! -L /usr/local/bin/etcd`);
  for (const ip of ips) expect(field(status(ip), "Version")).toBe(OLD.slice(1));
  expect(etcdVersion(ips[0]).etcdcluster).toBe("3.4.0");

  const kubectl = (...args: string[]) => sh(kubectlBin, ["--kubeconfig", kubeconfig, "--request-timeout=10s", ...args]);
  const items = Array.from({ length: 300 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `keep-${i}`, namespace: "default", labels: { keep: "etcd" } }, data: { i: String(i) } }));
  const created = sh(kubectlBin, ["--kubeconfig", kubeconfig, "create", "-f", "-"], 300_000, JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  expect(created.stderr).toBe("");
  const count = () => (JSON.parse(kubectl("get", "configmaps", "-l", "keep=etcd", "-o", "json").stdout).items as unknown[]).length;
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
  expect(JSON.parse(kubectl("get", "configmap", "keep-299", "-o", "json").stdout).data).toEqual({ i: "299" });
  expect(ok).toBeGreaterThan(20);
  expect(failed).toBeLessThanOrEqual(3);
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});
