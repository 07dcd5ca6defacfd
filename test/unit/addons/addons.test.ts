// The add-ons as data (CoreDNS, RBAC) and as @pulumi/kubernetes resources under
// Pulumi mocks: each object becomes the typed resource of its kind, through
// the provider it is given, owned by Keelson (server-side apply takes it over).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createObjects } from "../../../components/addons/k8sObjects";
import { coreDnsObjects, corefile, type CoreDnsSpec } from "../../../components/addons/render/coreDns";
import { checkUnique, creationPrerequisites, objectResourceName, type K8sObject } from "../../../components/addons/render/objects";
import { controlPlaneRbacObjects, nodeAgentsRbacObjects } from "../../../components/addons/render/rbac";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  provider?: string;
}
const registered: Registered[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  "keelson",
  "unit",
  false,
);
const resolve = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((r) => o.apply(r));

const spec = (over: Partial<CoreDnsSpec> = {}): CoreDnsSpec => ({
  clusterDomain: "cluster.local",
  serviceSubnet: "172.21.0.0/16",
  upstreamDns: [],
  images: { coredns: "registry.k8s.io/coredns/coredns:v1.14.2" },
  ...over,
});

describe("CoreDNS", () => {
  test("one replica per zone, spread across zones, on the cluster DNS IP, from the bundled image", () => {
    const docs = coreDnsObjects(spec(), { replicas: 3 }) as any[];
    const deploy = docs.find((d) => d.kind === "Deployment");
    const svc = docs.find((d) => d.kind === "Service");
    expect(deploy.spec.replicas).toBe(3);
    expect(deploy.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" });
    expect(deploy.spec.template.spec.containers[0].image).toBe("registry.k8s.io/coredns/coredns:v1.14.2");
    expect(svc.spec.clusterIP).toBe("172.21.0.10");
    expect(docs.map((d) => d.kind)).toEqual(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Service"]);
  });
  test("forwards to upstream resolvers only when there are some", () => {
    expect(corefile(spec())).not.toContain("forward");
    expect(corefile(spec({ upstreamDns: ["10.0.80.11", "10.0.80.12"] }))).toContain("forward . 10.0.80.11 10.0.80.12 {");
    expect(corefile(spec())).toContain("kubernetes cluster.local in-addr.arpa ip6.arpa {");
  });
});

describe("RBAC", () => {
  test("the apiserver's kubelet client gets the kubelet API, not cluster-admin", () => {
    const [binding] = controlPlaneRbacObjects() as any[];
    expect(binding.roleRef.name).toBe("system:kubelet-api-admin");
    expect(binding.subjects).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "kube-apiserver-kubelet-client" }]);
  });
  test("flannel may read nodes and patch their status, nothing else", () => {
    const [role, binding] = nodeAgentsRbacObjects() as any[];
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
    ]);
    expect(binding.roleRef.name).toBe(role.metadata.name);
  });
});

describe("objects as resources", () => {
  test("resource names carry kind, namespace and name, without colons", () => {
    expect(objectResourceName("c-rbac", { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "keelson:flannel" } })).toBe("c-rbac-clusterrole-keelson-flannel");
    expect(objectResourceName("dns", { apiVersion: "v1", kind: "Service", metadata: { name: "kube-dns", namespace: "kube-system" } })).toBe("dns-service-kube-system-kube-dns");
  });
  test("the same object twice is a renderer bug, named", () => {
    const o: K8sObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "x" } };
    expect(() => checkUnique([o, { ...o }], "addon")).toThrow("addon: v1/ConfigMap x/a appears twice");
    expect(() => checkUnique([o, { ...o, metadata: { name: "a", namespace: "y" } }], "addon")).not.toThrow();
  });
  test("every CoreDNS object becomes its typed resource through the given provider, force-owned", async () => {
    const provider = new k8s.Provider("p", { kubeconfig: "{}" });
    const before = registered.length;
    const resources = createObjects("dns", coreDnsObjects(spec(), { replicas: 2 }), { provider });
    await Promise.all(resources.map((r) => resolve(r.urn)));
    const mine = registered.slice(before).filter((r) => !r.type.startsWith("pulumi:providers:"));
    expect(mine.map((r) => r.type).sort()).toEqual([
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:core/v1:Service",
    ].sort());
    for (const r of mine) {
      expect(r.provider).toContain("pulumi:providers:kubernetes::p::");
      expect(r.inputs.metadata.annotations["pulumi.com/patchForce"]).toBe("true");
    }
    expect(mine.find((r) => r.type.endsWith(":Deployment"))!.inputs.spec.replicas).toBe(2);
  });
  test("a kind the add-ons do not know is refused before anything is created", () => {
    const before = registered.length;
    expect(() => createObjects("x", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ok" } }, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }], {})).toThrow(
      /x: example\.com\/v1\/Widget w is not a kind Keelson's add-ons know/,
    );
    expect(registered.length).toBe(before);
  });
});

describe("creation order within a batch", () => {
  const batch: K8sObject[] = [
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "alb", namespace: "edge" } },
    { apiVersion: "v1", kind: "Service", metadata: { name: "alb", namespace: "edge" } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "alb" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "alb" }, subjects: [] },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "alb", namespace: "edge" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "edge" } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "alb" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "other" } },
    { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "kube-system" } },
  ];
  const waits = creationPrerequisites(batch);
  test("a workload waits for the batch's ServiceAccounts, RBAC and ConfigMaps, and for its namespace", () => {
    expect(waits[0].sort()).toEqual([2, 3, 4, 5, 6]);
    expect(waits[7].sort()).toEqual([2, 3, 5, 6]); // kube-system is not the batch's
  });
  test("other objects wait only for a namespace the batch creates; nothing waits for a workload", () => {
    expect(waits[1]).toEqual([4]);
    expect(waits[3]).toEqual([4]);
    expect(waits[2]).toEqual([]);
    expect(waits[4]).toEqual([]);
    expect(waits[6]).toEqual([]); // "other" is not created by the batch
    for (const w of waits) expect(w.some((j) => ["Deployment", "DaemonSet"].includes(batch[j].kind))).toBe(false);
  });
  test("createObjects still makes every object of such a batch, once", async () => {
    const before = registered.length;
    const made = createObjects("order", batch, {});
    await Promise.all(made.map((r) => resolve(r.urn)));
    expect(made).toHaveLength(batch.length);
    expect(new Set(made).size).toBe(batch.length);
    expect(registered.slice(before).map((r) => r.name).sort()).toEqual(batch.map((o) => objectResourceName("order", o)).sort());
  });
});
