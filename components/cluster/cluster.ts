// The Cluster: the whole IKS-style cluster from a validated spec, in the
// layers Cluster API made standard, each given a projection of the plan
// (layers.ts):
//
//   infrastructure   the driver's network and hosts (the model tree below)
//   control plane    etcd, kube-apiserver, controller-manager, scheduler on the masters
//   worker nodes     containerd, master proxy, kubelet, kube-proxy, pod network
//   add-ons          RBAC, CoreDNS: @pulumi/kubernetes resources through the cluster's provider
//
// The model tree:
//
//   Cluster
//   ├── Account
//   ├── Zone (one per zone)
//   │   ├── Vlan private / public         (classic, lab, ssh)   or  VpcSubnet (vpc)
//   │   │   └── PortableSubnet            (the default /29 and user subnets routed on that VLAN)
//   │   ├── IngressAlb public / private
//   │   ├── LoadBalancer                  (each with its permanent portable IP)
//   │   └── MasterReplica                 (one per zone, or three in a single zone)
//   ├── WorkerPool
//   │   └── Worker                        (sizePerZone per zone)
//   └── CalicoPolicy
//
// With an InfrastructureDriver the cluster asks it for the network and for a
// host per MasterReplica and Worker, and builds Kubernetes on them; without one
// the tree is the model alone (no hosts, no Kubernetes).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterRbac } from "../addons/clusterRbac";
import { CoreDns } from "../addons/coreDns";
import { IngressAlbs } from "../addons/ingressAlbs";
import { Metallb } from "../addons/metallb";
import { NetworkPolicies } from "../addons/networkPolicies";
import { describeEnforcement, enforcementOf, policiesInForce, type Enforcement } from "../model/networkPolicy";
import { parseManifest } from "../addons/render/objects";
import { defaultArtifacts, type ArtifactSource } from "../bootstrap/artifacts";
import { ImageBundle, defaultImagesDir } from "../bootstrap/images";
import { ControlPlane, type BackupInfo } from "../control/controlPlane";
import { DEFAULTS as CONTROL_PLANE_DEFAULTS } from "../control/render/spec";
import type { InfrastructureDriver, ProvisionedHost, ProvisionedNetwork } from "../infra/driver";
import { renderCalicoPolicy } from "../model/calico";
import { planCluster, type Plan } from "../model/plan";
import type { ClusterSpec } from "../model/spec";
import { toHostSpec, toNetworkSpec } from "../model/to-driver";
import { CalicoPolicy } from "../network/calicoPolicy";
import { IngressAlb } from "../network/ingressAlb";
import { LoadBalancer } from "../network/loadBalancer";
import { PortableSubnet } from "../network/portableSubnet";
import { Vlan } from "../network/vlan";
import { VpcSubnet } from "../network/vpcSubnet";
import { Zone } from "../network/zone";
import { TOKENS, type ClusterProps } from "../types";
import { NodeDrain } from "../workers/nodeDrain";
import { drainScript, drainTimeoutSeconds, poolTurns } from "../workers/render/maintenance";
import { WorkerNodes } from "../workers/workerNodes";
import { WorkerPool } from "../workers/workerPool";
import { Account } from "./account";
import type { HostSeam } from "./hostSeam";
import { coreDnsReplicas, controlPlaneInputs, metallbSpec, nodeClusterSpec } from "./layers";
import { MasterReplica } from "./masterReplica";

export interface ClusterArgs {
  /** A spec from parseSpec (already validated). */
  spec: ClusterSpec;
  /** Builds the network and hosts; omit it for a model without hosts. Its kind must match spec.infrastructure.kind. */
  driver?: InfrastructureDriver;
  /** Where hosts get their binaries; default: the local mirror the toolchain builds (components/versions.json). */
  artifacts?: ArtifactSource;
  /** The images nodes run; default: the bundle in KEELSON_IMAGES_DIR or <cache>/images. */
  images?: ImageBundle;
}

/** One host, as the plan has it: what `hosts` lists. */
export interface ClusterHostSummary {
  name: string;
  role: "master" | "worker";
  zone: string;
  pool: string | null;
  privateIp: string;
  publicIp: string | null;
}

/** One portable subnet and how its addresses are used. */
export interface ClusterPortableSubnetSummary {
  zone: string;
  network: "public" | "private";
  cidr: string;
  alb: string | null;
  loadBalancers: string[];
}

export function clusterProps(spec: ClusterSpec): ClusterProps {
  return {
    clusterName: spec.name,
    accountId: spec.account.id,
    region: spec.region,
    zones: spec.zones,
    kubernetesVersion: spec.kubernetesVersion,
    infrastructure: spec.infrastructure.kind,
    privateOnly: spec.privateOnly,
    podSubnet: spec.network.podSubnet,
    serviceSubnet: spec.network.serviceSubnet,
    serviceEndpoints: spec.serviceEndpoints,
    apiserver: spec.apiserver,
    calico: {
      encapsulation: spec.network.calico.encapsulation,
      crossSubnet: spec.network.calico.crossSubnet,
      natOutgoing: spec.network.calico.natOutgoing,
    },
  };
}

export class Cluster extends pulumi.ComponentResource {
  readonly spec: ClusterSpec;
  readonly plan: Plan;
  readonly account: Account;
  readonly zones: Zone[];
  readonly vlans: Vlan[];
  readonly vpcSubnets: VpcSubnet[];
  readonly portableSubnets: PortableSubnet[];
  readonly albs: IngressAlb[];
  readonly loadBalancers: LoadBalancer[];
  readonly masters: MasterReplica[];
  readonly workerPools: WorkerPool[];
  readonly calicoPolicies: CalicoPolicy[];
  /** What enforces each of the spec's policies, and where (the stack output `networkPolicies`). */
  readonly networkPolicies: { policy: string; became: string; where: string }[];
  /** Present when a driver was given. */
  readonly network?: ProvisionedNetwork;
  /** The layers on the hosts: present when a driver was given. */
  readonly controlPlane?: ControlPlane;
  readonly workers?: WorkerNodes;
  readonly addons?: { rbac: ClusterRbac; coreDns?: CoreDns; metallb?: Metallb; albs?: IngressAlbs; networkPolicies?: NetworkPolicies };
  /** Every host of the plan, with its zone, pool and addresses. */
  readonly hosts: ClusterHostSummary[];
  /** Every portable subnet of the plan, with its ALB and LoadBalancer addresses. */
  readonly plannedPortableSubnets: ClusterPortableSubnetSummary[];
  /** The spec's LoadBalancers and the portable IP each holds (`namespace/name`, zone, network, ip). */
  readonly plannedLoadBalancers: { service: string; zone: string; network: "public" | "private"; ip: string }[];
  /** https://<private IP>:<port> of the private service endpoint, if enabled. */
  readonly privateEndpoint?: string;
  /** https://<public IP>:<port> of the public service endpoint, if enabled. */
  readonly publicEndpoint?: string;
  /** Every master's apiserver (what each node's master proxy balances over). */
  readonly apiServerEndpoints: string[];
  /** The names of the cluster's nodes. */
  readonly nodeNames: string[];
  /** The private key of the SSH key the driver made for the hosts, if it made one (a secret). */
  readonly sshPrivateKey?: pulumi.Output<string>;
  /** Backups: where they are collected and the masters that take them (with a driver, unless backups are off). */
  readonly backup?: pulumi.Output<BackupInfo>;
  /** The age identity that decrypts the backups (a secret): keep a copy outside the stack. */
  readonly backupIdentity?: pulumi.Output<string>;
  /** With a backup target: the public key to authorize there (the masters copy every backup with it). */
  readonly backupTargetPublicKey?: pulumi.Output<string>;
  private readonly _kubeconfig?: pulumi.Output<string>;
  private readonly _provider?: k8s.Provider;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const { spec, driver } = args;
    if (driver && driver.kind !== spec.infrastructure.kind) {
      throw new Error(`Cluster ${name}: the ${driver.kind} driver cannot build a cluster whose infrastructure.kind is ${spec.infrastructure.kind}`);
    }
    super(TOKENS.Cluster, name, clusterProps(spec), opts);
    this.spec = spec;
    const plan = (this.plan = planCluster(spec));
    const child = { parent: this };

    this.account = new Account(`${name}-account`, { accountId: spec.account.id, ...(spec.account.name ? { accountName: spec.account.name } : {}), region: spec.region }, child);
    this.network = driver?.network(toNetworkSpec(plan), child);
    const seam: HostSeam | undefined = driver && this.network ? { driver, network: this.network } : undefined;

    this.zones = [];
    this.vlans = [];
    this.vpcSubnets = [];
    this.portableSubnets = [];
    this.albs = [];
    this.loadBalancers = [];
    this.masters = [];
    // Masters are created, and above all replaced, one at a time: master k+1's host
    // waits until master k's etcd member is up (and, after a replacement, has
    // rejoined, caught up and serves the API again). A spec change that replaces
    // every master host (a new flavor) therefore rolls through them and the
    // cluster never loses quorum. The gates resolve once the control plane exists.
    const plannedMasters = plan.hosts.filter((h) => h.role === "master").sort((a, b) => a.index - b.index);
    const memberGates = new Map(plannedMasters.map((h) => [h.name, deferred<pulumi.Resource>()]));
    const gateBefore = (hostName: string): pulumi.Input<pulumi.Resource>[] => {
      const k = plannedMasters.findIndex((h) => h.name === hostName);
      return seam && k > 0 ? [memberGates.get(plannedMasters[k - 1].name)!.promise] : [];
    };
    for (const z of plan.zones) {
      const zone = new Zone(`${name}-${z.name}`, { zone: z.name, region: spec.region }, child);
      this.zones.push(zone);
      const inZone = { parent: zone };
      for (const seg of plan.segments.filter((s) => s.zone === z.name)) {
        let segParent: pulumi.Resource;
        if (seg.kind === "vlan") {
          const vlan = new Vlan(
            `${name}-${seg.name}`,
            { zone: z.name, network: seg.network, ...(seg.vlanId !== null ? { vlanId: seg.vlanId } : {}), primaryCidr: seg.primaryCidr },
            { gatewayIp: seg.gatewayIp },
            inZone,
          );
          this.vlans.push(vlan);
          segParent = vlan;
        } else {
          const subnet = new VpcSubnet(`${name}-${seg.name}`, { zone: z.name, cidr: seg.primaryCidr, publicGateway: seg.publicGateway }, inZone);
          this.vpcSubnets.push(subnet);
          segParent = subnet;
        }
        for (const p of plan.portableSubnets.filter((ps) => ps.segment === seg.name)) {
          this.portableSubnets.push(
            new PortableSubnet(
              `${name}-portable-${p.cidr.replace(/[./]/g, "-")}`,
              {
                zone: p.zone,
                network: p.network,
                cidr: p.cidr,
                size: p.size,
                reserved: p.reserved,
                albIps: p.alb ? [p.alb] : [],
                loadBalancerIps: p.loadBalancers,
                userProvided: p.userProvided,
              },
              { parent: segParent },
            ),
          );
        }
      }
      for (const a of plan.albs.filter((alb) => alb.zone === z.name)) {
        // On VPC the ALB's address comes from a VPC load balancer, not from the plan: ip is "".
        this.albs.push(new IngressAlb(a.name, { zone: a.zone, network: a.network, enabled: a.enabled, ip: a.ip ?? "" }, inZone));
      }
      for (const lb of plan.loadBalancers.filter((l) => l.zone === z.name)) {
        this.loadBalancers.push(
          new LoadBalancer(`${name}-lb-${lb.namespace}-${lb.name}`, { zone: lb.zone, network: lb.network, ip: lb.ip, serviceName: `${lb.namespace}/${lb.name}` }, inZone),
        );
      }
      for (const h of plan.hosts.filter((host) => host.role === "master" && host.zone === z.name)) {
        this.masters.push(
          new MasterReplica(
            h.name,
            { zone: h.zone, index: h.index, hostName: h.name, privateIp: h.privateIp, ...(h.publicIp ? { publicIp: h.publicIp } : {}), kubernetesVersion: spec.kubernetesVersion },
            { hostSpec: toHostSpec(h), seam, after: gateBefore(h.name) },
            inZone,
          ),
        );
      }
    }
    this.masters.sort((a, b) => a.hostSpec.name.localeCompare(b.hostSpec.name));

    // Every worker is drained before its host changes machine or is reloaded, and
    // a pool's workers take turns (workers/nodeDrain.ts, render/maintenance.ts).
    const plannedWorkers = plan.hosts.filter((h) => h.role === "worker");
    const turns = poolTurns(plannedWorkers.map((h) => ({ node: h.name, pool: h.pool ?? "", machineKey: seam ? seam.driver.machineKey(toHostSpec(h)) : "", reload: h.reload })));
    const masterConnections = this.masters.flatMap((m) => (m.host ? [m.host.connection] : []));
    const drains = new Map<string, NodeDrain>();
    if (seam && masterConnections.length > 0) {
      for (const h of plannedWorkers) {
        const t = turns.get(h.name)!;
        drains.set(
          h.name,
          new NodeDrain(
            `${h.name}-drain`,
            { node: h.name, key: t.self.key, script: drainScript(t.self, t.earlier), masters: masterConnections, timeoutSeconds: drainTimeoutSeconds(t.earlier.length) },
            child,
          ),
        );
      }
    }

    this.workerPools = spec.workerPools.map(
      (pool) =>
        new WorkerPool(
          `${name}-${pool.name}`,
          {
            poolName: pool.name,
            flavor: pool.flavor,
            hardware: pool.hardware,
            isolation: pool.isolation,
            sizePerZone: pool.sizePerZone,
            zones: pool.zones,
            labels: pool.labels,
            taints: pool.taints,
            kubernetesVersion: spec.kubernetesVersion,
          },
          { hosts: plan.hosts.filter((h) => h.role === "worker" && h.pool === pool.name), seam, after: (host) => (drains.has(host) ? [drains.get(host)!] : []) },
          child,
        ),
    );

    this.calicoPolicies = spec.network.calico.policies.map(
      (p) =>
        new CalicoPolicy(
          `${name}-calico-${p.scope === "global" ? "global" : p.namespace}-${p.name}`,
          { scope: p.scope, ...(p.namespace ? { namespace: p.namespace } : {}), ...(p.order !== undefined ? { order: p.order } : {}), preDnat: p.preDnat, selector: p.selector },
          { manifest: renderCalicoPolicy(p) },
          child,
        ),
    );

    // The plan has refused every policy the engine cannot enforce faithfully (model/rules.ts).
    // IKS's default host policies come first (unless turned off), as every worker takes them.
    const enforcements: Enforcement[] = policiesInForce(spec.network.calico, spec.network.podSubnet).map((p, i) => {
      const e = enforcementOf(p, i);
      if (!e.enforcement) throw new Error(`${e.problems.map((x) => `${x.path}: ${x.message}`).join("; ")}`);
      return e.enforcement;
    });
    this.networkPolicies = enforcements.map(describeEnforcement);

    this.hosts = plan.hosts.map((h) => ({ name: h.name, role: h.role, zone: h.zone, pool: h.pool, privateIp: h.privateIp, publicIp: h.publicIp }));
    this.plannedLoadBalancers = plan.loadBalancers.map((l) => ({ service: `${l.namespace}/${l.name}`, zone: l.zone, network: l.network, ip: l.ip }));
    this.plannedPortableSubnets = plan.portableSubnets.map((p) => ({ zone: p.zone, network: p.network, cidr: p.cidr, alb: p.alb, loadBalancers: p.loadBalancers }));
    this.apiServerEndpoints = [];
    this.nodeNames = [];
    this.sshPrivateKey = driver?.sshPrivateKey;

    const masters = this.masterHosts();
    if (driver && masters.length > 0) {
      const artifacts = args.artifacts ?? defaultArtifacts(spec.kubernetesVersion);
      const controlPlane = (this.controlPlane = new ControlPlane(
        "control-plane",
        {
          ...controlPlaneInputs(spec, masters, CONTROL_PLANE_DEFAULTS.apiServerPort),
          artifacts,
          // Each worker's kubelet may have a serving certificate for its own name and addresses only.
          kubeletServingNodes: this.workerHosts().map((h) => ({ name: h.spec.name, ips: [h.spec.privateIp, ...(h.spec.publicIp ? [h.spec.publicIp] : [])] })),
        },
        child,
      ));
      controlPlane.replicas.forEach((r, i) => memberGates.get(controlPlane.spec.masters[i].name)?.resolve(r.memberReady));
      this.apiServerEndpoints = controlPlane.apiServerEndpoints;
      this.backup = controlPlane.backupInfo;
      this.backupIdentity = controlPlane.backupIdentity;
      this.backupTargetPublicKey = controlPlane.backupTargetPublicKey;
      this.privateEndpoint = controlPlane.privateEndpoint;
      this.publicEndpoint = controlPlane.publicEndpoint;

      // Keelson's own add-ons go through a provider that is usable as soon as the API is.
      // Its kubeconfig is known at preview (PKI only) and the wait is a dependsOn, so
      // replacing a host never replaces the provider, and with it every add-on.
      const bootstrap = new k8s.Provider(`${name}-bootstrap`, { kubeconfig: controlPlane.adminKubeconfig }, { ...child, dependsOn: [controlPlane.ready] });
      const rbac = new ClusterRbac(`${name}-rbac`, { provider: bootstrap }, child);

      const workerHosts = this.workerHosts();
      // The API answers and the RBAC nodes and kubectl logs/exec need is in place.
      const apiReady: pulumi.Resource[] = [controlPlane.ready, ...rbac.objects];
      // Pod policies are in force before the users' provider hands out the cluster,
      // so an app never runs a moment without the policies that select it.
      const podPolicies = enforcements.flatMap((e) => (e.as === "NetworkPolicy" ? [e.object] : []));
      const networkPolicies =
        podPolicies.length > 0
          ? new NetworkPolicies(`${name}-netpol`, { policies: podPolicies, provider: bootstrap, dependsOn: apiReady }, child)
          : undefined;
      let ready = [...apiReady, ...(networkPolicies?.objects ?? [])];
      let coreDns: CoreDns | undefined;
      let metallb: Metallb | undefined;
      let albs: IngressAlbs | undefined;
      if (workerHosts.length > 0) {
        const images = args.images ?? new ImageBundle(defaultImagesDir());
        const nodeSpec = nodeClusterSpec(spec, { ...controlPlane.spec, apiServerEndpoints: controlPlane.apiServerEndpoints }, { pause: images.ref("pause"), coredns: images.ref("coredns") });
        const workers = (this.workers = new WorkerNodes(
          "workers",
          {
            spec: nodeSpec,
            hosts: workerHosts,
            pki: controlPlane.pki,
            controlPlaneReady: apiReady,
            masters,
            artifacts,
            images,
            maintenance: new Map(plannedWorkers.map((h) => [h.name, { key: turns.get(h.name)!.self.key, reload: h.reload }])),
          },
          child,
        ));
        this.nodeNames = workers.nodeNames;
        coreDns = new CoreDns(
          `${name}-coredns`,
          { spec: nodeSpec, options: { replicas: coreDnsReplicas(workerHosts) }, provider: bootstrap, dependsOn: workers.nodes.map((n) => n.ready) },
          child,
        );
        ready = [...workers.nodes.map((n) => n.ready), ...coreDns.objects, ...(networkPolicies?.objects ?? [])];
        // LoadBalancers on the portable IPs (none on VPC, where VPC load balancers front Services).
        const lbSpec = metallbSpec(plan, { controller: images.ref("metallb-controller"), speaker: images.ref("metallb-speaker") });
        if (lbSpec.pools.length > 0) {
          metallb = new Metallb(
            `${name}-metallb`,
            {
              spec: lbSpec,
              manifest: parseManifest(images.manifest("metallb"), `${images.dir}: the metallb manifest`),
              loadBalancers: plan.loadBalancers,
              provider: bootstrap,
              dependsOn: workers.nodes.map((n) => n.ready),
            },
            child,
          );
          ready = [...ready, ...metallb.objects];
          albs = new IngressAlbs(
            `${name}-albs`,
            { spec: { image: images.ref("traefik"), albs: plan.albs, rbac: parseManifest(images.manifest("traefik-rbac"), `${images.dir}: the traefik RBAC manifest`) }, provider: bootstrap, dependsOn: metallb.objects },
            child,
          );
        }
      }
      this.addons = { rbac, ...(coreDns ? { coreDns } : {}), ...(metallb ? { metallb } : {}), ...(albs ? { albs } : {}), ...(networkPolicies ? { networkPolicies } : {}) };
      this._kubeconfig = controlPlane.adminKubeconfig;
      // The users' provider waits until the cluster is whole (nodes Ready, DNS
      // answering), so their resources never race the cluster's bootstrap.
      this._provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this._kubeconfig }, { ...child, dependsOn: ready });
    }

    // Never leave a host waiting on a gate no control plane will open (it would hang the program).
    for (const m of this.masters) if (m.host) memberGates.get(m.hostSpec.name)?.resolve(m.host.ready);

    this.registerOutputs({
      clusterName: spec.name,
      zones: spec.zones,
      masters: plan.hosts.filter((h) => h.role === "master").map((h) => ({ name: h.name, zone: h.zone, privateIp: h.privateIp })),
      workers: plan.hosts.filter((h) => h.role === "worker").length,
      portableSubnets: plan.portableSubnets.map((p) => p.cidr),
    });
  }

  /** The admin kubeconfig (a secret). Only with a driver. Deploy through `provider`, which waits for the cluster to be whole. */
  get kubeconfig(): pulumi.Output<string> {
    if (!this._kubeconfig) throw new Error(`Cluster ${this.spec.name}: no kubeconfig without hosts (give the Cluster a driver)`);
    return this._kubeconfig;
  }

  /** A Kubernetes provider for the cluster: `{ provider: cluster.provider }` deploys onto it. Only with a driver. */
  get provider(): k8s.Provider {
    if (!this._provider) throw new Error(`Cluster ${this.spec.name}: no Kubernetes provider without hosts (give the Cluster a driver)`);
    return this._provider;
  }

  /** The master hosts (with a driver), for the control plane layer. */
  masterHosts(): ProvisionedHost[] {
    return this.masters.flatMap((m) => (m.host ? [m.host] : []));
  }

  /** The worker hosts (with a driver), for the bootstrap layer. */
  workerHosts(): ProvisionedHost[] {
    return this.workerPools.flatMap((p) => p.workers.flatMap((w) => (w.host ? [w.host] : [])));
  }
}

/** A promise resolved later, from outside: what a host waits on before the resource that opens it exists. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
