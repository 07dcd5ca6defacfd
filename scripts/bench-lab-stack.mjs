#!/usr/bin/env node
// Benchmark: the `lab` stack from nothing to every worker node Ready (control
// plane, nodes, CoreDNS), through the README's own commands, then a no-change
// `up` and the destroy; once as the lab stack is (4 workers) and once with its
// default pool at 2 per zone (7 workers). Prints figures; asserts nothing about them.
//
//   node scripts/bench-lab-stack.mjs            # default pool sizes 1 and 2 per zone
//   node scripts/bench-lab-stack.mjs 1 2 3      # any sizes
//   KEEP=1 node scripts/bench-lab-stack.mjs 1   # leave the stack up afterwards
// It copies stacks/Pulumi.lab.yaml (same addresses): run it while the `lab` stack is down.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stack = process.env.KEELSON_STACK || "bench-lab";
const specFile = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
const runner = path.join(root, "scripts", "keelson-run.mjs");
const env = { ...process.env, KEELSON_STACK: stack };
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const kubectl = path.join(process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson"), "kubernetes", "v1.36.3", "bin", "kubectl");

function timed(label, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [runner, ...args], { cwd: root, env, encoding: "utf8", maxBuffer: 256 << 20 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    const diag = r.stdout.indexOf("Diagnostics:");
    process.stderr.write((diag >= 0 ? r.stdout.slice(diag, diag + 20000) : r.stdout.slice(-4000)) + r.stderr.slice(-4000));
    throw new Error(`${label} failed (exit ${r.status})`);
  }
  console.log(`${label.padEnd(60)} ${secs.toFixed(1).padStart(7)} s`);
  return r.stdout;
}

/** The lab spec with the default pool at `size` per zone (and room for its hosts). */
function writeSpec(size) {
  const doc = YAML.parse(fs.readFileSync(path.join(root, "stacks", "Pulumi.lab.yaml"), "utf8"));
  const spec = doc.config["keelson:cluster"];
  spec.workerPools.find((p) => p.name === "default").sizePerZone = size;
  spec.infrastructure.maxHosts = Math.max(spec.infrastructure.maxHosts, 3 + 3 * size + 1);
  fs.writeFileSync(specFile, YAML.stringify(doc));
  return 3 * size + 1;
}

function nodeCounts() {
  const kubeconfig = timed("  stack output kubeconfig", ["pulumi", "--", "stack", "output", "kubeconfig", "--show-secrets", "-s", stack]);
  const kcFile = path.join(os.tmpdir(), `keelson-bench-${process.pid}.kubeconfig`);
  fs.writeFileSync(kcFile, kubeconfig, { mode: 0o600 });
  try {
    const r = spawnSync(kubectl, ["--kubeconfig", kcFile, "get", "nodes", "-o", "json"], { encoding: "utf8", maxBuffer: 64 << 20 });
    const items = JSON.parse(r.stdout || "{}").items ?? [];
    const ready = items.filter((n) => n.status.conditions.some((c) => c.type === "Ready" && c.status === "True")).length;
    return { total: items.length, ready };
  } finally {
    fs.rmSync(kcFile, { force: true });
  }
}

const existed = fs.existsSync(specFile);
try {
  console.log(`stack ${stack} on ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  for (const size of sizes.length ? sizes : [1, 2]) {
    const workers = writeSpec(size);
    console.log(`-- lab stack, default pool ${size} per zone: 3 masters + ${workers} workers`);
    timed("  npm run down (start from nothing)", ["down"]);
    timed(`  npm run up: nothing -> ${workers} workers Ready, CoreDNS up`, ["up"]);
    const n = nodeCounts();
    console.log(`${"  nodes Ready / registered".padEnd(60)} ${`${n.ready}/${n.total}`.padStart(7)}`);
    timed("  npm run up again (no changes)", ["up"]);
    if (!process.env.KEEP) timed("  npm run down", ["down"]);
  }
} finally {
  if (!process.env.KEEP) {
    spawnSync(process.execPath, [runner, "pulumi", "--", "stack", "rm", "--yes", "--force", stack], { cwd: root, env, stdio: "ignore" });
    if (!existed) fs.rmSync(specFile, { force: true });
  }
}
