// The control plane: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler on every master host, delivered over SSH as systemd units.
//
// Resource graph per master (independent masters run in parallel):
//   binaries ─┐
//   etcd ─────┴─> etcd-ready (after all three etcd members are starting)
//             └─> kube-apiserver (waits for /readyz) ─> controller-manager, scheduler
// with the apiservers chained master 1 -> 2 -> 3, so a config change rolls through them,
// and once: a /readyz check through the first master once every daemon is up.
// The RBAC the cluster needs is an add-on (components/addons/clusterRbac.ts).
// Each daemon's files are the stdin of its own command, so a changed config
// re-runs (restarts) only that daemon.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { MasterReplicaProps } from "../types";
import type { ProvisionedHost } from "../infra/driver";
import { cacheRoot, type ArtifactSource } from "../bootstrap/artifacts";
import { VERSIONS } from "../releases";
import { CONTROL_PLANE_BINARIES } from "../bootstrap/artifactPlan";
import { applyCommand, bundleStdin, stableCheck } from "../bootstrap/host/commands";
import { hostCommand, hostCopy } from "../bootstrap/host/hostCommand";
import { ARTIFACT_DIR, BIN_DIR } from "../bootstrap/host/paths";
import { ClusterPki } from "../pki/clusterPki";
import type { MasterIdentity } from "../pki/profiles";
import {
  adminKubeconfig,
  apiServerFiles,
  apiServerReadyCheck,
  controllerManagerFiles,
  etcdFiles,
  etcdHealthCheck,
  kubeletServingApproverFiles,
  schedulerFiles,
  type MasterPems,
} from "./render/bundles";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { BackupKey, BackupTargetKey } from "./backupKey";
import { AGE, BACKUP_UNIT, backupFiles, validateBackupSchedule, validateBackupSettings, validateBackupTarget, type BackupSettings, type BackupTarget } from "./render/backup";
import { AUDIT_LOG, kubeconfigPath, oldKubeconfigPath } from "./render/paths";
import { APPROVER_BIN, APPROVER_UNIT, type ServingNode } from "./render/kubeletServingApprover";
import { ALLOWLIST_UNIT, allowlistFiles } from "./render/publicEndpoint";
import { etcdOwnershipScript } from "./render/etcd";
import { etcdReleaseScript, etcdReleases } from "./render/etcdRelease";
import { etcdJoinedCheck, etcdMembershipScript, memberReadyCheck } from "./render/etcdMembership";
import { DEFAULTS, apiServerEndpoints, validateControlPlaneSpec, type ControlPlaneSpec, type Endpoint } from "./render/spec";

export interface ControlPlaneArgs {
  clusterName: string;
  kubernetesVersion: string;
  serviceSubnet: string;
  podSubnet: string;
  nodeCidrMaskSize?: number;
  clusterDomain?: string;
  apiServerPort?: number;
  /** Three hosts, one per zone (multizone), or three in one zone. */
  masters: ProvisionedHost[];
  /** Source CIDRs allowed to reach the apiservers on masters' public IPs (enforced on every master); default: anyone. */
  publicAllowlist?: string[];
  /** Private/public service endpoints; default private = first master's private IP, public = its public IP. */
  endpoints?: { private?: Endpoint; public?: Endpoint };
  apiserver?: Partial<ControlPlaneSpec["apiserver"]>;
  audit?: Partial<ControlPlaneSpec["audit"]>;
  artifacts: ArtifactSource;
  /** The nodes (workers) whose kubelets' serving CSRs the masters approve, with the addresses each may name. */
  kubeletServingNodes?: ServingNode[];
  /** Keelson's approver binary on the machine running Pulumi; default: the toolchain's build in the cache. */
  kubeletServingApproverBinary?: string;
  /** More names/addresses the apiserver certificate must carry (e.g. how the outer machine reaches masters). */
  extraApiServerSans?: string[];
  /** Server URL written into the exported admin kubeconfig; default: private endpoint, else public. */
  adminServer?: string;
  /** Scheduled, encrypted etcd backups on every master (render/backup.ts); none when absent. */
  backup?: {
    everyHours: number;
    keep: number;
    /** Where `keelson backup` collects them on the machine running Pulumi; default .keelson/backups/<stack>. */
    directory?: string;
    /** age on the machine running Pulumi, pushed to masters; default Debian's. */
    ageBinary?: string;
    /** An SSH host every backup is copied to from the master that takes it (render/backup.ts). */
    target?: BackupTarget;
  };
}

/** What `keelson backup` and `keelson restore` need of a cluster (components/cli/backup.ts): no secrets. */
export interface BackupInfo {
  clusterName: string;
  /** Where backups are collected on the machine running Pulumi (relative: to the project). */
  directory: string;
  keep: number;
  everyHours: number;
  /** The masters, in order, as the machine running Pulumi reaches them over SSH. */
  masters: { name: string; host: string; port: number; user: string }[];
}

/** Where toolchain/kubelet-serving-approver.mjs builds the approver (the runner builds it before `up`). */
function defaultApproverBinary(): string {
  const bin = path.join(cacheRoot(), "kubelet-serving-approver", VERSIONS.kubeletServingApprover, "bin", "kubelet-serving-approver");
  if (!fs.existsSync(bin)) throw new Error(`controlPlane.kubeletServingApproverBinary: ${bin} is missing; build it first: node toolchain/kubelet-serving-approver.mjs`);
  return bin;
}

/** A binary of the machine running Pulumi, and where a host keeps it before installing it: named by its content, so a new build is a new copy. */
function stagedBinary(file: string, name: string): { asset: pulumi.asset.FileAsset; path: string } {
  const sha = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex").slice(0, 16);
  return { asset: new pulumi.asset.FileAsset(file), path: `${ARTIFACT_DIR}/${name}-${sha}` };
}

/** Where Debian's age package (which the runner installs) puts the binary. */
const DEBIAN_AGE = "/usr/bin/age";

/** What every master needs for backups: the settings (with the key's recipient) and the age binary to push. */
interface MasterBackup {
  settings: pulumi.Output<BackupSettings>;
  /** The masters' key to the backup target (a secret), when there is a target. */
  targetKey?: pulumi.Output<string>;
  age: { asset: pulumi.asset.FileAsset; path: string };
}

function memberIdentity(h: ProvisionedHost): MasterIdentity {
  return { name: h.spec.name, zone: h.spec.zone, privateIp: h.spec.privateIp, publicIp: h.spec.publicIp };
}

export function controlPlaneSpec(args: ControlPlaneArgs): ControlPlaneSpec {
  args.masters.forEach((h, i) => {
    if (h.spec.role !== "master") throw new Error(`controlPlane.masters[${i}]: host ${h.spec.name} has role ${h.spec.role}, not master`);
  });
  const masters = args.masters.map(memberIdentity);
  const port = args.apiServerPort ?? DEFAULTS.apiServerPort;
  const first = masters[0];
  const endpoints = args.endpoints ?? {
    private: first ? { host: first.privateIp, port } : undefined,
    public: first?.publicIp ? { host: first.publicIp, port } : undefined,
  };
  return validateControlPlaneSpec({
    clusterName: args.clusterName,
    kubernetesVersion: args.kubernetesVersion,
    serviceSubnet: args.serviceSubnet,
    podSubnet: args.podSubnet,
    nodeCidrMaskSize: args.nodeCidrMaskSize ?? DEFAULTS.nodeCidrMaskSize,
    clusterDomain: args.clusterDomain ?? DEFAULTS.clusterDomain,
    masters,
    apiServerPort: port,
    endpoints,
    publicAllowlist: args.publicAllowlist ?? [],
    apiserver: { encryptionAtRest: true, auditLogging: true, anonymousAuth: false, ...args.apiserver },
    audit: { ...DEFAULTS.audit, ...args.audit },
    kubeletServingNodes: args.kubeletServingNodes ?? [],
  });
}

/**
 * What Keelson runs on one master replica: binaries, etcd member, apiserver,
 * controller-manager, scheduler. Its own type token, because the cluster model
 * (components/cluster/masterReplica.ts) already registers the replica itself as
 * keelson:control:MasterReplica, and policies count those.
 */
export const MASTER_BOOTSTRAP_TOKEN = "keelson:control:MasterBootstrap";

export class MasterBootstrap extends pulumi.ComponentResource {
  readonly etcd: command.remote.Command;
  /** This member serves again after joining (immediate at a first bootstrap): the next master may be replaced. */
  readonly memberReady: command.remote.Command;
  readonly binaries: pulumi.Resource;
  /** The public endpoint's source allow-list on this master (also removes it when the list empties). */
  readonly publicAllowlist: command.remote.Command;
  /** This member's step to each etcd release, oldest first (render/etcdRelease.ts). */
  readonly etcdSteps: command.remote.Command[];
  etcdReady!: command.remote.Command;
  /** The backup tools and timer on this master (when the cluster has backups). */
  backup?: command.remote.Command;
  apiserver!: command.remote.Command;
  controllerManager!: command.remote.Command;
  scheduler!: command.remote.Command;
  /** Keelson's approver of kubelet serving certificates on this master. */
  kubeletServingApprover!: command.remote.Command;
  private readonly replicaName: string;

  constructor(
    name: string,
    props: MasterReplicaProps,
    private readonly ctx: {
      spec: ControlPlaneSpec;
      host: ProvisionedHost;
      member: MasterIdentity;
      pems: pulumi.Output<MasterPems>;
      artifacts: ArtifactSource;
      backup?: MasterBackup;
      /** The approver's binary, pushed to `path` (named by its sha256) and installed from there. */
      approver: ReturnType<typeof stagedBinary>;
      /** The etcd releases a member steps through, ending with the pinned one (etcdReleases). */
      releases: string[];
      /** The previous master's step to the first release: members move one at a time. */
      previousStep?: pulumi.Resource;
    },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(MASTER_BOOTSTRAP_TOKEN, name, props, opts);
    this.replicaName = name;
    const { spec, host, member, pems } = ctx;
    const child: pulumi.CustomResourceOptions = { parent: this };
    this.binaries = ctx.artifacts.install(`${name}-binaries`, host, CONTROL_PLANE_BINARIES, child);
    // Which etcd this member runs (render/etcdRelease.ts): the first release's step,
    // after the previous master's, decides for a new member before etcd starts, and
    // moves an existing member up to that release; stepEtcd makes the later ones.
    this.etcdSteps = [
      hostCommand(
        `${name}-etcd-${ctx.releases[0]}`,
        host,
        { create: etcdReleaseScript(spec, ctx.releases, ctx.releases[0]) },
        { ...child, dependsOn: [this.binaries, ...(ctx.previousStep ? [ctx.previousStep] : [])] },
      ),
    ];
    // A new host (empty disk) joins the existing cluster as a new member and waits
    // until it has caught up; a first bootstrap founds it (etcdMembership.ts).
    this.etcd = hostCommand(
      `${name}-etcd`,
      host,
      {
        create: applyCommand("etcd", { noBlock: true, before: `(\n${etcdMembershipScript(spec, member)}\n)\n${etcdOwnershipScript()}`, after: etcdJoinedCheck() }),
        stdin: pulumi.secret(pems.apply((p) => bundleStdin(etcdFiles(spec, member, p)))),
      },
      { ...child, dependsOn: [this.binaries, this.etcdSteps[0]] },
    );
    // When this member has just joined an existing cluster (its host was replaced),
    // the next master may go only once this one serves the API again.
    this.memberReady = hostCommand(`${name}-member-ready`, host, { create: memberReadyCheck(), triggers: [this.etcd.id] }, { ...child, dependsOn: [this.etcd] });
    this.publicAllowlist = hostCommand(`${name}-public-allowlist`, host, { create: applyCommand(ALLOWLIST_UNIT), stdin: bundleStdin(allowlistFiles(spec, member)) }, child);
  }

  /**
   * This member's step to a later etcd release, after this member's etcd step and
   * `previous` (the previous master's step to the same release, or the last
   * master's step to the release before): one member at a time, release by release.
   */
  stepEtcd(release: string, previous: pulumi.Resource): command.remote.Command {
    const step = hostCommand(
      `${this.replicaName}-etcd-${release}`,
      this.ctx.host,
      { create: etcdReleaseScript(this.ctx.spec, this.ctx.releases, release) },
      { parent: this, dependsOn: [this.etcd, previous] },
    );
    this.etcdSteps.push(step);
    return step;
  }

  /**
   * Second phase: needs every member's etcd resource, so the ControlPlane calls it
   * once all exist. `previous` is the apiserver of the master before this one: a
   * changed apiserver config then rolls through the masters one at a time (each
   * waits for /readyz), so the API never goes down during an update.
   */
  startApiServer(previous?: pulumi.Resource): void {
    const { spec, host, member, pems } = this.ctx;
    const name = this.replicaName;
    const child = { parent: this };
    // Its own member healthy means the cluster has quorum; at a first bootstrap this
    // waits for the other members' hosts to come up.
    this.etcdReady = hostCommand(`${name}-etcd-ready`, host, { create: etcdHealthCheck(), triggers: [this.etcd.id] }, { ...child, dependsOn: [this.etcd] });
    this.apiserver = hostCommand(
      `${name}-kube-apiserver`,
      host,
      {
        create: applyCommand("kube-apiserver", { before: `mkdir -p ${path.posix.dirname(AUDIT_LOG)}\nrm -f ${oldKubeconfigPath("admin")}`, after: apiServerReadyCheck() }),
        stdin: pulumi.secret(pems.apply((p) => bundleStdin(apiServerFiles(spec, member, p)))),
      },
      { ...child, dependsOn: [this.etcdReady, this.binaries, ...(previous ? [previous] : [])] },
    );
    this.controllerManager = hostCommand(
      `${name}-kube-controller-manager`,
      host,
      {
        create: applyCommand("kube-controller-manager", { before: `rm -f ${oldKubeconfigPath("controller-manager")}`, after: stableCheck("kube-controller-manager") }),
        stdin: pulumi.secret(pems.apply((p) => bundleStdin(controllerManagerFiles(spec, p)))),
      },
      { ...child, dependsOn: [this.apiserver] },
    );
    this.scheduler = hostCommand(
      `${name}-kube-scheduler`,
      host,
      {
        create: applyCommand("kube-scheduler", { before: `rm -f ${oldKubeconfigPath("scheduler")}`, after: stableCheck("kube-scheduler") }),
        stdin: pulumi.secret(pems.apply((p) => bundleStdin(schedulerFiles(spec, p)))),
      },
      { ...child, dependsOn: [this.apiserver] },
    );
    const approver = this.ctx.approver;
    const approverBin = hostCopy(`${name}-kubelet-serving-approver-binary`, host, { source: approver.asset, remotePath: approver.path }, child);
    this.kubeletServingApprover = hostCommand(
      `${name}-kubelet-serving-approver`,
      host,
      {
        create: applyCommand(APPROVER_UNIT, { before: `install -m 0755 ${approver.path} ${APPROVER_BIN}`, after: stableCheck(APPROVER_UNIT) }),
        stdin: pulumi.secret(pems.apply((p) => bundleStdin(kubeletServingApproverFiles(spec, member, p)))),
      },
      { ...child, dependsOn: [this.apiserver, approverBin] },
    );
    const backup = this.ctx.backup;
    if (backup) {
      const age = hostCopy(`${name}-age`, host, { source: backup.age.asset, remotePath: backup.age.path }, child);
      this.backup = hostCommand(
        `${name}-etcd-backup`,
        host,
        {
          create: applyCommand(`${BACKUP_UNIT}.timer`, { before: `install -m 0755 ${backup.age.path} ${AGE}` }),
          // A secret when it carries the masters' key to the target.
          stdin: backup.targetKey
            ? pulumi.secret(pulumi.all([backup.settings, backup.targetKey]).apply(([b, key]) => bundleStdin(backupFiles(spec, member, b, key))))
            : backup.settings.apply((b) => bundleStdin(backupFiles(spec, member, b))),
        },
        { ...child, dependsOn: [this.etcdReady, age] },
      );
    }
    this.registerOutputs({});
  }

}

export class ControlPlane extends pulumi.ComponentResource {
  readonly spec: ControlPlaneSpec;
  readonly pki: ClusterPki;
  readonly replicas: MasterBootstrap[];
  /**
   * Admin kubeconfig for the outer machine (secret). Made of the PKI alone, so it
   * is known even while hosts are being replaced: a Kubernetes provider built
   * from it is never replaced (which would replace every object it manages).
   * Depend on `ready` to use it.
   */
  readonly adminKubeconfig: pulumi.Output<string>;
  /** https://<master>:<port> for every master: what workers' master proxy balances over. */
  readonly apiServerEndpoints: string[];
  readonly privateEndpoint?: string;
  readonly publicEndpoint?: string;
  /** Depend on this to run after the whole control plane is up (every daemon started, the API ready). */
  readonly ready: command.remote.Command;
  /** The key backups are encrypted to (when the cluster has backups). */
  readonly backupKey?: BackupKey;
  /** Where backups are collected and how to reach the masters that take them (when the cluster has backups). */
  readonly backupInfo?: pulumi.Output<BackupInfo>;
  /** The age identity that decrypts the backups (a secret; when the cluster has backups). */
  readonly backupIdentity?: pulumi.Output<string>;
  /** The masters' key to the backup target (when there is one). */
  readonly backupTargetKey?: BackupTargetKey;
  /** Authorize this on the backup target (~user/.ssh/authorized_keys): the masters log in with it. */
  readonly backupTargetPublicKey?: pulumi.Output<string>;

  constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything is validated before the first resource is registered.
    const spec = controlPlaneSpec(args);
    const ageBinary = args.backup?.ageBinary ?? DEBIAN_AGE;
    if (args.backup) {
      validateBackupSchedule(args.backup);
      if (args.backup.target) validateBackupTarget(args.backup.target, "controlPlane.backup.target");
      if (!fs.existsSync(ageBinary)) throw new Error(`controlPlane.backup.ageBinary: ${ageBinary} does not exist (install Debian's age package, or turn backups off)`);
    }
    super("keelson:control:ControlPlane", name, { clusterName: spec.clusterName, kubernetesVersion: spec.kubernetesVersion, masters: spec.masters.map((m) => m.name) }, opts);
    this.spec = spec;
    const endpointHosts = [spec.endpoints.private?.host, spec.endpoints.public?.host].filter((h): h is string => !!h);
    // The private endpoint first: the machine running `pulumi up` reaches masters on
    // their private network (that is how it SSHes in); the public one may be unroutable from it.
    const adminEndpoint = spec.endpoints.private ?? spec.endpoints.public!;
    const adminServer = args.adminServer ?? `https://${adminEndpoint.host}:${adminEndpoint.port}`;
    const adminHost = new URL(adminServer).hostname;
    this.pki = new ClusterPki(
      `${name}-pki`,
      {
        clusterName: spec.clusterName,
        serviceSubnet: spec.serviceSubnet,
        masters: spec.masters,
        clusterDomain: spec.clusterDomain,
        extraApiServerSans: [...endpointHosts, adminHost, ...(args.extraApiServerSans ?? [])],
      },
      { parent: this },
    );
    const pki = this.pki;
    const pair = (n: string) => pulumi.all([pki.certs[n].certPem, pki.certs[n].keyPem]).apply(([certPem, keyPem]) => ({ certPem, keyPem }));
    const caPair = (c: keyof ClusterPki["cas"]) => pulumi.all([pki.cas[c].certPem, pki.cas[c].keyPem]).apply(([certPem, keyPem]) => ({ certPem, keyPem }));
    const shared = pulumi.output({
      kubernetesCa: caPair("kubernetes-ca"),
      etcdCa: caPair("etcd-ca"),
      frontProxyCa: caPair("front-proxy-ca"),
      etcdHealthcheck: pair("etcd-healthcheck-client"),
      apiserver: pair("apiserver"),
      apiserverKubeletClient: pair("apiserver-kubelet-client"),
      apiserverEtcdClient: pair("apiserver-etcd-client"),
      frontProxyClient: pair("front-proxy-client"),
      controllerManager: pair("controller-manager"),
      scheduler: pair("scheduler"),
      admin: pair("admin"),
      kubeletServingApprover: pair("kubelet-serving-approver"),
      serviceAccount: pulumi.all([pki.serviceAccount.keyPem, pki.serviceAccount.publicKeyPem]).apply(([keyPem, publicKeyPem]) => ({ keyPem, publicKeyPem })),
      encryptionKey: pki.encryptionKey.value,
    });

    let backup: MasterBackup | undefined;
    if (args.backup) {
      const { everyHours, keep } = args.backup;
      this.backupKey = new BackupKey(`${name}-backup-key`, { parent: this });
      this.backupIdentity = pulumi.secret(this.backupKey.identity);
      const target = args.backup.target;
      if (target) {
        this.backupTargetKey = new BackupTargetKey(`${name}-backup-target-key`, { comment: `keelson-backup@${spec.clusterName}` }, { parent: this });
        this.backupTargetPublicKey = this.backupTargetKey.publicKey;
      }
      backup = {
        settings: this.backupKey.recipient.apply((recipient) => validateBackupSettings({ everyHours, keep, recipient, ...(target ? { target } : {}) })),
        targetKey: this.backupTargetKey?.privateKey,
        age: stagedBinary(ageBinary, "age"),
      };
      const directory = args.backup.directory ?? path.join(".keelson", "backups", pulumi.getStack());
      this.backupInfo = pulumi
        .all(args.masters.map((m) => pulumi.output({ name: m.spec.name, host: m.connection.host, port: m.connection.port ?? 22, user: m.connection.user })))
        .apply((masters) => ({ clusterName: spec.clusterName, directory, keep, everyHours, masters }));
    }
    const approverBinary = args.kubeletServingApproverBinary ?? defaultApproverBinary();
    const approver = stagedBinary(approverBinary, "kubelet-serving-approver");
    const releases = etcdReleases(args.artifacts.etcdVersion, args.artifacts.etcdUpgradeSteps);
    let previousStep: pulumi.Resource | undefined;
    this.replicas = args.masters.map((host, index) => {
      const member = spec.masters[index];
      const memberCert = pki.etcdMembers[member.name];
      const pems = pulumi
        .all([shared, memberCert.certPem, memberCert.keyPem])
        .apply(([s, certPem, keyPem]) => ({ ...s, etcdMember: { certPem, keyPem } }) as MasterPems);
      const rname = `${name}-${member.name}`;
      const props: MasterReplicaProps = {
        zone: member.zone,
        index,
        hostName: member.name,
        privateIp: member.privateIp,
        publicIp: member.publicIp,
        kubernetesVersion: spec.kubernetesVersion,
      };
      const replica = new MasterBootstrap(rname, props, { spec, host, member, pems, artifacts: args.artifacts, backup, approver, releases, previousStep }, { parent: this });
      previousStep = replica.etcdSteps[0];
      return replica;
    });
    // The later etcd releases, release by release and master by master.
    for (const release of releases.slice(1)) {
      for (const r of this.replicas) previousStep = r.stepEtcd(release, previousStep!);
    }
    this.replicas.forEach((r, i) => r.startApiServer(i > 0 ? this.replicas[i - 1].apiserver : undefined));

    this.ready = hostCommand(
      `${name}-ready`,
      args.masters[0],
      { create: `${BIN_DIR}/kubectl --kubeconfig ${kubeconfigPath("admin")} get --raw /readyz` },
      { parent: this, dependsOn: [...this.replicas.flatMap((r) => [r.apiserver, r.controllerManager, r.scheduler, r.kubeletServingApprover]), previousStep!] },
    );
    this.adminKubeconfig = pulumi.secret(
      pulumi.all([pki.cas["kubernetes-ca"].certPem, pki.certs.admin.certPem, pki.certs.admin.keyPem]).apply(([ca, certPem, keyPem]) =>
        adminKubeconfig(spec, { kubernetesCa: { certPem: ca, keyPem: "" }, admin: { certPem, keyPem } }, adminServer),
      ),
    );
    this.apiServerEndpoints = apiServerEndpoints(spec);
    this.privateEndpoint = spec.endpoints.private ? `https://${spec.endpoints.private.host}:${spec.endpoints.private.port}` : undefined;
    this.publicEndpoint = spec.endpoints.public ? `https://${spec.endpoints.public.host}:${spec.endpoints.public.port}` : undefined;
    this.registerOutputs({
      apiServerEndpoints: this.apiServerEndpoints,
      privateEndpoint: this.privateEndpoint,
      publicEndpoint: this.publicEndpoint,
      adminKubeconfig: this.adminKubeconfig,
    });
  }
}
