#!/usr/bin/env node
// Launcher for `keelson validate|plan|diagram <stack config file>`: runs the
// compiled package (dist/, built by `npm run build` and at `npm ci`/`npm pack`).
// In a checkout whose sources changed since that build, the sources are what the
// user means: they run through ts-node instead (transpile only, with swc: about
// as fast, docs/benchmarks.md), with a line saying so.
const path = require("node:path");
const { buildState } = require("./build-state.js");

const root = path.join(__dirname, "..");
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
