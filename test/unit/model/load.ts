// Loading the example stacks the way the CLI does.
import * as path from "node:path";
import { parseSpec, type ClusterSpec } from "../../../components/model/spec";
import { readStackConfig } from "../../../components/model/stackConfig";

export const ROOT = path.join(__dirname, "..", "..", "..");

export function loadExample(name: "lab" | "classic" | "vpc"): ClusterSpec {
  const cfg = readStackConfig(path.join(ROOT, "stacks", `Pulumi.${name}.yaml`));
  if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
  const r = parseSpec(cfg.raw);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return r.spec;
}
