#!/usr/bin/env node
// The runner behind the README's commands:
//   npm run up        install what is missing, select/create the `lab` stack, pulumi up --yes --skip-preview
//   npm run down      pulumi destroy --yes on the `lab` stack, then clean any lab leftovers
//   npm run pulumi -- <args>   any Pulumi command, with Keelson's backend, passphrase and toolchain
//   npm test          install what is missing, run the whole test suite
//   npm run toolchain build (or find) the offline Pulumi toolchain and print its bin folder
//   npm run backup    an encrypted etcd backup of the stack's cluster now, all its backups collected
//   npm run restore -- FILE   restore the stack's control plane from a backup file
//   npm run bundle -- export FILE | import FILE   the cache's builds as one verified archive (docs/bundle.md)
//
// Plain Node.js with no npm dependencies, because it is what installs them.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { prepareFor } from "./lib/prepare.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [command, ...rest] = process.argv.slice(2);
// npm passes `npm run pulumi -- a b` as `a b`; tolerate a leading "--" too.
const args = rest[0] === "--" ? rest.slice(1) : rest;
const STACK = process.env.KEELSON_STACK || "lab";

function say(msg) {
  process.stderr.write(`[keelson] ${msg}\n`);
}

const prepare = (opts) => prepareFor(root, say, opts);

function run(cmd, argv, env, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, env, stdio: opts.stdio ?? "inherit" });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/**
 * Pulumi rewrites stacks/Pulumi.<stack>.yaml when it creates or updates a stack:
 * it reformats it and adds a passphrase salt tied to this checkout's
 * .keelson/passphrase (the same salt is kept in state). Those files are the
 * user's cluster specs, under version control, so a rewrite that changes
 * nothing but the salt and the formatting is undone. A real change (for example
 * `npm run pulumi -- config set ...`) is kept as Pulumi wrote it.
 */
async function keepStackFiles(fn) {
  const dir = path.join(root, "stacks");
  const before = new Map();
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (/^Pulumi\..+\.ya?ml$/.test(f)) before.set(f, fs.readFileSync(path.join(dir, f), "utf8"));
  }
  try {
    return await fn();
  } finally {
    const YAML = await import("yaml");
    const meaning = (text) => {
      const doc = YAML.parse(text) ?? {};
      delete doc.encryptionsalt;
      return JSON.stringify(doc);
    };
    for (const [f, old] of before) {
      const file = path.join(dir, f);
      if (!fs.existsSync(file)) continue;
      const now = fs.readFileSync(file, "utf8");
      if (now !== old && meaning(now) === meaning(old)) fs.writeFileSync(file, old);
    }
  }
}

function selectStack(env, stack) {
  const status = run("pulumi", ["stack", "select", stack, "--create"], env);
  if (status !== 0) throw new Error(`could not select or create stack ${stack}`);
}

async function main() {
  switch (command) {
    case "pulumi": {
      const env = await prepare({ apt: false });
      process.exitCode = run("pulumi", args, env);
      return;
    }
    case "toolchain": {
      const env = await prepare({ apt: false });
      const r = spawnSync("pulumi", ["version"], { env, encoding: "utf8" });
      say(`pulumi ${r.stdout.trim()} (${env.KEELSON_PULUMI_SOURCE})`);
      console.log(env.KEELSON_TOOLCHAIN_BIN ?? "");
      return;
    }
    case "up": {
      const env = await prepare({ kubernetes: true });
      selectStack(env, STACK);
      say(`pulumi up on stack ${STACK} (state: ${env.PULUMI_BACKEND_URL})`);
      // --yes asks for no confirmation, so a preview before the update would run the
      // whole program a second time for nobody to read (half of a no-op up's time,
      // docs/benchmarks.md). The spec is validated before anything is registered either
      // way, and policy packs check each resource before it is created. To see a plan
      // first: npm run pulumi -- preview, or the pipeline steps (docs/pipelines.md);
      // KEELSON_UP_PREVIEW=1 brings the preview back.
      const preview = process.env.KEELSON_UP_PREVIEW === "1" ? [] : ["--skip-preview"];
      process.exitCode = run("pulumi", ["up", "--yes", ...preview, "--stack", STACK, ...args], env);
      return;
    }
    case "bundle": {
      // docs/bundle.md: the cache's builds in one verified archive, for another machine.
      const bundle = await import("./lib/bundle.mjs");
      const [verb, file] = args;
      if (!["export", "import"].includes(verb) || !file || args.length > 2) {
        console.error("usage: npm run bundle -- export FILE | import FILE");
        process.exitCode = 2;
        return;
      }
      const where = path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
      if (verb === "import") {
        bundle.importBundle(where, { say });
        return;
      }
      // Everything up and test runs use, built first (found, when it is already there),
      // the lab driver's default host image among them (what a lab stack without lab.image boots).
      const env = await prepare({ kubernetes: true, testTools: true });
      const { createRequire } = await import("node:module");
      const image = createRequire(import.meta.url)(path.join(root, "dist", "components", "infra", "lab", "image.js"));
      const spec = image.imageSpec();
      const dir = image.imageDir(spec, bundle.cacheRoot());
      if (!fs.existsSync(path.join(dir, "image.json"))) {
        say(`bundle export: building the lab host image ${path.basename(dir)} first (debootstrap, a few minutes)`);
        const script = path.join(root, "components", "infra", "lab", "scripts", "build-image.sh");
        if (run("bash", [script, dir, spec.suite, spec.mirror, spec.packages.join(","), image.imageManifest(spec)], env) !== 0) throw new Error("bundle export: the lab host image did not build");
      }
      bundle.exportBundle(where, { root, say });
      return;
    }
    case "backup":
    case "restore": {
      // components/cli/backup.ts drives the masters' own backup and restore tools.
      const env = await prepare({ apt: true });
      const out = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", STACK], { cwd: root, env, encoding: "utf8", maxBuffer: 64 << 20 });
      if (out.status !== 0) throw new Error(`could not read the outputs of stack ${STACK}: ${out.stderr.trim()}`);
      const outputs = JSON.parse(out.stdout || "{}");
      if (!outputs.backup || !outputs.sshPrivateKey) throw new Error(`stack ${STACK} has no backups (no hosts, or backup.enabled is false)`);
      const { createRequire } = await import("node:module");
      const require = createRequire(import.meta.url);
      require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
      const tool = require("../components/cli/backup.ts");
      if (command === "backup") {
        tool.takeBackup(outputs.backup, outputs.sshPrivateKey, root, say);
      } else {
        if (args.length !== 1) throw new Error("usage: npm run restore -- <backup file>");
        tool.restoreBackup(outputs.backup, outputs.sshPrivateKey, outputs.backupIdentity, path.resolve(process.env.INIT_CWD ?? process.cwd(), args[0]), say);
      }
      return;
    }
    case "down": {
      const env = await prepare();
      const exists = spawnSync("pulumi", ["stack", "ls", "--json"], { cwd: root, env, encoding: "utf8" });
      const stacks = exists.status === 0 ? JSON.parse(exists.stdout || "[]").map((s) => s.name) : [];
      let status = 0;
      if (stacks.includes(STACK)) {
        status = run("pulumi", ["destroy", "--yes", "--stack", STACK, ...args], env);
      } else {
        say(`stack ${STACK} does not exist; nothing to destroy`);
      }
      // Anything a killed earlier run left behind (processes, mounts, namespaces,
      // bridges, cgroups, files), found by the stack's names.
      const cleanup = path.join(root, "components", "infra", "lab", "scripts", "cleanup-stack.sh");
      const leftovers = run("bash", [cleanup, STACK], env);
      if (leftovers !== 0) say(`cleanup of lab stack ${STACK} reported leftovers (exit ${leftovers})`);
      status ||= leftovers;
      process.exitCode = status;
      return;
    }
    case "test": {
      const env = await prepare({ kubernetes: true, testTools: true });
      const jest = path.join(root, "node_modules", "jest", "bin", "jest.js");
      const testEnv = { ...env, CI: env.CI ?? "true" };
      if (args.length > 0) {
        process.exitCode = run(process.execPath, [jest, "--ci", ...args], testEnv);
        return;
      }
      // Unit tests two at a time (jest's default is one worker less than the
      // cores: one, on the 2-core machines CI runs on), then engine tests one
      // file at a time. Engine files could share the lab (each builds its
      // stacks on address ranges of its own and names everything after its
      // stack), but on 2 cores two lanes are slower, not faster: an idle lab
      // cluster (3 etcd, 3 apiservers, 4 kubelets) burns ~0.7 of a core, so
      // two live clusters leave the tests ~1.4 cores less. Measured on a cold
      // run of all engine files (2026-12-05): 2 lanes 78 min, 1 lane 62.6 min
      // (workers-lab alone 4642 s -> 2091 s).
      const totals = { passed: 0, failed: 0, skipped: 0 };
      const failures = [];
      let status = 0;
      for (const [project, extra] of [["unit", ["--maxWorkers=2"]], ["engine", ["--maxWorkers=1"]]]) {
        const report = path.join(root, ".keelson", `jest-${project}.json`);
        fs.mkdirSync(path.dirname(report), { recursive: true });
        fs.rmSync(report, { force: true });
        say(`running ${project} tests`);
        // Both projects always run (not `status ||= run(...)`, which would skip the
        // engine tests after a unit failure and hide what they would have found).
        const projectStatus = run(process.execPath, [jest, "--ci", "--selectProjects", project, ...extra, "--json", "--outputFile", report], testEnv);
        status ||= projectStatus;
        if (fs.existsSync(report)) {
          const r = JSON.parse(fs.readFileSync(report, "utf8"));
          totals.passed += r.numPassedTests;
          totals.failed += r.numFailedTests;
          totals.skipped += r.numPendingTests + r.numTodoTests;
          failures.push(...failedTests(r));
        } else {
          status ||= 1;
        }
      }
      // The failures again, last: a long run's log is often read from its tail only.
      for (const f of failures) console.log(`keelson: FAILED ${f}`);
      console.log(`keelson: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
      process.exitCode = status || (totals.failed > 0 ? 1 : 0);
      return;
    }
    default:
      console.error("usage: keelson-run.mjs up|down|pulumi|test|toolchain|backup|restore|bundle [args]");
      process.exitCode = 2;
  }
}

/** Each failed test of a jest --json report: its file, its name and the first line of why. */
function failedTests(report) {
  const out = [];
  for (const file of report.testResults ?? []) {
    const rel = path.relative(root, file.name);
    const failed = (file.assertionResults ?? []).filter((a) => a.status === "failed");
    for (const a of failed) {
      const why = (a.failureMessages?.[0] ?? "").replace(/\x1b\[[0-9;]*m/g, "").split("\n").find((l) => l.trim() !== "") ?? "";
      out.push(`${rel} > ${a.fullName}: ${why.trim().slice(0, 300)}`);
    }
    // A file that failed without a failed test (it did not load, or a hook threw).
    if (failed.length === 0 && file.status === "failed") out.push(`${rel}: ${(file.message ?? "").split("\n").find((l) => l.trim() !== "")?.trim().slice(0, 300) ?? "failed"}`);
  }
  return out;
}

keepStackFiles(main).catch((err) => {
  say(err.message);
  process.exitCode = 1;
});

