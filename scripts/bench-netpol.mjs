#!/usr/bin/env node
// Benchmark: pod-to-pod traffic across zones, without and with network
// policies (issue 14), on a lab cluster built from the lab stack's spec.
// A server pod on a lab-z1 worker and a client pod on a lab-z3 worker (agnhost
// `pause`: they only hold their pods' network namespaces); the traffic is
// Node.js's HTTP client and server run in those namespaces with nsenter, so
// every packet takes the pods' real path: veth, bridge, flannel's VXLAN between
// zones, kube-router's policy chains. Three figures per case:
//   - latency of requests on one kept-alive connection (p50, p99);
//   - a new TCP connection per request (its first packet is what the policy
//     chains judge; established packets skip them), p50 and p99;
//   - throughput of one 256 MiB download.
// Cases: no policy; the namespace's default deny plus an allow of the client on
// the server's port (NetworkPolicy objects, what the spec's namespaced policies
// become); the same with 100 more policies in the namespace selecting other pods
// (the chains the server's packets pass grow). Prints the figures side by side;
// asserts nothing about them beyond stopping when a step fails.
//
//   node scripts/bench-netpol.mjs          # builds the stack, measures, destroys it
//   KEEP=1 node scripts/bench-netpol.mjs   # leave the stack up afterwards
// It copies stacks/Pulumi.lab.yaml (same addresses): run it while the `lab` stack is down.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { kubectlBin, requireTs, root, sleep, stackRunner } from "./lib/bench.mjs";

const { stack, specFile, run: npmRun } = stackRunner("bench-netpol");
const { VERSIONS } = requireTs("components/releases.ts");
const kubectl = kubectlBin();
const AGNHOST = `registry.k8s.io/e2e-test-images/agnhost:${VERSIONS.images.agnhost}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-bench-netpol-"));
const kubeconfig = path.join(work, "kubeconfig");
const PORT = 8080;
const NS = "bench";

const line = (label, ...values) => console.log(`${label.padEnd(44)} ${values.map((v) => String(v).padStart(28)).join("")}`);

function kube(args, input) {
  const r = spawnSync(kubectl, ["--kubeconfig", kubeconfig, "--request-timeout=30s", ...args], { encoding: "utf8", input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const pod = (name, zone) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: NS, labels: { app: name } },
  spec: { nodeSelector: { "topology.kubernetes.io/zone": zone }, containers: [{ name, image: AGNHOST, args: ["pause"] }] },
});

/** A process of the pod seen from this machine (lab hosts are containers here): its cgroup path names the pod's UID. */
function pidOf(uid) {
  const forms = [uid, uid.replaceAll("-", "_")];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cg = fs.readFileSync(`/proc/${d}/cgroup`, "utf8");
      if (forms.some((f) => cg.includes(f)) && fs.readFileSync(`/proc/${d}/comm`, "utf8").trim() !== "pause") return d;
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no process of pod ${uid} on this machine`);
}

// The programs run in the pods' namespaces.
const SERVER = `
const big = Buffer.alloc(1 << 20, 120);
require("http").createServer((q, s) => {
  if (q.url === "/bytes") { let n = 256; const more = () => { while (n > 0) { n--; if (!s.write(big)) return s.once("drain", more); } s.end(); }; more(); }
  else s.end("ok");
}).listen(${PORT}, "0.0.0.0");`;
const CLIENT = `
const http = require("http"); const net = require("net");
const [host, port] = [process.argv[1], Number(process.argv[2])];
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const get = (agent, path) => new Promise((ok, no) => { const t0 = process.hrtime.bigint(); http.get({ host, port, path, agent }, (r) => { let n = 0; r.on("data", (c) => (n += c.length)); r.on("end", () => ok({ ms: ms(t0), n })); }).on("error", no); });
(async () => {
  const keep = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 50; i++) await get(keep, "/");
  const kept = []; for (let i = 0; i < 2000; i++) kept.push((await get(keep, "/")).ms);
  const fresh = []; for (let i = 0; i < 300; i++) fresh.push((await get(new http.Agent({ keepAlive: false }), "/")).ms);
  const big = await get(keep, "/bytes");
  keep.destroy();
  console.log(JSON.stringify({ keptP50: pct(kept, 0.5), keptP99: pct(kept, 0.99), freshP50: pct(fresh, 0.5), freshP99: pct(fresh, 0.99), mibPerS: big.n / (1 << 20) / (big.ms / 1000) }));
})().catch((e) => { console.error(e.message); process.exit(1); });`;

function measure(clientPid, serverIp) {
  const r = spawnSync("nsenter", [`--net=/proc/${clientPid}/ns/net`, process.execPath, "-e", CLIENT, serverIp, String(PORT)], { encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`client: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

const POLICIES = [
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace: NS }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "server-from-client", namespace: NS }, spec: { podSelector: { matchLabels: { app: "server" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }], ports: [{ protocol: "TCP", port: PORT }] }] } },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "client-to-server", namespace: NS }, spec: { podSelector: { matchLabels: { app: "client" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "server" } } }], ports: [{ protocol: "TCP", port: PORT }] }] } },
];
const MANY = Array.from({ length: 100 }, (_, i) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: `other-${i}`, namespace: NS },
  spec: { podSelector: { matchLabels: { app: `other-${i}` } }, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: `10.${100 + (i % 50)}.${i}.0/24` } }], ports: [{ protocol: "TCP", port: 1000 + i }] }] },
}));
const list = (items) => JSON.stringify({ apiVersion: "v1", kind: "List", items });

/** kube-router syncs policies on a watch event; a connection judged by the new rules proves they are in: the server refuses others meanwhile. */
async function settled(clientPid, serverIp, expectOpen) {
  const probe = `const s=require("net").connect(${PORT},"${serverIp}");s.setTimeout(1500,()=>process.exit(2));s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1));`;
  for (let i = 0; i < 60; i++) {
    const open = spawnSync("nsenter", [`--net=/proc/${clientPid}/ns/net`, process.execPath, "-e", probe]).status === 0;
    if (open === expectOpen) return;
    await sleep(1000);
  }
  throw new Error(`the server is still ${expectOpen ? "closed" : "open"} to the client after 60 s`);
}

const existed = fs.existsSync(specFile);
const servers = [];
try {
  console.log(`stack ${stack} on ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  fs.copyFileSync(path.join(root, "stacks", "Pulumi.lab.yaml"), specFile);
  npmRun(["up"]);
  fs.writeFileSync(kubeconfig, JSON.parse(npmRun(["pulumi", "--", "stack", "output", "--json", "--show-secrets", "-s", stack])).kubeconfig, { mode: 0o600 });
  kube(["apply", "-f", "-"], list([{ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } }, pod("server", "lab-z1"), pod("client", "lab-z3")]));
  kube(["-n", NS, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=300s"]);
  const info = (name) => JSON.parse(kube(["-n", NS, "get", "pod", name, "-o", "json"]));
  const [server, client] = [info("server"), info("client")];
  const serverPid = pidOf(server.metadata.uid);
  const clientPid = pidOf(client.metadata.uid);
  const serverIp = server.status.podIP;
  const sp = spawn("nsenter", [`--net=/proc/${serverPid}/ns/net`, process.execPath, "-e", SERVER], { stdio: "ignore" });
  servers.push(sp);
  await settled(clientPid, serverIp, true);
  console.log(`server ${server.spec.nodeName} (${serverIp}) <- client ${client.spec.nodeName} (${client.status.podIP}), across zones`);

  const results = {};
  results["no policy"] = measure(clientPid, serverIp);
  kube(["apply", "-f", "-"], list([POLICIES[0]]));
  await settled(clientPid, serverIp, false); // the default deny is in force
  kube(["apply", "-f", "-"], list(POLICIES.slice(1)));
  await settled(clientPid, serverIp, true); // and the allows
  results["deny + allow (3)"] = measure(clientPid, serverIp);
  kube(["apply", "-f", "-"], list(MANY));
  await sleep(15_000); // kube-router's sync of 100 more policies (nothing observable changes for this flow)
  results["deny + allow + 100 others"] = measure(clientPid, serverIp);

  const cases = Object.keys(results);
  console.log("");
  line("pod -> pod across zones (lab-z3 -> lab-z1)", ...cases);
  line("kept-alive request, p50 (ms)", ...cases.map((c) => results[c].keptP50.toFixed(3)));
  line("kept-alive request, p99 (ms)", ...cases.map((c) => results[c].keptP99.toFixed(3)));
  line("new connection + request, p50 (ms)", ...cases.map((c) => results[c].freshP50.toFixed(3)));
  line("new connection + request, p99 (ms)", ...cases.map((c) => results[c].freshP99.toFixed(3)));
  line("256 MiB download (MiB/s)", ...cases.map((c) => results[c].mibPerS.toFixed(0)));
} finally {
  for (const s of servers) s.kill();
  if (!process.env.KEEP) {
    try {
      npmRun(["down"]);
    } catch (e) {
      console.error(`down: ${e.message}`);
    }
    if (!existed) fs.rmSync(specFile, { force: true });
  }
  fs.rmSync(work, { recursive: true, force: true });
}
