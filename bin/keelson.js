#!/usr/bin/env node
// Launcher for `keelson validate|plan|diagram <stack config file>` (and `keelson bundle`): runs the
// compiled package (dist/, built by `npm run build` and at `npm ci`/`npm pack`).
// In a checkout whose sources changed since that build, the sources are what the
// user means: they run through ts-node instead (transpile only, with swc: about
// as fast, docs/benchmarks.md), with a line saying so.
const path = require("node:path");
const { buildState } = require("./build-state.js");

const root = path.join(__dirname, "..");
if (process.argv[2] === "bundle") {
  // `keelson bundle export|import FILE` (docs/bundle.md): the runner's, which builds what is missing first.
  const runner = path.join(root, "scripts", "keelson-run.mjs");
  if (!require("node:fs").existsSync(runner)) {
    process.stderr.write("keelson bundle: needs a Keelson checkout (the builds a bundle holds are a checkout's: git clone, then npx keelson bundle ...)\n");
    process.exit(2);
  }
  const r = require("node:child_process").spawnSync(process.execPath, [runner, "bundle", ...process.argv.slice(3)], { stdio: "inherit", env: { ...process.env, INIT_CWD: process.env.INIT_CWD ?? process.cwd() } });
  process.exit(r.status ?? 1);
}
const state = buildState(root);
let cli;
if (state === "current") {
  cli = require("../dist/components/cli/main");
} else {
  process.stderr.write(`keelson: the compiled package is ${state} (dist/); running the sources through ts-node. \`npm run build\` brings it up to date.\n`);
  require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
  cli = require("../components/cli/main");
}
process.exitCode = cli.main(process.argv.slice(2));
