// The component tree of each example stack, under Pulumi mocks: how many of
// each type, who parents whom, which zone each piece is in, and the props each
// component records for policies. A driver of the wrong kind is refused
// (the whole cluster on a driver: test/unit/cluster/cluster-layers.test.ts).
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "../../../components/cluster/cluster";
import type { HostSpec, InfrastructureDriver, NetworkSpec, ProvisionedHost, ProvisionedNetwork } from "../../../components/infra/driver";
import { TOKENS } from "../../../components/types";
import { loadExample } from "../model/load";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  custom: boolean;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? false });
      // The backup key's recipient, in the shape age makes (the masters' backup files are rendered from it).
      const state = args.type.startsWith("pulumi-nodejs:dynamic") ? { ...args.inputs, recipient: "age1" + "q".repeat(58) } : args.inputs;
      return { id: args.custom ? `${args.name}-id` : undefined, state };
    },
    call: (args) => args.inputs,
  },
  "keelson",
  "unit",
  false,
);

const resolve = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((r) => o.apply(r));
const parentOf = (r: pulumi.Resource): pulumi.Resource | undefined => (r as unknown as { __parentResource?: pulumi.Resource }).__parentResource;

/** Every component under (and including) the cluster, registered with the mock engine. */
async function build(stack: "lab" | "classic" | "vpc", driver?: InfrastructureDriver): Promise<{ cluster: Cluster; mine: Registered[] }> {
  const before = registered.length;
  const cluster = new Cluster(`${stack}`, { spec: loadExample(stack), ...(driver ? { driver } : {}) });
  const all: pulumi.Resource[] = [];
  const walk = (r: pulumi.Resource) => {
    all.push(r);
    for (const c of (r as unknown as { __childResources?: Set<pulumi.Resource> }).__childResources ?? []) walk(c);
  };
  walk(cluster);
  await Promise.all(all.map((r) => resolve(r.urn)));
  return { cluster, mine: registered.slice(before) };
}

function countByType(rs: Registered[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rs) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}

const EXPECTED_COUNTS = {
  lab: { Cluster: 1, Account: 1, Zone: 3, Vlan: 6, PortableSubnet: 6, IngressAlb: 6, LoadBalancer: 1, MasterReplica: 3, WorkerPool: 2, Worker: 4, CalicoPolicy: 1 },
  classic: { Cluster: 1, Account: 1, Zone: 3, Vlan: 6, PortableSubnet: 7, IngressAlb: 6, LoadBalancer: 3, MasterReplica: 3, WorkerPool: 2, Worker: 8, CalicoPolicy: 2 },
  vpc: { Cluster: 1, Account: 1, Zone: 1, VpcSubnet: 1, IngressAlb: 2, MasterReplica: 3, WorkerPool: 1, Worker: 3 },
} as const;

describe.each(["lab", "classic", "vpc"] as const)("%s stack component tree", (stack) => {
  let cluster: Cluster;
  let mine: Registered[];
  beforeAll(async () => {
    ({ cluster, mine } = await build(stack));
  });

  test("counts of each component type, and only Keelson types (no hosts without a driver)", () => {
    const expected = Object.fromEntries(Object.entries(EXPECTED_COUNTS[stack]).map(([k, n]) => [TOKENS[k as keyof typeof TOKENS], n]));
    expect(countByType(mine)).toEqual(expected);
    expect(mine.every((r) => !r.custom)).toBe(true);
    expect(cluster.masterHosts()).toEqual([]);
    expect(cluster.workerHosts()).toEqual([]);
  });

  test("parents: zones under the cluster, networks/ALBs/LBs/masters under their zone, portable subnets under their VLAN, workers under their pool", () => {
    expect(parentOf(cluster.account)).toBe(cluster);
    for (const z of cluster.zones) expect(parentOf(z)).toBe(cluster);
    const zoneOf = (name: string) => cluster.zones.find((z) => z.zone === name)!;
    for (const v of [...cluster.vlans, ...cluster.vpcSubnets]) expect(cluster.zones).toContain(parentOf(v));
    for (const a of cluster.albs) expect(cluster.zones).toContain(parentOf(a));
    for (const lb of cluster.loadBalancers) expect(cluster.zones).toContain(parentOf(lb));
    for (const m of cluster.masters) expect(parentOf(m)).toBe(zoneOf(m.hostSpec.zone));
    for (const p of cluster.portableSubnets) expect(cluster.vlans).toContain(parentOf(p));
    for (const pool of cluster.workerPools) {
      expect(parentOf(pool)).toBe(cluster);
      for (const w of pool.workers) expect(parentOf(w)).toBe(pool);
    }
    for (const c of cluster.calicoPolicies) expect(parentOf(c)).toBe(cluster);
  });

  test("zones: every zoned component records the zone of the thing it is in", async () => {
    const zones = new Set(cluster.plan.zones.map((z) => z.name));
    for (const r of mine.filter((x) => x.inputs.zone !== undefined)) expect(zones.has(r.inputs.zone)).toBe(true);
    // A child's recorded zone is its Zone parent's zone.
    for (const z of cluster.zones) {
      const children = [...((z as unknown as { __childResources?: Set<pulumi.Resource> }).__childResources ?? [])];
      expect(children.length).toBeGreaterThan(0);
      for (const c of children) {
        const urn = await resolve(c.urn);
        const rec = mine.find((r) => urn.endsWith(`::${r.name}`) && urn.includes(`$${r.type}::`))!;
        expect(rec.inputs.zone).toBe(z.zone);
      }
    }
    // Masters: one per zone in a multizone cluster, all three in the zone otherwise.
    const masterZones = mine.filter((r) => r.type === TOKENS.MasterReplica).map((r) => r.inputs.zone);
    expect(new Set(masterZones).size).toBe(cluster.plan.zones.length === 3 ? 3 : 1);
    // Workers are in their pool's zones.
    for (const pool of mine.filter((r) => r.type === TOKENS.WorkerPool)) {
      for (const w of mine.filter((r) => r.type === TOKENS.Worker && r.inputs.pool === pool.inputs.poolName)) expect(pool.inputs.zones).toContain(w.inputs.zone);
    }
  });

  test("recorded props follow components/types.ts and match the plan", () => {
    const c = mine.find((r) => r.type === TOKENS.Cluster)!;
    expect(c.inputs).toMatchObject({ clusterName: cluster.spec.name, zones: cluster.spec.zones, infrastructure: stack, podSubnet: "172.30.0.0/16", serviceSubnet: "172.21.0.0/16" });
    expect(Object.keys(c.inputs).sort()).toEqual(["accountId", "apiserver", "calico", "clusterName", "infrastructure", "kubernetesVersion", "podSubnet", "privateOnly", "region", "serviceEndpoints", "serviceSubnet", "zones"]);
    for (const h of cluster.plan.hosts) {
      const rec = mine.find((r) => (r.type === TOKENS.Worker || r.type === TOKENS.MasterReplica) && r.inputs.hostName === h.name)!;
      expect(rec.inputs.privateIp).toBe(h.privateIp);
      expect(rec.inputs.publicIp).toBe(h.publicIp ?? undefined);
      expect(rec.inputs.kubernetesVersion).toBe(cluster.spec.kubernetesVersion);
    }
    for (const p of mine.filter((r) => r.type === TOKENS.PortableSubnet)) {
      const planned = cluster.plan.portableSubnets.find((x) => x.cidr === p.inputs.cidr)!;
      expect(p.inputs).toEqual({ zone: planned.zone, network: planned.network, cidr: planned.cidr, size: planned.size, reserved: planned.reserved, albIps: planned.alb ? [planned.alb] : [], loadBalancerIps: planned.loadBalancers, userProvided: planned.userProvided });
    }
    for (const a of mine.filter((r) => r.type === TOKENS.IngressAlb)) {
      expect(typeof a.inputs.enabled).toBe("boolean");
      expect(a.inputs.ip).toBe(cluster.plan.albs.find((x) => x.zone === a.inputs.zone && x.network === a.inputs.network)!.ip ?? "");
    }
  });
});

describe("calico policies", () => {
  test("the lab's preDNAT policy is a GlobalNetworkPolicy with preDNAT and applyOnForward", async () => {
    const { cluster, mine } = await build("lab");
    const rec = mine.find((r) => r.type === TOKENS.CalicoPolicy)!;
    expect(rec.inputs).toEqual({ scope: "global", order: 1100, preDnat: true, selector: "ibm.role == 'worker_public'" });
    expect(cluster.calicoPolicies[0].manifest).toMatchObject({ kind: "GlobalNetworkPolicy", metadata: { name: "deny-public-nodeports" }, spec: { preDNAT: true, applyOnForward: true, types: ["Ingress"] } });
  });
});

describe("the driver seam", () => {
  class RecordingDriver implements InfrastructureDriver {
    readonly kind = "lab" as const;
    networks: NetworkSpec[] = [];
    hosts: { spec: HostSpec; parent?: pulumi.Resource }[] = [];
    network(spec: NetworkSpec, opts: pulumi.ComponentResourceOptions): ProvisionedNetwork {
      this.networks.push(spec);
      return { spec, ready: new pulumi.ComponentResource("test:lab:Network", `${spec.clusterName}-net`, {}, opts) };
    }
    machineKey(spec: HostSpec): string {
      return `${spec.flavor} ${spec.replacement ?? ""}`;
    }
    host(spec: HostSpec, _network: ProvisionedNetwork, opts: pulumi.ComponentResourceOptions): ProvisionedHost {
      this.hosts.push({ spec, parent: opts.parent });
      const ready = new pulumi.ComponentResource("test:lab:Host", spec.name, {}, opts);
      return { spec, ready, connection: { host: spec.privateIp, user: "root", privateKey: pulumi.secret("k") }, instance: "i", traits: { cgroupVersion: 2, systemdCgroups: true } };
    }
  }

  test("a driver of another kind is refused before anything is created", () => {
    const driver = new RecordingDriver();
    const before = registered.length;
    expect(() => new Cluster("mismatch", { spec: loadExample("classic"), driver })).toThrow("the lab driver cannot build a cluster whose infrastructure.kind is classic");
    expect(registered.length).toBe(before);
    expect(driver.hosts).toHaveLength(0);
  });
});
