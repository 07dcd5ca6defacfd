// The plan's documented layout (docs/reference.md, Addressing) and the pins a
// user can set: zone slots, pool slots, host offset, pinned portable subnets,
// and existing hosts' own addresses over SSH.
import { planCluster } from "../../../components/model/plan";
import { parseSpec } from "../../../components/model/spec";
import { labSpec, sshSpec } from "./fixtures";

function plan(raw: Record<string, any>) {
  const r = parseSpec(raw);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return planCluster(r.spec);
}
const ip = (p: ReturnType<typeof plan>, name: string) => p.hosts.find((h) => h.name === name)?.privateIp;

test("default layout: masters at offset 4, pool k's host n at 16 + 16k + n - 1, the same offset on both VLANs", () => {
  const p = plan(labSpec());
  expect(ip(p, "lab-master-2")).toBe("10.88.2.4");
  expect(ip(p, "lab-default-lab-z3-1")).toBe("10.88.3.16");
  expect(ip(p, "lab-metal-lab-z1-1")).toBe("10.88.1.32");
  expect(p.hosts.find((h) => h.name === "lab-metal-lab-z1-1")?.publicIp).toBe("10.89.1.32");
});

test("a pinned pool slot and a host offset move exactly what they say", () => {
  const s = labSpec();
  s.workerPools[1].slot = 3;
  s.network = { ...s.network, hostOffset: 100 };
  const p = plan(s);
  expect(ip(p, "lab-master-1")).toBe("10.88.1.104");
  expect(ip(p, "lab-default-lab-z1-1")).toBe("10.88.1.116");
  expect(ip(p, "lab-metal-lab-z1-1")).toBe(`10.88.1.${100 + 16 + 3 * 16}`);
});

test("a pinned zone slot picks that block of the portable range; a pinned /29 is used as given", () => {
  const s = labSpec();
  s.infrastructure.zones["lab-z3"].slot = 5;
  s.infrastructure.zones["lab-z2"].portable = { private: "10.90.1.0/29" };
  const p = plan(s);
  const sub = (zone: string, network: string) => p.portableSubnets.find((x) => x.zone === zone && x.network === network && !x.userProvided)?.cidr;
  expect(sub("lab-z3", "private")).toBe("10.90.0.40/29");
  expect(sub("lab-z3", "public")).toBe("10.91.0.40/29");
  expect(sub("lab-z2", "private")).toBe("10.90.1.0/29");
  expect(sub("lab-z2", "public")).toBe("10.91.0.8/29");
  expect(p.zones.find((z) => z.name === "lab-z3")?.slot).toBe(5);
});

test("a single-zone cluster puts the three masters on three hosts in that zone", () => {
  const s = labSpec();
  s.zones = ["lab-z1"];
  delete s.infrastructure.zones["lab-z2"];
  delete s.infrastructure.zones["lab-z3"];
  const masters = plan(s).hosts.filter((h) => h.role === "master");
  expect(masters.map((m) => [m.name, m.zone, m.privateIp])).toEqual([
    ["lab-master-1", "lab-z1", "10.88.1.4"],
    ["lab-master-2", "lab-z1", "10.88.1.5"],
    ["lab-master-3", "lab-z1", "10.88.1.6"],
  ]);
});

test("existing hosts over SSH keep their own addresses", () => {
  const p = plan(sshSpec());
  expect(p.hosts.map((h) => [h.name, h.privateIp, h.publicIp])).toEqual([
    ["edge-master-1", "192.168.10.11", null],
    ["edge-master-2", "192.168.10.12", null],
    ["edge-master-3", "192.168.10.13", null],
    ["edge-default-rack1-1", "192.168.10.21", null],
  ]);
  expect(p.cluster.privateOnly).toBe(true);
  expect(p.albs.map((a) => a.network)).toEqual(["private"]);
});

test("unpinned LoadBalancers fill the lowest free addresses around pinned ones", () => {
  const s = labSpec();
  s.loadBalancers = [
    { name: "a", zone: "lab-z1", network: "private" },
    { name: "b", zone: "lab-z1", network: "private", ip: "10.90.0.3" },
    { name: "c", zone: "lab-z1", network: "private" },
  ];
  const p = plan(s);
  expect(p.loadBalancers.map((l) => [l.name, l.ip])).toEqual([["a", "10.90.0.4"], ["b", "10.90.0.3"], ["c", "10.90.0.5"]]);
  const sub = p.portableSubnets.find((x) => x.zone === "lab-z1" && x.network === "private")!;
  expect(sub.addresses.filter((a) => a.use === "loadBalancer").map((a) => a.holder)).toEqual(["default/b", "default/a", "default/c", null]);
});
