// The project's one IPv4 implementation (components/model/ipv4.ts): the model,
// pki/ipmath.ts, the lab's network plan and the policy pack all answer through it.
import {
  addressAt,
  cidr,
  cidrProblem,
  containsCidr,
  containsIp,
  formatCidr,
  formatIp,
  isPrivate,
  mask,
  offsetOf,
  overlaps,
  parseCidr,
  parseIp,
  readCidr,
  size,
  subnetAt,
} from "../../../components/model/ipv4";

describe("addresses", () => {
  it("reads and writes the whole range, ends included", () => {
    expect(parseIp("0.0.0.0")).toBe(0);
    expect(parseIp("10.88.1.2")).toBe(0x0a580102);
    expect(parseIp("255.255.255.255")).toBe(0xffffffff);
    expect(formatIp(0)).toBe("0.0.0.0");
    expect(formatIp(0xffffffff)).toBe("255.255.255.255");
    for (const ip of ["1.2.3.4", "128.0.0.1", "192.168.255.254"]) expect(formatIp(parseIp(ip)!)).toBe(ip);
  });
  it("rejects leading zeros (010 is octal 8 to inet_aton), octets past 255 and other shapes", () => {
    for (const bad of ["010.0.0.1", "1.2.3.04", "00.0.0.0", "256.0.0.0", "1.2.3.300", "1.2.3", "1.2.3.4.5", " 1.2.3.4", "1.2.3.4/32", "a.b.c.d", "", "-1.2.3.4"]) {
      expect(parseIp(bad)).toBeUndefined();
    }
  });
  it("masks /0 and /32 without JavaScript's shift-by-32 wrap", () => {
    expect(mask(0)).toBe(0);
    expect(mask(1)).toBe(0x80000000);
    expect(mask(24)).toBe(0xffffff00);
    expect(mask(32)).toBe(0xffffffff);
  });
});

describe("CIDRs", () => {
  it("reads network CIDRs from /0 to /32", () => {
    expect(parseCidr("0.0.0.0/0")).toEqual({ network: 0, prefix: 0 });
    expect(parseCidr("255.255.255.255/32")).toEqual({ network: 0xffffffff, prefix: 32 });
    expect(formatCidr(cidr("172.21.0.0/16"))).toBe("172.21.0.0/16");
  });
  it("says why a text is not a network CIDR", () => {
    expect(cidrProblem("10.0.0.0/8")).toBeUndefined();
    expect(cidrProblem("10.0.0.5/24")).toBe("10.0.0.5/24 has host bits set (the network is 10.0.0.0/24)");
    expect(cidrProblem("1.2.3.4/0")).toBe("1.2.3.4/0 has host bits set (the network is 0.0.0.0/0)");
    for (const bad of ["10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "10.0.0.0/8/8", "010.0.0.0/8", "10.0.0.0/123", "nope"]) {
      expect(cidrProblem(bad)).toBe(`${JSON.stringify(bad)} is not an IPv4 CIDR like 10.88.1.0/24`);
      expect(parseCidr(bad)).toBeUndefined();
    }
    expect(parseCidr("10.0.0.5/24")).toBeUndefined();
    expect(() => cidr("10.0.0.5/24")).toThrow(/^internal: 10\.0\.0\.5\/24 is not a CIDR/);
  });
  it("reads leniently too: the network a host address lies in", () => {
    expect(readCidr("10.0.0.5/24")).toEqual({ cidr: { network: 0x0a000000, prefix: 24 }, hostBitsSet: true });
    expect(readCidr("10.0.0.0/24")).toEqual({ cidr: { network: 0x0a000000, prefix: 24 }, hostBitsSet: false });
    expect(readCidr("255.255.255.255/0")).toEqual({ cidr: { network: 0, prefix: 0 }, hostBitsSet: true });
    expect(readCidr("10.0.0.0/40")).toBeUndefined();
  });
  it("sizes blocks up to the whole space", () => {
    expect(size(cidr("0.0.0.0/0"))).toBe(2 ** 32);
    expect(size(cidr("10.0.0.0/29"))).toBe(8);
    expect(size(cidr("10.0.0.1/32"))).toBe(1);
  });
});

describe("offsets", () => {
  const c = cidr("10.88.1.0/29");
  it("gives the address at an offset, and refuses offsets outside the block", () => {
    expect(addressAt(c, 0)).toBe("10.88.1.0");
    expect(addressAt(c, 7)).toBe("10.88.1.7");
    expect(() => addressAt(c, 8)).toThrow("internal: offset 8 outside 10.88.1.0/29");
    expect(() => addressAt(c, -1)).toThrow(/outside/);
    expect(addressAt(cidr("0.0.0.0/0"), 2 ** 32 - 1)).toBe("255.255.255.255");
    expect(() => addressAt(cidr("0.0.0.0/0"), 2 ** 32)).toThrow(/outside/);
    expect(addressAt(cidr("255.255.255.255/32"), 0)).toBe("255.255.255.255");
  });
  it("gives the offset of an address, or undefined outside the block", () => {
    expect(offsetOf(c, parseIp("10.88.1.5")!)).toBe(5);
    expect(offsetOf(c, parseIp("10.88.1.8")!)).toBeUndefined();
    expect(offsetOf(c, parseIp("10.88.0.255")!)).toBeUndefined();
    expect(offsetOf(cidr("0.0.0.0/0"), 0xffffffff)).toBe(0xffffffff);
  });
});

describe("relations", () => {
  it("containment of addresses and blocks", () => {
    expect(containsIp(cidr("10.0.0.0/8"), parseIp("10.255.255.255")!)).toBe(true);
    expect(containsIp(cidr("10.0.0.0/8"), parseIp("11.0.0.0")!)).toBe(false);
    expect(containsIp(cidr("0.0.0.0/0"), 0xffffffff)).toBe(true);
    expect(containsIp(cidr("255.255.255.255/32"), 0xffffffff)).toBe(true);
    expect(containsIp(cidr("255.255.255.255/32"), 0xfffffffe)).toBe(false);
    expect(containsCidr(cidr("172.30.0.0/16"), cidr("172.30.4.0/24"))).toBe(true);
    expect(containsCidr(cidr("172.30.4.0/24"), cidr("172.30.0.0/16"))).toBe(false);
    expect(containsCidr(cidr("172.30.0.0/16"), cidr("172.31.0.0/24"))).toBe(false);
    expect(containsCidr(cidr("0.0.0.0/0"), cidr("255.255.255.255/32"))).toBe(true);
    expect(containsCidr(cidr("10.0.0.0/8"), cidr("10.0.0.0/8"))).toBe(true);
  });
  it("overlap is symmetric and holds at the edges", () => {
    const pairs: [string, string, boolean][] = [
      ["10.0.0.0/8", "10.1.0.0/16", true],
      ["172.21.0.0/16", "172.30.0.0/16", false],
      ["10.0.0.0/25", "10.0.0.128/25", false],
      ["0.0.0.0/0", "192.0.2.1/32", true],
      ["255.255.255.255/32", "255.255.255.254/31", true],
      ["255.255.255.255/32", "255.255.255.254/32", false],
    ];
    for (const [a, b, want] of pairs) {
      expect(overlaps(cidr(a), cidr(b))).toBe(want);
      expect(overlaps(cidr(b), cidr(a))).toBe(want);
    }
  });
  it("subnets a block by index, and refuses what does not fit", () => {
    const p = cidr("10.0.0.0/22");
    expect(formatCidr(subnetAt(p, 24, 0)!)).toBe("10.0.0.0/24");
    expect(formatCidr(subnetAt(p, 24, 3)!)).toBe("10.0.3.0/24");
    expect(subnetAt(p, 24, 4)).toBeUndefined();
    expect(subnetAt(p, 24, -1)).toBeUndefined();
    expect(subnetAt(p, 21, 0)).toBeUndefined();
    expect(subnetAt(p, 33, 0)).toBeUndefined();
    expect(formatCidr(subnetAt(cidr("0.0.0.0/0"), 32, 2 ** 32 - 1)!)).toBe("255.255.255.255/32");
    expect(formatCidr(subnetAt(p, 22, 0)!)).toBe("10.0.0.0/22");
  });
  it("knows the RFC 1918 ranges", () => {
    expect(isPrivate(cidr("10.88.0.0/16"))).toBe(true);
    expect(isPrivate(cidr("172.31.255.0/24"))).toBe(true);
    expect(isPrivate(cidr("172.32.0.0/16"))).toBe(false);
    expect(isPrivate(cidr("192.168.0.0/16"))).toBe(true);
    expect(isPrivate(cidr("192.168.0.0/15"))).toBe(false); // larger than the range it starts in
    expect(isPrivate(cidr("0.0.0.0/0"))).toBe(false);
  });
});
