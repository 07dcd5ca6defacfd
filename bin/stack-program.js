// The stack program Pulumi runs (Pulumi.yaml's main): index.ts, from its build in
// dist/ when that build is current (bin/build-state.js), else from the sources
// through ts-node (transpile only, with swc), like bin/keelson.js.
//
// Why not Pulumi's own TypeScript support: the Pulumi SDK takes a stack trace for
// each promise and resource it makes, and under ts-node (or Pulumi's launcher's
// source-map-support) each one is mapped through source maps. On the lab stack
// (272 resources) that was about 1.5 s of a program run's 7 s of CPU; ts-node,
// swc and TypeScript add 0.5 s more; an `up` runs the program twice (preview,
// update). docs/benchmarks.md.
"use strict";
const path = require("node:path");
const { buildState } = require("./build-state.js");

const root = path.join(__dirname, "..");
const state = buildState(root);
if (state === "current") {
  // Pulumi's launcher maps every stack trace through source maps (source-map-support);
  // dist/ has none, and V8's own formatting is many times cheaper.
  Error.prepareStackTrace = undefined;
  module.exports = require("../dist/index.js");
} else {
  // The runner rebuilds dist/ before every up; this is `pulumi up` run directly after an edit.
  require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
  module.exports = require("../index.ts");
}
