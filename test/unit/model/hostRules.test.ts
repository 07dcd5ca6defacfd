// preDNAT host policies as iptables rules (components/model/hostRules.ts): the
// text, and iptables-restore itself taking it in a scratch network namespace
// (iptables and iproute2 are on every machine the runner prepares).
import { spawnSync } from "node:child_process";
import { parseSpec } from "../../../components/model/spec";
import { preDnatRestore, type PreDnatPolicy } from "../../../components/model/hostRules";
import { labSpec } from "./fixtures";

const nodePorts: PreDnatPolicy = {
  id: "global/deny-public-nodeports",
  order: 1100,
  interfaces: ["public"],
  ingress: [{ action: "Deny", protocol: "TCP", destination: { ports: ["30000:32767"] } }],
};
const allowSome: PreDnatPolicy = {
  id: "global/allow-some",
  order: 1000,
  interfaces: ["public", "private"],
  ingress: [
    { action: "Allow", protocol: "TCP", source: { nets: ["192.0.2.0/30", "198.51.100.0/24"], notNets: ["192.0.2.1/32"] }, destination: { ports: [31000], notPorts: [31001] } },
    { action: "Log", protocol: "ICMP", icmp: { type: 8 } },
  ],
};

test("IKS's deny-public-nodeports: new TCP connections to 30000-32767 on the public interface are dropped; established ones are never judged", () => {
  const lines = preDnatRestore([nodePorts]).split("\n");
  const pub = lines.filter((l) => l.startsWith("-A KEELSON-PREDNAT-PUBLIC"));
  expect(pub[0]).toBe("-A KEELSON-PREDNAT-PUBLIC -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN");
  expect(pub[1]).toMatch(/^-A KEELSON-PREDNAT-PUBLIC -p tcp .*--dports 30000:32767 -j DROP$/);
  expect(lines.filter((l) => l.startsWith("-A KEELSON-PREDNAT-PRIVATE"))).toHaveLength(1);
  // Both chains are declared (so flushed) even when empty: a removed policy leaves nothing.
  expect(preDnatRestore([])).toBe("*mangle\n:KEELSON-PREDNAT-PUBLIC - [0:0]\n:KEELSON-PREDNAT-PRIVATE - [0:0]\n-A KEELSON-PREDNAT-PUBLIC -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n-A KEELSON-PREDNAT-PRIVATE -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\nCOMMIT\n");
});

test("policies go by order; notNets and notPorts return from the rule's own chain before its nets match", () => {
  const text = preDnatRestore([nodePorts, allowSome]);
  const pub = text.split("\n").filter((l) => l.startsWith("-A KEELSON-PREDNAT-PUBLIC"));
  expect(pub[1]).toContain("global/allow-some ingress[0]");
  expect(pub[3]).toContain("global/deny-public-nodeports");
  expect(text).toContain("-A KPD-PUBLIC-0-0 -p tcp -s 192.0.2.1/32 -j RETURN");
  expect(text).toContain("-A KPD-PUBLIC-0-0 -p tcp -m multiport --dports 31001 -j RETURN");
  expect(text).toContain("-A KPD-PUBLIC-0-0 -p tcp -s 198.51.100.0/24 -m multiport --dports 31000 -j ACCEPT");
});

test("iptables-restore takes the rules (a scratch network namespace)", () => {
  const ns = `keelson-unit-${process.pid}`;
  expect(spawnSync("ip", ["netns", "add", ns]).status).toBe(0);
  try {
    const r = spawnSync("ip", ["netns", "exec", ns, "iptables-restore", "--noflush"], { input: preDnatRestore([nodePorts, allowSome]), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const saved = spawnSync("ip", ["netns", "exec", ns, "iptables", "-t", "mangle", "-S", "KEELSON-PREDNAT-PUBLIC"], { encoding: "utf8" }).stdout;
    expect(saved).toContain("--dports 30000:32767 -j DROP");
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
});

test("what a host has no meaning for is refused by field: a pod selector, a named port", () => {
  const s = labSpec();
  s.network.calico.policies = [{ name: "p", preDnat: true, selector: "ibm.role == 'worker_public'", ingress: [{ action: "Deny", protocol: "TCP", source: { selector: "app == 'x'" }, destination: { ports: ["http"] } }] }];
  const r = parseSpec(s);
  expect(r.ok).toBe(false);
  const paths = r.ok ? [] : r.errors.map((e) => e.path);
  expect(paths).toEqual(expect.arrayContaining(["network.calico.policies[0].ingress[0].source.selector", "network.calico.policies[0].ingress[0].destination.ports[0]"]));
});
