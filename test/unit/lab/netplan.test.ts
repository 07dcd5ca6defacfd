import type { HostSpec, NetworkSpec } from "../../../components/infra/driver";
import { hostNames } from "../../../components/infra/lab/naming";
import { gatewayOf, hostNetPlan, ipInCidr, mgmtLink, MGMT_RANGE, networkPlan } from "../../../components/infra/lab/netplan";

const spec = (): NetworkSpec => ({
  clusterName: "c",
  zones: ["z1", "z2"],
  segments: [
    { name: "z1-private", zone: "z1", network: "private", primaryCidr: "10.10.1.0/26", gatewayIp: "10.10.1.1", portableCidrs: ["10.10.1.64/29"] },
    { name: "z2-private", zone: "z2", network: "private", primaryCidr: "10.10.2.0/26", gatewayIp: "10.10.2.1", portableCidrs: [] },
    { name: "z1-public", zone: "z1", network: "public", primaryCidr: "10.11.1.0/28", gatewayIp: "10.11.1.1", portableCidrs: ["10.11.1.64/29"] },
  ],
});

const host = (over: Partial<HostSpec> = {}): HostSpec => ({
  name: "w1", role: "worker", zone: "z1", flavor: "lab.v1x1", hardware: "virtual", cpu: 1, memoryMiB: 1024,
  privateSegment: "z1-private", privateIp: "10.10.1.20", publicSegment: "z1-public", publicIp: "10.11.1.5", labels: {}, taints: [], ...over,
});

describe("lab network plan", () => {
  test("routers hold the primary and portable gateways of their segments", () => {
    const p = networkPlan("s", spec());
    const z1 = p.segments.find((s) => s.name === "z1-private")!;
    expect(z1.gateways).toEqual(["10.10.1.1/26", "10.10.1.65/29"]);
    expect(p.privateCidrs).toEqual(["10.10.1.0/26", "10.10.1.64/29", "10.10.2.0/26"]);
    expect(p.publicCidrs).toEqual(["10.11.1.0/28", "10.11.1.64/29"]);
    expect(p.hasPublic).toBe(true);
    expect(networkPlan("s", { ...spec(), segments: spec().segments.filter((s) => s.network === "private") }).hasPublic).toBe(false);
  });

  test("the management /30 lies in the shared address space and differs between stacks", () => {
    const a = networkPlan("a", spec()).mgmt;
    const b = networkPlan("b", spec()).mgmt;
    expect(ipInCidr(a.router, MGMT_RANGE) && ipInCidr(a.root, MGMT_RANGE)).toBe(true);
    expect(a.cidr).not.toBe(b.cidr);
    expect(mgmtLink("ffffff").cidr).toBe("100.127.255.252/30");
  });

  test("bad segments fail with the field path and reason", () => {
    const s = spec();
    s.segments[1].gatewayIp = "10.10.2.9";
    expect(() => networkPlan("s", s)).toThrow(/^network\.segments\[1\]\.gatewayIp: 10\.10\.2\.9 is not the first usable address of 10\.10\.2\.0\/26 \(10\.10\.2\.1\)/);
    const o = spec();
    o.segments[2].portableCidrs = ["10.10.1.0/29"];
    expect(() => networkPlan("s", o)).toThrow(/network\.segments\[2\]: 10\.10\.1\.0\/29 overlaps 10\.10\.1\.0\/26 of segments\[0\]/);
    const z = spec();
    z.segments[0].zone = "z9";
    expect(() => networkPlan("s", z)).toThrow(/segments\[0\]\.zone: z9 is not one of/);
    const d = spec();
    d.segments[1].name = "z1-private";
    expect(() => networkPlan("s", d)).toThrow(/segments\[1\]\.name: z1-private is also segments\[0\]/);
    expect(() => gatewayOf("10.0.0.1/24", "x.cidr")).toThrow(/x\.cidr: 10\.0\.0\.1\/24 has host bits set/);
  });

  test("a host routes the other private ranges and the management range via its private gateway, the rest via public", () => {
    const p = networkPlan("s", spec());
    const n = hostNetPlan(host(), p, hostNames("s", "w1"));
    expect(n.nics.map((x) => [x.name, x.address])).toEqual([["eth0", "10.10.1.20/26"], ["eth1", "10.11.1.5/28"]]);
    expect(n.routes).toEqual([
      "10.10.1.64/29 via 10.10.1.1 dev eth0",
      "10.10.2.0/26 via 10.10.1.1 dev eth0",
      `${MGMT_RANGE} via 10.10.1.1 dev eth0`,
      "default via 10.11.1.1 dev eth1",
    ]);
    const priv = hostNetPlan(host({ publicSegment: undefined, publicIp: undefined }), p, hostNames("s", "w1"));
    expect(priv.nics).toHaveLength(1);
    expect(priv.routes[priv.routes.length - 1]).toBe("default via 10.10.1.1 dev eth0");
  });

  test("a host whose addresses do not match its VLANs is refused", () => {
    const p = networkPlan("s", spec());
    const v = hostNames("s", "w1");
    expect(() => hostNetPlan(host({ privateIp: "10.10.2.20" }), p, v)).toThrow(/hosts\[w1\]\.privateIp: 10\.10\.2\.20 is not in z1-private's primary subnet/);
    expect(() => hostNetPlan(host({ privateIp: "10.10.1.1" }), p, v)).toThrow(/is the gateway/);
    expect(() => hostNetPlan(host({ privateSegment: "z2-private" }), p, v)).toThrow(/privateSegment: z2-private is in zone z2, the host in z1/);
    expect(() => hostNetPlan(host({ privateSegment: "z1-public" }), p, v)).toThrow(/privateSegment: z1-public is a public segment/);
    expect(() => hostNetPlan(host({ publicIp: undefined }), p, v)).toThrow(/publicIp: required/);
    expect(() => hostNetPlan(host({ privateIp: "10.10.1.300" }), p, v)).toThrow(/privateIp: "10\.10\.1\.300" is not an IPv4 address/);
  });
});
