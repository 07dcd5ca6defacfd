// The example stacks validate, plan as documented, convert to driver specs and draw.
import * as fs from "node:fs";
import * as path from "node:path";
import { renderDiagram } from "../../../components/model/diagram";
import { cidr, containsIp, parseIp } from "../../../components/model/ipv4";
import { planCluster, type Plan } from "../../../components/model/plan";
import { toHostSpecs, toNetworkSpec } from "../../../components/model/to-driver";
import { loadExample, ROOT } from "./load";

const inside = (range: string, ip: string | null) => ip !== null && containsIp(cidr(range), parseIp(ip)!);

describe("lab stack", () => {
  const spec = loadExample("lab");
  const plan = planCluster(spec);

  test("is small enough for one 2-core machine: 3 masters, one per zone, and at most 7 hosts", () => {
    expect(plan.zones.map((z) => z.name)).toEqual(["lab-z1", "lab-z2", "lab-z3"]);
    const masters = plan.hosts.filter((h) => h.role === "master");
    expect(masters.map((m) => m.zone)).toEqual(["lab-z1", "lab-z2", "lab-z3"]);
    expect(plan.hosts.length).toBeLessThanOrEqual(7);
    const pools = new Map<string, string[]>();
    for (const h of plan.hosts.filter((x) => x.role === "worker")) pools.set(h.pool!, [...(pools.get(h.pool!) ?? []), h.zone]);
    expect(pools.get("default")).toEqual(["lab-z1", "lab-z2", "lab-z3"]);
    expect(pools.get("metal")).toEqual(["lab-z1"]);
    expect(plan.hosts.find((h) => h.pool === "metal")?.hardware).toBe("baremetal");
  });

  test("uses only the lab's private ranges, and VXLAN (the lab kernel has no IP-in-IP)", () => {
    for (const h of plan.hosts) {
      expect(inside("10.88.0.0/16", h.privateIp)).toBe(true);
      expect(inside("10.89.0.0/16", h.publicIp)).toBe(true);
    }
    for (const p of plan.portableSubnets) expect(inside(p.network === "private" ? "10.90.0.0/16" : "10.91.0.0/16", p.alb)).toBe(true);
    expect(plan.cluster.podSubnet).toBe("172.30.0.0/16");
    expect(plan.cluster.serviceSubnet).toBe("172.21.0.0/16");
    expect(plan.cluster.calico.encapsulation).toBe("vxlan");
  });

  test("one public and one private portable /29 per zone: 3 reserved, 1 ALB, 4 LoadBalancers", () => {
    expect(plan.portableSubnets).toHaveLength(6);
    for (const p of plan.portableSubnets) {
      expect(p.cidr).toMatch(/\/29$/);
      expect(p.reserved).toHaveLength(3);
      expect(p.alb).not.toBeNull();
      expect(p.loadBalancers).toHaveLength(4);
      expect(p.addresses.map((a) => a.use)).toEqual(["network", "gateway", "alb", "loadBalancer", "loadBalancer", "loadBalancer", "loadBalancer", "broadcast"]);
    }
    const echo = plan.loadBalancers.find((l) => l.name === "echo")!;
    const sub = plan.portableSubnets.find((p) => p.zone === "lab-z1" && p.network === "public")!;
    expect(sub.loadBalancers).toContain(echo.ip);
    expect(sub.addresses.find((a) => a.ip === echo.ip)?.holder).toBe("default/echo");
  });

  test("ALBs: public enabled and private disabled in every zone, each on its zone's portable /29", () => {
    expect(plan.albs.map((a) => `${a.zone}/${a.network}/${a.enabled}`)).toEqual([
      "lab-z1/public/true", "lab-z1/private/false",
      "lab-z2/public/true", "lab-z2/private/false",
      "lab-z3/public/true", "lab-z3/private/false",
    ]);
    for (const a of plan.albs) expect(plan.portableSubnets.find((p) => p.zone === a.zone && p.network === a.network)?.alb).toBe(a.ip);
  });

  test("driver specs: a segment per VLAN with its portable subnets, a host spec per host on existing segments", () => {
    const net = toNetworkSpec(plan);
    expect(net.segments.map((s) => s.name)).toEqual(["lab-z1-private", "lab-z1-public", "lab-z2-private", "lab-z2-public", "lab-z3-private", "lab-z3-public"]);
    for (const s of net.segments) {
      expect(s.gatewayIp).toBe(s.primaryCidr.replace(/0\/24$/, "1"));
      expect(s.portableCidrs).toHaveLength(1);
    }
    const hosts = toHostSpecs(plan);
    expect(hosts).toHaveLength(plan.hosts.length);
    for (const h of hosts) {
      const seg = net.segments.find((s) => s.name === h.privateSegment)!;
      expect(seg.zone).toBe(h.zone);
      expect(inside(seg.primaryCidr, h.privateIp)).toBe(true);
      const pub = net.segments.find((s) => s.name === h.publicSegment)!;
      expect(inside(pub.primaryCidr, h.publicIp!)).toBe(true);
      expect(h.labels["topology.kubernetes.io/zone"]).toBe(h.zone);
      expect(h.cpu).toBeGreaterThan(0);
    }
    expect(hosts.find((h) => h.pool === "metal")?.labels["keelson.io/pool-kind"]).toBe("metal");
  });

  test("docs/lab-topology.svg is the CLI's current drawing of this stack", () => {
    expect(fs.readFileSync(path.join(ROOT, "docs", "lab-topology.svg"), "utf8")).toBe(renderDiagram(plan));
  });
});

describe("classic stack", () => {
  const plan = planCluster(loadExample("classic"));
  test("three zones, masters spread, the pinned LoadBalancer keeps its address, the user subnet is for LoadBalancers only", () => {
    expect(plan.hosts.filter((h) => h.role === "master").map((h) => h.zone)).toEqual(["dal10", "dal12", "dal13"]);
    expect(plan.hosts.filter((h) => h.pool === "db").map((h) => h.zone)).toEqual(["dal10", "dal12"]);
    expect(plan.loadBalancers.find((l) => l.name === "storefront")?.ip).toBe("203.0.113.5");
    const user = plan.portableSubnets.find((p) => p.userProvided)!;
    expect(user).toMatchObject({ zone: "dal10", network: "public", cidr: "203.0.113.128/28", alb: null, reserved: ["203.0.113.128", "203.0.113.129", "203.0.113.143"] });
    expect(user.loadBalancers).toHaveLength(13);
    expect(plan.segments.find((s) => s.name === "dal10-private")?.vlanId).toBe(2234945);
    expect(plan.segments.find((s) => s.name === "dal12-private")?.vlanId).toBeNull();
    expect(plan.albs.every((a) => a.enabled)).toBe(true);
  });
});

describe("vpc stack", () => {
  const plan: Plan = planCluster(loadExample("vpc"));
  test("single zone: three masters on three separate hosts in the one zone; private-only, no portable subnets", () => {
    const masters = plan.hosts.filter((h) => h.role === "master");
    expect(masters.map((m) => m.zone)).toEqual(["us-south-1", "us-south-1", "us-south-1"]);
    expect(new Set(masters.map((m) => m.privateIp)).size).toBe(3);
    expect(new Set(masters.map((m) => m.name)).size).toBe(3);
    expect(plan.hosts.every((h) => h.publicIp === null)).toBe(true);
    expect(plan.portableSubnets).toEqual([]);
    expect(plan.segments).toEqual([
      { name: "us-south-1-private", kind: "vpc-subnet", zone: "us-south-1", network: "private", vlanId: null, primaryCidr: "10.240.0.0/24", gatewayIp: "10.240.0.1", publicGateway: true },
    ]);
    expect(plan.albs.map((a) => [a.network, a.enabled, a.ip])).toEqual([["public", false, null], ["private", false, null]]);
    expect(toHostSpecs(plan).every((h) => h.publicSegment === undefined && h.publicIp === undefined)).toBe(true);
  });
});

describe("diagrams", () => {
  test.each(["lab", "classic", "vpc"] as const)("%s: every zone, host, segment and portable subnet is drawn; the SVG is balanced", (name) => {
    const plan = planCluster(loadExample(name));
    const svg = renderDiagram(plan);
    expect(svg.startsWith("<svg ")).toBe(true);
    for (const z of plan.zones) expect(svg).toContain(`Zone ${z.name}`);
    for (const h of plan.hosts) {
      expect(svg).toContain(`>${h.name}<`);
      expect(svg).toContain(`private ${h.privateIp}<`);
    }
    for (const s of plan.segments) expect(svg).toContain(s.primaryCidr);
    for (const p of plan.portableSubnets) expect(svg).toContain(p.cidr);
    // Every opened element is closed: <svg> and <text> are the only non-empty elements.
    expect((svg.match(/<text /g) ?? []).length).toBe((svg.match(/<\/text>/g) ?? []).length);
    expect((svg.match(/<svg /g) ?? []).length).toBe(1);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).not.toMatch(/>[^<]*&(?!amp;|lt;|gt;|quot;)[^<]*</);
  });
});
