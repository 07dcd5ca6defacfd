#!/usr/bin/env node
// `npm run build` (and npm's `prepare`, so `npm ci` and `npm pack` build it too):
// the npm package in dist/: components/ compiled by tsc to JavaScript with .d.ts
// (tsconfig.build.json), the lab driver's shell scripts it reads at run time
// copied beside its code, and a stamp of the sources it was built from
// (bin/build-state.js) so the runner and the CLI can tell a stale build.
// A type error fails the build: a package with wrong types is not shipped.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { sourceDigest, STAMP } = require("../bin/build-state.js");

export function buildPackage({ quiet = false } = {}) {
  const digest = sourceDigest(root);
  fs.rmSync(path.join(root, STAMP), { force: true });
  const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit", encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run build: tsc -p tsconfig.build.json failed (exit ${r.status})${quiet ? `\n${r.stdout}${r.stderr}` : ""}`);
  // components/infra/lab/render.ts reads its scripts from __dirname/scripts.
  const from = path.join(root, "components", "infra", "lab", "scripts");
  const to = path.join(root, "dist", "components", "infra", "lab", "scripts");
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
  fs.writeFileSync(path.join(root, STAMP), digest + "\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    buildPackage();
  } catch (e) {
    console.error(e.message);
    process.exitCode = 1;
  }
}
