// The little IPv4 arithmetic the PKI and the control plane need (pure).

export function ipToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export interface Cidr {
  network: number;
  prefix: number;
}

export function parseCidr(cidr: string, path: string): Cidr {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr ?? "");
  if (!m || m[1].split(".").some((o) => Number(o) > 255) || Number(m[2]) > 32) {
    throw new Error(`${path}: ${JSON.stringify(cidr)} is not an IPv4 CIDR like 172.21.0.0/16`);
  }
  const prefix = Number(m[2]);
  const ip = ipToInt(m[1]);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((ip & mask) >>> 0 !== ip) {
    throw new Error(`${path}: ${cidr} has host bits set (network address is ${intToIp((ip & mask) >>> 0)}/${prefix})`);
  }
  return { network: ip, prefix };
}

/** The ClusterIP of the `kubernetes` Service: the first address of the service range. */
export function firstServiceIp(serviceSubnet: string, path = "serviceSubnet"): string {
  const c = parseCidr(serviceSubnet, path);
  if (c.prefix > 30) throw new Error(`${path}: ${serviceSubnet} is too small for a service range`);
  return intToIp(c.network + 1);
}

/** Does `inner` lie entirely inside `outer`? */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer, "outer");
  const i = parseCidr(inner, "inner");
  if (i.prefix < o.prefix) return false;
  const mask = o.prefix === 0 ? 0 : (0xffffffff << (32 - o.prefix)) >>> 0;
  return ((i.network & mask) >>> 0) === o.network;
}

export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}
