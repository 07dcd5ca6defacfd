// The worker layer of a cluster: RBAC for the node agents, one NodeBootstrap per
// worker host, and the cluster add-ons nodes make useful (CoreDNS).
//
// Manifests are applied with kubectl through a master: the upstream
// kubernetes provider cannot be built offline (docs/toolchain.md); with it,
// the same manifests could go through @pulumi/kubernetes unchanged.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ProvisionedHost } from "../infra/driver";
import type { ArtifactSource } from "../bootstrap/artifacts";
import type { ImageBundle } from "../bootstrap/images";
import type { ClusterPki } from "../pki/clusterPki";
import { kubeletProfile, nodeAgentProfile } from "../pki/profiles";
import { FLANNEL_USER, coreDnsManifests, nodeAgentsRbac } from "./render/addons";
import type { NodeOptions } from "./render/bundles";
import { validateNodeClusterSpec, validateNodeIdentity, type NodeClusterSpec, type NodeIdentity } from "./render/spec";
import { NodeBootstrap, adminKubectl } from "./nodeBootstrap";

export interface WorkerNodesArgs {
  spec: NodeClusterSpec;
  nodes: { host: ProvisionedHost; identity: NodeIdentity }[];
  pki: ClusterPki;
  /** Depend on this to run after the control plane is up. */
  controlPlaneReady: pulumi.Resource;
  /** The master hosts; cluster-side steps run through the first. */
  masters: ProvisionedHost[];
  artifacts: ArtifactSource;
  images: ImageBundle;
  options: NodeOptions;
  /** CoreDNS replicas spread over these zones (one replica per zone). */
  zones: string[];
}

export class WorkerNodes extends pulumi.ComponentResource {
  readonly nodes: NodeBootstrap[];
  readonly coreDns?: command.remote.Command;
  /** The names of the nodes this layer made Ready. */
  readonly nodeNames: string[];

  constructor(name: string, args: WorkerNodesArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything is validated before the first resource is registered.
    const spec = validateNodeClusterSpec(args.spec);
    args.nodes.forEach((n, i) => validateNodeIdentity(n.identity, spec, `workers.nodes[${i}]`));
    if (args.masters.length === 0) throw new Error("workers.masters: at least one master host is required");
    super("keelson:workers:WorkerNodes", name, { nodes: args.nodes.map((n) => n.identity.name) }, opts);
    const admin = args.masters[0];
    const pki = args.pki;

    const rbac = new command.remote.Command(
      `${name}-node-agents-rbac`,
      { connection: admin.connection, create: adminKubectl("apply -f -"), stdin: nodeAgentsRbac() },
      { parent: this, dependsOn: [args.controlPlaneReady] },
    );
    const flannelCert = pki.issue(nodeAgentProfile("flannel", FLANNEL_USER), { parent: this });
    const kubeProxyCert = pki.certs["kube-proxy"];
    if (!kubeProxyCert) throw new Error("workers: the cluster PKI has no kube-proxy certificate");
    const shared = pulumi.all([pki.cas["kubernetes-ca"].certPem, kubeProxyCert.certPem, kubeProxyCert.keyPem, flannelCert.certPem, flannelCert.keyPem]);

    this.nodes = args.nodes.map(({ host, identity }) => {
      const ips = [identity.privateIp, ...(identity.publicIp ? [identity.publicIp] : [])];
      const kubeletCert = pki.issue(kubeletProfile(identity.name, ips), { parent: this });
      const pems = pulumi.all([shared, kubeletCert.certPem, kubeletCert.keyPem]).apply(([[ca, kpCert, kpKey, flCert, flKey], kCert, kKey]) => ({
        kubernetesCaCert: ca,
        kubelet: { certPem: kCert, keyPem: kKey },
        kubeProxy: { certPem: kpCert, keyPem: kpKey },
        flannel: { certPem: flCert, keyPem: flKey },
      }));
      return new NodeBootstrap(
        `${name}-${identity.name}`,
        { spec, node: identity, host, pems, options: args.options, artifacts: args.artifacts, images: args.images, controlPlaneReady: rbac, admin },
        { parent: this },
      );
    });
    this.nodeNames = args.nodes.map((n) => n.identity.name);

    if (this.nodes.length > 0) {
      const replicas = Math.max(1, Math.min(args.zones.length, this.nodes.length));
      this.coreDns = new command.remote.Command(
        `${name}-coredns`,
        {
          connection: admin.connection,
          create: [adminKubectl("apply -f -"), adminKubectl("-n kube-system rollout status deployment/coredns --timeout=300s")].join(" && "),
          stdin: coreDnsManifests(spec, { replicas }),
        },
        { parent: this, dependsOn: this.nodes.map((n) => n.ready) },
      );
    }
    this.registerOutputs({ nodes: this.nodeNames });
  }
}
