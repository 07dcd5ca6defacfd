// Reading `keelson:cluster` out of a Pulumi stack config file
// (`config: { keelson:cluster: {...} }`), with file-level problems in the
// same `path: reason` form as spec problems.
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import type { Problem } from "./problems";

export const CLUSTER_CONFIG_KEY = "keelson:cluster";

export type StackConfigResult = { ok: true; raw: unknown } | { ok: false; errors: Problem[] };

export function readStackConfig(file: string): StackConfigResult {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    return { ok: false, errors: [{ path: file, message: `cannot read: ${(e as Error).message}` }] };
  }
  return parseStackConfig(text, file);
}

export function parseStackConfig(text: string, file = "(stack config)"): StackConfigResult {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    return { ok: false, errors: [{ path: file, message: `not valid YAML: ${(e as Error).message.split("\n")[0]}` }] };
  }
  if (typeof doc !== "object" || doc === null || !("config" in doc) || typeof (doc as { config: unknown }).config !== "object" || (doc as { config: unknown }).config === null) {
    return { ok: false, errors: [{ path: "config", message: `required: a stack config file has the form config: { ${CLUSTER_CONFIG_KEY}: {...} }` }] };
  }
  const config = (doc as { config: Record<string, unknown> }).config;
  if (!(CLUSTER_CONFIG_KEY in config)) {
    return { ok: false, errors: [{ path: `config.${CLUSTER_CONFIG_KEY}`, message: "required: the cluster spec" }] };
  }
  return { ok: true, raw: config[CLUSTER_CONFIG_KEY] };
}
