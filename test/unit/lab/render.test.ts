import { spawnSync } from "child_process";
import type { HostSpec, NetworkSpec } from "../../../components/infra/driver";
import { networkPlan } from "../../../components/infra/lab/netplan";
import { hostFacts, q, renderHostDown, renderHostStatus, renderHostUp, renderNetworkDown, renderNetworkStatus, renderNetworkUp, renderSupervisor } from "../../../components/infra/lab/render";

const net: NetworkSpec = {
  clusterName: "c",
  zones: ["z1"],
  segments: [
    { name: "z1-private", zone: "z1", network: "private", primaryCidr: "10.10.1.0/26", gatewayIp: "10.10.1.1", portableCidrs: [] },
    { name: "z1-public", zone: "z1", network: "public", primaryCidr: "10.11.1.0/28", gatewayIp: "10.11.1.1", portableCidrs: [] },
  ],
};
const plan = networkPlan("st", net);
const host: HostSpec = {
  name: "m1", role: "master", zone: "z1", flavor: "lab.v2x2", hardware: "baremetal", cpu: 1.5, memoryMiB: 2048,
  privateSegment: "z1-private", privateIp: "10.10.1.10", publicSegment: "z1-public", publicIp: "10.11.1.10", labels: { a: "it's" }, taints: [],
};
const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBt4 keelson-st";
const up = renderHostUp({ stack: "st", spec: host, network: plan, imageRootfs: "/img/rootfs", authorizedKey: key });

/** bash -n: every script the providers run must at least parse. */
function parses(script: string): string {
  return spawnSync("bash", ["-n"], { input: script, encoding: "utf8" }).stderr;
}

describe("lab scripts", () => {
  test("every rendered script is valid bash", () => {
    for (const s of [up, renderHostDown("st", host, plan, true), renderHostStatus("st", host), renderNetworkUp(plan), renderNetworkDown(plan), renderNetworkStatus(plan), renderSupervisor("st", host)]) {
      expect(parses(s)).toBe("");
    }
  });

  test("q() quotes anything for bash", () => {
    for (const v of ["plain", "it's", "$(rm -rf /)", "a b\nc", "'"]) {
      const r = spawnSync("bash", ["-c", `printf %s ${q(v)}`], { encoding: "utf8" });
      expect(r.stdout).toBe(v);
    }
  });

  test("a host boots with nspawn in its namespace, in its cgroups, with limits from its flavor", () => {
    const sup = renderSupervisor("st", host);
    expect(sup).toContain("--register=no --keep-unit --private-network --network-namespace-path='/run/netns/kl-");
    expect(sup).toMatch(/echo \$\$ > '\/sys\/fs\/cgroup\/memory\/keelson\/st\/m1\/cgroup\.procs'/);
    expect(sup).toContain('"$rc" -eq 133'); // reboot = boot again
    expect(up).toContain("echo 150000 > '/sys/fs/cgroup/cpu/keelson/st/m1/cpu.cfs_quota_us'");
    expect(up).toContain(`echo ${2048 * 1024 * 1024} > '/sys/fs/cgroup/memory/keelson/st/m1/memory.limit_in_bytes'`);
    expect(up).toContain("lowerdir=$IMG,upperdir=$D/upper,workdir=$D/work");
    expect(up).toContain(`'${key}'`);
    expect(up).toContain(`ip -n "$NS" addr replace '10.10.1.10/26' dev eth0`);
    expect(up).toContain(`ip -n "$NS" route replace default via 10.11.1.1 dev eth1`);
  });

  test("the host records its labels, hardware kind included", () => {
    expect(hostFacts(host).labels).toMatchObject({ a: "it's", "keelson.dev/hardware": "baremetal", "topology.kubernetes.io/zone": "z1" });
  });

  test("bad host input is refused before anything runs", () => {
    expect(() => renderHostUp({ stack: "st", spec: { ...host, memoryMiB: 10 }, network: plan, imageRootfs: "/i", authorizedKey: key })).toThrow(/^hosts\[m1\]\.memoryMiB: must be an integer of at least 256/);
    expect(() => renderHostUp({ stack: "st", spec: { ...host, cpu: 0 }, network: plan, imageRootfs: "/i", authorizedKey: key })).toThrow(/^hosts\[m1\]\.cpu/);
    expect(() => renderHostUp({ stack: "st", spec: host, network: plan, imageRootfs: "/i", authorizedKey: "-----BEGIN" })).toThrow(/authorizedKey: not an ssh-ed25519 public key/);
  });

  test("the network never gets a default route or NAT out of the lab", () => {
    const s = renderNetworkUp(plan);
    const program = s.slice(s.indexOf("# ---- program"));
    expect(program).not.toMatch(/MASQUERADE|SNAT|-j NAT/);
    // The only default route is the internet client's, towards the public router.
    expect(program.match(/default/g)).toHaveLength(1);
    expect(program).toContain(`ip -n "$CLI" route replace default via '192.0.2.1' dev uplink0`);
    // The machine routes the private lab ranges (SSH) and nothing public through the management link.
    expect(program).toContain("want_routes='10.10.1.0/26'");
    expect(program).toContain("sysctl -qw net.ipv4.ip_forward=0"); // the fabric only switches
  });

  test("a private-only network has no public router or client", () => {
    const p = networkPlan("st", { ...net, segments: net.segments.slice(0, 1) });
    const s = renderNetworkUp(p);
    expect(s).not.toContain(`ensure_netns "$PUB"`);
    expect(s).toContain(`del_netns "$CLI"`);
  });
});
