// What Keelson runs on one worker node: binaries, the image bundle, containerd,
// the master proxy, kubelet, kube-proxy and the pod network agent, each a remote
// command whose stdin is its files (a new config re-runs, i.e. restarts, only
// that daemon), then a wait for the node to be Ready, run through a master.
//
//   (drain) ─> host.ready ─> binaries ────────────────┬─> kubelet ─> pod network ─> network policy ─┐
//                        ─> containerd ─> images ─────┤                            ├─> node Ready ─> in service (uncordon)
//   control plane ready ─> master proxy ──────────────┴─> kube-proxy ────────────────────────────────┘      └─> membership (drain on removal)
//
// The drain (nodeDrain.ts) runs before the host changes machine or is reloaded.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ProvisionedHost } from "../infra/driver";
import type { ArtifactSource } from "../bootstrap/artifacts";
import { NODE_BINARIES } from "../bootstrap/artifactPlan";
import type { ImageBundle } from "../bootstrap/images";
import { applyCommand, bundleStdin, stableCheck, waitFor } from "../bootstrap/host/commands";
import type { HostFile } from "../bootstrap/host/files";
import { hostCommand } from "../bootstrap/host/hostCommand";
import { BIN_DIR } from "../bootstrap/host/paths";
import { containerdFiles, hostPolicyFiles, kubeletFiles, kubeProxyFiles, masterProxyFiles, networkPolicyFiles, podNetworkFiles, type NodeOptions, type NodePems } from "./render/bundles";
import { nodeKubeconfig } from "./render/paths";
import { kubeletHealthCheck, kubeletServingCheck } from "./render/kubelet";
import { kubeProxyHealthCheck } from "./render/kubeProxy";
import { masterProxyCheck } from "./render/masterProxy";
import { adminKubectl, returnScript } from "./render/maintenance";
import { podNetworkReadyCheck } from "./render/podNetwork";
import { kubeRouterHealthCheck } from "./render/networkPolicy";
import { HOST_POLICY_UNIT, hostPolicyCheck } from "./render/hostPolicy";
import type { NodeClusterSpec, NodeIdentity } from "./render/spec";

export const NODE_BOOTSTRAP_TOKEN = "keelson:workers:NodeBootstrap";

export interface NodeBootstrapContext {
  spec: NodeClusterSpec;
  node: NodeIdentity;
  host: ProvisionedHost;
  pems: pulumi.Output<NodePems>;
  options: NodeOptions;
  artifacts: ArtifactSource;
  images: ImageBundle;
  /** The control plane is up (RBAC for node agents applied). */
  controlPlaneReady: pulumi.Resource[];
  /** A master to run cluster-side steps through (drain on removal). */
  admin: ProvisionedHost;
  /** The key the node has once this run is done, and its reload generation ("" until asked for). */
  maintenance: { key: string; reload: string };
}

export class NodeBootstrap extends pulumi.ComponentResource {
  readonly binaries: pulumi.Resource;
  readonly containerd: command.remote.Command;
  readonly images: command.remote.Command;
  readonly masterProxy: command.remote.Command;
  readonly kubelet: command.remote.Command;
  readonly kubeProxy: command.remote.Command;
  readonly podNetwork: command.remote.Command;
  /** kube-router's policy controller: NetworkPolicy enforced for this node's pods. */
  readonly networkPolicy: command.remote.Command;
  /** The spec's preDNAT host policies on the node's interfaces. */
  readonly hostPolicy: command.remote.Command;
  /** The node is registered and Ready. */
  readonly ready: command.remote.Command;
  /** The node back in service after a drain (uncordoned) with its maintenance key recorded. */
  readonly inService: command.remote.Command;
  /** Deleting this drains the node and removes it from the cluster. */
  readonly membership: command.remote.Command;

  constructor(name: string, ctx: NodeBootstrapContext, opts?: pulumi.ComponentResourceOptions) {
    super(NODE_BOOTSTRAP_TOKEN, name, { node: ctx.node.name, zone: ctx.node.zone, pool: ctx.node.pool }, opts);
    const { spec, node, pems, options } = ctx;
    // A reload is every step again on the same machine: the steps are tied to the
    // host's instance and, once asked for, to its reload generation.
    const host: ProvisionedHost = ctx.maintenance.reload ? { ...ctx.host, instance: pulumi.interpolate`${ctx.host.instance} reload ${ctx.maintenance.reload}` } : ctx.host;
    const child: pulumi.CustomResourceOptions = { parent: this };
    const secretStdin = (render: (p: NodePems) => HostFile[]) => pulumi.secret(pems.apply((p) => bundleStdin(render(p))));

    this.binaries = ctx.artifacts.install(`${name}-binaries`, host, NODE_BINARIES, child);
    this.containerd = hostCommand(
      `${name}-containerd`,
      host,
      { create: applyCommand("containerd", { after: waitFor("ctr version", 60, "containerd", "containerd") }), stdin: bundleStdin(containerdFiles(spec, options)) },
      child,
    );
    this.images = ctx.images.install(`${name}-images`, host, options.containerd.snapshotter, { parent: this, dependsOn: [this.containerd] });
    this.masterProxy = hostCommand(
      `${name}-master-proxy`,
      host,
      { create: applyCommand("keelson-master-proxy", { after: waitFor(masterProxyCheck(spec), 120, "keelson-master-proxy", "master proxy") }), stdin: bundleStdin(masterProxyFiles(spec)) },
      { ...child, dependsOn: ctx.controlPlaneReady },
    );
    this.kubelet = hostCommand(
      `${name}-kubelet`,
      host,
      { create: applyCommand("kubelet", { after: [waitFor(kubeletHealthCheck(), 120, "kubelet", "kubelet"), kubeletServingCheck()].join("\n") }), stdin: secretStdin((p) => kubeletFiles(spec, node, p, options)) },
      { ...child, dependsOn: [this.binaries, this.images, this.masterProxy] },
    );
    this.kubeProxy = hostCommand(
      `${name}-kube-proxy`,
      host,
      { create: applyCommand("kube-proxy", { after: waitFor(kubeProxyHealthCheck(), 90, "kube-proxy", "kube-proxy") }), stdin: secretStdin((p) => kubeProxyFiles(spec, node, p)) },
      { ...child, dependsOn: [this.binaries, this.masterProxy] },
    );
    this.podNetwork = hostCommand(
      `${name}-pod-network`,
      host,
      {
        // The node must exist (kubelet registered) for flannel to read its pod CIDR.
        create: applyCommand(["flanneld", "keelson-cni.path"], { after: [waitFor(podNetworkReadyCheck(), 120, "flanneld", "pod network"), stableCheck("flanneld")].join("\n") }),
        stdin: secretStdin((p) => podNetworkFiles(spec, node, p)),
      },
      { ...child, dependsOn: [this.binaries, this.kubelet] },
    );
    // Before the node counts as Ready for Keelson: a pod scheduled here must never
    // run a moment without the policies that select it.
    this.networkPolicy = hostCommand(
      `${name}-network-policy`,
      host,
      {
        create: applyCommand("kube-router", { after: [waitFor(kubeRouterHealthCheck(), 120, "kube-router", "network policy controller"), stableCheck("kube-router")].join("\n") }),
        stdin: secretStdin((p) => networkPolicyFiles(spec, node, p)),
      },
      { ...child, dependsOn: [this.binaries, this.podNetwork] },
    );
    // Host protections before the node is in service: no NodePort is ever open where a policy closes it.
    this.hostPolicy = hostCommand(
      `${name}-host-policy`,
      host,
      { create: applyCommand(HOST_POLICY_UNIT, { after: hostPolicyCheck() }), stdin: bundleStdin(hostPolicyFiles(spec, node)) },
      child,
    );
    // On the node, with its own credentials (the Node authorizer lets it read Node
    // objects) through its master proxy: any healthy master will do.
    this.ready = hostCommand(
      `${name}-ready`,
      host,
      { create: `${BIN_DIR}/kubectl --kubeconfig ${nodeKubeconfig("kubelet")} wait --for=condition=Ready node/${node.name} --timeout=300s` },
      { ...child, dependsOn: [this.kubelet, this.kubeProxy, this.podNetwork, this.networkPolicy, this.hostPolicy] },
    );
    // Through a master: uncordons the node if its drain (before a new machine or a
    // reload) cordoned it, and records its key, which the pool's next worker waits for.
    this.inService = new command.remote.Command(
      `${name}-in-service`,
      { connection: ctx.admin.connection, create: returnScript({ node: node.name, key: ctx.maintenance.key }), triggers: [host.instance, ctx.maintenance.key] },
      { ...child, dependsOn: [this.ready, ctx.admin.ready] },
    );
    // Through a master, with admin rights: when the node goes away (pool shrink,
    // stack destroy), it is drained and deleted from the cluster before its host
    // is. Not tied to the host's instance: a reprovisioned host is the same node,
    // and re-running this would drain the new one.
    this.membership = new command.remote.Command(
      `${name}-membership`,
      {
        connection: ctx.admin.connection,
        create: `echo ${node.name} is a member of the cluster`,
        delete: [
          `if ${adminKubectl(`get node ${node.name}`)} >/dev/null 2>&1; then`,
          `  ${adminKubectl(`drain ${node.name} --ignore-daemonsets --delete-emptydir-data --force --timeout=120s`)} || true`,
          `  ${adminKubectl(`delete node ${node.name} --wait=false`)}`,
          "fi",
        ].join("\n"),
        triggers: [node.name],
      },
      // The master and the control plane outlive this step on destroy, so the drain can run.
      { ...child, dependsOn: [this.ready, host.ready, ctx.admin.ready, ...ctx.controlPlaneReady] },
    );
    this.registerOutputs({ node: node.name });
  }
}
