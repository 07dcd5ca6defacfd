// Whether dist/ (the compiled package, built by scripts/build-package.mjs) is
// the build of the sources beside it. Shared by the `keelson` launcher and the
// runner, so both mean the same thing by "current": the sha256 of the stack
// program index.ts, of every file under components/ and of the two tsconfigs, as
// stamped by the last build.
// In an installed package there are no sources (only dist/): the build it
// shipped with is current by definition.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const INPUTS = ["index.ts", "components", "tsconfig.json", "tsconfig.build.json"];
const STAMP = path.join("dist", ".keelson-build-sha256");

/** sha256 over the build's inputs (paths and contents, in a stable order); undefined without sources. */
function sourceDigest(root) {
  if (!fs.existsSync(path.join(root, "components", "index.ts"))) return undefined;
  const h = crypto.createHash("sha256");
  const add = (rel) => {
    const abs = path.join(root, rel);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(abs).sort()) add(path.join(rel, e));
    } else {
      h.update(rel.split(path.sep).join("/") + "\0");
      h.update(fs.readFileSync(abs));
      h.update("\0");
    }
  };
  INPUTS.forEach(add);
  return h.digest("hex");
}

/** "current", "stale" (sources changed since the build) or "missing" (no build). */
function buildState(root) {
  if (!fs.existsSync(path.join(root, "dist", "components", "index.js"))) return "missing";
  const want = sourceDigest(root);
  if (want === undefined) return "current"; // an installed package: dist/ is all there is
  const stamp = path.join(root, STAMP);
  if (!fs.existsSync(stamp)) return "missing"; // a build that did not finish
  return fs.readFileSync(stamp, "utf8").trim() === want ? "current" : "stale";
}

module.exports = { sourceDigest, buildState, STAMP };
