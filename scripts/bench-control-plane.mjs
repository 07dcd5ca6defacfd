#!/usr/bin/env node
// Benchmark: time from nothing to a ready control plane (three masters: PKI,
// etcd, kube-apiserver, controller-manager, scheduler) through the real engine.
// Prints figures; asserts nothing about them.
//
//   node scripts/bench-control-plane.mjs [--keep]
//
// Hosts: test/engine/fixtures/control-plane/hosts.sh (systemd-nspawn hosts, as
// lab-facts.md proves them). Program: that fixture's index.ts. The Kubernetes
// binaries and etcd must be in the cache (node toolchain/kubernetes.mjs, node toolchain/etcd.mjs);
// their build time is not part of this figure (see docs/toolchain-kubernetes.md).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fixture = path.join(root, "test", "engine", "fixtures", "control-plane");
const hostsSh = path.join(fixture, "hosts.sh");
const keep = process.argv.includes("--keep");
const tag = `b${Math.random().toString(36).slice(2, 6)}`;
const net = 200 + Math.floor(Math.random() * 50);
const stack = `bench-cp-${tag}`;
const ips = [1, 2, 3].map((i) => `10.${net}.0.${10 + i}`);
const cache = process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
const kubectl = path.join(cache, "kubernetes", "v1.36.3", "bin", "kubectl");
const figures = [];

function run(cmd, args, { check = true } = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 256 << 20 });
  if (check && r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${(r.stdout || "").slice(-4000)}\n${(r.stderr || "").slice(-4000)}`);
  return r;
}
const pulumi = (args, o) => run(process.execPath, [path.join(root, "scripts", "keelson-run.mjs"), "pulumi", "--", ...args, "-C", fixture, "--non-interactive"], o);

function timed(label, fn) {
  const t0 = process.hrtime.bigint();
  const v = fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  figures.push([label, s]);
  console.log(`${label.padEnd(52)} ${s.toFixed(1).padStart(7)} s`);
  return v;
}

function count(out, re) {
  const m = out.match(re);
  return m ? m[1] : "?";
}

try {
  run(hostsSh, ["template"]);
  timed("3 master hosts from nothing to SSH-ready", () => run(hostsSh, ["up", tag, String(net), "3"]));
  pulumi(["stack", "init", stack]);
  const set = ["config", "set-all", "--stack", stack, "--path", "--plaintext", `sshKeyFile=${run(hostsSh, ["key"]).stdout.trim()}`];
  ips.forEach((ip, i) => set.push("--plaintext", `hosts[${i}].name=kcp${tag}-${i + 1}`, "--plaintext", `hosts[${i}].zone=z${i + 1}`, "--plaintext", `hosts[${i}].privateIp=${ip}`));
  pulumi(set);
  const up = timed("pulumi up: nothing -> ready control plane", () => pulumi(["up", "--yes", "--stack", stack]));
  console.log(`  (${count(up.stdout, /\+ (\d+) created/)} resources created; engine-reported duration ${count(up.stdout, /Duration: (\S+)/)})`);
  const kc = path.join(os.tmpdir(), `${stack}.kubeconfig`);
  fs.writeFileSync(kc, pulumi(["stack", "output", "kubeconfig", "--show-secrets", "--stack", stack]).stdout, { mode: 0o600 });
  for (const ip of ips) {
    const r = run(kubectl, ["--kubeconfig", kc, "--server", `https://${ip}:6443`, "get", "--raw", "/readyz"], { check: false });
    console.log(`  readyz via ${ip}: ${r.stdout.trim() || r.stderr.trim()}`);
  }
  fs.rmSync(kc, { force: true });
  timed("pulumi up again (no changes)", () => pulumi(["up", "--yes", "--expect-no-changes", "--stack", stack]));
  if (!keep) timed("pulumi destroy", () => pulumi(["destroy", "--yes", "--stack", stack]));
} finally {
  if (!keep) {
    pulumi(["stack", "rm", "--yes", "--force", "--stack", stack], { check: false });
    run(hostsSh, ["down", tag], { check: false });
  } else {
    console.log(`kept: stack ${stack}, hosts kcp${tag}-1..3 (${hostsSh} down ${tag} to remove)`);
  }
}
console.log(`\nsummary: ${figures.map(([l, s]) => `${l}=${s.toFixed(1)}s`).join("; ")}`);
