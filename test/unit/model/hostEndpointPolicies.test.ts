// Normal host endpoint policies (filter INPUT/OUTPUT) and IKS's default host
// policies (components/model/hostRules.ts, iksHostPolicies.ts): the plan's
// view, the rule text, and the rules judging real packets between two scratch
// network namespaces (iptables, iproute2 and node are on every machine the
// runner prepares).
import { spawn, spawnSync } from "node:child_process";
import { parseSpec } from "../../../components/model/spec";
import { CALICO_FAILSAFE, failsafeWith, HOST_CHAIN, hostFilterRestore, type HostPolicy } from "../../../components/model/hostRules";
import { describeEnforcement, enforcementOf, hostPolicies, policiesInForce } from "../../../components/model/networkPolicy";
import { IKS_DEFAULT_HOST_POLICY_NAMES } from "../../../components/model/iksHostPolicies";
import { labSpec } from "./fixtures";

const parsedCalico = (over: Record<string, unknown>) => {
  const s = labSpec();
  Object.assign(s.network.calico, over);
  const r = parseSpec(s);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
};
const errorsOf = (over: Record<string, unknown>) => {
  const s = labSpec();
  Object.assign(s.network.calico, over);
  const r = parseSpec(s);
  return r.ok ? [] : r.errors;
};

describe("IKS's default host policies", () => {
  test("are in force unless turned off, first, on the public interface only, and each is enforced as host rules", () => {
    const spec = parsedCalico({});
    const inForce = policiesInForce(spec.network.calico, spec.network.podSubnet);
    expect(inForce.map((p) => p.name)).toEqual([...IKS_DEFAULT_HOST_POLICY_NAMES]);
    const hp = hostPolicies(inForce);
    expect(hp.map((p) => p.id)).toEqual(IKS_DEFAULT_HOST_POLICY_NAMES.map((n) => `global/${n}`));
    expect(new Set(hp.flatMap((p) => p.interfaces))).toEqual(new Set(["public"]));
    const described = inForce.map((p, i) => describeEnforcement(enforcementOf(p, i).enforcement!));
    expect(described.every((d) => d.became === "host rules (iptables filter INPUT/OUTPUT, IKS default)")).toBe(true);
    expect(policiesInForce(parsedCalico({ defaultHostPolicies: false }).network.calico, "172.30.0.0/16")).toEqual([]);
  });

  test("allow-sys-mgmt admits the system management networks, and nothing when there are none", () => {
    const none = hostPolicies(policiesInForce(parsedCalico({}).network.calico, "172.30.0.0/16")).find((p) => p.id === "global/allow-sys-mgmt")!;
    expect(none.ingress).toEqual([]);
    const some = hostPolicies(policiesInForce(parsedCalico({ systemManagementNets: ["192.0.2.0/28"] }).network.calico, "172.30.0.0/16")).find((p) => p.id === "global/allow-sys-mgmt")!;
    expect(some.ingress).toEqual([{ action: "Allow", source: { nets: ["192.0.2.0/28"] } }]);
    expect(errorsOf({ systemManagementNets: ["192.0.2.0/33"] }).map((e) => e.path)).toContain("network.calico.systemManagementNets[0]");
  });

  test("a spec policy that takes a default's name is refused while the defaults are on, and allowed when they are off", () => {
    const mine = { name: "allow-icmp", selector: "ibm.role == 'worker_public'", ingress: [{ action: "Allow", protocol: "ICMP" }] };
    const errors = errorsOf({ policies: [mine] });
    expect(errors.map((e) => e.path)).toContain("network.calico.policies[0].name");
    expect(errors.find((e) => e.path === "network.calico.policies[0].name")!.message).toMatch(/defaultHostPolicies: false/);
    expect(errorsOf({ defaultHostPolicies: false, policies: [mine] })).toEqual([]);
  });
});

describe("normal host endpoint policies refuse what has no faithful meaning, by field", () => {
  test.each([
    ["Pass (no tier follows)", { action: "Pass" }, "ingress[0].action", /Pass/],
    ["a pod selector", { action: "Allow", source: { selector: "app == 'x'" } }, "ingress[0].source.selector", /not workloads/],
  ])("%s", (_t, rule, path, message) => {
    const errors = errorsOf({ policies: [{ name: "mine", selector: "ibm.role == 'worker_private'", ingress: [rule] }] });
    const e = errors.find((x) => x.path === `network.calico.policies[0].${path}`);
    expect(e?.message).toMatch(message);
  });
});

const icmpAndWeb: HostPolicy[] = [
  { id: "global/allow-icmp", order: 1500, interfaces: ["public"], types: ["Ingress", "Egress"], ingress: [{ action: "Allow", protocol: "ICMP" }], egress: [{ action: "Allow", protocol: "ICMP" }] },
  { id: "global/allow-web", order: 1000, interfaces: ["public"], types: ["Ingress"], ingress: [{ action: "Allow", protocol: "TCP", destination: { ports: [8080] } }], egress: [] },
];

describe("the filter rules", () => {
  test("an interface no policy selects is no host endpoint: its chains stay empty; a host endpoint's end in a drop", () => {
    const lines = hostFilterRestore(icmpAndWeb, CALICO_FAILSAFE).split("\n");
    expect(lines.filter((l) => l.startsWith(`-A ${HOST_CHAIN.in.private} `))).toEqual([]);
    expect(lines.filter((l) => l.startsWith(`-A ${HOST_CHAIN.out.private} `))).toEqual([]);
    const pubIn = lines.filter((l) => l.startsWith(`-A ${HOST_CHAIN.in.public} `));
    expect(pubIn[0]).toContain("--ctstate RELATED,ESTABLISHED -j ACCEPT");
    // By order: allow-web (1000) before allow-icmp (1500); the failsafe ports are not on the public side.
    expect(pubIn[1]).toContain("global/allow-web ingress[0]");
    expect(pubIn[2]).toContain("global/allow-icmp ingress[0]");
    expect(pubIn.join("\n")).not.toContain("failsafe");
    expect(pubIn[pubIn.length - 1]).toMatch(/-j DROP$/);
    // An egress with no policy of its type is dropped too (Calico's host endpoint default).
    expect(lines.filter((l) => l.startsWith(`-A ${HOST_CHAIN.out.public} `)).at(-1)).toMatch(/-j DROP$/);
  });

  test("on a private host endpoint the failsafe ports pass before any rule, each port once", () => {
    const priv: HostPolicy = { ...icmpAndWeb[0], interfaces: ["private"] };
    const fs = failsafeWith({ inbound: [{ protocol: "tcp", port: 10250, why: "kubelet" }, { protocol: "tcp", port: 22, why: "again" }], outbound: [] });
    expect(fs.inbound.filter((f) => f.port === 22)).toHaveLength(1);
    const privIn = hostFilterRestore([priv], fs).split("\n").filter((l) => l.startsWith(`-A ${HOST_CHAIN.in.private} `));
    expect(privIn[1]).toContain("--dport 22 ");
    expect(privIn.some((l) => l.includes("--dport 10250 ") && l.includes("failsafe: kubelet"))).toBe(true);
  });
});

// ---- real packets: a "host" namespace with a public veth, a "client" namespace on its other end ----

const sh = (args: string[], input?: string) => spawnSync(args[0], args.slice(1), { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
const tcpOpens = (ns: string, ip: string, port: number): boolean =>
  sh(["ip", "netns", "exec", ns, "node", "-e", `const s=require("net").connect(${port},"${ip}");s.setTimeout(1500,()=>process.exit(2));s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1));`]).status === 0;
const pings = (ns: string, ip: string): boolean => sh(["ip", "netns", "exec", ns, "ping", "-c1", "-W1", ip]).status === 0;

test("the rules judge real packets: ICMP and the allowed port pass on the public interface, another port is dropped, the private one is not judged", async () => {
  const host = `keelson-unit-h-${process.pid}`;
  const client = `keelson-unit-c-${process.pid}`;
  const servers: ReturnType<typeof spawn>[] = [];
  try {
    for (const ns of [host, client]) expect(sh(["ip", "netns", "add", ns]).status).toBe(0);
    const setup = [
      ["ip", "link", "add", "pub0", "netns", host, "type", "veth", "peer", "name", "c-pub", "netns", client],
      ["ip", "link", "add", "priv0", "netns", host, "type", "veth", "peer", "name", "c-priv", "netns", client],
      ["ip", "-n", host, "addr", "add", "192.0.2.1/30", "dev", "pub0"],
      ["ip", "-n", client, "addr", "add", "192.0.2.2/30", "dev", "c-pub"],
      ["ip", "-n", host, "addr", "add", "198.51.100.1/30", "dev", "priv0"],
      ["ip", "-n", client, "addr", "add", "198.51.100.2/30", "dev", "c-priv"],
      ...[host, client].flatMap((ns) => [["ip", "-n", ns, "link", "set", "lo", "up"]]),
      ["ip", "-n", host, "link", "set", "pub0", "up"],
      ["ip", "-n", host, "link", "set", "priv0", "up"],
      ["ip", "-n", client, "link", "set", "c-pub", "up"],
      ["ip", "-n", client, "link", "set", "c-priv", "up"],
    ];
    for (const c of setup) expect(sh(c).stderr).toBe("");
    for (const port of [8080, 9090]) {
      servers.push(spawn("ip", ["netns", "exec", host, "node", "-e", `require("net").createServer((s)=>s.end()).listen(${port},"0.0.0.0")`], { stdio: "ignore" }));
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(tcpOpens(client, "192.0.2.1", 9090)).toBe(true); // before: nothing judged

    const r = sh(["ip", "netns", "exec", host, "iptables-restore", "-w", "5", "--noflush"], hostFilterRestore(icmpAndWeb, CALICO_FAILSAFE));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const [chain, jump] of [["INPUT", `-i pub0 -j ${HOST_CHAIN.in.public}`], ["OUTPUT", `-o pub0 -j ${HOST_CHAIN.out.public}`], ["INPUT", `-i priv0 -j ${HOST_CHAIN.in.private}`], ["OUTPUT", `-o priv0 -j ${HOST_CHAIN.out.private}`]]) {
      expect(sh(["ip", "netns", "exec", host, "iptables", "-w", "-I", chain, "1", ...jump.split(" ")]).status).toBe(0);
    }
    expect(pings(client, "192.0.2.1")).toBe(true);
    expect(tcpOpens(client, "192.0.2.1", 8080)).toBe(true);
    expect(tcpOpens(client, "192.0.2.1", 9090)).toBe(false);
    expect(tcpOpens(client, "198.51.100.1", 9090)).toBe(true);
    // The host's own connections out of the public interface: no egress policy allows TCP, so they are dropped.
    expect(tcpOpens(host, "192.0.2.2", 1)).toBe(false);
  } finally {
    for (const s of servers) s.kill();
    for (const ns of [host, client]) sh(["ip", "netns", "del", ns]);
  }
}, 30_000);
