// The Keelson stack program: the stack's cluster spec -> one Cluster on the
// driver its infrastructure kind names -> the cluster's outputs. `npm run up`
// runs it on the `lab` stack.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Cluster, clusterSpecFromConfig, driverFor, renderDiagram } from "./components";

// Bad input stops here, before anything is created, with every problem listed.
const spec = clusterSpecFromConfig();
const driver = driverFor(spec, { stack: pulumi.getStack() });
if (!driver) pulumi.log.warn(`infrastructure.kind ${spec.infrastructure.kind}: no driver yet; building the model only (no hosts)`);
const cluster = new Cluster(spec.name, { spec, driver });

// The picture of what this stack builds: zones, VLANs, subnets, hosts, portable IPs.
const diagramFile = path.join(process.env.KEELSON_ROOT ?? process.cwd(), ".keelson", `${pulumi.getStack()}-topology.svg`);
fs.mkdirSync(path.dirname(diagramFile), { recursive: true });
fs.writeFileSync(diagramFile, renderDiagram(cluster.plan));

export const topologyDiagram = diagramFile;
export const hosts = cluster.hosts;
export const portableSubnets = cluster.plannedPortableSubnets;
export const loadBalancers = cluster.plannedLoadBalancers;
/** Each of the spec's policies, what it became (NetworkPolicy, host rules) and where it is enforced. */
export const networkPolicies = cluster.networkPolicies;
export const kubeconfig = driver ? cluster.kubeconfig : undefined; // a secret
export const apiServerEndpoints = cluster.apiServerEndpoints;
export const privateEndpoint = cluster.privateEndpoint;
export const publicEndpoint = cluster.publicEndpoint;
export const nodes = cluster.nodeNames;
export const sshPrivateKey = cluster.sshPrivateKey; // a secret
// `npm run backup` / `npm run restore -- FILE` (docs/backup.md) read these two.
export const backup = cluster.backup;
export const backupIdentity = cluster.backupIdentity; // a secret
export const backupTargetPublicKey = cluster.backupTargetPublicKey; // authorize it on backup.target
