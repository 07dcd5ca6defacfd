#!/usr/bin/env node
// `npm run down` runs this after `pulumi destroy`: removes whatever a killed
// earlier run of the lab stack left on the machine (processes, mounts,
// namespaces, links, cgroups, directories), found by the stack's names alone.
// Usage: node scripts/cleanup-lab.mjs STACK   (see docs/lab.md)
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stack = process.argv[2];
if (!stack) {
  console.error("usage: cleanup-lab.mjs STACK");
  process.exit(2);
}
const r = spawnSync("bash", [path.join(root, "components", "infra", "lab", "scripts", "cleanup-stack.sh"), stack], { stdio: "inherit" });
process.exit(r.status ?? 1);
