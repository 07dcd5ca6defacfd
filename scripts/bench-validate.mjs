#!/usr/bin/env node
// Validator benchmark: for the example stacks (stacks/*.yaml, and any stack
// config under examples/ holding a keelson:cluster), a generated 1,000-worker
// spec, the largest spec the limits allow and a few hostile inputs, prints
// how long reading + validating and planning take, and the peak memory.
// Figures, not a pass/fail test.
//
//   node scripts/bench-validate.mjs            # every case
//   node scripts/bench-validate.mjs 1000       # the cases whose name contains "1000"
//   node scripts/bench-validate.mjs --cli      # `keelson validate|plan` start to exit, compiled vs sources
//
// Each case runs in a child process of its own (the same script with --case),
// so its peak RSS is its own; the TypeScript is run through ts-node
// (transpile only), as bin/keelson.js does. Times are medians of several runs
// after one warm-up; "peak RSS" includes Node, ts-node and the modules.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

/** Stack config files: the examples, as written. */
function exampleFiles() {
  const out = fs.readdirSync(path.join(root, "stacks")).filter((f) => /^Pulumi\..*\.yaml$/.test(f)).map((f) => path.join(root, "stacks", f));
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name.startsWith(".")) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^Pulumi\..+\.yaml$/.test(e.name) && fs.readFileSync(p, "utf8").includes("keelson:cluster")) out.push(p);
    }
  };
  if (fs.existsSync(path.join(root, "examples"))) walk(path.join(root, "examples"));
  return out;
}

/** A classic 3-zone cluster with 1,000 workers: 3 pools of 111 per zone and one worker more. */
function thousandWorkers() {
  const zones = ["dal10", "dal12", "dal13"];
  return {
    name: "big",
    account: { id: "acct" },
    region: "us-south",
    zones,
    infrastructure: {
      kind: "classic",
      portableRanges: { private: "10.177.64.0/24", public: "203.0.113.0/25" },
      zones: Object.fromEntries(zones.map((z, i) => [z, { privateVlan: { primarySubnet: `10.176.${2 * i}.0/23` }, publicVlan: { primarySubnet: `198.18.${2 * i}.0/23` } }])),
    },
    workerPools: [
      ...["a", "b", "c"].map((p) => ({ name: p, flavor: "b3c.4x16", sizePerZone: 111 })),
      { name: "d", flavor: "b3c.4x16", sizePerZone: 1, zones: ["dal10"] },
    ],
    network: { poolBlockSize: 128 },
    loadBalancers: zones.flatMap((z) => [0, 1, 2, 3].map((n) => ({ name: `lb-${z}-${n}`, zone: z, network: n % 2 ? "public" : "private" }))),
  };
}

/** The most the limits allow where the plan is largest: 8 user /20s and 1,024 LoadBalancers in one zone. */
function largestPlan() {
  const s = thousandWorkers();
  s.infrastructure.zones.dal10.portable = { extra: Array.from({ length: 8 }, (_, i) => ({ network: "public", cidr: `198.19.${16 * i}.0/20` })) };
  s.loadBalancers = Array.from({ length: 1024 }, (_, i) => ({ name: `lb${i}`, zone: "dal10", network: "public" }));
  return s;
}

/** Existing hosts over ssh: 2,000 workers (the limit), every host with its address. */
function sshTwoThousand() {
  const hosts = { "ssh-master-1": { address: "10.0.0.4" }, "ssh-master-2": { address: "10.0.0.5" }, "ssh-master-3": { address: "10.0.0.6" } };
  const pools = Array.from({ length: 16 }, (_, i) => ({ name: `p${i}`, flavor: "lab.v2x2", sizePerZone: 125 }));
  pools.forEach((p, slot) => {
    for (let n = 1; n <= 125; n++) {
      const off = 16 + slot * 128 + n - 1;
      hosts[`ssh-${p.name}-rack1-${n}`] = { address: `10.0.${off >> 8}.${off & 255}` };
    }
  });
  return {
    name: "ssh",
    account: { id: "acct" },
    region: "home",
    zones: ["rack1"],
    infrastructure: { kind: "ssh", privateKeyFile: "/root/.ssh/id", portableRanges: { private: "10.1.0.0/29" }, zones: { rack1: { privateVlan: { primarySubnet: "10.0.0.0/20" } } }, hosts },
    workerPools: pools,
    network: { poolBlockSize: 128 },
  };
}

const yamlOf = (spec) => require(path.join(root, "node_modules", "yaml")).stringify({ config: { "keelson:cluster": spec } });

const CASES = {
  ...Object.fromEntries(exampleFiles().map((f) => [path.relative(root, f), () => fs.readFileSync(f, "utf8")])),
  "generated: 1000 workers (classic, 3 zones)": () => yamlOf(thousandWorkers()),
  "generated: largest plan (8 user /20s, 1024 LoadBalancers)": () => yamlOf(largestPlan()),
  "generated: 2000 ssh hosts": () => yamlOf(sshTwoThousand()),
  "hostile: portable subnet 0.0.0.0/0": () => yamlOf({ ...thousandWorkers(), infrastructure: { ...thousandWorkers().infrastructure, zones: { ...thousandWorkers().infrastructure.zones, dal10: { ...thousandWorkers().infrastructure.zones.dal10, portable: { extra: [{ network: "public", cidr: "0.0.0.0/0" }] } } } } }),
  "hostile: sizePerZone 1e9 on ssh": () => yamlOf({ ...sshTwoThousand(), workerPools: [{ name: "p0", flavor: "lab.v2x2", sizePerZone: 1e9 }] }),
  "hostile: 3 MB YAML map": () => `config:\n  keelson:cluster:\n    labels:\n${Array.from({ length: 180_000 }, (_, i) => `      k${i}: v`).join("\n")}\n`,
  "hostile: YAML just under the token limit (19,000-item list)": () => `config: {keelson:cluster: {zones: [${Array.from({ length: 19_000 }, () => "1").join(",")}]}}\n`,
  "hostile: 3 MB flow list": () => `config: {keelson:cluster: {zones: [${Array.from({ length: 1_500_000 }, () => "1").join(",")}]}}\n`,
};

function runCase(name) {
  require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
  const { parseStackConfig } = require(path.join(root, "components/model/stackConfig"));
  const { parseSpec } = require(path.join(root, "components/model/spec"));
  const { planCluster } = require(path.join(root, "components/model/plan"));
  const text = CASES[name]();
  const validate = () => {
    const cfg = parseStackConfig(text, name);
    return cfg.ok ? parseSpec(cfg.raw) : { ok: false, errors: cfg.errors };
  };
  const median = (f, n) => {
    const ts = [];
    let last;
    f(); // warm-up
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      last = f();
      ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ts.sort((a, b) => a - b);
    return { ms: ts[Math.floor(n / 2)], last };
  };
  const heap0 = process.memoryUsage().heapUsed;
  const v = median(validate, 5);
  const p = v.last.ok ? median(() => planCluster(v.last.spec), 5) : undefined;
  const result = {
    bytes: Buffer.byteLength(text),
    validateMs: v.ms,
    outcome: v.last.ok ? `ok` : `${v.last.errors.length} problem(s), first: ${v.last.errors[0].path}: ${v.last.errors[0].message.slice(0, 90)}`,
    hosts: p ? p.last.hosts.length : undefined,
    planMs: p?.ms,
    heapGrowthMiB: (process.memoryUsage().heapUsed - heap0) / 2 ** 20,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result));
}

/**
 * `keelson validate` and `keelson plan` from start to exit, as a user or a
 * pipeline runs them: the compiled package (bin/keelson.js on dist/) and, for
 * comparison, the sources through ts-node (what the CLI did before the package
 * build, and still does when dist/ is stale). Medians of 5 runs after a warm-up.
 */
function cliTimes() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-bench-cli-"));
  const big = path.join(tmp, "Pulumi.big.yaml");
  fs.writeFileSync(big, yamlOf(thousandWorkers()));
  const files = { "stacks/Pulumi.lab.yaml": path.join(root, "stacks", "Pulumi.lab.yaml"), "1000 workers (classic)": big };
  const fromSources = `require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(path.join(root, "tsconfig.json"))} }); process.exitCode = require(${JSON.stringify(path.join(root, "components", "cli", "main"))}).main(process.argv.slice(1));`;
  const ways = {
    "compiled (bin/keelson.js)": (args) => [path.join(root, "bin", "keelson.js"), ...args],
    "sources (ts-node)": (args) => ["-e", fromSources, ...args],
  };
  console.log(`keelson CLI, start to exit (medians of 5 runs after a warm-up); ${os.cpus().length} CPU(s), load ${os.loadavg()[0].toFixed(1)}, Node ${process.version}`);
  console.log(["command", "spec", ...Object.keys(ways)].join(" | "));
  for (const command of ["validate", "plan"]) {
    for (const [label, file] of Object.entries(files)) {
      const cells = Object.values(ways).map((argv) => {
        const ts = [];
        for (let i = 0; i < 6; i++) {
          const t0 = process.hrtime.bigint();
          const r = spawnSync(process.execPath, argv([command, file]), { cwd: root, encoding: "utf8", maxBuffer: 256 << 20 });
          if (r.status !== 0) return `failed (exit ${r.status}): ${r.stderr.slice(0, 200)}`;
          if (i > 0) ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        ts.sort((a, b) => a - b);
        return `${(ts[2] / 1000).toFixed(2)} s`;
      });
      console.log([command, label, ...cells].join(" | "));
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

if (process.argv[2] === "--case") {
  runCase(process.argv[3]);
} else if (process.argv[2] === "--cli") {
  cliTimes();
} else {
  const filter = process.argv[2];
  const names = Object.keys(CASES).filter((n) => !filter || n.includes(filter));
  console.log(`validate = read the YAML + parseSpec; plan = planCluster (medians of 5 runs); ${os.cpus().length} CPU(s), load ${os.loadavg()[0].toFixed(1)}, Node ${process.version}`);
  console.log(["case", "bytes", "validate ms", "plan ms", "hosts", "peak RSS MiB", "outcome"].join(" | "));
  for (const name of names) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--case", name], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) {
      console.log(`${name} | failed (exit ${r.status}): ${r.stderr.slice(-400)}`);
      continue;
    }
    const x = JSON.parse(r.stdout);
    console.log([name, x.bytes, x.validateMs.toFixed(1), x.planMs === undefined ? "-" : x.planMs.toFixed(1), x.hosts ?? "-", x.peakRssMiB.toFixed(0), x.outcome].join(" | "));
  }
}
