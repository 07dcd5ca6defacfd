#!/usr/bin/env node
// Launcher for `npx keelson validate|plan|diagram <stack config file>`.
// The CLI is TypeScript; ts-node (transpile only: type checking is the job of
// `npm run build` and the tests) runs it without a build step after `npm ci`.
const path = require("node:path");
require("ts-node").register({
  transpileOnly: true,
  project: path.join(__dirname, "..", "tsconfig.json"),
});
process.exitCode = require("../components/cli/main").main(process.argv.slice(2));
