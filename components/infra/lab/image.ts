// What goes into the lab host OS image, and where it is cached (pure).
// The image is named by a hash of everything that changes its content, so a
// different package list builds a different image and an unchanged one is
// reused by every stack on the machine.
import { createHash } from "crypto";
import * as os from "os";
import * as path from "path";

/** Bumped when build-image.sh changes what it does to the root filesystem. */
export const IMAGE_RECIPE = 1;

/**
 * Packages every lab host gets. Base: what makes a bootable, reachable host
 * (systemd as PID 1, sshd). Then what the Kubernetes bootstrap needs on a node,
 * since hosts have no route to any package mirror.
 */
export const BASE_PACKAGES = [
  "systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "iputils-ping", "procps", "ca-certificates",
  // kube-proxy, kubelet and CNI: packet filtering, conntrack, port-forward, ipsets
  "iptables", "conntrack", "socat", "ipset", "ebtables", "ethtool", "kmod", "util-linux",
  // container runtime proven on this machine (lab-facts.md), left disabled until configured
  "containerd", "runc", "containernetworking-plugins",
  // health checks, TLS and an optional local load balancer in front of the apiservers
  "curl", "openssl", "haproxy", "netcat-openbsd",
];

export interface ImageSpec {
  suite: string;
  mirror: string;
  packages: string[];
}

export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEELSON_CACHE || path.join(env.HOME || os.homedir(), ".cache", "keelson");
}

export function imageSpec(opts: { suite?: string; mirror?: string; extraPackages?: string[] } = {}): ImageSpec {
  const suite = opts.suite ?? "bookworm";
  const mirror = opts.mirror ?? "http://deb.debian.org/debian";
  (opts.extraPackages ?? []).forEach((p, i) => {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(p)) throw new Error(`lab.image.extraPackages[${i}]: ${JSON.stringify(p)} is not a Debian package name`);
  });
  if (!/^[a-z][a-z0-9-]*$/.test(suite)) throw new Error(`lab.image.suite: ${JSON.stringify(suite)} is not a Debian suite name`);
  if (!/^https?:\/\/\S+$/.test(mirror)) throw new Error(`lab.image.mirror: ${JSON.stringify(mirror)} must be an http(s) URL`);
  const packages = [...new Set([...BASE_PACKAGES, ...(opts.extraPackages ?? [])])].sort();
  return { suite, mirror, packages };
}

/** The image's identity: suite, sorted packages and the recipe revision (not the mirror). */
export function imageHash(spec: ImageSpec): string {
  const h = createHash("sha256");
  h.update(`recipe ${IMAGE_RECIPE}\nsuite ${spec.suite}\n`);
  for (const p of [...spec.packages].sort()) h.update(`pkg ${p}\n`);
  return h.digest("hex").slice(0, 16);
}

export function imageDir(spec: ImageSpec, cacheRoot = defaultCacheRoot()): string {
  return path.join(cacheRoot, "lab", "images", `${spec.suite}-${imageHash(spec)}`);
}

export function imageManifest(spec: ImageSpec): string {
  return JSON.stringify({ suite: spec.suite, packages: spec.packages, recipe: IMAGE_RECIPE, hash: imageHash(spec) });
}
