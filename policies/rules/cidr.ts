// How the rules read a CIDR. The arithmetic is components/model/ipv4.ts's (the
// pack already loads pure model code, e.g. model/flavors; ipv4.ts has no
// dependencies, so the pack still needs none). What is the pack's own is the
// leniency: a value that is not text yet (unknown during preview) or does not
// parse is reported by the component's own validation, not here, so it reads
// as undefined and the rule skips it; host bits are cleared rather than
// rejected, so "203.0.113.7/24" is checked as the 203.0.113.0/24 it lies in.
import { readCidr, type Cidr } from "../../components/model/ipv4";

export function parseCidr(text: string | undefined): Cidr | undefined {
  return typeof text === "string" ? readCidr(text)?.cidr : undefined;
}
