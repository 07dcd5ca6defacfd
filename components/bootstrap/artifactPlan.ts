// Where hosts get their binaries from, as data and shell (pure, unit-tested).
// Two sources:
//  - release URLs (what a user with internet gets): each host downloads the
//    official artifact and checks its sha256 before installing it;
//  - a local mirror folder (air-gapped sites, and the lab): the machine running
//    `pulumi up` pushes the files over SSH, and the host checks their sha256.
// Either way the host ends with the same files in /usr/local/bin, installed
// with `install` (a new inode, so a running daemon's binary is never rewritten
// in place) and only after every checksum matched.
import { ARTIFACT_DIR, BIN_DIR } from "./host/paths";

/** kubernetes (control plane and node binaries), etcd, flannel (the pod network agent), kube-router (the network policy agent). */
export type Product = "kubernetes" | "etcd" | "flannel" | "kube-router";

/** Every product, in the order binary sets list them. */
export const PRODUCTS: readonly Product[] = ["kubernetes", "etcd", "flannel", "kube-router"];

export interface BinaryRef {
  /** File name on the host, in /usr/local/bin. */
  name: string;
  /** Its name in the release, when the host keeps it under another (etcd-v3.6.17 is the release's etcd). */
  file?: string;
  /** Which release it belongs to. */
  product: Product;
  version: string; // v1.36.3, v3.6.17
  sha256: string; // hex; for release URLs, the published checksum
}

/** The etcd server, listed once in a binary set and installed once per release (see etcdServerName). */
export const ETCD_SERVER = "etcd";

/** Where the etcd server of `version` is installed on a host: etcd-v3.6.17. */
export function etcdServerName(version: string): string {
  return `etcd-${version}`;
}

export const CONTROL_PLANE_BINARIES = {
  kubernetes: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"],
  // etcdutl: the offline tool (snapshot restore moved there from etcdctl in 3.6).
  // The server is installed once per release a member may run, as etcd-<version>,
  // and /usr/local/bin/etcd points at one of them (control/render/etcdRelease.ts).
  etcd: [ETCD_SERVER, "etcdctl", "etcdutl"],
};
export const NODE_BINARIES = { kubernetes: ["kubelet", "kube-proxy", "kubectl"], etcd: [] as string[], flannel: ["flanneld"], "kube-router": ["kube-router"] };

const SHA256 = /^[0-9a-f]{64}$/;

export function validateRefs(refs: BinaryRef[]): void {
  const names = new Set<string>();
  refs.forEach((r, i) => {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(r.name)) throw new Error(`artifacts[${i}].name: ${JSON.stringify(r.name)} is not a plain file name`);
    if (names.has(r.name)) throw new Error(`artifacts[${i}].name: ${r.name} listed twice`);
    names.add(r.name);
    if (!/^v\d+\.\d+\.\d+$/.test(r.version)) throw new Error(`artifacts[${i}].version: ${JSON.stringify(r.version)} must look like v1.36.3`);
    if (!SHA256.test(r.sha256)) throw new Error(`artifacts[${i}].sha256: not a hex sha256 (${JSON.stringify(r.sha256)})`);
  });
}

/** A key naming exactly this set of files: the staging directory on the host. */
export function artifactSetKey(refs: BinaryRef[]): string {
  const { createHash } = require("crypto") as typeof import("crypto");
  const h = createHash("sha256");
  for (const r of [...refs].sort((a, b) => a.name.localeCompare(b.name))) h.update(`${r.name} ${r.sha256}\n`);
  return h.digest("hex").slice(0, 16);
}

/** `sha256sum -c` input. */
export function checksumManifest(refs: BinaryRef[]): string {
  return refs.map((r) => `${r.sha256}  ${r.name}`).join("\n") + "\n";
}

/** Installs already-present files from `dir` after checking them; idempotent. */
export function installScript(refs: BinaryRef[], dir: string): string {
  validateRefs(refs);
  return [
    "set -eu",
    `cd ${dir}`,
    `cat > SHA256SUMS <<'EOF'`,
    checksumManifest(refs).trimEnd(),
    "EOF",
    "sha256sum --quiet -c SHA256SUMS",
    ...refs.map((r) => `install -m 0755 ${r.name} ${BIN_DIR}/${r.name}`),
    `echo installed ${refs.map((r) => `${r.name}@${r.version}`).join(" ")}`,
  ].join("\n");
}

/**
 * Unpacks the pushed `<dir>.tar.gz` and installs from it. The tarball is removed once
 * installed, so an `up` killed after that (before Pulumi recorded the create) re-runs this
 * with only the extracted folder left: it then installs from the folder, whose checksums
 * installScript verifies again (a CI run failed on the missing tarball).
 */
export function unpackAndInstallScript(refs: BinaryRef[], dir: string): string {
  return [
    "set -eu",
    `mkdir -p ${dir}`,
    `if [ -f ${dir}.tar.gz ]; then tar -C ${dir} -xzf ${dir}.tar.gz; fi`,
    installScript(refs, dir),
    `rm -f ${dir}.tar.gz`,
  ].join("\n");
}

/** Official download locations (what a user with internet gets). */
export function releaseUrl(r: Pick<BinaryRef, "name" | "product" | "version">, arch = "amd64"): string {
  if (r.product === "kubernetes") return `https://dl.k8s.io/release/${r.version}/bin/linux/${arch}/${r.name}`;
  // flannel publishes one static flanneld per architecture.
  if (r.product === "flannel") return `https://github.com/flannel-io/flannel/releases/download/${r.version}/flanneld-${arch}`;
  // kube-router ships one tarball per architecture holding the binary (and its docs).
  if (r.product === "kube-router") return `https://github.com/cloudnativelabs/kube-router/releases/download/${r.version}/kube-router_${r.version.slice(1)}_linux_${arch}.tar.gz`;
  // etcd ships one tarball holding etcd, etcdctl and etcdutl.
  return `https://github.com/etcd-io/etcd/releases/download/${r.version}/etcd-${r.version}-linux-${arch}.tar.gz`;
}

/** Kubernetes publishes `<binary>.sha256` next to every binary. */
export function releaseChecksumUrl(r: Pick<BinaryRef, "name" | "product" | "version">, arch = "amd64"): string {
  if (r.product !== "kubernetes") throw new Error(`${r.name}: ${r.product} publishes no per-file checksum; pin sha256 in the artifact list`);
  return `${releaseUrl(r, arch)}.sha256`;
}

/**
 * Download script for the release-URL source: every file fetched into the
 * staging directory, checked against the pinned sha256, then installed. For
 * etcd the tarball is fetched once and etcd/etcdctl are taken from it, then
 * checked against their own pinned sums (tarball sum given as `etcdTarballSha256`).
 */
export function downloadScript(refs: BinaryRef[], dir: string, opts: { arch?: string; etcdTarballSha256?: string | Record<string, string> } = {}): string {
  validateRefs(refs);
  const arch = opts.arch ?? "amd64";
  const lines = ["set -eu", `mkdir -p ${dir}`, `cd ${dir}`];
  for (const r of refs.filter((r) => r.product !== "etcd")) {
    if (r.product === "kube-router") {
      // The binary out of its release tarball; installScript then checks the binary's own pinned sum.
      lines.push(`curl -fsSL --retry 5 ${releaseUrl(r, arch)} | tar -xzf - ${r.file ?? r.name}`);
    } else {
      lines.push(`curl -fsSL --retry 5 -o ${r.name} ${releaseUrl(r, arch)}`);
    }
  }
  // One tarball per etcd release (the pinned one and each upgrade step's server).
  for (const version of [...new Set(refs.filter((r) => r.product === "etcd").map((r) => r.version))]) {
    const sum = typeof opts.etcdTarballSha256 === "string" ? opts.etcdTarballSha256 : opts.etcdTarballSha256?.[version];
    if (!sum || !SHA256.test(sum)) {
      throw new Error(`artifacts.etcdTarballSha256${typeof opts.etcdTarballSha256 === "object" ? `.${version}` : ""}: required (hex sha256 of the etcd ${version} release tarball) when etcd comes from release URLs`);
    }
    const tarball = `etcd-${version}.tar.gz`;
    const from = `etcd-${version}-linux-${arch}`;
    lines.push(
      `curl -fsSL --retry 5 -o ${tarball} ${releaseUrl({ name: "etcd", product: "etcd", version }, arch)}`,
      `echo '${sum}  ${tarball}' | sha256sum --quiet -c`,
      `mkdir -p ${from} && tar -xzf ${tarball} -C ${from} --strip-components=1`,
      ...refs.filter((r) => r.product === "etcd" && r.version === version).map((r) => `cp ${from}/${r.file ?? r.name} ${r.name}`),
    );
  }
  lines.push(installScript(refs, dir));
  return lines.join("\n");
}

export function stagingDir(refs: BinaryRef[]): string {
  return `${ARTIFACT_DIR}/${artifactSetKey(refs)}`;
}
