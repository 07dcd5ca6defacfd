// The lab infrastructure driver: hosts are systemd-nspawn machines on this one
// machine, VLANs are bridges, the IBM private backbone is a router namespace.
// It implements the same seam as a cloud driver (components/infra/driver.ts),
// so the cluster above it only sees SSH-reachable hosts.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { HostSpec, HostTraits, InfrastructureDriver, NetworkSpec, ProvisionedHost, ProvisionedNetwork } from "../driver";
import { defaultCacheRoot, imageDir, imageManifest, imageSpec, ImageSpec } from "./image";
import { LAB_ROOT, stackNames, validateStack } from "./naming";
import { NetworkPlan, networkPlan } from "./netplan";
import { hostProvider, imageProvider, networkProvider, sshKeyProvider } from "./providers";
import { renderHostDown, renderHostStatus, renderHostUp, renderNetworkDown, renderNetworkStatus, renderNetworkUp, SCRIPTS_DIR } from "./render";

export interface LabDriverArgs {
  /** Stack name that scopes every name on the machine; defaults to pulumi.getStack(). */
  stack?: string;
  /** Where hosts' disks and state files live; default /var/lib/keelson/lab. */
  labRoot?: string;
  /** Cache holding the image; default ${KEELSON_CACHE:-~/.cache/keelson}. */
  cacheRoot?: string;
  /** The host OS image: Debian suite, mirror, and packages beyond image.ts's BASE_PACKAGES. */
  image?: { suite?: string; mirror?: string; extraPackages?: string[] };
}

/** The OS image every lab host boots; one per machine and package list. */
export class LabImage extends pulumi.dynamic.Resource {
  public readonly rootfs!: pulumi.Output<string>;
  public readonly dir!: pulumi.Output<string>;
  constructor(name: string, args: { spec: ImageSpec; cacheRoot: string }, opts?: pulumi.CustomResourceOptions) {
    const dir = imageDir(args.spec, args.cacheRoot);
    const buildScript = fs.readFileSync(path.join(SCRIPTS_DIR, "build-image.sh"), "utf8");
    super(imageProvider, name, { dir, suite: args.spec.suite, mirror: args.spec.mirror, packages: args.spec.packages, manifest: imageManifest(args.spec), buildScript, rootfs: undefined }, opts, "lab", "LabImage");
  }
}

/** The stack's SSH key pair: its public half is authorized on every host; the private half is a secret. */
export class LabSshKey extends pulumi.dynamic.Resource {
  public readonly publicKey!: pulumi.Output<string>;
  public readonly privateKey!: pulumi.Output<string>;
  constructor(name: string, args: { comment: string }, opts?: pulumi.CustomResourceOptions) {
    super(sshKeyProvider, name, { comment: args.comment, publicKey: undefined, privateKey: undefined }, { ...opts, additionalSecretOutputs: ["privateKey"] }, "lab", "LabSshKey");
  }
}

/** Bridges per VLAN, the private router, the public router and the internet client of one stack. */
export class LabNetwork extends pulumi.dynamic.Resource {
  public readonly ready!: pulumi.Output<boolean>;
  constructor(name: string, args: { stack: string; spec: NetworkSpec; plan: NetworkPlan; labRoot: string }, opts?: pulumi.CustomResourceOptions) {
    super(networkProvider, name, {
      stack: args.stack,
      clusterName: args.spec.clusterName,
      spec: JSON.stringify(args.spec),
      upScript: renderNetworkUp(args.plan, args.labRoot),
      downScript: renderNetworkDown(args.plan, args.labRoot),
      statusScript: renderNetworkStatus(args.plan, args.labRoot),
      ready: undefined,
      missing: undefined,
    }, opts, "lab", "LabNetwork");
  }
}

/** The fields of a host that cannot change in place. */
export function hostIdentity(spec: HostSpec): string {
  const { zone, role, flavor, hardware, privateSegment, privateIp, publicSegment, publicIp, replacement } = spec;
  // A replacement generation joins only once asked for: hosts that never had one keep their identity.
  return JSON.stringify({ zone, role, flavor, hardware, privateSegment, privateIp, publicSegment: publicSegment ?? null, publicIp: publicIp ?? null, ...(replacement ? { replacement } : {}) });
}

/** One lab host: systemd as PID 1 in its own network namespace, booted from the image. */
export class LabHost extends pulumi.dynamic.Resource {
  public readonly state!: pulumi.Output<string>;
  public readonly hostKey!: pulumi.Output<string>;
  constructor(name: string, args: { stack: string; spec: HostSpec; plan: NetworkPlan; labRoot: string; image: LabImage; key: LabSshKey }, opts?: pulumi.CustomResourceOptions) {
    const { stack, spec, plan, labRoot } = args;
    // Render once now, so bad host input fails at preview with the field that is wrong.
    renderHostUp({ stack, spec, network: plan, imageRootfs: "/validate", authorizedKey: "ssh-ed25519 AAAA", labRoot });
    const scripts = pulumi.all([args.image.rootfs, args.key.publicKey]).apply(([rootfs, publicKey]) => ({
      upScript: renderHostUp({ stack, spec, network: plan, imageRootfs: rootfs, authorizedKey: publicKey, labRoot }),
    }));
    super(hostProvider, name, {
      stack,
      name: spec.name,
      spec: JSON.stringify(spec),
      identity: hostIdentity(spec),
      imageRootfs: args.image.rootfs,
      authorizedKey: args.key.publicKey,
      upScript: scripts.upScript,
      purgeScript: renderHostDown(stack, spec, plan, true, labRoot),
      statusScript: renderHostStatus(stack, spec, labRoot),
      state: undefined,
      hostKey: undefined,
    }, opts, "lab", "LabHost");
  }
}

/**
 * Lab hosts are containers on this machine: they have its cgroup hierarchy, and
 * their controllers are delegated to them from outside (naming.ts), so their
 * systemd does not own them.
 */
export function labHostTraits(cgroupRoot = "/sys/fs/cgroup"): HostTraits {
  return { cgroupVersion: fs.existsSync(path.join(cgroupRoot, "cgroup.controllers")) ? 2 : 1, systemdCgroups: false };
}

export class LabDriver implements InfrastructureDriver {
  readonly kind = "lab" as const;
  readonly stack: string;
  readonly labRoot: string;
  readonly cacheRoot: string;
  readonly imageSpec: ImageSpec;
  private image?: LabImage;
  private key?: LabSshKey;
  private plans = new Map<string, NetworkPlan>();

  constructor(args: LabDriverArgs = {}) {
    this.stack = validateStack(args.stack ?? pulumi.getStack(), "lab.stack");
    this.labRoot = args.labRoot ?? LAB_ROOT;
    if (!path.isAbsolute(this.labRoot)) throw new Error(`lab.labRoot: ${JSON.stringify(this.labRoot)} must be an absolute path`);
    this.cacheRoot = args.cacheRoot ?? defaultCacheRoot();
    this.imageSpec = imageSpec(args.image);
  }

  /** Namespace of the "internet client": `ip netns exec <it> ...` reaches public IPs only. */
  get clientNamespace(): string {
    return stackNames(this.stack, this.labRoot).clientNs;
  }

  /** The private half of the stack's SSH key (a secret), once network() ran. */
  get sshPrivateKey(): pulumi.Output<string> | undefined {
    return this.key?.privateKey;
  }

  /** The stack's SSH key (available once network() ran). */
  get sshKey(): LabSshKey {
    if (!this.key) throw new Error("LabDriver: call network() before using sshKey");
    return this.key;
  }

  network(spec: NetworkSpec, opts: pulumi.ComponentResourceOptions = {}): ProvisionedNetwork {
    if (this.plans.has(spec.clusterName)) throw new Error(`LabDriver: network ${spec.clusterName} requested twice`);
    const plan = networkPlan(this.stack, spec, this.labRoot);
    this.plans.set(spec.clusterName, plan);
    const parent = { parent: opts.parent };
    this.image ??= new LabImage("lab-image", { spec: this.imageSpec, cacheRoot: this.cacheRoot }, parent);
    this.key ??= new LabSshKey("lab-ssh-key", { comment: `keelson-${this.stack}` }, parent);
    const ready = new LabNetwork(`${spec.clusterName}-lab-network`, { stack: this.stack, spec, plan, labRoot: this.labRoot }, { ...parent, dependsOn: opts.dependsOn });
    return { spec, ready };
  }

  /** A lab host is a new machine exactly when its identity changes (providers.ts reprovisions it). */
  machineKey(spec: HostSpec): string {
    return hostIdentity(spec);
  }

  host(spec: HostSpec, network: ProvisionedNetwork, opts: pulumi.ComponentResourceOptions = {}): ProvisionedHost {
    const plan = this.plans.get(network.spec.clusterName);
    if (!plan || !this.image || !this.key) throw new Error(`LabDriver.host(${spec.name}): network ${network.spec.clusterName} was not made by this driver`);
    const ready = new LabHost(`lab-host-${spec.name}`, { stack: this.stack, spec, plan, labRoot: this.labRoot, image: this.image, key: this.key }, {
      parent: opts.parent,
      dependsOn: [network.ready, ...(Array.isArray(opts.dependsOn) ? opts.dependsOn : opts.dependsOn ? [opts.dependsOn as pulumi.Input<pulumi.Resource>] : [])],
    });
    return {
      spec,
      connection: { host: spec.privateIp, port: 22, user: "root", privateKey: this.key.privateKey },
      ready,
      // A lab host's SSH host key is made when its disk is: new exactly for a new host.
      instance: ready.hostKey,
      traits: labHostTraits(),
    };
  }
}
