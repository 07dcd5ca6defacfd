// Cleanup of a lab stack by name (see scripts/cleanup-stack.sh): used by
// `npm run down`, by tests, and equivalent to what destroy does per host.
import { spawnSync } from "child_process";
import * as path from "path";
import { LAB_ROOT, validateStack } from "./naming";
import { SCRIPTS_DIR } from "./render";

const script = path.join(SCRIPTS_DIR, "cleanup-stack.sh");

/** What of the stack exists on this machine, as "kind name" lines (netns, link, mount, process, cgroup, dir). */
export function listStackLeftovers(stack: string, labRoot = LAB_ROOT): string[] {
  const r = spawnSync("bash", [script, "--list", validateStack(stack)], { encoding: "utf8", env: { ...process.env, LAB_ROOT: labRoot } });
  if (r.status !== 0) throw new Error(`listing lab stack ${stack} failed: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

/** Removes every process, mount, namespace, link, cgroup and directory of the stack; returns what remains (nothing, normally). */
export function cleanupStack(stack: string, labRoot = LAB_ROOT): string[] {
  const r = spawnSync("bash", [script, validateStack(stack)], { encoding: "utf8", env: { ...process.env, LAB_ROOT: labRoot } });
  if (r.status !== 0 && r.status !== 1) throw new Error(`cleaning lab stack ${stack} failed: ${r.stderr}`);
  return listStackLeftovers(stack, labRoot);
}
