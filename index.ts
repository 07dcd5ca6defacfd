// The Keelson stack program: stack config -> validated spec -> plan ->
// component tree on an infrastructure driver -> control plane bootstrapped on
// the master hosts -> worker nodes and cluster add-ons. `npm run up` runs it on
// the `lab` stack.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Cluster, clusterSpecFromConfig, renderDiagram } from "./components";
import { FLANNEL_VERSION, LocalMirrorSource, cacheRoot } from "./components/bootstrap/artifacts";
import { ImageBundle } from "./components/bootstrap/images";
import { ControlPlane } from "./components/control/controlPlane";
import type { InfrastructureDriver } from "./components/infra/driver";
import { LabDriver } from "./components/infra/lab";
import { WorkerNodes } from "./components/workers/workerNodes";
import { nodeOptionsFor, workerIdentities } from "./components/workers/fromSpec";

// Bad input stops here, before anything is created, with every problem listed.
const spec = clusterSpecFromConfig();
const stack = pulumi.getStack();

function driverFor(kind: string): InfrastructureDriver | undefined {
  switch (kind) {
    case "lab":
      return new LabDriver({ stack });
    default:
      // classic/vpc/ssh drivers are not written yet: the model is built without hosts.
      pulumi.log.warn(`infrastructure.kind ${kind}: no driver yet; building the model only (no hosts)`);
      return undefined;
  }
}

const driver = driverFor(spec.infrastructure.kind);
const cluster = new Cluster(spec.name, { spec, driver });

// The picture of what this stack builds: zones, VLANs, subnets, hosts, portable IPs.
const diagramFile = path.join(process.env.KEELSON_ROOT ?? process.cwd(), ".keelson", `${stack}-topology.svg`);
fs.mkdirSync(path.dirname(diagramFile), { recursive: true });
fs.writeFileSync(diagramFile, renderDiagram(cluster.plan));

const kubernetesVersion = spec.kubernetesVersion.startsWith("v") ? spec.kubernetesVersion : `v${spec.kubernetesVersion}`;
// etcd comes from Debian, flannel from its Go module (toolchain/); the runner exports where it
// put each (<cache>/<product>/<version>/bin), and the version is that folder's name.
const versionOfBin = (dir: string | undefined, fallback: string) => (dir ? path.basename(path.dirname(dir)) : fallback);
const etcdVersion = versionOfBin(process.env.KEELSON_ETCD_BIN, "v3.4.23");
const flannelVersion = versionOfBin(process.env.KEELSON_FLANNEL_BIN, FLANNEL_VERSION);
const artifacts = new LocalMirrorSource(kubernetesVersion, etcdVersion, cacheRoot(), flannelVersion);

const masters = driver ? cluster.masterHosts() : [];
const controlPlane =
  masters.length > 0
    ? new ControlPlane(
        "control-plane",
        {
          clusterName: spec.name,
          kubernetesVersion,
          serviceSubnet: spec.network.serviceSubnet,
          podSubnet: spec.network.podSubnet,
          masters,
          // What the spec asks for is what the masters run (and what the policy pack judges).
          apiserver: spec.apiserver,
          // The service endpoints the spec asks for (IKS: public and/or private), on master 1's IPs.
          endpoints: {
            ...(spec.serviceEndpoints.private ? { private: { host: masters[0].spec.privateIp, port: 6443 } } : {}),
            ...(spec.serviceEndpoints.public && masters[0].spec.publicIp ? { public: { host: masters[0].spec.publicIp, port: 6443 } } : {}),
          },
          publicAllowlist: spec.serviceEndpoints.publicAllowlist,
          artifacts,
        },
        { parent: cluster },
      )
    : undefined;

// Worker nodes: container runtime, master proxy, kubelet, kube-proxy, pod network; then CoreDNS.
const workerHosts = controlPlane ? cluster.workerHosts() : [];
const workers =
  controlPlane && workerHosts.length > 0
    ? (() => {
        const images = new ImageBundle(process.env.KEELSON_IMAGES_DIR ?? path.join(cacheRoot(), "images"));
        return new WorkerNodes(
          "workers",
          {
            spec: {
              clusterName: spec.name,
              kubernetesVersion,
              podSubnet: spec.network.podSubnet,
              serviceSubnet: spec.network.serviceSubnet,
              clusterDomain: controlPlane.spec.clusterDomain,
              apiServerEndpoints: controlPlane.apiServerEndpoints,
              masterProxyPort: controlPlane.spec.apiServerPort,
              podNetwork: { crossSubnet: spec.network.calico.crossSubnet, vxlanPort: 8472, vni: 1 },
              images: { pause: images.ref("pause"), coredns: images.ref("coredns") },
              // The lab has no resolver outside the cluster.
              upstreamDns: [],
            },
            nodes: workerIdentities(spec, workerHosts),
            pki: controlPlane.pki,
            controlPlaneReady: controlPlane.ready,
            masters,
            artifacts,
            images,
            options: nodeOptionsFor(spec.infrastructure.kind),
            zones: spec.zones,
          },
          { parent: cluster },
        );
      })()
    : undefined;

export const topologyDiagram = diagramFile;
export const hosts = cluster.plan.hosts.map((h) => ({ name: h.name, role: h.role, zone: h.zone, pool: h.pool, privateIp: h.privateIp, publicIp: h.publicIp }));
export const portableSubnets = cluster.plan.portableSubnets.map((p) => ({ zone: p.zone, network: p.network, cidr: p.cidr, alb: p.alb, loadBalancers: p.loadBalancers }));
export const kubeconfig = controlPlane?.adminKubeconfig; // a secret
export const apiServerEndpoints = controlPlane?.apiServerEndpoints;
export const privateEndpoint = controlPlane?.privateEndpoint;
export const publicEndpoint = controlPlane?.publicEndpoint;
export const nodes = workers?.nodeNames;
export const sshPrivateKey = driver instanceof LabDriver ? driver.sshKey.privateKey : undefined; // a secret
