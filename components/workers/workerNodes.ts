// The worker layer of a cluster: one NodeBootstrap per worker host, with the
// certificates the node agents need. The add-ons that make nodes useful
// (CoreDNS, the node agents' RBAC) are components/addons/, through the cluster's
// Kubernetes provider.
import * as pulumi from "@pulumi/pulumi";
import type { ProvisionedHost } from "../infra/driver";
import type { ArtifactSource } from "../bootstrap/artifacts";
import type { ImageBundle } from "../bootstrap/images";
import type { ClusterPki } from "../pki/clusterPki";
import { kubeletProfile, nodeAgentProfile } from "../pki/profiles";
import { nodeIdentity, nodeOptionsFor } from "./nodeInputs";
import { FLANNEL_USER } from "./render/podNetwork";
import { KUBE_ROUTER_USER } from "./render/networkPolicy";
import { validateNodeClusterSpec, validateNodeIdentity, type NodeClusterSpec } from "./render/spec";
import { NodeBootstrap } from "./nodeBootstrap";

export interface WorkerNodesArgs {
  spec: NodeClusterSpec;
  /** The worker hosts, each to become a node. */
  hosts: ProvisionedHost[];
  pki: ClusterPki;
  /** The control plane is up and the node agents' RBAC is in place. */
  controlPlaneReady: pulumi.Resource[];
  /** The master hosts; cluster-side steps run through the first. */
  masters: ProvisionedHost[];
  artifacts: ArtifactSource;
  images: ImageBundle;
  /** Each worker's maintenance key and reload generation, by host name (render/maintenance.ts). */
  maintenance: ReadonlyMap<string, { key: string; reload: string }>;
}

export class WorkerNodes extends pulumi.ComponentResource {
  readonly nodes: NodeBootstrap[];
  /** The names of the nodes this layer made Ready. */
  readonly nodeNames: string[];

  constructor(name: string, args: WorkerNodesArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything is validated before the first resource is registered.
    const spec = validateNodeClusterSpec(args.spec);
    const nodes = args.hosts.map((host, i) => ({ host, identity: validateNodeIdentity(nodeIdentity(host), spec, `workers.hosts[${i}]`) }));
    if (args.masters.length === 0) throw new Error("workers.masters: at least one master host is required");
    for (const n of nodes) if (!args.maintenance.has(n.identity.name)) throw new Error(`workers.maintenance: no key for worker ${n.identity.name}`);
    super("keelson:workers:WorkerNodes", name, { nodes: nodes.map((n) => n.identity.name) }, opts);
    const admin = args.masters[0];
    const pki = args.pki;

    const flannelCert = pki.issue(nodeAgentProfile("flannel", FLANNEL_USER), { parent: this });
    const kubeRouterCert = pki.issue(nodeAgentProfile("kube-router", KUBE_ROUTER_USER), { parent: this });
    const kubeProxyCert = pki.certs["kube-proxy"];
    if (!kubeProxyCert) throw new Error("workers: the cluster PKI has no kube-proxy certificate");
    const shared = pulumi.all([pki.cas["kubernetes-ca"].certPem, kubeProxyCert.certPem, kubeProxyCert.keyPem, flannelCert.certPem, flannelCert.keyPem, kubeRouterCert.certPem, kubeRouterCert.keyPem]);

    this.nodes = nodes.map(({ host, identity }) => {
      const ips = [identity.privateIp, ...(identity.publicIp ? [identity.publicIp] : [])];
      const kubeletCert = pki.issue(kubeletProfile(identity.name, ips), { parent: this });
      const pems = pulumi.all([shared, kubeletCert.certPem, kubeletCert.keyPem]).apply(([[ca, kpCert, kpKey, flCert, flKey, krCert, krKey], kCert, kKey]) => ({
        kubernetesCaCert: ca,
        kubelet: { certPem: kCert, keyPem: kKey },
        kubeProxy: { certPem: kpCert, keyPem: kpKey },
        flannel: { certPem: flCert, keyPem: flKey },
        kubeRouter: { certPem: krCert, keyPem: krKey },
      }));
      return new NodeBootstrap(
        `${name}-${identity.name}`,
        {
          spec,
          node: identity,
          host,
          pems,
          options: nodeOptionsFor(host.traits),
          artifacts: args.artifacts,
          images: args.images,
          controlPlaneReady: args.controlPlaneReady,
          admin,
          maintenance: args.maintenance.get(identity.name)!,
        },
        { parent: this },
      );
    });
    this.nodeNames = nodes.map((n) => n.identity.name);

    this.registerOutputs({ nodes: this.nodeNames });
  }
}
