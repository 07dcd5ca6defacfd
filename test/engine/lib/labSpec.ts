// The lab stack's own spec (stacks/Pulumi.lab.yaml), renamed and moved to
// address ranges of a test's own, so an engine test builds what `npm run up`
// builds, beside a user's lab stack and the other engine tests.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { projectRoot } from "./pulumi";

/** 10.88-91 (private, public, portable private, portable public) become 10.<o>..10.<o+3>. */
export function labSpecCopy(name: string, o: number): Record<string, any> {
  const text = fs
    .readFileSync(path.join(projectRoot, "stacks", "Pulumi.lab.yaml"), "utf8")
    .replace(/\b10\.88\./g, `10.${o}.`)
    .replace(/\b10\.89\./g, `10.${o + 1}.`)
    .replace(/\b10\.90\./g, `10.${o + 2}.`)
    .replace(/\b10\.91\./g, `10.${o + 3}.`);
  const spec = parse(text).config["keelson:cluster"];
  spec.name = name;
  return spec;
}
