#!/usr/bin/env node
// Benchmark: the `lab` stack from nothing to a ready control plane, through the
// README's own commands, then a no-change `up` and the destroy. Prints figures;
// asserts nothing about them.
//
//   node scripts/bench-lab-stack.mjs            # uses stack "bench-lab" (a copy of stacks/Pulumi.lab.yaml)
//   KEEP=1 node scripts/bench-lab-stack.mjs     # leave the stack up afterwards
// It uses the lab stack's addresses: run it while the `lab` stack is down.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stack = process.env.KEELSON_STACK || "bench-lab";
const specFile = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
const runner = path.join(root, "scripts", "keelson-run.mjs");
const env = { ...process.env, KEELSON_STACK: stack };

function timed(label, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [runner, ...args], { cwd: root, env, encoding: "utf8", maxBuffer: 256 << 20 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    process.stderr.write(r.stdout.slice(-4000) + r.stderr.slice(-4000));
    throw new Error(`${label} failed (exit ${r.status})`);
  }
  console.log(`${label.padEnd(52)} ${secs.toFixed(1).padStart(7)} s`);
  return r.stdout;
}

const created = !fs.existsSync(specFile);
if (created) fs.copyFileSync(path.join(root, "stacks", "Pulumi.lab.yaml"), specFile);
try {
  console.log(`stack ${stack} on ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  timed("npm run down (start from nothing)", ["down"]);
  timed("npm run up: nothing -> ready control plane", ["up"]);
  const kubeconfig = timed("stack output kubeconfig", ["pulumi", "--", "stack", "output", "kubeconfig", "--show-secrets", "-s", stack]);
  const kcFile = path.join(os.tmpdir(), `keelson-bench-${process.pid}.kubeconfig`);
  fs.writeFileSync(kcFile, kubeconfig, { mode: 0o600 });
  const kubectl = path.join(process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson"), "kubernetes", "v1.36.3", "bin", "kubectl");
  const ready = spawnSync(kubectl, ["--kubeconfig", kcFile, "get", "--raw", "/readyz"], { encoding: "utf8" });
  fs.rmSync(kcFile, { force: true });
  console.log(`${"kubectl get --raw /readyz".padEnd(52)} ${ready.stdout.trim() || ready.stderr.trim()}`);
  timed("npm run up again (no changes)", ["up"]);
  if (!process.env.KEEP) timed("npm run down", ["down"]);
} finally {
  if (!process.env.KEEP) {
    spawnSync(process.execPath, [runner, "pulumi", "--", "stack", "rm", "--yes", "--force", stack], { cwd: root, env, stdio: "ignore" });
    if (created) fs.rmSync(specFile, { force: true });
  }
}
