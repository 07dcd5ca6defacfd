#!/usr/bin/env node
// etcd, etcdctl and etcdutl built from etcd's own Go modules at ONE pinned
// release (components/versions.json), through the Go module proxy, the way the
// Kubernetes binaries are (toolchain/kubernetes.mjs). See docs/toolchain-kubernetes.md.
//
//   go.etcd.io/etcd/server/v3   -> etcd      (server/main.go)
//   go.etcd.io/etcd/etcdctl/v3  -> etcdctl
//   go.etcd.io/etcd/etcdutl/v3  -> etcdutl   (snapshot restore, defrag offline)
//
// Each upstream go.mod replaces its sibling modules with relative paths
// (go.etcd.io/etcd/api/v3 => ../api), which only work inside etcd's repository:
// each binary is built from a wrapper module whose go.mod is upstream's with
// every sibling pinned to the same release (go.mjs's wrapperGoMod), so the build
// selects exactly the versions upstream's go.sum covers. Two more upstream lines
// are dropped: the `=> ./FORBIDDEN_DEPENDENCY` guards (they keep etcd's own
// repository from importing its root module; a wrapper cannot import it either)
// and the `toolchain` line (a suggestion to fetch a newer Go; GOTOOLCHAIN=local
// builds with the Go on the machine, which the `go` line still bounds).
//
// Plain Node.js with no npm dependencies: it runs before `npm ci`.
// Output: ${KEELSON_CACHE:-~/.cache/keelson}/etcd/<version>/bin/{etcd,etcdctl,etcdutl},
// and for each upgrade step (etcdUpgradeSteps) etcd/<step>/bin/etcd, each built
// in a temporary folder and renamed into place when done, with stamp.json
// holding the hash of the inputs.
//
//   node toolchain/etcd.mjs            # build (or find) the binaries
//   node toolchain/etcd.mjs --print    # print the bin folder only
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { goBuild, goModDownload, wrapperGoMod } from "./go.mjs";
import { VERSIONS } from "./versions.mjs";

export const ETCD_VERSION = VERSIONS.etcd;

/** binary -> the module (and main package) it is built from. */
export const ETCD_BINARIES = {
  etcd: "go.etcd.io/etcd/server/v3",
  etcdctl: "go.etcd.io/etcd/etcdctl/v3",
  etcdutl: "go.etcd.io/etcd/etcdutl/v3",
};

/**
 * The older servers a member steps through to reach ETCD_VERSION (etcd upgrades
 * one minor at a time): only the server is built for them, into
 * ${cache}/etcd/<step>/bin/etcd (components/control/render/etcdRelease.ts).
 */
export const ETCD_UPGRADE_STEPS = VERSIONS.etcdUpgradeSteps ?? [];

const here = path.dirname(fileURLToPath(import.meta.url));

function log(msg) {
  process.stderr.write(`[keelson etcd] ${msg}\n`);
}

export function cacheRoot() {
  return process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
}

export function etcdDir(version = ETCD_VERSION) {
  return path.join(cacheRoot(), "etcd", version);
}

/**
 * Upstream's go.mod made buildable as a dependency (pure, unit-tested): the
 * guards and the toolchain line dropped, then every relative replace pinned to
 * the version the same go.mod requires of that module (etcd tags its modules
 * together: api/v3 v3.6.17, and for 3.5 client/v2 v2.305.36), and the module
 * itself required. A relative replace of a module it does not require is an error.
 */
export function etcdWrapperGoMod(upstream, mod, version) {
  const kept = upstream
    .split("\n")
    .filter((l) => !/=>\s*\.\/FORBIDDEN_DEPENDENCY\s*$/.test(l) && !/^toolchain\s/.test(l.trim()))
    .join("\n");
  const required = new Map();
  for (const m of kept.matchAll(/^\s*(?:require\s+)?(go\.etcd\.io\/\S+)\s+(v\S+)\s*(?:\/\/.*)?$/gm)) required.set(m[1], m[2]);
  const pins = {};
  for (const m of kept.matchAll(/^\s*(?:replace\s+)?(\S+)\s+=>\s+\.\.?\/\S*\s*$/gm)) {
    const v = required.get(m[1]);
    if (!v) throw new Error(`${mod}@${version}: go.mod replaces ${m[1]} with a relative path but does not require it, so there is no version to pin it to`);
    pins[m[1]] = v;
  }
  const name = mod.split("/").at(-2);
  return wrapperGoMod(kept, { module: `keelson.local/etcd-${name}-build`, pins, require: [[mod, version]] });
}

function goVersionString() {
  return execFileSync("go", ["env", "GOVERSION"], { encoding: "utf8" }).trim();
}

/** What the build depends on: a change to any of these rebuilds. */
export function etcdKey(version = ETCD_VERSION) {
  const h = createHash("sha256");
  h.update(`etcd ${version}\n${goVersionString()}\n`);
  for (const f of ["etcd.mjs", "go.mjs"]) h.update(fs.readFileSync(path.join(here, f)));
  return h.digest("hex").slice(0, 16);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Builds (or finds) `binaries` of one release into ${cache}/etcd/<version>/bin. */
async function ensureRelease(version, binaries) {
  if (!/^v3\.\d+\.\d+$/.test(version)) throw new Error(`components/versions.json: etcd releases must look like v3.6.17, got ${JSON.stringify(version)}`);
  const dir = etcdDir(version);
  const binDir = path.join(dir, "bin");
  const key = etcdKey(version) + binaries.join(",");
  const stamp = readJson(path.join(dir, "stamp.json"));
  if (stamp?.key === key && binaries.every((b) => fs.existsSync(path.join(binDir, b)))) return { version, binDir, built: false };

  const t0 = Date.now();
  log(`building ${binaries.join(", ")} ${version} from their Go modules with ${goVersionString()} (first time only)`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(dir), `.${version}-build-`));
  fs.chmodSync(work, 0o755);
  const built = {};
  try {
    fs.mkdirSync(path.join(work, "bin"));
    for (const bin of binaries) {
      const mod = ETCD_BINARIES[bin];
      const modDir = path.join(work, `${bin}-mod`);
      fs.mkdirSync(modDir);
      const info = goModDownload(`${mod}@${version}`, modDir);
      fs.writeFileSync(path.join(modDir, "go.mod"), etcdWrapperGoMod(fs.readFileSync(info.GoMod, "utf8"), mod, version));
      const out = path.join(work, "bin", bin);
      // GitSHA: the module zip has no git metadata; its h1: sum names exactly the sources built.
      const ldflags = `-s -w -X 'go.etcd.io/etcd/api/v3/version.GitSHA=${info.Sum}'`;
      const r = await goBuild({ label: `${bin} ${version}`, cwd: modDir, pkg: mod, out, ldflags, log });
      built[bin] = { module: mod, moduleSum: info.Sum, sha256: createHash("sha256").update(fs.readFileSync(out)).digest("hex"), seconds: r.seconds };
      fs.rmSync(modDir, { recursive: true, force: true });
    }
    const reported = execFileSync(path.join(work, "bin", "etcd"), ["--version"], { encoding: "utf8" });
    if (!reported.includes(`etcd Version: ${version.slice(1)}`)) throw new Error(`etcd ${version}: the built binary reports ${JSON.stringify(reported.split("\n")[0])}`);
    fs.writeFileSync(path.join(work, "stamp.json"), JSON.stringify({ key, version, go: goVersionString(), binaries: built, builtAt: new Date().toISOString() }, null, 2) + "\n");
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(work, dir);
    log(`etcd ${version} built in ${Math.round((Date.now() - t0) / 1000)} s -> ${binDir}`);
    return { version, binDir, built: true };
  } catch (e) {
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Builds (or finds) etcd, etcdctl and etcdutl at ETCD_VERSION, and the server of
 * every upgrade step. Returns { version, binDir, built, steps } (binDir: the pinned release's).
 */
export async function ensureEtcd() {
  const steps = [];
  for (const v of ETCD_UPGRADE_STEPS) steps.push(await ensureRelease(v, ["etcd"]));
  const r = await ensureRelease(ETCD_VERSION, Object.keys(ETCD_BINARIES));
  return { ...r, built: r.built || steps.some((s) => s.built), steps };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureEtcd()
    .then((r) => console.log(process.argv.includes("--print") ? r.binDir : `${r.built ? "built" : "found"} etcd ${r.version} in ${r.binDir}`))
    .catch((e) => {
      console.error(e.message);
      process.exit(1);
    });
}
