// The lab driver on the real engine, one stack lifecycle: 3 zones, 3 masters +
// 3 workers come up; ssh with the stack's key; cross-zone traffic through the
// private router; the public client reaches public IPs only; a second up is a
// no-op; a host killed from outside comes back with refresh + up; cleanup of
// another stack leaves this one alone; destroy leaves nothing of the stack.
// Then a killed run (state lost, hosts killed) is cleaned by name alone.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cleanupStack, listStackLeftovers } from "../../components/infra/lab/cleanup";
import { stackNames } from "../../components/infra/lab/naming";
import { crashHost } from "../../components/infra/lab/crash";
import { pulumiOk, removeStack, uniqueStackName } from "./lib/pulumi";
import { until } from "./lib/shell";

const fixture = path.join(__dirname, "fixtures", "lab");
const stack = uniqueStackName("lab");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-lab-"));
const opts = { cwd: fixture };
const names = stackNames(stack);
// Address ranges per run (10.<octet>.x.x private, 10.<octet+1>.x.x public):
// the lab refuses ranges another lab stack already routes, and `npm test` may
// run while a developer runs this file too.
const octet = 100 + 2 * (process.pid % 40);

interface HostOut { name: string; zone: string; role: string; privateIp: string; publicIp: string; hostKey: string }

jest.setTimeout(20 * 60_000);

afterAll(() => {
  removeStack(stack, opts);
  cleanupStack(stack);
  fs.rmSync(work, { recursive: true, force: true });
});

function sh(cmd: string, args: string[], timeout = 30_000) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout });
  return { status: r.status ?? -1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

let hosts: HostOut[] = [];
const keyFile = path.join(work, "id");
const knownHosts = path.join(work, "known_hosts");

function ssh(ip: string, command: string) {
  return sh("ssh", ["-i", keyFile, "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "StrictHostKeyChecking=yes",
    "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "LogLevel=ERROR", `root@${ip}`, command]);
}

/** An SSH banner on ip:22 as seen from a namespace (the internet client), or "". */
function bannerFrom(netns: string, ip: string): string {
  return sh("ip", ["netns", "exec", netns, "timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${ip}/22 && head -c 7 <&3`]).out;
}

function outputs() {
  return JSON.parse(pulumiOk(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts));
}

test("a 3-zone lab with 3 masters and 3 workers comes up", () => {
  pulumiOk(["stack", "init", stack], opts);
  pulumiOk(["config", "set", "hostsPerZone", "2", "--stack", stack], opts);
  pulumiOk(["config", "set", "octet", String(octet), "--stack", stack], opts);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  const out = outputs();
  hosts = out.hostList;
  expect(hosts.map((h) => h.role).sort()).toEqual(["master", "master", "master", "worker", "worker", "worker"]);
  expect(new Set(hosts.map((h) => h.zone))).toEqual(new Set(["z1", "z2", "z3"]));
  expect(out.clientNamespace).toBe(names.clientNs);
  fs.writeFileSync(keyFile, out.privateKey, { mode: 0o600 });
  // Trust exactly the host keys the stack reports: ssh below fails on any other key.
  fs.writeFileSync(knownHosts, hosts.map((h) => `${h.privateIp} ${h.hostKey}`).join("\n") + "\n");
  // The private key is a secret: never in plaintext in state.
  expect(pulumiOk(["stack", "export", "--stack", stack], opts)).not.toContain("PRIVATE KEY");
});

test("every host answers ssh with the stack's key, runs systemd as PID 1 and has its flavor's limits", () => {
  for (const h of hosts) {
    const r = ssh(h.privateIp, "hostname; cat /proc/1/comm; systemctl is-system-running --wait; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /etc/keelson/host.json");
    expect(r.status).toBe(0);
    const [hostname, pid1, sysState, memLimit] = r.out.split("\n");
    expect(hostname).toBe(h.name);
    expect(pid1).toBe("systemd");
    expect(sysState).toMatch(/^(running|degraded)$/);
    expect(Number(memLimit)).toBe((h.role === "master" ? 2048 : 1024) * 1024 * 1024);
    const facts = JSON.parse(r.out.slice(r.out.indexOf("{")));
    expect(facts.labels["keelson.dev/hardware"]).toBe(h.name === "labfix-w1-1" ? "baremetal" : "virtual");
  }
});

test("hosts in different zones reach each other over the private VLANs through the router", () => {
  const from = hosts.find((h) => h.zone === "z1")!;
  for (const to of hosts.filter((h) => h.zone !== "z1")) {
    const r = ssh(from.privateIp, `ping -c1 -W2 ${to.privateIp} && ip route get ${to.privateIp}`);
    expect(r.status).toBe(0);
    expect(r.out).toContain(`via 10.${octet}.1.1 dev eth0`); // the zone's private gateway = the router
  }
});

test("the public client reaches public IPs and cannot reach private ones", () => {
  for (const h of hosts) {
    expect(bannerFrom(names.clientNs, h.publicIp)).toBe("SSH-2.0");
    expect(bannerFrom(names.clientNs, h.privateIp)).not.toContain("SSH-2.0");
  }
  // No default route anywhere in the lab's routers: nothing leaves the lab
  // (route lookups only; no packet is sent outside).
  for (const ns of [names.routerNs, names.publicNs, names.fabricNs]) {
    expect(sh("ip", ["-n", ns, "route", "show", "default"]).out.trim()).toBe("");
    const lookup = sh("ip", ["-n", ns, "route", "get", "192.0.2.200"]);
    expect(lookup.status).not.toBe(0);
    expect(lookup.out).toMatch(/unreachable/i);
  }
});

test("a host that reboots itself comes back (nspawn exit 133 restarts it)", () => {
  const h = hosts[2];
  // When the host's PID 1 started, in clock ticks since the machine booted: a new systemd, a new value.
  const pid1Start = () => ssh(h.privateIp, "awk '{print $22}' /proc/1/stat").out.trim();
  const before = pid1Start();
  const machineId = ssh(h.privateIp, "cat /etc/machine-id").out;
  ssh(h.privateIp, "systemctl reboot");
  let back = "";
  for (let i = 0; i < 60 && !back; i++) {
    sh("sleep", ["1"]);
    const r = ssh(h.privateIp, "systemctl is-system-running --wait >/dev/null; cat /etc/machine-id");
    if (r.status === 0) back = r.out;
  }
  expect(back).toBe(machineId); // same disk, same identity
  const log = fs.readFileSync(path.join(names.dir, "hosts", h.name, "console.log"), "utf8");
  expect(log).toContain("systemd-nspawn exited with 133");
  expect(Number(pid1Start())).toBeGreaterThan(Number(before));
});

test("a second up reports no changes", () => {
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});

test("a host killed from outside is noticed by refresh and restored by up, disk and host key intact", async () => {
  const victim = hosts[1];
  const dir = path.join(names.dir, "hosts", victim.name);
  ssh(victim.privateIp, "echo survived > /root/marker");
  const pid = fs.readFileSync(path.join(dir, "nspawn.pid"), "utf8").trim();
  crashHost(stack, victim.name); // failed hardware: every process of the host at once, its NICs dark
  // Gone once reaped: its supervisor died with it, so the machine's init reaps it.
  await until("nspawn gone", 10, () => !fs.existsSync(`/proc/${pid}`));
  pulumiOk(["refresh", "--yes", "--stack", stack], opts);
  const state = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], opts)).deployment.resources
    .find((r: { urn: string }) => r.urn.endsWith(`lab-host-${victim.name}`));
  expect(state.outputs.state).toBe("stopped");
  const up = pulumiOk(["up", "--yes", "--stack", stack], opts);
  expect(up).toMatch(/1 updated/);
  const r = ssh(victim.privateIp, "cat /root/marker; hostname");
  expect(r.status).toBe(0);
  expect(r.out).toBe(`survived\n${victim.name}\n`);
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});

test("a memory change updates hosts in place; a flavor change reprovisions them as new hosts", () => {
  const worker = hosts.find((h) => h.role === "worker")!;
  pulumiOk(["config", "set", "workerMemoryMiB", "1536", "--stack", stack], opts);
  expect(pulumiOk(["up", "--yes", "--stack", stack], opts)).toMatch(/3 updated/);
  let r = ssh(worker.privateIp, "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /root/marker 2>/dev/null; echo ok");
  expect(r.status).toBe(0); // same host key: still trusted
  expect(r.out.split("\n")[0]).toBe(String(1536 * 1024 * 1024));

  ssh(worker.privateIp, "echo old-disk > /root/old");
  pulumiOk(["config", "set", "workerFlavor", "lab.v1x1-b", "--stack", stack], opts);
  // An update of the same resource that boots a new machine (see HOST_REPROVISION_KEYS).
  expect(pulumiOk(["up", "--yes", "--stack", stack], opts)).toMatch(/3 updated/);
  const after: HostOut[] = outputs().hostList;
  const renewed = after.find((h) => h.name === worker.name)!;
  expect(renewed.hostKey).not.toBe(worker.hostKey); // a new host, a new identity
  expect(after.find((h) => h.role === "master")!.hostKey).toBe(hosts.find((h) => h.role === "master")!.hostKey);
  fs.writeFileSync(knownHosts, after.map((h) => `${h.privateIp} ${h.hostKey}`).join("\n") + "\n");
  r = ssh(worker.privateIp, "test -e /root/old && echo old || echo fresh; grep -o '\"flavor\": \"[^\"]*' /etc/keelson/host.json");
  expect(r.out).toContain("fresh");
  expect(r.out).toContain('"flavor": "lab.v1x1-b');
  hosts = after;
});

test("cleanup of another stack touches nothing of this one", () => {
  const before = listStackLeftovers(stack).filter((l) => !l.startsWith("process "));
  expect(cleanupStack(`${stack}-other`)).toEqual([]);
  expect(listStackLeftovers(stack).filter((l) => !l.startsWith("process "))).toEqual(before);
  expect(ssh(hosts[0].privateIp, "true").status).toBe(0);
});

test("destroy leaves no namespace, link, mount, process, cgroup or directory of the stack", () => {
  pulumiOk(["destroy", "--yes", "--stack", stack], opts);
  expect(listStackLeftovers(stack)).toEqual([]);
  expect(sh("ip", ["netns", "list"]).out).not.toContain(names.netnsPrefix);
  expect(sh("ip", ["link", "show"]).out).not.toContain(names.mgmtLink);
  expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(names.dir);
  expect(sh("ps", ["-eo", "args"]).out).not.toContain(names.dir);
});

test("a killed run's leftovers (no state, no supervisors) are found by name and removed", () => {
  pulumiOk(["config", "set", "hostsPerZone", "1", "--stack", stack], opts);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  // Simulate `pulumi up` killed and its state lost: supervisors and nspawn die
  // by SIGKILL (the hosts' own processes stay, orphaned), state is discarded.
  for (const d of fs.readdirSync(path.join(names.dir, "hosts"))) {
    for (const f of ["supervisor.pid", "nspawn.pid"]) {
      const pid = Number(fs.readFileSync(path.join(names.dir, "hosts", d, f), "utf8"));
      try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
      fs.rmSync(path.join(names.dir, "hosts", d, f));
    }
  }
  pulumiOk(["stack", "rm", "--yes", "--force", stack], opts);
  const left = listStackLeftovers(stack);
  expect(left.some((l) => l.startsWith("netns "))).toBe(true);
  expect(left.some((l) => l.startsWith("mount "))).toBe(true);
  expect(cleanupStack(stack)).toEqual([]);
  expect(sh("ip", ["netns", "list"]).out).not.toContain(names.netnsPrefix);
});
