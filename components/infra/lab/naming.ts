// Names of everything a lab stack creates on the machine (pure).
//
// Every name carries the stack, so that cleanup can find a stack's leftovers
// by name alone (even when its state files are gone) without touching another
// stack's. Network namespace names and directories use the stack name itself
// where the kernel allows it; interface names (15 chars at most) use a short
// hash of the stack instead, and only ever live in the stack's own namespaces,
// except the one management link in the root namespace.
import { createHash } from "crypto";
import * as path from "path";

export const LAB_ROOT = "/var/lib/keelson/lab";
export const CGROUP_ROOT = "/sys/fs/cgroup";
/** cgroup v1 controllers a host's limits live in (the machine is cgroup v1, see lab-facts.md). */
// Every cgroup v1 controller a host is confined to. All of them, not only the
// limited ones: with cgroup namespaces a host sees its own cgroup as the root of
// each hierarchy, so a kubelet inside creates /kubepods under the host's cgroup;
// a controller the host had not joined would be the machine's root, shared by
// every node (and left behind by destroy). That includes systemd's own
// hierarchies, name=systemd (no controller) and the cgroup2 one (`unified`):
// nspawn puts a host's systemd in a "payload" cgroup below its own cgroup as the
// cgroup2 hierarchy reports it, so when every host started from the root, every
// host's systemd shared /payload/system.slice, and one host removing the cgroup
// of a unit it had finished failed the same unit starting on another
// ("status=219/CGROUP", seen in CI).
export const CGROUP_CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer", "systemd", "unified"] as const;

const STACK_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function validateStack(stack: string, field = "stack"): string {
  if (!STACK_RE.test(stack ?? "")) {
    throw new Error(`${field}: ${JSON.stringify(stack)} is not a usable stack name (letters, digits, _ . -, at most 100)`);
  }
  return stack;
}

/** Host names are hostnames: one DNS label. */
export function validateHostName(name: string, field = "host.name"): string {
  if (!LABEL_RE.test(name ?? "")) throw new Error(`${field}: ${JSON.stringify(name)} is not a DNS label (a-z, 0-9, -, at most 63)`);
  return name;
}

function hex(text: string, n: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, n);
}

/** 6 hex characters naming the stack inside interface names. */
export function stackTag(stack: string): string {
  return hex(validateStack(stack), 6);
}

export interface StackNames {
  stack: string;
  tag: string;
  /** /var/lib/keelson/lab/<stack>: everything on disk. */
  dir: string;
  /** Prefix of every network namespace of the stack. */
  netnsPrefix: string;
  /** L2 only: one bridge per VLAN, nothing routed. */
  fabricNs: string;
  /** The private backbone between zones (IBM's private network). */
  routerNs: string;
  /** The public side: routes between public VLANs and the internet client. */
  publicNs: string;
  /** "The internet": a namespace that can reach public IPs only. */
  clientNs: string;
  /** Root-namespace end of the management link (the machine running pulumi -> router). */
  mgmtLink: string;
  /** cgroup path below each controller, e.g. keelson/<stack>. */
  cgroup: string;
}

export function stackNames(stack: string, labRoot = LAB_ROOT): StackNames {
  const tag = stackTag(stack);
  // "--" cannot occur inside a host name's label boundary at the start, so
  // infrastructure namespaces never collide with a host's kl-<tag>-<host>.
  const netnsPrefix = `kl-${tag}-`;
  return {
    stack,
    tag,
    dir: path.posix.join(labRoot, stack),
    netnsPrefix,
    fabricNs: `${netnsPrefix}-fabric`,
    routerNs: `${netnsPrefix}-router`,
    publicNs: `${netnsPrefix}-public`,
    clientNs: `${netnsPrefix}-client`,
    mgmtLink: `km${tag}`,
    cgroup: `keelson/${stack}`,
  };
}

/** A VLAN's bridge, inside the fabric namespace. */
export function bridgeName(segment: string): string {
  return `br${hex(`segment:${segment}`, 8)}`;
}

/** Router-side veth for a segment: `r<hash>` in the fabric bridge, `s<hash>` in the router. */
export function routerLinkNames(segment: string): { fabric: string; router: string } {
  const h = hex(`segment:${segment}`, 8);
  return { fabric: `r${h}`, router: `s${h}` };
}

export interface HostNames {
  host: string;
  netns: string;
  dir: string;
  upper: string;
  work: string;
  root: string;
  /** cgroup path below each controller. */
  cgroup: string;
  /** Fabric-side veth per NIC: h<hash>p (private), h<hash>u (public). */
  privateVeth: string;
  publicVeth: string;
  machine: string;
}

export function hostNames(stack: string, host: string, labRoot = LAB_ROOT): HostNames {
  const s = stackNames(stack, labRoot);
  validateHostName(host);
  const dir = path.posix.join(s.dir, "hosts", host);
  const h = hex(`host:${host}`, 10);
  return {
    host,
    netns: `${s.netnsPrefix}${host}`,
    dir,
    upper: `${dir}/upper`,
    work: `${dir}/work`,
    root: `${dir}/root`,
    cgroup: `${s.cgroup}/${host}`,
    privateVeth: `h${h}p`,
    publicVeth: `h${h}u`,
    machine: `kl-${s.tag}-${host}`,
  };
}
