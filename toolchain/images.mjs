#!/usr/bin/env node
// Container images without a registry, and flanneld, built from source through
// the Go module proxy (the only source on air-gapped build machines and in this
// lab). See docs/images.md for the versions, why, and how a site uses the archives.
//
// Plain Node.js with no npm dependencies: it runs before `npm ci`.
//
//   ensureImages()  -> ${KEELSON_CACHE:-~/.cache/keelson}/images/{pause,coredns}.tar + images.json
//                      OCI image layouts (one tar each) that `ctr -n k8s.io images import` loads
//   ensureFlannel() -> ${KEELSON_CACHE:-~/.cache/keelson}/flannel/<version>/bin/flanneld
//
// Both build in a temporary directory renamed into place when complete, with a
// stamp.json holding the hash of the inputs; a second run finds it and returns at once.
//
//   node toolchain/images.mjs             # build (or find) both, print a summary
//   node toolchain/images.mjs --images    # the images only
//   node toolchain/images.mjs --flannel   # flanneld only
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KUBERNETES_VERSION, cacheRoot, stagingModules, wrapperGoMod as kubernetesWrapperGoMod } from "./kubernetes.mjs";
import { buildImage, goDirective, replaceDirectives, wrapperGoMod } from "./oci.mjs";
import { VERSIONS } from "./versions.mjs";

/**
 * The pause image k8s v1.36 expects: cmd/kubeadm/app/constants PauseVersion and
 * test/utils/image both say 3.10.2 (build/pause/Makefile TAG ?= 3.10.2). The
 * kubelet no longer chooses it: containerd's CRI `sandbox_image` does, and
 * containerd 1.6's default is pause:3.6, so nodes must set it to this ref.
 */
export const PAUSE_VERSION = VERSIONS.images.pause;
/** cmd/kubeadm/app/constants CoreDNSVersion in k8s v1.36.3; served by the Go module proxy. */
export const COREDNS_VERSION = VERSIONS.images.coredns;
/** v0.27.0 fails go.sum checksum verification through the proxy; v0.26.7 is served and verified. */
export const FLANNEL_VERSION = VERSIONS.flannel;

/**
 * agnhost, Kubernetes' own e2e test image (test/images/agnhost/VERSION in the
 * pinned release): netexec, connect, dns and friends. Nodes carry it so the
 * engine tests, and operators, can probe pod networking and DNS from inside pods.
 */
export const AGNHOST_VERSION = VERSIONS.images.agnhost;

/**
 * MetalLB, the cluster's LoadBalancer implementation (go.universe.tf/metallb,
 * served by the Go module proxy; github.com/metallb/metallb is refused). v0.15.3:
 * v0.16.1 and v0.16.2 need github.com/metallb/frr-k8s v0.0.25/v0.0.27, which the
 * proxy refuses (it serves v0.0.21, what v0.15.3 requires). The
 * controller allocates portable IPs, the speaker announces them in L2 mode.
 * Its own manifest (config/manifests/metallb-native.yaml) ships beside the
 * archives, so the add-on deploys exactly what upstream tests.
 */
export const METALLB_VERSION = VERSIONS.images.metallb;

/**
 * Traefik, the Ingress ALBs' controller, with its Ingress NGINX provider (NGINX
 * annotations on standard Ingresses, as IKS's community-NGINX ALBs read them).
 * v3.6.19: from v3.7 its go.mod replaces github.com/traefik/traefik/dynamic/ext
 * with a nested module the module zip leaves out, and the proxy serves no
 * module of that name, so v3.7.x cannot be built from the proxy.
 */
export const TRAEFIK_VERSION = VERSIONS.images.traefik;

export const IMAGE_REFS = {
  pause: `registry.k8s.io/pause:${PAUSE_VERSION}`,
  coredns: `registry.k8s.io/coredns/coredns:${COREDNS_VERSION}`,
  agnhost: `registry.k8s.io/e2e-test-images/agnhost:${AGNHOST_VERSION}`,
  "metallb-controller": `quay.io/metallb/controller:${METALLB_VERSION}`,
  "metallb-speaker": `quay.io/metallb/speaker:${METALLB_VERSION}`,
  traefik: `docker.io/library/traefik:${TRAEFIK_VERSION}`,
};

/** Manifests of the add-ons built here, copied from their modules into the bundle (images.json `manifests`). */
export const MANIFESTS = { metallb: "metallb-native.yaml", "traefik-rbac": "traefik-ingress-nginx-rbac.yaml" };

const GOARCH = "amd64";

export function imagesDir() {
  return path.join(cacheRoot(), "images");
}

export function flannelDir(version = FLANNEL_VERSION) {
  return path.join(cacheRoot(), "flannel", version);
}

function log(msg) {
  process.stderr.write(`[keelson images] ${msg}\n`);
}

function fmtSecs(ms) {
  return `${(ms / 1000).toFixed(0)}s`;
}

function goEnv(extra = {}) {
  return { ...process.env, GOFLAGS: "-mod=mod", CGO_ENABLED: "0", GOTOOLCHAIN: "local", GOOS: "linux", GOARCH, ...extra };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 << 20, ...opts });
  if (r.error) throw new Error(`${cmd} could not be run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  return r.stdout;
}

function toolVersion(cmd, args) {
  try {
    return run(cmd, args).split("\n")[0].trim();
  } catch {
    return `${cmd}: missing`;
  }
}

function goVersion() {
  const v = toolVersion("go", ["env", "GOVERSION"]);
  if (v.endsWith("missing")) throw new Error("Go is required to build the images and flanneld (https://go.dev/dl/)");
  return v;
}

/** Everything that changes the bytes we produce. */
function inputKey(parts) {
  const h = createHash("sha256");
  for (const p of parts) h.update(String(p)).update("\0");
  for (const f of ["images.mjs", "oci.mjs"]) h.update(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), f)));
  return h.digest("hex");
}

export function imagesKey() {
  return inputKey([
    "images",
    KUBERNETES_VERSION,
    IMAGE_REFS.pause,
    IMAGE_REFS.coredns,
    IMAGE_REFS.agnhost,
    IMAGE_REFS["metallb-controller"],
    IMAGE_REFS["metallb-speaker"],
    IMAGE_REFS.traefik,
    goVersion(),
    toolVersion("gcc", ["--version"]),
    toolVersion("ldd", ["--version"]), // static libc goes into /pause
    process.versions.zlib, // gzip bytes of the layers
    GOARCH,
  ]);
}

export function flannelKey(version = FLANNEL_VERSION) {
  return inputKey(["flannel", version, goVersion(), toolVersion("gcc", ["--version"]), toolVersion("ldd", ["--version"]), GOARCH]);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

function goModDownload(mod, cwd) {
  const r = spawnSync("go", ["mod", "download", "-json", mod], { cwd, env: goEnv({ GOFLAGS: "" }), encoding: "utf8" });
  let info = {};
  try {
    info = JSON.parse(r.stdout || "{}");
  } catch {}
  if (r.status !== 0 || info.Error || !info.Dir) {
    throw new Error(`cannot download ${mod} through the Go module proxy: ${info.Error || r.stderr}`);
  }
  return info;
}

/** True when an ELF executable has no PT_INTERP header (no dynamic loader): it runs on any Linux. */
export function isStaticElf(buf) {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2) return false; // ELF64 only
  const le = buf[5] === 1;
  const u16 = (o) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const phoff = Number(le ? buf.readBigUInt64LE(32) : buf.readBigUInt64BE(32));
  const phentsize = u16(54);
  const phnum = u16(56);
  for (let i = 0; i < phnum; i++) {
    if (u32(phoff + i * phentsize) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

function assertStatic(file) {
  if (!isStaticElf(fs.readFileSync(file))) throw new Error(`${file} is not a static executable; it would not run on every host`);
}

/**
 * A wrapper module that requires `modPath@version` (with the upstream go.mod's
 * replace lines copied), resolved so go.sum is written and checked against
 * sum.golang.org. Returns { dir, info }.
 */
function prepareWrapper({ work, name, modPath, version, pkgs = [modPath] }) {
  const info = goModDownload(`${modPath}@${version}`, work);
  const upstream = fs.readFileSync(info.GoMod, "utf8");
  const replaces = replaceDirectives(upstream);
  const dir = path.join(work, `${name}-mod`);
  fs.mkdirSync(dir, { recursive: true });
  const go = goDirective(upstream);
  // The wrapper's go line: at least upstream's, at least 1.21 (toolchain-aware go.mod semantics).
  const goLine = go && compareGo(go, "1.21") > 0 ? go : "1.21";
  fs.writeFileSync(
    path.join(dir, "go.mod"),
    wrapperGoMod({ module: `keelson.local/${name}-build`, require: modPath, version, replaces, go: goLine }),
  );
  log(`${modPath}@${version}: wrapper module with ${replaces.length} replace line(s) copied; resolving the module graph`);
  run("go", ["list", "-deps", ...pkgs], { cwd: dir, env: goEnv() });
  return { dir, info, replaces };
}

function compareGo(a, b) {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d) return d;
  }
  return 0;
}

const PKG_LINE = /^[\w.\-]+(\/[\w.\-~+]+)*$/;

/** `go build -v -p 2`, with a progress line (packages compiled) every 15 s. */
function goBuild({ label, cwd, pkg, out, ldflags, env, tags }) {
  const total = run("go", ["list", "-deps", ...(tags ? ["-tags", tags] : []), pkg], { cwd, env }).split("\n").filter(Boolean).length;
  const started = Date.now();
  let done = 0;
  let last = started;
  return new Promise((resolve, reject) => {
    // -p 2: the build machine's 2 cores; the Kubernetes build may run beside it (scripts/keelson-run.mjs).
    const args = ["build", "-v", "-p", "2", "-trimpath", ...(tags ? ["-tags", tags] : []), "-ldflags", ldflags, "-o", out, pkg];
    const child = spawn("go", args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let errText = "";
    child.stderr.on("data", (d) => {
      const s = d.toString();
      for (const line of s.split("\n")) if (PKG_LINE.test(line.trim()) && !line.startsWith("go:")) done++;
      errText = (errText + s).slice(-200_000);
      if (Date.now() - last > 15_000) {
        last = Date.now();
        log(`${label}: compiled ${done}/${total} packages (cached ones not counted), ${fmtSecs(last - started)}`);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) return resolve(Math.round((Date.now() - started) / 1000));
      const tail = errText.split("\n").filter((l) => !PKG_LINE.test(l.trim())).slice(-40).join("\n");
      reject(new Error(`${label}: go build ${pkg} failed (exit ${code}):\n${tail}`));
    });
  });
}

/** Reads a string constant from a Go file (`Name = "value"`). */
export function goConstant(goSource, name) {
  return new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(goSource)?.[1];
}

function checkKubeadmConstants(kubernetesSrc) {
  const file = path.join(kubernetesSrc, "cmd", "kubeadm", "app", "constants", "constants.go");
  if (!fs.existsSync(file)) return;
  const src = fs.readFileSync(file, "utf8");
  const want = { PauseVersion: PAUSE_VERSION, CoreDNSVersion: COREDNS_VERSION };
  for (const [k, v] of Object.entries(want)) {
    const got = goConstant(src, k);
    if (got && got !== v) log(`warning: k8s.io/kubernetes@${KUBERNETES_VERSION} says ${k} = ${got}, Keelson builds ${v} (update toolchain/images.mjs)`);
  }
}

/** /pause and flanneld (cgo) are linked statically against glibc: gcc and libc.a are needed. */
function requireStaticCc(what) {
  // gcc prints the bare name when it has no static libc.a to link.
  if (toolVersion("gcc", ["--version"]).endsWith("missing") || !path.isAbsolute(toolVersion("gcc", ["-print-file-name=libc.a"]))) {
    throw new Error(`building ${what} needs gcc and the static C library: apt-get install gcc libc6-dev`);
  }
}

/** /pause: build/pause/linux/pause.c compiled as build/pause/Makefile does, then stripped. */
function buildPause(work) {
  const k8s = goModDownload(`k8s.io/kubernetes@${KUBERNETES_VERSION}`, work);
  const src = path.join(k8s.Dir, "build", "pause", "linux", "pause.c");
  if (!fs.existsSync(src)) throw new Error(`k8s.io/kubernetes@${KUBERNETES_VERSION} has no build/pause/linux/pause.c (looked in ${k8s.Dir})`);
  checkKubeadmConstants(k8s.Dir);
  requireStaticCc("/pause");
  const dir = path.join(work, "pause");
  fs.mkdirSync(dir);
  // Compiled from a relative name in its own folder: no build path ends up in the binary.
  fs.copyFileSync(src, path.join(dir, "pause.c"));
  // Makefile: CFLAGS = -Os -Wall -Werror -static -DVERSION=v$(TAG)-$(REV); REV is `git describe`
  // of the kubernetes checkout, here the module version it came from.
  const version = `v${PAUSE_VERSION}-${KUBERNETES_VERSION}`;
  run("gcc", ["-Os", "-Wall", "-Werror", "-static", `-DVERSION=${version}`, "-o", "pause", "pause.c"], { cwd: dir });
  run("strip", ["pause"], { cwd: dir });
  const bin = path.join(dir, "pause");
  assertStatic(bin);
  return { bin, version };
}

async function buildCoreDNS(work) {
  const { dir, info } = prepareWrapper({ work, name: "coredns", modPath: "github.com/coredns/coredns", version: COREDNS_VERSION });
  const out = path.join(work, "coredns-bin");
  // Makefile: -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$(GITCOMMIT)", CGO_ENABLED=0.
  const commit = info.Origin?.Hash ? info.Origin.Hash.slice(0, 7) : COREDNS_VERSION;
  const ldflags = `-s -w -X github.com/coredns/coredns/coremain.GitCommit=${commit}`;
  const seconds = await goBuild({ label: `coredns ${COREDNS_VERSION}`, cwd: dir, pkg: "github.com/coredns/coredns", out, ldflags, env: goEnv() });
  assertStatic(out);
  return { bin: out, seconds };
}

/** agnhost from the k8s.io/kubernetes module, through the same wrapper module as the Kubernetes binaries. */
async function buildAgnhost(work) {
  const k8s = goModDownload(`k8s.io/kubernetes@${KUBERNETES_VERSION}`, work);
  const version = fs.readFileSync(path.join(k8s.Dir, "test", "images", "agnhost", "VERSION"), "utf8").trim();
  if (version !== AGNHOST_VERSION) log(`warning: k8s.io/kubernetes@${KUBERNETES_VERSION} says agnhost ${version}, Keelson tags ${AGNHOST_VERSION} (update toolchain/images.mjs)`);
  const dir = path.join(work, "agnhost-mod");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "go.mod"), kubernetesWrapperGoMod(KUBERNETES_VERSION, stagingModules(fs.readFileSync(k8s.GoMod, "utf8"))));
  const pkg = "k8s.io/kubernetes/test/images/agnhost";
  run("go", ["list", "-deps", pkg], { cwd: dir, env: goEnv() });
  const out = path.join(work, "agnhost-bin");
  const seconds = await goBuild({ label: `agnhost ${AGNHOST_VERSION}`, cwd: dir, pkg, out, ldflags: "-s -w", env: goEnv() });
  assertStatic(out);
  return { bin: out, seconds };
}

/**
 * MetalLB's controller and speaker, as its Dockerfiles build them (CGO_ENABLED=0,
 * -X internal/version.gitCommit/gitBranch), and its native manifest.
 */
async function buildMetallb(work) {
  const modPath = "go.universe.tf/metallb";
  const pkgs = [`${modPath}/controller`, `${modPath}/speaker`];
  const { dir, info } = prepareWrapper({ work, name: "metallb", modPath, version: METALLB_VERSION, pkgs });
  const commit = info.Origin?.Hash ? info.Origin.Hash.slice(0, 7) : METALLB_VERSION;
  const ldflags = `-s -w -X go.universe.tf/metallb/internal/version.gitCommit=${commit} -X go.universe.tf/metallb/internal/version.gitBranch=${METALLB_VERSION}`;
  const bins = {};
  for (const pkg of pkgs) {
    const name = path.basename(pkg);
    bins[name] = path.join(work, `metallb-${name}-bin`);
    await goBuild({ label: `metallb ${name} ${METALLB_VERSION}`, cwd: dir, pkg, out: bins[name], ldflags, env: goEnv() });
    assertStatic(bins[name]);
  }
  const manifest = path.join(info.Dir, "config", "manifests", "metallb-native.yaml");
  if (!fs.existsSync(manifest)) throw new Error(`${modPath}@${METALLB_VERSION} has no config/manifests/metallb-native.yaml`);
  return { ...bins, manifest };
}

/** Traefik as its Makefile builds it (CGO off, -X pkg/version.Version), and the RBAC its Ingress NGINX provider needs. */
async function buildTraefik(work) {
  const modPath = "github.com/traefik/traefik/v3";
  const pkg = `${modPath}/cmd/traefik`;
  const { dir } = prepareWrapper({ work, name: "traefik", modPath, version: TRAEFIK_VERSION, pkgs: [pkg] });
  const out = path.join(work, "traefik-bin");
  const ldflags = `-s -w -X ${modPath}/pkg/version.Version=${TRAEFIK_VERSION} -X ${modPath}/pkg/version.Codename=keelson`;
  await goBuild({ label: `traefik ${TRAEFIK_VERSION}`, cwd: dir, pkg, out, ldflags, env: goEnv() });
  assertStatic(out);
  const info = goModDownload(`${modPath}@${TRAEFIK_VERSION}`, work);
  const rbac = path.join(info.Dir, "docs", "content", "reference", "dynamic-configuration", "kubernetes-ingress-nginx-rbac.yml");
  if (!fs.existsSync(rbac)) throw new Error(`${modPath}@${TRAEFIK_VERSION} has no ${path.relative(info.Dir, rbac)}`);
  return { bin: out, rbac };
}

/**
 * Builds (or finds) the image archives. Returns
 * { dir, images: [{ name, ref, archive, digest, archiveSha256 }], built }; images.json
 * in `dir` holds the same without `built`. `digest` is the manifest digest that
 * `ctr -n k8s.io images ls` shows after the import.
 */
export async function ensureImages() {
  const dir = imagesDir();
  const key = imagesKey();
  const stamp = readJson(path.join(dir, "stamp.json"));
  const existing = readJson(path.join(dir, "images.json"));
  if (stamp?.key === key && existing?.images?.every((i) => fs.existsSync(path.join(dir, path.basename(i.archive))))) {
    return { ...existing, built: false };
  }

  const t0 = Date.now();
  log(`building images ${Object.values(IMAGE_REFS).join(", ")} with ${goVersion()}`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(dir), ".images-build-"));
  fs.chmodSync(work, 0o755);
  try {
    const out = path.join(work, "out");
    fs.mkdirSync(out);
    const timings = {};

    let t = Date.now();
    const pause = buildPause(work);
    timings.pause = Math.round((Date.now() - t) / 1000);
    log(`pause ${pause.version} compiled (${fmtSecs(Date.now() - t)})`);

    t = Date.now();
    const coredns = await buildCoreDNS(work);
    timings.coredns = Math.round((Date.now() - t) / 1000);
    log(`coredns ${COREDNS_VERSION} built (${fmtSecs(Date.now() - t)})`);

    t = Date.now();
    const agnhost = await buildAgnhost(work);
    timings.agnhost = Math.round((Date.now() - t) / 1000);
    log(`agnhost ${AGNHOST_VERSION} built (${fmtSecs(Date.now() - t)})`);

    t = Date.now();
    const metallb = await buildMetallb(work);
    timings.metallb = Math.round((Date.now() - t) / 1000);
    log(`metallb ${METALLB_VERSION} built (${fmtSecs(Date.now() - t)})`);
    fs.copyFileSync(metallb.manifest, path.join(out, MANIFESTS.metallb));

    t = Date.now();
    const traefik = await buildTraefik(work);
    timings.traefik = Math.round((Date.now() - t) / 1000);
    log(`traefik ${TRAEFIK_VERSION} built (${fmtSecs(Date.now() - t)})`);
    fs.copyFileSync(traefik.rbac, path.join(out, MANIFESTS["traefik-rbac"]));

    const specs = [
      {
        name: "pause",
        ref: IMAGE_REFS.pause,
        files: [{ path: "/pause", data: fs.readFileSync(pause.bin), mode: 0o755 }],
        // As build/pause/Dockerfile: FROM scratch, USER 65535:65535, ENTRYPOINT ["/pause"].
        config: { User: "65535:65535", Entrypoint: ["/pause"] },
      },
      {
        name: "coredns",
        ref: IMAGE_REFS.coredns,
        files: [{ path: "/coredns", data: fs.readFileSync(coredns.bin), mode: 0o755 }],
        // As coredns' Dockerfile, but as root: upstream runs as nonroot with a file
        // capability (setcap cap_net_bind_service) to bind :53; see docs/images.md.
        config: { Entrypoint: ["/coredns"], WorkingDir: "/", ExposedPorts: { "53/tcp": {}, "53/udp": {} } },
      },
      {
        name: "agnhost",
        ref: IMAGE_REFS.agnhost,
        files: [{ path: "/agnhost", data: fs.readFileSync(agnhost.bin), mode: 0o755 }],
        // As test/images/agnhost/Dockerfile: ENTRYPOINT ["/agnhost"], run as root (no shell: a single static binary).
        config: { Entrypoint: ["/agnhost"], WorkingDir: "/" },
      },
      // As MetalLB's Dockerfiles (distroless/static, ENTRYPOINT ["/controller"] / ["/speaker"]);
      // the manifest runs the controller as 65534, the speaker as root with NET_RAW.
      {
        name: "metallb-controller",
        ref: IMAGE_REFS["metallb-controller"],
        files: [{ path: "/controller", data: fs.readFileSync(metallb.controller), mode: 0o755 }],
        config: { Entrypoint: ["/controller"], WorkingDir: "/" },
      },
      {
        name: "metallb-speaker",
        ref: IMAGE_REFS["metallb-speaker"],
        files: [{ path: "/speaker", data: fs.readFileSync(metallb.speaker), mode: 0o755 }],
        config: { Entrypoint: ["/speaker"], WorkingDir: "/" },
      },
      // As Traefik's Dockerfile (ENTRYPOINT ["/traefik"], EXPOSE 80); the ALBs run it as 65532 on ports above 1024.
      {
        name: "traefik",
        ref: IMAGE_REFS.traefik,
        files: [{ path: "/traefik", data: fs.readFileSync(traefik.bin), mode: 0o755 }],
        config: { Entrypoint: ["/traefik"], WorkingDir: "/", ExposedPorts: { "80/tcp": {} } },
      },
    ];
    const images = [];
    for (const s of specs) {
      const img = buildImage({ ref: s.ref, files: s.files, config: s.config });
      const file = path.join(out, `${s.name}.tar`);
      fs.writeFileSync(file, img.archive);
      images.push({ name: s.name, ref: s.ref, archive: path.join(dir, `${s.name}.tar`), digest: img.digest, archiveSha256: img.archiveSha256 });
      log(`${s.ref} ${img.digest} (${(img.archive.length / 1048576).toFixed(1)} MiB)`);
    }
    const manifest = { dir, images, manifests: MANIFESTS };
    fs.writeFileSync(path.join(out, "images.json"), JSON.stringify(manifest, null, 2) + "\n");
    const newStamp = {
      key,
      kubernetes: KUBERNETES_VERSION,
      go: goVersion(),
      gcc: toolVersion("gcc", ["--version"]),
      refs: IMAGE_REFS,
      digests: Object.fromEntries(images.map((i) => [i.name, i.digest])),
      seconds: { ...timings, total: Math.round((Date.now() - t0) / 1000) },
      builtAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(out, "stamp.json"), JSON.stringify(newStamp, null, 2) + "\n");
    // Atomic swap: the folder appears complete or not at all.
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(out, dir);
    fs.rmSync(work, { recursive: true, force: true });
    log(`images built in ${fmtSecs(Date.now() - t0)} -> ${dir}`);
    return { ...manifest, built: true };
  } catch (e) {
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

/**
 * flanneld's -ldflags as its Makefile builds it (`-X .../pkg/version.Version=$(TAG)`,
 * `-extldflags "-static"`, stripped).
 */
export function flannelLdflags(version = FLANNEL_VERSION) {
  return `-s -w -X github.com/flannel-io/flannel/pkg/version.Version=${version} -extldflags "-static"`;
}

/**
 * flanneld needs cgo on amd64: pkg/backend/udp's amd64 files call a C proxy
 * (cproxy_amd64.go, `import "C"`), and main.go imports that backend, so
 * CGO_ENABLED=0 fails with "undefined: runCProxy". Its Makefile builds amd64 with
 * CGO_ENABLED=1 and -extldflags "-static"; so do we, plus netgo/osusergo so the
 * static glibc binary never needs NSS libraries at run time.
 */
export const FLANNEL_BUILD = { CGO_ENABLED: "1", tags: "netgo,osusergo" };

/** Builds (or finds) flanneld. Returns { version, binDir, built }. */
export async function ensureFlannel(opts = {}) {
  const version = opts.version || FLANNEL_VERSION;
  const dir = flannelDir(version);
  const binDir = path.join(dir, "bin");
  const key = flannelKey(version);
  const stamp = readJson(path.join(dir, "stamp.json"));
  if (stamp?.key === key && fs.existsSync(path.join(binDir, "flanneld"))) return { version, binDir, built: false };

  const t0 = Date.now();
  requireStaticCc("flanneld");
  log(`building flanneld ${version} with ${goVersion()} (cgo, static)`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(dir), `.${version}-build-`));
  fs.chmodSync(work, 0o755);
  try {
    const { dir: mod, info } = prepareWrapper({ work, name: "flannel", modPath: "github.com/flannel-io/flannel", version });
    const out = path.join(work, "bin", "flanneld");
    fs.mkdirSync(path.dirname(out));
    const env = goEnv({ CGO_ENABLED: FLANNEL_BUILD.CGO_ENABLED, CC: process.env.CC || "gcc" });
    const seconds = await goBuild({ label: `flanneld ${version}`, cwd: mod, pkg: "github.com/flannel-io/flannel", out, ldflags: flannelLdflags(version), env, tags: FLANNEL_BUILD.tags });
    assertStatic(out);
    const sha256 = createHash("sha256").update(fs.readFileSync(out)).digest("hex");
    const newStamp = { key, version, go: goVersion(), moduleSum: info.Sum, sha256, tags: FLANNEL_BUILD.tags, seconds, builtAt: new Date().toISOString() };
    fs.writeFileSync(path.join(work, "stamp.json"), JSON.stringify(newStamp, null, 2) + "\n");
    fs.rmSync(mod, { recursive: true, force: true });
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(work, dir);
    log(`flanneld ${version} built in ${fmtSecs(Date.now() - t0)} -> ${binDir}`);
    return { version, binDir, built: true };
  } catch (e) {
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const onlyImages = process.argv.includes("--images");
  const onlyFlannel = process.argv.includes("--flannel");
  const t0 = Date.now();
  (async () => {
    if (!onlyFlannel) {
      const r = await ensureImages();
      console.log(`${r.built ? "built" : "found"} images in ${r.dir}`);
      for (const i of r.images) console.log(`  ${i.ref}  ${i.digest}  ${path.basename(i.archive)}`);
    }
    if (!onlyImages) {
      const f = await ensureFlannel();
      console.log(`${f.built ? "built" : "found"} flanneld ${f.version} in ${f.binDir}`);
    }
    console.log(`(${fmtSecs(Date.now() - t0)})`);
  })().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
