// Keelson as a package: a cluster on the lab, and a web app deployed onto it
// in the same `pulumi up` through the cluster's Kubernetes provider.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Cluster, LabDriver, clusterSpecFromConfig } from "keelson";

const spec = clusterSpecFromConfig(); // this stack's `keelson:cluster`
const cluster = new Cluster(spec.name, { spec, driver: new LabDriver() });
const provider = { provider: cluster.provider };

const labels = { app: "hello" };
const container = { name: "hello", image: "registry.k8s.io/e2e-test-images/agnhost:2.63.0", args: ["netexec", "--http-port=8080"] };
new k8s.apps.v1.Deployment("hello", { metadata: { name: "hello" }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } } }, provider);
const exposed = new pulumi.Config("app").getBoolean("expose") ?? true;
const service = exposed
  ? new k8s.core.v1.Service("hello", { metadata: { name: "hello" }, spec: { type: "NodePort", selector: labels, ports: [{ port: 80, targetPort: 8080 }] } }, provider)
  : undefined;

export const kubeconfig = cluster.kubeconfig;
export const url = service ? pulumi.interpolate`http://${cluster.hosts.find((h) => h.role === "worker")!.privateIp}:${service.spec.ports[0].nodePort}` : undefined;
/** The cluster's hosts, and what enforces each of the spec's network policies. */
export const hosts = cluster.hosts;
export const networkPolicies = cluster.networkPolicies;
/** ssh to the hosts as root with this key (a secret: `pulumi stack output --show-secrets sshPrivateKey`). */
export const sshPrivateKey = cluster.sshPrivateKey;
