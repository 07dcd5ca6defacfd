#!/usr/bin/env node
// Benchmark: day 2 on the lab stack's spec (3 masters, 4 workers), each change
// as a user makes it (the spec, then `npm run up`), while a client polls the API
// once a second through any master:
//   - 1,000 ConfigMaps written, then the masters' flavor changed: every master
//     host replaced, one at a time (the roll, and its time per master);
//   - a backup taken now (etcd snapshot + PKI, encrypted, collected here), the
//     ConfigMaps deleted, the backup restored: seconds until all 1,000 answer again;
//   - one worker reloaded, then another replaced (each drained first);
//   - the no-change `up` after it all, and the destroy.
// Prints figures and the API's failed polls; asserts nothing about them, beyond
// stopping when a step fails. A rolling Kubernetes upgrade is not built yet
// (issue 19), so there is no figure for it.
//
//   node scripts/bench-day2.mjs            # builds the stack, runs every step, destroys it
//   KEEP=1 node scripts/bench-day2.mjs     # leave the stack up afterwards
// It copies stacks/Pulumi.lab.yaml (same addresses): run it while the `lab` stack is down.
//
// Status (2026-12-05): written, checked by `node --check` only, NOT yet run to its
// end: there are no figures from it yet. The steps it times are each proven by the
// engine tests (workers-lab, control-plane-lab); this script only strings them together.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { kubectlBin, requireTs, root, stackRunner } from "./lib/bench.mjs";

const { stack, specFile, run: npmRun } = stackRunner("bench-day2");
// The spec's parser and planner, the API poller and the backup tool, from their one owner.
const { parseSpec } = requireTs("components/model/spec.ts");
const { planCluster } = requireTs("components/model/plan.ts");
const { whilePolling } = requireTs("test/engine/lib/apiPoller.ts");
const { takeBackup, restoreBackup } = requireTs("components/cli/backup.ts");
const kubectl = kubectlBin();
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-bench-day2-"));
const kubeconfig = path.join(work, "kubeconfig");

const doc = YAML.parse(fs.readFileSync(path.join(root, "stacks", "Pulumi.lab.yaml"), "utf8"));
const spec = doc.config["keelson:cluster"];
const writeSpec = () => fs.writeFileSync(specFile, YAML.stringify(doc));
function plan() {
  const r = parseSpec(spec);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return planCluster(r.spec);
}

const secs = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const line = (label, value) => console.log(`${label.padEnd(64)} ${value.padStart(9)}`);

function timed(label, args) {
  const t0 = process.hrtime.bigint();
  const out = npmRun(args);
  line(label, `${secs(t0).toFixed(1)} s`);
  return out;
}

function outputs() {
  return JSON.parse(npmRun(["pulumi", "--", "stack", "output", "--json", "--show-secrets", "-s", stack]));
}

function kube(args, input) {
  const r = spawnSync(kubectl, ["--kubeconfig", kubeconfig, "--request-timeout=20s", ...args], { encoding: "utf8", input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const kept = () => JSON.parse(kube(["get", "configmaps", "-l", "keep=day2", "-o", "json"])).items.length;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, seconds, fn) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // the API may be down for a moment (a restore): try again
    }
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await sleep(500);
  }
}

/** `npm run up` with the API polled throughout: its seconds and the poll counts. */
async function polledUp(label, masterIps) {
  const t0 = process.hrtime.bigint();
  const { ok, failed } = await whilePolling({ kubectl, kubeconfig, servers: masterIps.map((ip) => `https://${ip}:6443`), object: "configmap keep-7", dir: work }, () => npmRun(["up"]));
  const s = secs(t0);
  line(label, `${s.toFixed(1)} s`);
  line("    API polls answered / failed during it", `${ok}/${failed}`);
  return s;
}

const existed = fs.existsSync(specFile);
try {
  console.log(`stack ${stack} on ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  writeSpec();
  const masters = plan().hosts.filter((h) => h.role === "master");
  const masterIps = masters.map((h) => h.privateIp);
  timed("npm run down (start from nothing)", ["down"]);
  timed(`npm run up: nothing -> 3 masters + ${plan().hosts.length - 3} workers`, ["up"]);
  fs.writeFileSync(kubeconfig, outputs().kubeconfig, { mode: 0o600 });

  // 1,000 objects through the API, then every master host replaced.
  const items = Array.from({ length: 1000 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `keep-${i}`, namespace: "default", labels: { keep: "day2" } }, data: { i: String(i) } }));
  let t0 = process.hrtime.bigint();
  kube(["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  line("1,000 ConfigMaps created", `${secs(t0).toFixed(1)} s`);
  const from = spec.masters.flavor;
  spec.masters.flavor = from === "lab.v1x1" ? "lab.v2x2" : "lab.v1x1";
  writeSpec();
  const roll = await polledUp(`masters ${from} -> ${spec.masters.flavor}: 3 hosts replaced, in turn`, masterIps);
  line("    per master", `${(roll / 3).toFixed(1)} s`);
  line("    ConfigMaps readable after it", String(kept()));

  // Backup, loss, restore.
  let out = outputs();
  t0 = process.hrtime.bigint();
  const b = takeBackup(out.backup, out.sshPrivateKey, root, () => {});
  line(`backup taken and collected (${b.taken})`, `${secs(t0).toFixed(1)} s`);
  line("    its size", `${(fs.statSync(path.join(b.directory, b.taken)).size / 1024).toFixed(0)} KiB`);
  kube(["delete", "configmaps", "-l", "keep=day2"]);
  line("ConfigMaps left after deleting them", String(kept()));
  t0 = process.hrtime.bigint();
  restoreBackup(out.backup, out.sshPrivateKey, out.backupIdentity, path.join(b.directory, b.taken), () => {});
  line("restore (control plane stopped, rebuilt, started)", `${secs(t0).toFixed(1)} s`);
  await until("the 1,000 ConfigMaps back", 300, () => kept() === 1000);
  line("    until all 1,000 ConfigMaps answer again", `${secs(t0).toFixed(1)} s`);
  await until("every node Ready", 300, () =>
    JSON.parse(kube(["get", "nodes", "-o", "json"])).items.every((n) => n.status.conditions.some((c) => c.type === "Ready" && c.status === "True")),
  );
  line("    until every node is Ready", `${secs(t0).toFixed(1)} s`);

  // One worker reloaded, then another replaced.
  const workers = plan().hosts.filter((h) => h.role === "worker" && h.pool === "default").map((h) => h.name);
  const pool = spec.workerPools.find((p) => p.name === "default");
  pool.workers = { [workers[0]]: { reload: 1 } };
  writeSpec();
  await polledUp(`worker ${workers[0]} reloaded (drained, re-bootstrapped in place)`, masterIps);
  pool.workers = { [workers[0]]: { reload: 1 }, [workers[workers.length - 1]]: { replace: 1 } };
  writeSpec();
  await polledUp(`worker ${workers[workers.length - 1]} replaced (drained, a new host)`, masterIps);
  timed("npm run up again (no changes)", ["up"]);
  line("Kubernetes upgrade (1.35 -> 1.36)", "not built");
  if (!process.env.KEEP) timed("npm run down", ["down"]);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
  if (!process.env.KEEP) {
    // Also after a failure: destroy what was built (hosts, namespaces, bridges), then forget the stack.
    for (const step of [["down"], ["pulumi", "--", "stack", "rm", "--yes", "--force", stack]]) {
      try {
        npmRun(step);
      } catch {
        // reported above; the next step still runs
      }
    }
    if (!existed) fs.rmSync(specFile, { force: true });
    // The benchmark's own backups (the stack's default backup directory).
    fs.rmSync(path.join(root, ".keelson", "backups", stack), { recursive: true, force: true });
  }
}
