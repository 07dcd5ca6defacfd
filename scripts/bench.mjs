#!/usr/bin/env node
// `npm run bench`: every figure of issue 18 in one table, each the median of
// --runs runs (default 3), with its minimum and maximum. Figures, not tests: it
// asserts nothing about them. docs/benchmarks.md keeps the latest table.
//
//   npm run bench                      # everything (about 40 minutes on 2 cores)
//   npm run bench -- --runs 5 --only cli,runner
//   sections: cli, runner, stack (nothing -> Ready by phase, no-op up, destroy), bundle
//
// The stack section builds a stack of its own (bench-<pid>, the lab stack's spec
// on the lab stack's addresses): run it while the `lab` stack is down.
// The other benchmark scripts (bench-lab, bench-control-plane, bench-netpol,
// bench-lab-stack, bench-day2, bench-validate) measure one area each in more detail.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { root, stackRunner } from "./lib/bench.mjs";
import { prepareFor } from "./lib/prepare.mjs";
import { phaseOf, PHASES } from "./lib/phases.mjs";

// `pulumi up --event-log` (the phases) is a debug flag: listed only with PULUMI_DEBUG_COMMANDS.
process.env.PULUMI_DEBUG_COMMANDS = "true";
const argv = process.argv.slice(2).filter((a) => a !== "--");
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const RUNS = Number(opt("runs", "3"));
const ONLY = new Set(opt("only", "cli,runner,stack,bundle").split(","));
if (!(RUNS >= 1)) throw new Error("--runs must be a positive number");

const rows = []; // [figure, samples (seconds or bytes), unit]
const record = (figure, samples, unit = "s") => {
  rows.push([figure, samples, unit]);
  console.error(`[bench] ${figure}: ${samples.map((s) => fmt(s, unit)).join(", ")}`);
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function fmt(x, unit) {
  if (x === undefined || Number.isNaN(x)) return "-";
  if (unit === "MiB") return `${(x / 2 ** 20).toFixed(0)} MiB`;
  return `${x < 10 ? x.toFixed(2) : x.toFixed(1)} s`;
}
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
function timedSpawn(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 256 << 20, ...opts });
  const s = seconds(t0);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${(r.stderr || "").slice(-2000)}`);
  return { s, r };
}

// ---- the keelson CLI -------------------------------------------------------
function benchCli() {
  const spec = path.join(root, "stacks", "Pulumi.lab.yaml");
  timedSpawn(process.execPath, [path.join(root, "bin", "keelson.js"), "validate", spec]); // warm-up
  const xs = [];
  for (let i = 0; i < RUNS; i++) xs.push(timedSpawn(process.execPath, [path.join(root, "bin", "keelson.js"), "validate", spec]).s);
  record("keelson validate (lab stack spec), start to exit", xs);
}

// ---- the runner's own checks when nothing is missing -------------------------
async function benchRunner() {
  await prepareFor(root, () => {}, { kubernetes: true }); // warm-up: builds whatever is missing
  // In a process of its own, as `npm run up` starts one: Node.js, the runner's modules, every check.
  const code = `import { prepareFor } from ${JSON.stringify(path.join(root, "scripts", "lib", "prepare.mjs"))}; await prepareFor(${JSON.stringify(root)}, () => {}, { kubernetes: true });`;
  const xs = [];
  for (let i = 0; i < RUNS; i++) xs.push(timedSpawn(process.execPath, ["--input-type=module", "-e", code]).s);
  record("runner checks before up (everything built; node start included)", xs);
}

// ---- a stack: nothing -> Ready by phase, no-op up, destroy --------------------
/** Seconds from the first event to the last resource of each phase done, from `pulumi up --event-log`. */
function phaseTimes(eventLog) {
  const events = fs
    .readFileSync(eventLog, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const start = Math.min(...events.map((e) => e.timestamp));
  const done = {};
  for (const e of events) {
    const m = e.resOutputsEvent?.metadata;
    if (!m) continue;
    const p = phaseOf(m.type, m.urn);
    if (p) done[p] = Math.max(done[p] ?? 0, e.timestamp - start);
  }
  return done;
}

function benchStack() {
  const { stack, specFile, run } = stackRunner(`bench-${process.pid}`);
  const doc = YAML.parse(fs.readFileSync(path.join(root, "stacks", "Pulumi.lab.yaml"), "utf8"));
  const existed = fs.existsSync(specFile);
  if (!existed) fs.writeFileSync(specFile, YAML.stringify(doc));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-bench-"));
  const create = [];
  const noop = [];
  const destroy = [];
  const phases = Object.fromEntries(PHASES.map((p) => [p, []]));
  try {
    run(["down"]);
    for (let i = 0; i < RUNS; i++) {
      const log = path.join(work, `up-${i}.jsonl`);
      let t0 = process.hrtime.bigint();
      run(["up", "--event-log", log]);
      create.push(seconds(t0));
      const p = phaseTimes(log);
      for (const name of PHASES) phases[name].push(p[name]);
      t0 = process.hrtime.bigint();
      run(["up", "--expect-no-changes"]);
      noop.push(seconds(t0));
      t0 = process.hrtime.bigint();
      run(["down"]);
      destroy.push(seconds(t0));
    }
  } finally {
    spawnSync(process.execPath, [path.join(root, "scripts", "keelson-run.mjs"), "down"], { cwd: root, env: { ...process.env, KEELSON_STACK: stack }, stdio: "ignore" });
    spawnSync(process.execPath, [path.join(root, "scripts", "keelson-run.mjs"), "pulumi", "--", "stack", "rm", "--yes", "--force", stack], { cwd: root, stdio: "ignore" });
    if (!existed) fs.rmSync(specFile, { force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
  record("npm run up: nothing -> every node Ready, add-ons ready (lab stack, 7 hosts)", create);
  for (const name of PHASES) record(`  of which, from the up's start: ${name} done`, phases[name]);
  record("npm run up with nothing to do (lab stack)", noop);
  record("npm run down (lab stack)", destroy);
}

// ---- the bundle ---------------------------------------------------------------
async function benchBundle() {
  const bundle = await import("./lib/bundle.mjs");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-bench-bundle-"));
  const file = path.join(work, "keelson.bundle");
  const exp = [];
  const imp = [];
  let size = 0;
  let bytes = 0;
  try {
    for (let i = 0; i < RUNS; i++) {
      fs.rmSync(file, { force: true });
      let t0 = process.hrtime.bigint();
      bytes = bundle.exportBundle(file, { root }).bytes;
      exp.push(seconds(t0));
      size = fs.statSync(file).size;
      const cache = path.join(work, `cache-${i}`);
      t0 = process.hrtime.bigint();
      bundle.importBundle(file, { cache });
      imp.push(seconds(t0));
      fs.rmSync(cache, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  record("bundle: files in the cache's builds", [bytes], "MiB");
  record("bundle: archive (tar, zstd)", [size], "MiB");
  record("bundle export", exp);
  record("bundle import into an empty cache (verified)", imp);
}

console.error(`[bench] ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}, ${RUNS} runs each`);
if (ONLY.has("cli")) benchCli();
if (ONLY.has("runner")) await benchRunner();
if (ONLY.has("stack")) benchStack();
if (ONLY.has("bundle")) await benchBundle();

const width = Math.max(...rows.map((r) => r[0].length), 10);
console.log(`| ${"figure".padEnd(width)} | median | min | max | runs |`);
console.log(`| ${"-".repeat(width)} | --- | --- | --- | --- |`);
for (const [figure, xs, unit] of rows) {
  const ok = xs.filter((x) => x !== undefined);
  const [mid, lo, hi] = ok.length ? [median(ok), Math.min(...ok), Math.max(...ok)] : [undefined, undefined, undefined];
  console.log(`| ${figure.padEnd(width)} | ${fmt(mid, unit)} | ${fmt(lo, unit)} | ${fmt(hi, unit)} | ${ok.length} |`);
}
console.log("| Keelson vs kubeadm (create, destroy/reset) | not measured: kubeadm is not built yet (docs/benchmarks.md) | | | |");
