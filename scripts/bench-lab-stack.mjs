#!/usr/bin/env node
// Benchmark: the `lab` stack from nothing to every worker node Ready (control
// plane, nodes, CoreDNS), through the README's own commands, then a no-change
// `up`, a LoadBalancer failover (the node announcing the lab stack's `echo`
// LoadBalancer IP is killed: seconds until the IP answers again from another
// node of its zone) and the destroy; once as the lab stack is (4 workers) and
// once with its default pool at 2 per zone (7 workers). Prints figures; asserts
// nothing about them.
//
//   node scripts/bench-lab-stack.mjs            # default pool sizes 1 and 2 per zone
//   node scripts/bench-lab-stack.mjs 1 2 3      # any sizes
//   KEEP=1 node scripts/bench-lab-stack.mjs 1   # leave the stack up afterwards
//   NO_FAILOVER=1 node scripts/bench-lab-stack.mjs   # skip the LoadBalancer failover
// It copies stacks/Pulumi.lab.yaml (same addresses): run it while the `lab` stack is down.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import YAML from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stack = process.env.KEELSON_STACK || "bench-lab";
const specFile = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
const runner = path.join(root, "scripts", "keelson-run.mjs");
const env = { ...process.env, KEELSON_STACK: stack };
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
// The lab's names, its crash and its view of who answers an address, from their one owner.
const require = createRequire(import.meta.url);
require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
const { stackNames } = require("../components/infra/lab/naming.ts");
const { crashHost } = require("../components/infra/lab/crash.ts");
const { publicAnswerer } = require("../components/infra/lab/probe.ts");
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

/** kubectl against the stack's cluster (its kubeconfig in a 0600 file for the call only). */
function kube(args, input) {
  const kubeconfig = spawnSync(process.execPath, [runner, "pulumi", "--", "stack", "output", "kubeconfig", "--show-secrets", "-s", stack], { cwd: root, env, encoding: "utf8" }).stdout;
  const kcFile = path.join(os.tmpdir(), `keelson-bench-${process.pid}.kubeconfig`);
  fs.writeFileSync(kcFile, kubeconfig, { mode: 0o600 });
  try {
    const r = spawnSync(kubectl, ["--kubeconfig", kcFile, "--request-timeout=20s", ...args], { encoding: "utf8", input, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  } finally {
    fs.rmSync(kcFile, { force: true });
  }
}

function nodeCounts() {
  const items = JSON.parse(kube(["get", "nodes", "-o", "json"]) || "{}").items ?? [];
  const ready = items.filter((n) => n.status.conditions.some((c) => c.type === "Ready" && c.status === "True")).length;
  return { total: items.length, ready };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, seconds, fn) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await sleep(500);
  }
}

/**
 * The lab stack's `echo` LoadBalancer, served by agnhost on every node; the node
 * MetalLB announces its IP from is killed (crash-host.sh: failed hardware).
 * Prints the seconds until the IP answers the internet client again from another
 * node, and restores the host (refresh + up).
 */
async function lbFailover(workers) {
  const names = stackNames(stack);
  const lb = JSON.parse(timed("  stack output loadBalancers", ["pulumi", "--", "stack", "output", "loadBalancers", "--json", "-s", stack])).find((l) => l.service === "default/echo");
  if (!lb) throw new Error(`stack ${stack} has no LoadBalancer default/echo (stacks/Pulumi.lab.yaml's loadBalancers)`);
  const labels = { app: "echo" };
  kube(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "echo", namespace: "default" },
    spec: {
      replicas: workers,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } }],
          containers: [{ name: "echo", image: "registry.k8s.io/e2e-test-images/agnhost:2.63.0", args: ["netexec", "--http-port=80"] }],
        },
      },
    },
  }));
  const answer = () => {
    const r = spawnSync("ip", ["netns", "exec", names.clientNs, "curl", "-s", "--max-time", "2", `http://${lb.ip}/hostname`], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : "";
  };
  kube(["rollout", "status", "deployment/echo", "--timeout=240s"]);
  await until("echo answering on its LoadBalancer IP", 240, () => answer() !== "");
  const holders = () =>
    JSON.parse(kube(["get", "servicel2statuses", "-n", "metallb-system", "-o", "json"])).items
      .filter((i) => i.status?.serviceName === "echo" && i.status?.serviceNamespace === "default")
      .map((i) => i.status.node);
  await until("one node announcing echo", 60, () => holders().length === 1);
  const [victim] = holders();
  // After the kill, who answers is read from the network: the MAC the public router
  // resolved the IP to, mapped to its node. MetalLB's report cannot show it: in
  // v0.15.3 ServiceL2Status.status.node is immutable, so the new announcer's patch
  // of the dead node's object is refused while that node's speaker pod exists.
  const answerer = publicAnswerer(stack, JSON.parse(kube(["get", "nodes", "-o", "json"])).items.map((i) => i.metadata.name));
  const answering = () => answerer(lb.ip);
  const t0 = process.hrtime.bigint();
  crashHost(stack, victim); // failed hardware: every process of the host at once, its NICs dark
  let successor;
  await until("the IP answering from another node", 300, () => {
    const ok = answer() !== "";
    successor = answering();
    return ok && successor !== undefined && successor !== victim;
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${`  LoadBalancer failover: ${lb.ip} from ${victim} to ${successor}`.padEnd(60)} ${secs.toFixed(1).padStart(7)} s`);
  timed("  pulumi refresh (the dead host found)", ["pulumi", "--", "refresh", "--yes", "-s", stack]);
  timed("  npm run up (the dead host back)", ["up"]);
  kube(["delete", "deployment", "echo"]);
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
    if (!process.env.NO_FAILOVER) await lbFailover(workers);
    if (!process.env.KEEP) timed("  npm run down", ["down"]);
  }
} finally {
  if (!process.env.KEEP) {
    // Also after a failure: destroy what was built (hosts, namespaces, bridges), then forget the stack.
    spawnSync(process.execPath, [runner, "down"], { cwd: root, env, stdio: "ignore" });
    spawnSync(process.execPath, [runner, "pulumi", "--", "stack", "rm", "--yes", "--force", stack], { cwd: root, env, stdio: "ignore" });
    if (!existed) fs.rmSync(specFile, { force: true });
  }
}
