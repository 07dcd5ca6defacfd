// The whole Cluster under Pulumi mocks, on a recording driver: infrastructure ->
// control plane -> worker nodes -> add-ons, each layer fed from the plan; the
// add-ons are @pulumi/kubernetes resources through the cluster's own provider;
// what users get (kubeconfig, provider) waits for the cluster to be whole.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  provider?: string;
}
/** What the backup key (components/control/backupKey.ts) gives, in the shape age makes. */
const AGE_RECIPIENT = "age1" + "q".repeat(58);
const registered: Registered[] = [];
pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.startsWith("pulumi-nodejs:dynamic")) {
        Object.assign(state, { certPem: `CERT(${args.name})`, keyPem: `KEY(${args.name})`, publicKeyPem: `PUB(${args.name})`, value: Buffer.alloc(32, 1).toString("base64"), certSha256: "0".repeat(64), recipient: AGE_RECIPIENT, identity: "AGE-SECRET-KEY-1TEST" });
      }
      return { id: `${args.name}-id`, state };
    },
    call: () => ({}),
  },
  "keelson",
  "unit",
);

const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-cluster-"));
process.env.KEELSON_CACHE = path.join(work, "cache");
// The approver binary the control plane pushes to masters (any file will do for mocks).
const approverVersion = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../components/versions.json"), "utf8")).kubeletServingApprover;
const approverBin = path.join(work, "cache", "kubelet-serving-approver", approverVersion, "bin", "kubelet-serving-approver");
fs.mkdirSync(path.dirname(approverBin), { recursive: true });
fs.writeFileSync(approverBin, "#!/bin/sh\n");
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

import type { ArtifactSource } from "../../../components/bootstrap/artifacts";
import { ImageBundle } from "../../../components/bootstrap/images";
import { METALLB_MANIFEST, TRAEFIK_RBAC } from "../addons/manifests";
import { Cluster } from "../../../components/cluster/cluster";
import { coreDnsReplicas, controlPlaneInputs, nodeClusterSpec } from "../../../components/cluster/layers";
import type { HostSpec, InfrastructureDriver, NetworkSpec, ProvisionedHost, ProvisionedNetwork } from "../../../components/infra/driver";
import { planCluster } from "../../../components/model/plan";
import { toHostSpec } from "../../../components/model/to-driver";
import { NodeDrain } from "../../../components/workers/nodeDrain";
import { nodeIdentity } from "../../../components/workers/nodeInputs";
import { loadExample } from "../model/load";

class Ready extends pulumi.CustomResource {
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Ready", name, {}, opts);
  }
}

class RecordingDriver implements InfrastructureDriver {
  readonly kind = "lab" as const;
  readonly sshPrivateKey = pulumi.secret("PRIVATE KEY");
  networks: NetworkSpec[] = [];
  hosts: { spec: HostSpec; parent?: pulumi.Resource; dependsOn: unknown[] }[] = [];
  network(spec: NetworkSpec, opts: pulumi.ComponentResourceOptions): ProvisionedNetwork {
    this.networks.push(spec);
    return { spec, ready: new pulumi.ComponentResource("test:lab:Network", `${spec.clusterName}-net`, {}, opts) };
  }
  machineKey(spec: HostSpec): string {
    return `${spec.flavor} ${spec.replacement ?? ""}`;
  }
  host(spec: HostSpec, _network: ProvisionedNetwork, opts: pulumi.ComponentResourceOptions): ProvisionedHost {
    this.hosts.push({ spec, parent: opts.parent, dependsOn: (opts.dependsOn as unknown[]) ?? [] });
    return { spec, ready: new Ready(`${spec.name}-up`, { parent: opts.parent }), connection: { host: spec.privateIp, user: "root", privateKey: this.sshPrivateKey }, instance: `${spec.name}-instance-1`, traits: { cgroupVersion: 2, systemdCgroups: true } };
  }
}

const artifacts: ArtifactSource = {
  kind: "local-mirror",
  kubernetesVersion: "v1.36.3",
  etcdVersion: "v3.6.17",
  etcdUpgradeSteps: [],
  flannelVersion: "v0.26.7",
  kubeRouterVersion: "v2.1.0",
  refs: () => [],
  install: (name, _host, _set, opts) => new Ready(name, opts),
};

function imageBundle(): ImageBundle {
  const dir = path.join(work, "images");
  fs.mkdirSync(dir, { recursive: true });
  const refs: Record<string, string> = {
    pause: "registry.k8s.io/pause:3.10.2",
    coredns: "registry.k8s.io/coredns/coredns:v1.14.2",
    "metallb-controller": "quay.io/metallb/controller:v0.15.3",
    "metallb-speaker": "quay.io/metallb/speaker:v0.15.3",
    traefik: "docker.io/library/traefik:v3.6.19",
  };
  const images = Object.entries(refs).map(([name, ref], i) => {
    fs.writeFileSync(path.join(dir, `${name}.tar`), name);
    return { name, ref, archive: `${name}.tar`, digest: `sha256:${String(i).repeat(64)}`, archiveSha256: "a".repeat(64) };
  });
  fs.writeFileSync(path.join(dir, "metallb.yaml"), METALLB_MANIFEST);
  fs.writeFileSync(path.join(dir, "traefik-rbac.yaml"), TRAEFIK_RBAC);
  fs.writeFileSync(path.join(dir, "images.json"), JSON.stringify({ images, manifests: { metallb: "metallb.yaml", "traefik-rbac": "traefik-rbac.yaml" } }));
  return new ImageBundle(dir);
}

const resolve = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((r) => o.apply(r));
const isSecret = (o: pulumi.Output<unknown>) => (o as any).isSecret as Promise<boolean>;

describe("the Cluster on a driver", () => {
  const driver = new RecordingDriver();
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = new Cluster("lab", { spec: loadExample("lab"), driver, artifacts, images: imageBundle() });
    await resolve(cluster.kubeconfig);
    await resolve(cluster.provider.urn);
  });

  test("one network, one host per master and worker, each parented to its MasterReplica/Worker", () => {
    expect(driver.networks).toHaveLength(1);
    expect(driver.networks[0].segments).toHaveLength(6);
    expect(driver.hosts.map((h) => h.spec.name).sort()).toEqual(cluster.plan.hosts.map((h) => h.name).sort());
    for (const m of cluster.masters) expect(driver.hosts.find((h) => h.spec.name === m.hostSpec.name)?.parent).toBe(m);
    for (const w of cluster.workerPools.flatMap((p) => p.workers)) expect(driver.hosts.find((h) => h.spec.name === w.hostSpec.name)?.parent).toBe(w);
    expect(cluster.masterHosts().map((h) => h.spec.name)).toEqual(["lab-master-1", "lab-master-2", "lab-master-3"]);
    expect(cluster.workerHosts()).toHaveLength(4);
  });

  test("the layers: a control plane on the masters, a node per worker, RBAC and CoreDNS as Kubernetes resources", () => {
    expect(cluster.controlPlane!.spec.masters.map((m) => m.name)).toEqual(["lab-master-1", "lab-master-2", "lab-master-3"]);
    expect(cluster.nodeNames.sort()).toEqual(cluster.plan.hosts.filter((h) => h.role === "worker").map((h) => h.name).sort());
    const k8s = registered.filter((r) => r.type.startsWith("kubernetes:"));
    const core = k8s.filter((r) => !/metallb|iks|alb|:Namespace |IngressClass/.test(`${r.type} ${r.inputs.metadata.name} ${r.name}`));
    expect(core.map((r) => `${r.type} ${r.inputs.metadata.name}`).sort()).toEqual(
      [
        "kubernetes:apps/v1:Deployment coredns",
        "kubernetes:core/v1:ConfigMap coredns",
        "kubernetes:core/v1:Service kube-dns",
        "kubernetes:core/v1:ServiceAccount coredns",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole keelson:flannel",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole keelson:kube-router",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole keelson:kubelet-serving-approver",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole system:coredns",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding keelson:flannel",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding keelson:kube-apiserver-kubelet-client",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding keelson:kube-router",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding keelson:kubelet-serving-approver",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding keelson:node-autoapprove-certificate-rotation",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding system:coredns",
        "kubernetes:rbac.authorization.k8s.io/v1:Role keelson:kubelet-serving-approver",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding keelson:kubelet-serving-approver",
      ].sort(),
    );
    // MetalLB (upstream's objects, a pool and an L2 advertisement per portable subnet, the IKS
    // annotation policies), the spec's LoadBalancer, and the public ALBs.
    const names = k8s.map((r) => `${r.type} ${r.inputs.metadata.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "kubernetes:apps/v1:Deployment controller",
        "kubernetes:apps/v1:DaemonSet speaker",
        "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition ipaddresspools.metallb.io",
        "kubernetes:metallb.io/v1beta1:IPAddressPool public-lab-z1",
        "kubernetes:metallb.io/v1beta1:L2Advertisement private-lab-z3-alb",
        "kubernetes:admissionregistration.k8s.io/v1:MutatingAdmissionPolicy keelson-iks-load-balancer-zone",
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy keelson-iks-load-balancer-zone",
        "kubernetes:core/v1:Service echo",
        "kubernetes:networking.k8s.io/v1:IngressClass public-iks-k8s-nginx",
        "kubernetes:apps/v1:Deployment public-lab-lab-z2-alb1",
        "kubernetes:core/v1:Service public-lab-lab-z2-alb1",
      ]),
    );
    expect(names.filter((n) => n.includes(":IPAddressPool "))).toHaveLength(cluster.plan.portableSubnets.length * 2);
    expect(names.filter((n) => n.startsWith("kubernetes:apps/v1:Deployment private-"))).toEqual([]); // private ALBs are off in the lab spec
    // Through the cluster's bootstrap provider, never the ambient default one.
    for (const r of k8s) expect(r.provider).toMatch(/pulumi:providers:kubernetes::lab-bootstrap::/);
    // The lab spec has workers in three zones: one CoreDNS replica each.
    expect(k8s.find((r) => r.type.endsWith(":Deployment") && r.inputs.metadata?.name === "coredns")!.inputs.spec.replicas).toBe(3);
    // No add-on is a kubectl command any more.
    const commands = registered.filter((r) => r.type === "command:remote:Command");
    expect(commands.filter((c) => /kubectl[^\n]* apply/.test(String(c.inputs.create)))).toEqual([]);
  });

  test("masters roll: master k+1's host waits for master k's member to be back; the first waits for nothing, a worker for its own drain", async () => {
    const gate = async (name: string) => Promise.all(driver.hosts.find((h) => h.spec.name === name)!.dependsOn as Promise<pulumi.Resource>[]);
    const [m1, m2, m3] = cluster.controlPlane!.replicas;
    expect(await gate("lab-master-1")).toEqual([]);
    expect(await gate("lab-master-2")).toEqual([m1.memberReady]);
    expect(await gate("lab-master-3")).toEqual([m2.memberReady]);
    expect(m3.memberReady).toBeDefined();
    // Compared by URN: a failed toEqual on resources pretty-prints the whole resource graph.
    for (const w of cluster.workerHosts()) {
      const deps = await gate(w.spec.name);
      expect(deps.map((d) => d instanceof NodeDrain)).toEqual([true]);
      expect(await resolve(deps[0].urn)).toMatch(new RegExp(`::${w.spec.name}-drain$`));
    }
  });

  test("every step on a host is tied to the host's instance: a replaced host gets all of them again", () => {
    const steps = registered.filter((r) => r.type === "command:remote:Command" || r.type === "command:remote:CopyToRemote");
    const [memberships, hostSteps] = [steps.filter((r) => r.name.endsWith("-membership")), steps.filter((r) => !r.name.endsWith("-membership"))];
    expect(hostSteps.length).toBeGreaterThan(50);
    for (const step of hostSteps) {
      expect(step.inputs.triggers?.[0]).toMatch(/-instance-1$/);
    }
    // A node's drain-on-removal runs through a master and is the node's for as long
    // as the node exists: a reprovisioned host must not drain its new self.
    expect(memberships).toHaveLength(4);
    const membership = memberships.find((r) => r.name.endsWith("lab-default-lab-z1-1-membership"))!;
    expect(membership.inputs.triggers).toEqual(["lab-default-lab-z1-1"]);
    expect(JSON.stringify(membership.inputs.connection)).toContain(`"host":"${cluster.plan.hosts.find((h) => h.name === "lab-master-1")!.privateIp}"`);
  });

  test("outputs: kubeconfig and ssh key are secrets; a provider; endpoints and nodes from the plan", async () => {
    expect(await isSecret(cluster.kubeconfig)).toBe(true);
    expect(await resolve(cluster.kubeconfig)).toContain(`server: ${cluster.privateEndpoint}`);
    expect(cluster.sshPrivateKey).toBe(driver.sshPrivateKey);
    const master1 = cluster.plan.hosts.find((h) => h.name === "lab-master-1")!;
    expect(cluster.privateEndpoint).toBe(`https://${master1.privateIp}:6443`);
    expect(cluster.publicEndpoint).toBe(`https://${master1.publicIp}:6443`);
    expect(cluster.apiServerEndpoints).toHaveLength(3);
    expect(cluster.hosts).toHaveLength(cluster.plan.hosts.length);
    expect(cluster.plannedPortableSubnets.map((p) => p.cidr)).toEqual(cluster.plan.portableSubnets.map((p) => p.cidr));
    const provider = registered.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "lab-k8s")!;
    expect(provider).toBeDefined();
  });

  test("workers get the systemd cgroup driver from their host's traits", async () => {
    // A bundle's files travel base64-encoded inside heredocs.
    const files = (stdin: string) => [...stdin.matchAll(/<<'(KEELSON_EOF_\d+)'\n([\s\S]*?)\n\1/g)].map((m) => Buffer.from(m[2], "base64").toString("utf8")).join("\n");
    const node = cluster.workers!.nodes[0];
    expect(files(await resolve(node.kubelet.stdin as pulumi.Output<string>))).toContain("cgroupDriver: systemd");
    expect(files(await resolve(node.containerd.stdin as pulumi.Output<string>))).toContain("SystemdCgroup = true");
  });

  test("a pool's taints travel with its hosts' specs to the node identity (the classic example has a tainted pool)", () => {
    const plan = planCluster(loadExample("classic"));
    const hostSpec = toHostSpec(plan.hosts.find((h) => h.taints.length > 0)!);
    expect(hostSpec.taints).toEqual([{ key: "dedicated", value: "database", effect: "NoSchedule" }]);
    const host: ProvisionedHost = { spec: hostSpec, connection: { host: hostSpec.privateIp, user: "root", privateKey: "k" }, ready: undefined as unknown as pulumi.Resource, instance: "i", traits: { cgroupVersion: 2, systemdCgroups: true } };
    expect(nodeIdentity(host).taints).toEqual(hostSpec.taints);
    expect(() => nodeIdentity({ ...host, spec: { ...hostSpec, role: "master" } })).toThrow("is a master");
  });
});

describe("a Cluster without a driver", () => {
  test("is the model alone: asking it for a kubeconfig or provider says why there is none", () => {
    const cluster = new Cluster("model", { spec: loadExample("classic") });
    expect(cluster.controlPlane).toBeUndefined();
    expect(() => cluster.provider).toThrow("Cluster ");
    expect(() => cluster.kubeconfig).toThrow("give the Cluster a driver");
  });
});

describe("layer projections", () => {
  const spec = loadExample("lab");
  const host = (name: string, zone: string, ip: string, publicIp?: string): ProvisionedHost => ({
    spec: { name, role: "master", zone, flavor: "lab.v2x2", hardware: "virtual", cpu: 2, memoryMiB: 2048, privateSegment: `${zone}-private`, privateIp: ip, ...(publicIp ? { publicSegment: `${zone}-public`, publicIp } : {}), labels: {}, taints: [] },
    connection: { host: ip, user: "root", privateKey: "k" },
    ready: undefined as unknown as pulumi.Resource,
    instance: "i",
    traits: { cgroupVersion: 1, systemdCgroups: false },
  });
  const masters = [host("m1", "z1", "10.0.1.4", "10.1.1.4"), host("m2", "z2", "10.0.2.4"), host("m3", "z3", "10.0.3.4")];

  test("service endpoints on master 1, as the spec enables them", () => {
    expect(controlPlaneInputs(spec, masters, 6443).endpoints).toEqual({ private: { host: "10.0.1.4", port: 6443 }, public: { host: "10.1.1.4", port: 6443 } });
    const privateOnly = { ...spec, serviceEndpoints: { ...spec.serviceEndpoints, public: false } };
    expect(controlPlaneInputs(privateOnly, masters, 7443).endpoints).toEqual({ private: { host: "10.0.1.4", port: 7443 } });
    expect(controlPlaneInputs(spec, masters, 6443).kubernetesVersion).toBe(`v${spec.kubernetesVersion}`);
    expect(() => controlPlaneInputs(spec, [], 6443)).toThrow("no master hosts");
  });

  test("nodes: the master proxy on the apiservers' port, VXLAN cross-subnet from the spec", () => {
    const s = nodeClusterSpec(spec, { clusterDomain: "cluster.local", apiServerPort: 6443, kubernetesVersion: "v1.36.3", apiServerEndpoints: ["https://10.0.1.4:6443"] }, { pause: "p", coredns: "c" });
    expect(s.masterProxyPort).toBe(6443);
    expect(s.podNetwork).toEqual({ crossSubnet: spec.network.calico.crossSubnet, vxlanPort: 8472, vni: 1 });
    expect(s.podSubnet).toBe(spec.network.podSubnet);
  });

  test("one CoreDNS replica per zone with workers", () => {
    expect(coreDnsReplicas([masters[0], masters[0]])).toBe(1);
    expect(coreDnsReplicas(masters)).toBe(3);
    expect(coreDnsReplicas([])).toBe(1);
  });
});
