// IPv4 arithmetic (pure, no dependencies): the project's one implementation.
// The model uses it directly; components/pki/ipmath.ts wraps it for code that
// throws with a field path, and the policy pack (policies/rules/cidr.ts) reads
// CIDRs through it too, so every part agrees on what an address is.
// Addresses are unsigned 32-bit numbers; a CIDR is {network, prefix}. Parsing
// returns undefined instead of throwing, so the validator can report every bad
// field at once.

export interface Cidr {
  readonly network: number;
  readonly prefix: number;
}

const IP_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIp(text: string): number | undefined {
  const m = IP_RE.exec(text);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x, i) => x > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith("0")))) return undefined;
  return ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * An "a.b.c.d/p" text read leniently: the network it lies in, and whether the
 * address had host bits set ("10.0.0.5/24" lies in 10.0.0.0/24). Undefined when
 * the text is not of that form. The strict readers below and the callers that
 * phrase their own errors (ipmath) or tolerate host bits (the policy pack) all
 * start here, so there is one parser.
 */
export function readCidr(text: string): { cidr: Cidr; hostBitsSet: boolean } | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIp(m[1]);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  const network = (ip & mask(prefix)) >>> 0;
  return { cidr: { network, prefix }, hostBitsSet: network !== ip };
}

/** Why `text` is not a network CIDR, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  const r = readCidr(text);
  if (!r) return `${JSON.stringify(text)} is not an IPv4 CIDR like 10.88.1.0/24`;
  if (r.hostBitsSet) return `${text} has host bits set (the network is ${formatCidr(r.cidr)})`;
  return undefined;
}

/** A network CIDR (no host bits set), or undefined. */
export function parseCidr(text: string): Cidr | undefined {
  const r = readCidr(text);
  return r && !r.hostBitsSet ? r.cidr : undefined;
}

/** Like parseCidr, for values the schema has already checked. */
export function cidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new Error(`internal: ${text} is not a CIDR (the schema should have rejected it)`);
  return c;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.network)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** The address `offset` places into the block (offset 0 = network address). */
export function addressAt(c: Cidr, offset: number): string {
  if (offset < 0 || offset >= size(c)) throw new Error(`internal: offset ${offset} outside ${formatCidr(c)}`);
  return formatIp(c.network + offset);
}

export function containsIp(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.network;
}

/** Whether `outer` holds every address of `inner`. */
export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && containsIp(outer, inner.network);
}

export function offsetOf(c: Cidr, ip: number): number | undefined {
  return containsIp(c, ip) ? ip - c.network : undefined;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.network & mask(p)) >>> 0) === ((b.network & mask(p)) >>> 0);
}

/** The `index`-th block of length /newPrefix inside `parent`, or undefined when it does not fit. */
export function subnetAt(parent: Cidr, newPrefix: number, index: number): Cidr | undefined {
  if (newPrefix < parent.prefix || newPrefix > 32) return undefined;
  const count = 2 ** (newPrefix - parent.prefix);
  if (index < 0 || index >= count) return undefined;
  return { network: parent.network + index * 2 ** (32 - newPrefix), prefix: newPrefix };
}

/** RFC 1918 private ranges: 10/8, 172.16/12, 192.168/16. */
export function isPrivate(c: Cidr): boolean {
  return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((r) => containsCidr(parseCidr(r)!, c));
}
