// MetalLB and the spec's LoadBalancers as data: pools from the plan (never a
// reserved address, the ALB's apart), upstream's manifest changed only where
// Keelson must, and Services pinned to the plan's IPs.
import { METALLB_MANIFEST as MANIFEST } from "./manifests";
import { loadBalancerNamespaces, loadBalancerServices } from "../../../components/addons/render/loadBalancers";
import {
  addressPools,
  defaultZones,
  iksAnnotationPolicies,
  poolObjects,
  upstreamObjects,
  type MetallbSpec,
} from "../../../components/addons/render/metallb";
import { parseManifest } from "../../../components/addons/render/objects";
import { metallbSpec } from "../../../components/cluster/layers";
import { planCluster } from "../../../components/model/plan";
import { parseSpec } from "../../../components/model/spec";
import * as path from "node:path";
import { readStackConfig } from "../../../components/model/stackConfig";
import { ROOT, loadExample } from "../model/load";

/** The lab stack's config as written (before defaults), to edit and parse again. */
function rawLab(): any {
  const cfg = readStackConfig(path.join(ROOT, "stacks", "Pulumi.lab.yaml"));
  if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
  return structuredClone(cfg.raw);
}

const images = { controller: "quay.io/metallb/controller:v0.15.3", speaker: "quay.io/metallb/speaker:v0.15.3" };

describe("address pools", () => {
  const plan = planCluster(loadExample("lab"));
  const pools = addressPools(plan.portableSubnets, plan.zones.map((z) => z.name));

  test("one LoadBalancer pool and one ALB pool per zone and network, holding exactly the plan's addresses", () => {
    for (const p of plan.portableSubnets) {
      const lb = pools.find((x) => x.name === `${p.network}-${p.zone}`)!;
      const alb = pools.find((x) => x.name === `${p.network}-${p.zone}-alb`)!;
      expect(lb.addresses).toEqual(expect.arrayContaining(p.loadBalancers));
      expect(alb.addresses).toEqual([p.alb]);
      for (const r of p.reserved) expect([...lb.addresses, ...alb.addresses]).not.toContain(r);
    }
    expect(pools).toHaveLength(plan.portableSubnets.length * 2);
  });

  test("the plan's LoadBalancers' IPs are in their zone's pool", () => {
    for (const lb of plan.loadBalancers) expect(pools.find((p) => p.name === `${lb.network}-${lb.zone}`)!.addresses).toContain(lb.ip);
  });

  test("Services without a choice get public addresses; private and ALB pools only on request", () => {
    for (const p of pools) expect(p.autoAssign).toBe(p.network === "public" && !p.alb);
    expect(defaultZones(pools)).toEqual({ public: "lab-z1", private: "lab-z1" });
  });

  test("a cluster without public VLANs hands out private addresses by default", () => {
    const raw = rawLab();
    raw.serviceEndpoints = { public: false, private: true, publicAllowlist: [] };
    for (const z of Object.values<any>(raw.infrastructure.zones)) delete z.publicVlan;
    delete raw.infrastructure.portableRanges.public;
    raw.loadBalancers = [];
    raw.albs = { public: { enabled: false }, private: { enabled: true } };
    const r = parseSpec(raw);
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
    const p = addressPools(planCluster(r.spec).portableSubnets, r.spec.zones);
    expect(p.length).toBeGreaterThan(0);
    expect(p.filter((x) => !x.alb).every((x) => x.network === "private" && x.autoAssign)).toBe(true);
  });

  test("each pool is announced only by its zone's nodes", () => {
    const objs = poolObjects({ images, pools, defaultZones: defaultZones(pools) });
    const adv = objs.filter((o) => o.kind === "L2Advertisement") as any[];
    expect(adv).toHaveLength(pools.length);
    for (const a of adv) {
      const pool = pools.find((p) => p.name === a.spec.ipAddressPools[0])!;
      expect(a.spec.nodeSelectors).toEqual([{ matchLabels: { "topology.kubernetes.io/zone": pool.zone } }]);
    }
    const ipp = objs.find((o) => o.kind === "IPAddressPool" && o.metadata.name === "public-lab-z1") as any;
    expect(ipp.spec.addresses.every((a: string) => a.endsWith("/32"))).toBe(true);
  });
});

describe("upstream's manifest", () => {
  const objs = upstreamObjects(parseManifest(MANIFEST, "test"), { controller: "local/controller:1", speaker: "local/speaker:1" }) as any[];
  const get = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

  test("the webhook objects are left out and the controller serves none", () => {
    expect(get("ValidatingWebhookConfiguration", "metallb-webhook-configuration")).toBeUndefined();
    expect(get("Service", "metallb-webhook-service")).toBeUndefined();
    expect(get("Secret", "metallb-webhook-cert")).toBeUndefined();
    const c = get("Deployment", "controller").spec.template.spec.containers[0];
    expect(c.args).toEqual(["--port=7472", "--webhook-mode=disabled"]);
    expect(c.ports.map((p: any) => p.name)).toEqual(["monitoring"]);
    expect(c.volumeMounts).toBeUndefined();
    expect(get("Deployment", "controller").spec.template.spec.volumes).toBeUndefined();
    expect(get("CustomResourceDefinition", "bgppeers.metallb.io").spec.conversion).toEqual({ strategy: "None" });
  });

  test("the bundle's images; the speaker runs on every node, tainted or not", () => {
    expect(get("Deployment", "controller").spec.template.spec.containers[0].image).toBe("local/controller:1");
    const ds = get("DaemonSet", "speaker").spec.template.spec;
    expect(ds.containers[0].image).toBe("local/speaker:1");
    expect(ds.tolerations).toEqual([{ operator: "Exists" }]);
  });

  test("a manifest without the controller or a CRD Keelson writes is refused, naming what is missing", () => {
    const broken = parseManifest(MANIFEST, "test").filter((o) => o.kind !== "DaemonSet");
    expect(() => upstreamObjects(broken, images)).toThrow(/no DaemonSet\/speaker/);
    expect(() => parseManifest("kind: Service\n", "bundle")).toThrow(/bundle: document 1 is not a Kubernetes object/);
  });

  test("the original objects are not changed", () => {
    const parsed = parseManifest(MANIFEST, "test");
    const before = JSON.stringify(parsed);
    upstreamObjects(parsed, images);
    expect(JSON.stringify(parsed)).toBe(before);
  });
});

describe("IKS annotations", () => {
  const plan = planCluster(loadExample("lab"));
  const spec: MetallbSpec = metallbSpec(plan, images);
  const [vap, vapb, map, mapb] = iksAnnotationPolicies(spec) as any[];

  test("a mutating policy picks the pool from the zone and ip-type annotations, unless a pool is chosen", () => {
    expect(map.kind).toBe("MutatingAdmissionPolicy");
    expect(mapb.spec.policyName).toBe(map.metadata.name);
    expect(map.spec.matchConditions.map((c: any) => c.name)).toEqual(["load-balancer", "iks-annotated", "no-pool-chosen"]);
    expect(map.spec.mutations[0].applyConfiguration.expression).toContain("'metallb.io/address-pool': variables.pool");
    expect(map.spec.variables[1].expression).toContain("service.kubernetes.io/ibm-load-balancer-cloud-provider-zone");
  });

  test("a validating policy refuses a zone or network without a pool, listing the pools", () => {
    expect(vap.kind).toBe("ValidatingAdmissionPolicy");
    expect(vapb.spec.validationActions).toEqual(["Deny"]);
    const v = vap.spec.validations[1];
    for (const p of spec.pools.filter((x) => !x.alb)) expect(v.expression).toContain(`'${p.name}'`);
    expect(v.expression).not.toContain("-alb'");
    expect(v.messageExpression).toContain("has no");
  });
});

describe("the spec's LoadBalancers", () => {
  const raw = rawLab();
  raw.loadBalancers = [
    { name: "echo", zone: "lab-z1", network: "public" },
    { name: "api", namespace: "shop", zone: "lab-z2", network: "private", selector: { tier: "api" }, ports: [{ name: "https", port: 443, targetPort: "https" }, { name: "dns", port: 53, protocol: "UDP" }] },
  ];
  const r = parseSpec(raw);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  const plan = planCluster(r.spec);
  const svcs = loadBalancerServices(plan.loadBalancers) as any[];

  test("each is a Service of type LoadBalancer pinned to the plan's IP in its zone's pool", () => {
    for (const lb of plan.loadBalancers) {
      const s = svcs.find((x) => x.metadata.name === lb.name && x.metadata.namespace === lb.namespace)!;
      expect(s.spec.type).toBe("LoadBalancer");
      expect(s.metadata.annotations["metallb.io/loadBalancerIPs"]).toBe(lb.ip);
      expect(s.metadata.annotations["metallb.io/address-pool"]).toBe(`${lb.network}-${lb.zone}`);
      expect(s.metadata.annotations["pulumi.com/waitFor"]).toBe(`jsonpath={.status.loadBalancer.ingress[0].ip}=${lb.ip}`);
    }
  });

  test("selector and ports: the spec's, or app: <name> and TCP 80", () => {
    const echo = svcs.find((x) => x.metadata.name === "echo");
    expect(echo.spec.selector).toEqual({ app: "echo" });
    expect(echo.spec.ports).toEqual([{ port: 80, targetPort: 80, protocol: "TCP" }]);
    const api = svcs.find((x) => x.metadata.name === "api");
    expect(api.spec.selector).toEqual({ tier: "api" });
    expect(api.spec.ports).toEqual([
      { name: "https", port: 443, targetPort: "https", protocol: "TCP" },
      { name: "dns", port: 53, targetPort: 53, protocol: "UDP" },
    ]);
    expect(loadBalancerNamespaces(plan.loadBalancers).map((n) => n.metadata.name)).toEqual(["default", "shop"]);
  });

  test("ports listed twice, or several without names, are refused naming the field", () => {
    const bad = structuredClone(raw);
    bad.loadBalancers = [{ name: "x", zone: "lab-z1", network: "public", ports: [{ port: 80 }, { port: 80 }] }];
    const res = parseSpec(bad);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    const paths = res.errors.map((e) => `${e.path}: ${e.message}`);
    expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/loadBalancers\[0\]\.ports\[1\]\.port.*TCP port 80 is listed twice/), expect.stringMatching(/loadBalancers\[0\]\.ports\[0\]\.name.*required/)]));
  });
});
