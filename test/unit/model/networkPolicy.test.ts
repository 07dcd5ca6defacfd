// Spec policies -> what enforces them (components/model/networkPolicy.ts).
import { parseSpec } from "../../../components/model/spec";
import { enforcementOf, ipBlocks, labelSelector, policyTypes, type NetworkPolicyObject } from "../../../components/model/networkPolicy";
import { labSpec } from "./fixtures";

type Spec = Record<string, any>;
const withPolicies = (policies: unknown[]): Spec => {
  const s = labSpec();
  s.network.calico.policies = policies;
  return s;
};
const parsed = (policies: unknown[]) => {
  const r = parseSpec(withPolicies(policies));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec.network.calico.policies;
};
const objectOf = (policy: Record<string, unknown>): NetworkPolicyObject => {
  const e = enforcementOf(parsed([policy])[0], 0).enforcement!;
  if (e.as !== "NetworkPolicy") throw new Error(`became ${e.as}`);
  return e.object;
};
const errorsOf = (policy: Record<string, unknown>) => {
  const r = parseSpec(withPolicies([policy]));
  return r.ok ? [] : r.errors;
};
const ns = { scope: "namespaced", namespace: "shop" };

describe("label selectors", () => {
  test("conjunctions of label tests become matchLabels and matchExpressions", () => {
    expect(labelSelector("app == 'web' && tier != 'db' && has(team) && !has(legacy) && env in {'a', 'b'} && zone not in {'z1'}")).toEqual({
      selector: {
        matchLabels: { app: "web" },
        matchExpressions: [
          { key: "tier", operator: "NotIn", values: ["db"] },
          { key: "team", operator: "Exists" },
          { key: "legacy", operator: "DoesNotExist" },
          { key: "env", operator: "In", values: ["a", "b"] },
          { key: "zone", operator: "NotIn", values: ["z1"] },
        ],
      },
    });
    expect(labelSelector("all()")).toEqual({ selector: {} });
  });
  test("Calico's namespace name label is Kubernetes' in namespace selectors", () => {
    expect(labelSelector("projectcalico.org/name == 'shop'", { namespaceLabels: true })).toEqual({ selector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } } });
  });
  test.each([
    ["app == 'a' || app == 'b'", "`||`"],
    ["!(app == 'a')", "`!` of anything but has()"],
    ["app contains 'x'", "`contains`"],
    ["app starts with 'x'", "`starts with`"],
    ["global()", "global()"],
    ["app in {}", "`in {}`"],
  ])("%s has no label selector form", (text, what) => {
    const r = labelSelector(text);
    expect("problem" in r && r.problem).toContain(what);
  });
  test("values Kubernetes would refuse are refused here", () => {
    const r = labelSelector("app == 'has space'");
    expect("problem" in r && r.problem).toMatch(/not a Kubernetes label value/);
  });
});

describe("ipBlock from nets and notNets", () => {
  test("notNets inside a net become its except; a net inside a notNet drops out", () => {
    expect(ipBlocks(["10.0.0.0/8", "192.168.1.0/24"], ["10.1.0.0/16", "192.168.0.0/16"])).toEqual([{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }]);
    expect(ipBlocks(undefined, ["172.30.0.0/16"])).toEqual([{ ipBlock: { cidr: "0.0.0.0/0", except: ["172.30.0.0/16"] } }]);
  });
});

describe("pod policies become NetworkPolicy", () => {
  test("a default deny: a policy with no rules denies its types", () => {
    const o = objectOf({ ...ns, name: "deny-all", selector: "all()", types: ["Ingress", "Egress"] });
    expect(o).toMatchObject({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny-all", namespace: "shop" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
    expect(o.spec.ingress).toBeUndefined();
    expect(o.spec.egress).toBeUndefined();
  });
  test("an allow from pods in the namespace to one port, and from a namespace, with ranges and named ports", () => {
    const o = objectOf({
      ...ns,
      name: "web",
      selector: "app == 'web'",
      ingress: [
        { action: "Allow", protocol: "TCP", source: { selector: "app == 'client'" }, destination: { ports: [8080, "9000:9100", "metrics"] } },
        { action: "Allow", source: { namespaceSelector: "projectcalico.org/name == 'ops'", selector: "role == 'probe'" } },
      ],
    });
    expect(o.spec.policyTypes).toEqual(["Ingress"]);
    expect(o.spec.ingress).toEqual([
      {
        ports: [
          { protocol: "TCP", port: 8080 },
          { protocol: "TCP", port: 9000, endPort: 9100 },
          { protocol: "TCP", port: "metrics" },
        ],
        from: [{ podSelector: { matchLabels: { app: "client" } } }],
      },
      { from: [{ podSelector: { matchLabels: { role: "probe" } }, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ops" } } }] },
    ]);
  });
  test("egress: DNS anywhere, one service's pods, and a net with except; Calico infers Egress alone", () => {
    const o = objectOf({
      ...ns,
      name: "client-egress",
      selector: "app == 'client'",
      egress: [
        { action: "Allow", protocol: "UDP", destination: { ports: [53] } },
        { action: "Allow", protocol: "TCP", destination: { selector: "app == 'web'", ports: [8080] } },
        { action: "Allow", destination: { nets: ["10.88.0.0/16"], notNets: ["10.88.1.0/24"] } },
      ],
    });
    expect(o.spec.policyTypes).toEqual(["Egress"]);
    expect(o.spec.egress).toEqual([
      { ports: [{ protocol: "UDP", port: 53 }] },
      { ports: [{ protocol: "TCP", port: 8080 }], to: [{ podSelector: { matchLabels: { app: "web" } } }] },
      { to: [{ ipBlock: { cidr: "10.88.0.0/16", except: ["10.88.1.0/24"] } }] },
    ]);
  });
  test("policy types as Calico infers them", () => {
    const r = { action: "Allow" as const };
    expect(policyTypes({ ingress: [], egress: [], preDnat: false })).toEqual(["Ingress"]);
    expect(policyTypes({ ingress: [r], egress: [r], preDnat: false })).toEqual(["Ingress", "Egress"]);
    expect(policyTypes({ ingress: [], egress: [r], preDnat: false, types: ["Ingress", "Egress"] })).toEqual(["Ingress", "Egress"]);
  });
});

describe("what the engine cannot enforce faithfully is refused, naming the field", () => {
  const at = (p: string) => `network.calico.policies[0].${p}`;
  test.each([
    ["a Deny rule", { ...ns, name: "p", selector: "all()", ingress: [{ action: "Deny", source: { nets: ["10.0.0.0/8"] } }] }, "ingress[0].action", /only allows/],
    ["ICMP", { ...ns, name: "p", selector: "all()", ingress: [{ action: "Allow", protocol: "ICMP" }] }, "ingress[0].protocol", /TCP, UDP and SCTP only/],
    ["a selector with ||", { ...ns, name: "p", selector: "app == 'a' || app == 'b'" }, "selector", /`\|\|`/],
    ["source ports", { ...ns, name: "p", selector: "all()", ingress: [{ action: "Allow", protocol: "TCP", source: { ports: [1234] } }] }, "ingress[0].source.ports", /source ports/],
    ["nets and a selector in one peer", { ...ns, name: "p", selector: "all()", egress: [{ action: "Allow", destination: { nets: ["10.0.0.0/8"], selector: "app == 'x'" } }] }, "egress[0].destination.nets", /write two rules/],
    ["a global pod policy (no AdminNetworkPolicy)", { name: "p", selector: "app == 'x'", ingress: [{ action: "Allow" }] }, "scope", /no AdminNetworkPolicy/],
    ["ingress rules without the Ingress type", { ...ns, name: "p", selector: "all()", types: ["Egress"], ingress: [{ action: "Allow" }] }, "types", /would be ignored/],
    ["a host policy on a selector that names no interface", { name: "p", preDnat: true, selector: "ibm.role == 'master'", ingress: [{ action: "Deny" }] }, "selector", /worker_public/],
  ])("%s", (_t, policy, path, message) => {
    const errors = errorsOf(policy);
    expect(errors.map((e) => e.path)).toContain(at(path));
    expect(errors.find((e) => e.path === at(path))!.message).toMatch(message);
  });
  test("IKS's preDNAT policy on the public interface is a host endpoint policy", () => {
    const [p] = parsed([{ name: "deny-public-nodeports", preDnat: true, order: 1100, selector: "ibm.role == 'worker_public'", ingress: [{ action: "Deny", protocol: "TCP", destination: { ports: ["30000:32767"] } }] }]);
    expect(enforcementOf(p, 0).enforcement).toEqual({ policy: "global/deny-public-nodeports", as: "HostRules", preDnat: true, interfaces: ["public"] });
  });
});
