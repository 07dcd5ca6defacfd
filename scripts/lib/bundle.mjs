// The air-gapped bundle (issue 18): everything the toolchain built into the
// Keelson cache (the Pulumi engine and plugins, the YAML host, Kubernetes, etcd,
// the node images, flanneld, kube-router, the approver, the test tools, the lab
// host image) in one archive, with a manifest of versions and sha256 sums.
//
//   export: the cache's finished builds -> FILE (tar, zstd-compressed)
//   import: FILE -> verified in a scratch folder -> moved into the cache, where
//           every ensure...() of toolchain/ finds its build by its stamp (no Go build)
//
// A build is found by its stamp key, which names its inputs (versions, recipe
// files, the Go version that built it): a bundle serves a checkout of the same
// commit on a machine of the same kind. What differs is rebuilt as usual.
//
// Plain Node.js with no npm dependencies: `KEELSON_BUNDLE=FILE npm run up` imports
// before `npm ci`. Not under toolchain/, whose files are part of the builds' keys.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// The cache the builds live in (KEELSON_CACHE or ~/.cache/keelson): the toolchain's own answer.
import { cacheRoot } from "../../toolchain/build.mjs";

export { cacheRoot };
export const BUNDLE_FORMAT = "keelson-bundle/1";
export const MANIFEST = "keelson-bundle.json";

/**
 * What marks a finished build: stamp.json (toolchain/cachedBuild.mjs and the other
 * builds), COMPLETE (the Pulumi toolchain and the Kubernetes provider plugin),
 * image.json (the lab host image).
 */
const MARKERS = ["stamp.json", "COMPLETE", "image.json"];
/** Never part of a bundle: the per-machine memos of file digests (keyed by inode) and the staged host tarballs (derived). */
const SKIP = new Set(["sums", "staged"]);

/**
 * The cache's finished builds, as paths relative to the cache: every folder (at
 * most three levels down) holding a marker. Folders named with a leading dot are
 * builds in progress or leftovers of interrupted ones: never listed.
 */
export function cacheEntries(cache) {
  const out = [];
  const walk = (rel, depth) => {
    const dir = path.join(cache, rel);
    let names;
    try {
      names = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (rel !== "" && MARKERS.some((m) => names.some((n) => n.name === m && n.isFile()))) {
      out.push(rel);
      return;
    }
    if (depth === 3) return;
    for (const n of names) {
      if (n.isDirectory() && !n.name.startsWith(".") && !SKIP.has(n.name)) walk(path.join(rel, n.name), depth + 1);
    }
  };
  walk("", 0);
  return out.sort();
}

function sha256File(file) {
  const h = createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

/**
 * Every path under `base/rel`, relative to `base`: regular files with their size,
 * mode and sha256; symlinks with their target; other special files (a lab image's
 * device nodes) by type only. Sorted, so two listings compare as JSON.
 */
export function listTree(base, rel) {
  const out = {};
  const walk = (r) => {
    const st = fs.lstatSync(path.join(base, r));
    if (st.isDirectory()) {
      out[r] = { type: "dir", mode: st.mode & 0o7777 };
      for (const n of fs.readdirSync(path.join(base, r)).sort()) walk(path.join(r, n));
    } else if (st.isSymbolicLink()) {
      out[r] = { type: "link", target: fs.readlinkSync(path.join(base, r)) };
    } else if (st.isFile()) {
      out[r] = { type: "file", size: st.size, mode: st.mode & 0o7777, sha256: sha256File(path.join(base, r)) };
    } else {
      out[r] = { type: "special" };
    }
  };
  walk(rel);
  return out;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * An entry's stamp (its key, version and the Go that built it), for the manifest
 * and for "already imported"; undefined when the folder holds no marker.
 */
function stampOf(dir) {
  for (const m of MARKERS) {
    const file = path.join(dir, m);
    if (!fs.existsSync(file)) continue;
    const s = readJson(file);
    return s && typeof s === "object" ? { marker: m, ...s } : { marker: m, sha256: sha256File(file) };
  }
  return undefined;
}

const mib = (n) => `${(n / (1 << 20)).toFixed(0)} MiB`;

function tar(args, what) {
  if (spawnSync("zstd", ["--version"]).status !== 0) throw new Error(`${what}: bundles are zstd-compressed and zstd is not installed (apt-get install zstd)`);
  const r = spawnSync("tar", args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${what}: tar: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what}: tar exited ${r.status}: ${r.stderr.trim().split("\n").slice(-3).join("; ")}`);
  return r.stdout;
}

/**
 * Writes the bundle of the cache's finished builds to `file` (atomically: a
 * partial archive is never left under its name). Returns the manifest.
 */
export function exportBundle(file, { cache = cacheRoot(), root, say = () => {} } = {}) {
  const t0 = Date.now();
  const entries = cacheEntries(cache);
  if (entries.length === 0) throw new Error(`bundle export: ${cache} holds no finished build (run npm run up or npm test once first)`);
  const files = {};
  for (const e of entries) Object.assign(files, listTree(cache, e));
  const bytes = Object.values(files).reduce((n, f) => n + (f.size ?? 0), 0);
  const manifest = {
    format: BUNDLE_FORMAT,
    createdAt: new Date().toISOString(),
    machine: { arch: process.arch, platform: process.platform, node: process.version },
    versions: root ? readJson(path.join(root, "components", "versions.json")) : undefined,
    entries: entries.map((e) => ({ path: e, stamp: stampOf(path.join(cache, e)) })),
    bytes,
    files,
  };
  const out = path.resolve(file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-bundle-"));
  const partial = `${out}.partial-${process.pid}`;
  try {
    fs.writeFileSync(path.join(scratch, MANIFEST), JSON.stringify(manifest, null, 1) + "\n");
    say(`bundle export: ${entries.length} builds, ${Object.keys(files).length} paths, ${mib(bytes)}, into ${out}`);
    // The manifest first, so import reads it without decompressing the rest.
    tar(["--zstd", "-cf", partial, "-C", scratch, MANIFEST, "-C", cache, ...entries], "bundle export");
    fs.renameSync(partial, out);
  } finally {
    fs.rmSync(partial, { force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  say(`bundle export: ${mib(fs.statSync(out).size)} written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return manifest;
}

/** The manifest of a bundle file, read from its first member, checked for shape. */
export function readManifest(file) {
  if (!fs.existsSync(file)) throw new Error(`bundle ${file}: no such file`);
  const text = tar(["--zstd", "-xOf", file, "--occurrence=1", MANIFEST], `bundle ${file}`);
  let m;
  try {
    m = JSON.parse(text);
  } catch {
    throw new Error(`bundle ${file}: ${MANIFEST} is not JSON`);
  }
  if (m?.format !== BUNDLE_FORMAT) throw new Error(`bundle ${file}: format ${JSON.stringify(m?.format)}, expected ${BUNDLE_FORMAT}`);
  if (!Array.isArray(m.entries) || typeof m.files !== "object" || m.files === null) throw new Error(`bundle ${file}: the manifest lists no entries or files`);
  for (const e of m.entries) {
    const p = e?.path;
    if (typeof p !== "string" || p === "" || path.isAbsolute(p) || path.normalize(p) !== p || p.split(path.sep).some((s) => s === ".." || s.startsWith("."))) {
      throw new Error(`bundle ${file}: entry path ${JSON.stringify(p)} is not a plain relative path`);
    }
  }
  return m;
}

/** The entries of `manifest` whose build the cache does not hold yet (a different or missing stamp). */
export function missingEntries(manifest, cache = cacheRoot()) {
  return manifest.entries.filter((e) => {
    const here = stampOf(path.join(cache, e.path));
    return here === undefined || JSON.stringify(here) !== JSON.stringify(e.stamp);
  });
}

/**
 * Imports `file` into the cache: extracted into a scratch folder inside the
 * cache, every path checked against the manifest (sha256, size, mode, link
 * target; nothing more, nothing less), then each build moved into place. A
 * bundle that fails a check changes nothing in the cache. Returns
 * { imported, skipped, manifest }.
 */
export function importBundle(file, { cache = cacheRoot(), say = () => {} } = {}) {
  const t0 = Date.now();
  const src = path.resolve(file);
  const manifest = readManifest(src);
  const todo = missingEntries(manifest, cache);
  if (todo.length === 0) {
    say(`bundle ${src}: the cache already holds its ${manifest.entries.length} builds`);
    return { imported: [], skipped: manifest.entries.map((e) => e.path), manifest };
  }
  fs.mkdirSync(cache, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(cache, ".bundle-import-"));
  try {
    say(`bundle import: ${todo.length} of ${manifest.entries.length} builds from ${src}`);
    // GNU tar refuses members with ".." and strips a leading "/" (never outside scratch).
    tar(["--zstd", "-xf", src, "-C", scratch, ...todo.map((e) => e.path)], `bundle ${src}`);
    for (const e of todo) {
      const want = Object.fromEntries(Object.entries(manifest.files).filter(([p]) => p === e.path || p.startsWith(e.path + path.sep)));
      const got = listTree(scratch, e.path);
      for (const p of new Set([...Object.keys(want), ...Object.keys(got)])) {
        if (JSON.stringify(got[p]) !== JSON.stringify(want[p])) {
          const why = !got[p] ? "missing from the archive" : !want[p] ? "not in the manifest" : got[p].sha256 !== want[p]?.sha256 ? "sha256 differs from the manifest" : "differs from the manifest";
          throw new Error(`bundle ${src}: ${p} ${why}; nothing was imported`);
        }
      }
    }
    for (const e of todo) {
      const dest = path.join(cache, e.path);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      const old = `${path.join(path.dirname(dest), "." + path.basename(dest))}-replaced-${process.pid}`;
      if (fs.existsSync(dest)) fs.renameSync(dest, old);
      fs.renameSync(path.join(scratch, e.path), dest);
      fs.rmSync(old, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  say(`bundle import: ${todo.length} builds (${mib(manifest.bytes)}) verified and in ${cache}, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { imported: todo.map((e) => e.path), skipped: manifest.entries.filter((e) => !todo.includes(e)).map((e) => e.path), manifest };
}
