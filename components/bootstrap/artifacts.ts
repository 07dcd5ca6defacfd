// The artifact source abstraction: which resource puts binaries on a host.
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ProvisionedHost } from "../infra/driver";
import { hostCommand, hostCopy } from "./host/hostCommand";
import { sha256OfFile } from "./fileDigest";
import { VERSIONS, kubernetesRelease } from "../releases";
import { ETCD_SERVER, PRODUCTS, downloadScript, etcdServerName, unpackAndInstallScript, stagingDir, artifactSetKey, type BinaryRef, type Product } from "./artifactPlan";

export interface BinarySet {
  kubernetes: string[];
  etcd: string[];
  flannel?: string[];
  "kube-router"?: string[];
}

/** The release of each product a source installs. */
type Releases = { kubernetesVersion: string; etcdVersion: string; flannelVersion: string; kubeRouterVersion: string };


/** One file of a set: the etcd server once per release a member may run (etcd-<version>), everything else once. */
interface SetEntry {
  product: Product;
  /** On the host. */
  name: string;
  /** In the release. */
  file: string;
  version: string;
}

function setEntries(src: Releases & { etcdUpgradeSteps: readonly string[] }, set: BinarySet): SetEntry[] {
  return PRODUCTS.flatMap((product) =>
    (set[product] ?? []).flatMap((file) =>
      product === "etcd" && file === ETCD_SERVER
        ? [...src.etcdUpgradeSteps, src.etcdVersion].map((version) => ({ product, name: etcdServerName(version), file, version }))
        : [{ product, name: file, file, version: versionOf(src, product) }],
    ),
  );
}

function toRef(e: SetEntry, sha256: string): BinaryRef {
  return { name: e.name, ...(e.file !== e.name ? { file: e.file } : {}), product: e.product, version: e.version, sha256 };
}

export interface ArtifactSource {
  readonly kind: "local-mirror" | "release-url";
  readonly kubernetesVersion: string;
  readonly etcdVersion: string;
  /** The older etcd servers hosts also get, to step a member up one minor at a time (oldest first). */
  readonly etcdUpgradeSteps: readonly string[];
  readonly flannelVersion: string;
  readonly kubeRouterVersion: string;
  /** The binaries with their checksums, as this source knows them. */
  refs(set: BinarySet): BinaryRef[];
  /** A resource that leaves exactly these binaries, checked, in /usr/local/bin on `host`. */
  install(name: string, host: ProvisionedHost, set: BinarySet, opts: pulumi.CustomResourceOptions): pulumi.Resource;
}

export function cacheRoot(): string {
  return process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
}

/** The binaries the toolchain builds into the local cache, at the pinned etcd (and its upgrade steps) and flannel versions. */
export function defaultArtifacts(kubernetesVersion: string): LocalMirrorSource {
  return new LocalMirrorSource(kubernetesRelease(kubernetesVersion), VERSIONS.etcd, cacheRoot(), VERSIONS.flannel);
}

/** The upgrade steps that go with an etcd release: the pinned release's own, none for any other. */
function defaultSteps(etcdVersion: string): readonly string[] {
  return etcdVersion === VERSIONS.etcd ? VERSIONS.etcdUpgradeSteps : [];
}

function versionOf(src: Releases, product: Product): string {
  return { kubernetes: src.kubernetesVersion, etcd: src.etcdVersion, flannel: src.flannelVersion, "kube-router": src.kubeRouterVersion }[product];
}

/**
 * A folder laid out like the Keelson cache: <dir>/<product>/<v>/bin/<name>
 * (kubernetes, etcd, flannel, kube-router). Files are pushed to each host over SSH (tar over
 * the same connection the commands use) and checked there before install.
 */
export class LocalMirrorSource implements ArtifactSource {
  readonly kind = "local-mirror" as const;
  readonly kubeRouterVersion: string = VERSIONS.kubeRouter;
  constructor(
    readonly kubernetesVersion: string,
    readonly etcdVersion: string,
    readonly dir: string = cacheRoot(),
    readonly flannelVersion: string = VERSIONS.flannel,
    readonly etcdUpgradeSteps: readonly string[] = defaultSteps(etcdVersion),
  ) {}

  fileOf(product: Product, name: string, version: string = versionOf(this, product)): string {
    const f = path.join(this.dir, product, version, "bin", name);
    if (!fs.existsSync(f)) {
      const build = { kubernetes: "node toolchain/kubernetes.mjs", etcd: "node toolchain/etcd.mjs", flannel: "node toolchain/images.mjs", "kube-router": "node toolchain/kube-router.mjs" }[product];
      throw new Error(
        `artifacts: ${f} is missing. Build the local mirror first: ${build}` +
          ` (or point KEELSON_CACHE at a mirror folder holding ${product}/${version}/bin/${name})`,
      );
    }
    return f;
  }

  refs(set: BinarySet): BinaryRef[] {
    return setEntries(this, set).map((e) => toRef(e, sha256OfFile(this.fileOf(e.product, e.file, e.version), path.join(this.dir, "sums"))));
  }

  /**
   * One gzip'd tarball per binary set, built once next to the mirror. A single
   * file asset per host: Keelson's command provider streams it with `cat >` into
   * a staging path, never over an installed binary, and the host checks every
   * binary's sha256 before `install` moves it into place.
   */
  stage(refs: BinaryRef[]): string {
    const tarball = path.join(this.dir, "staged", `${artifactSetKey(refs)}.tar.gz`);
    if (!fs.existsSync(tarball)) {
      fs.mkdirSync(path.dirname(tarball), { recursive: true });
      const tmpDir = fs.mkdtempSync(`${tarball}.tmp-`);
      try {
        for (const r of refs) {
          const src = this.fileOf(r.product, r.file ?? r.name, r.version);
          // Copied, not hard-linked: another stack staging the same binaries at the
          // same moment links the same inode, which changes its ctime under this
          // tar ("file changed as we read it", exit 1), as two engine tests did.
          fs.copyFileSync(src, path.join(tmpDir, r.name));
        }
        const partial = `${tmpDir}.tar.gz`;
        const r = spawnSync("tar", ["-C", tmpDir, "-czf", partial, ...refs.map((x) => x.name)], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`artifacts: tar failed for ${tarball}: ${r.stderr}`);
        fs.renameSync(partial, tarball); // atomic: a half-written tarball is never used
      } finally {
        fs.rmSync(tmpDir, { recursive: true, force: true });
      }
    }
    return tarball;
  }

  install(name: string, host: ProvisionedHost, set: BinarySet, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    const refs = this.refs(set);
    const remoteDir = stagingDir(refs);
    const copy = hostCopy(`${name}-push`, host, { source: new pulumi.asset.FileAsset(this.stage(refs)), remotePath: `${remoteDir}.tar.gz` }, opts);
    return hostCommand(
      `${name}-install`,
      host,
      {
        create: unpackAndInstallScript(refs, remoteDir),
        triggers: [artifactSetKey(refs)],
      },
      { ...opts, dependsOn: [copy] },
    );
  }
}

/**
 * Official release downloads, checked against pinned sha256 sums (for users with
 * internet; hosts need curl). Not exercisable in the offline lab: its URL and
 * checksum logic is unit-tested in test/unit/control/artifacts.test.ts.
 */
export class ReleaseUrlSource implements ArtifactSource {
  readonly kind = "release-url" as const;
  readonly kubeRouterVersion: string = VERSIONS.kubeRouter;
  constructor(
    readonly kubernetesVersion: string,
    readonly etcdVersion: string,
    readonly sha256: Record<string, string>,
    /** One sum (the pinned release's tarball) or one per etcd release, upgrade steps included. */
    readonly etcdTarballSha256?: string | Record<string, string>,
    readonly arch = "amd64",
    readonly flannelVersion: string = VERSIONS.flannel,
    readonly etcdUpgradeSteps: readonly string[] = [],
  ) {}

  refs(set: BinarySet): BinaryRef[] {
    const sum = (n: string) => {
      const s = this.sha256[n];
      if (!s) throw new Error(`artifacts.sha256.${n}: no pinned checksum for ${n}`);
      return s;
    };
    return setEntries(this, set).map((e) => toRef(e, sum(e.name)));
  }

  install(name: string, host: ProvisionedHost, set: BinarySet, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    const refs = this.refs(set);
    return hostCommand(
      `${name}-download`,
      host,
      { create: downloadScript(refs, stagingDir(refs), { arch: this.arch, etcdTarballSha256: this.etcdTarballSha256 }), triggers: [artifactSetKey(refs)] },
      opts,
    );
  }
}
