// The keelson component provider plugin (PulumiPlugin.yaml), started by the
// engine through the Node.js language host: serves keelson:index:Cluster from
// the compiled package beside it (dist/, built by `npm run build`).
const path = require("node:path");
const root = path.join(__dirname, "..");
const { buildState } = require(path.join(root, "bin", "build-state.js"));
const state = buildState(root);
if (state !== "current") {
  console.error(`keelson provider: the compiled package in ${path.join(root, "dist")} is ${state}: run \`npm run build\` in ${root}`);
  process.exit(1);
}
const { version } = require(path.join(root, "package.json"));
require(path.join(root, "dist", "components", "plugin", "provider.js")).serve(process.argv.slice(2), version);
