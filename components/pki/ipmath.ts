// IPv4 for code that validates as it goes and throws (the PKI, the control
// plane and worker renderers, the lab's network plan): every error names the
// field it came from. The arithmetic is components/model/ipv4.ts's; this file
// only turns its "undefined" answers into those errors, whose wording callers
// and tests match on.
import { addressAt, containsCidr, formatCidr, formatIp, overlaps, parseIp, readCidr, type Cidr } from "../model/ipv4";

export type { Cidr } from "../model/ipv4";

export function ipToInt(ip: string): number {
  const n = parseIp(ip);
  if (n === undefined) throw new Error(`${JSON.stringify(ip)} is not an IPv4 address`);
  return n;
}

export const intToIp = formatIp;

export function parseCidr(cidr: string, path: string): Cidr {
  const r = readCidr(cidr ?? "");
  if (!r) throw new Error(`${path}: ${JSON.stringify(cidr)} is not an IPv4 CIDR like 172.21.0.0/16`);
  if (r.hostBitsSet) throw new Error(`${path}: ${cidr} has host bits set (network address is ${formatCidr(r.cidr)})`);
  return r.cidr;
}

/** The ClusterIP of the `kubernetes` Service: the first address of the service range. */
export function firstServiceIp(serviceSubnet: string, path = "serviceSubnet"): string {
  const c = parseCidr(serviceSubnet, path);
  if (c.prefix > 30) throw new Error(`${path}: ${serviceSubnet} is too small for a service range`);
  return addressAt(c, 1);
}

/** Does `inner` lie entirely inside `outer`? */
export function cidrContains(outer: string, inner: string): boolean {
  return containsCidr(parseCidr(outer, "outer"), parseCidr(inner, "inner"));
}

// Parsed as "outer" then "inner" like cidrContains, so a bad value reads the same as before.
export function cidrsOverlap(a: string, b: string): boolean {
  return overlaps(parseCidr(a, "outer"), parseCidr(b, "inner"));
}
