// Which lab host answers for an address on a public VLAN, as the network sees it:
// the MAC the stack's public router resolved the address to, mapped to the host
// that owns that MAC. For engine tests and benchmarks of LoadBalancer failover
// (MetalLB's own report cannot show a takeover from a dead node, docs/services.md);
// never used by a stack.
import { spawnSync } from "child_process";
import { hostNames, stackNames } from "./naming";

const ip = (netns: string, ...args: string[]) => spawnSync("ip", ["netns", "exec", netns, "ip", ...args], { encoding: "utf8" }).stdout ?? "";

/** The MACs of `hosts` are read once, now (a crashed host's links may be gone later); the returned function reads the router each call. */
export function publicAnswerer(stack: string, hosts: string[]): (address: string) => string | undefined {
  const owner = new Map<string, string>();
  for (const h of hosts) {
    for (const m of ip(hostNames(stack, h).netns, "-o", "link").matchAll(/link\/ether ([0-9a-f:]{17})/g)) owner.set(m[1], h);
  }
  const router = stackNames(stack).publicNs;
  return (address) => {
    const mac = /lladdr ([0-9a-f:]{17})/.exec(ip(router, "neigh", "show", address))?.[1];
    return mac ? owner.get(mac) : undefined;
  };
}
