#!/usr/bin/env node
// Keelson's approver of kubelet serving certificates (Go, in
// toolchain/kubelet-serving-approver/; why Keelson has its own: decide.go),
// built against the client-go of the cluster's Kubernetes release. `up` pushes
// it to every master, whatever the artifact source: it has no download site.
//
// Plain Node.js with no npm dependencies: it runs before `npm ci`.
// Output: ${KEELSON_CACHE:-~/.cache/keelson}/kubelet-serving-approver/<version>/bin/kubelet-serving-approver
// (components/control/kubeletServingApprover.ts reads it there), rebuilt when
// its sources, this script or Go change.
//
//   node toolchain/kubelet-serving-approver.mjs          # build (or find) it
//   node toolchain/kubelet-serving-approver.mjs --print  # print the binary's path only
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureCached } from "./cachedBuild.mjs";
import { goBuild, goVersion } from "./go.mjs";
import { cacheRoot } from "./kube-router.mjs";
import { VERSIONS } from "./versions.mjs";

export const APPROVER = "kubelet-serving-approver";
export const APPROVER_VERSION = VERSIONS.kubeletServingApprover;

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, APPROVER);
const log = (msg) => process.stderr.write(`[keelson ${APPROVER}] ${msg}\n`);

/** Its client-go must be the cluster's release (v1.36.3 -> v0.36.3): the API it decides on is that release's. */
export function checkClientGo(gomod = fs.readFileSync(path.join(src, "go.mod"), "utf8"), kubernetes = VERSIONS.kubernetes) {
  const want = kubernetes.replace(/^v1\./, "v0.");
  const got = gomod.match(/^\s*k8s\.io\/client-go (\S+)/m)?.[1];
  if (got !== want) {
    throw new Error(`toolchain/${APPROVER}/go.mod requires k8s.io/client-go ${got}, but Kubernetes is ${kubernetes}: run (cd toolchain/${APPROVER} && go get k8s.io/client-go@${want} k8s.io/api@${want} k8s.io/apimachinery@${want} && go mod tidy)`);
  }
}

function key() {
  const h = createHash("sha256").update(`${APPROVER} ${APPROVER_VERSION}\n${goVersion()}\n`);
  // Its sources (not its tests: they change no binary), go.mod and go.sum.
  for (const f of fs.readdirSync(src).sort().filter((f) => !f.endsWith("_test.go"))) h.update(f).update(fs.readFileSync(path.join(src, f)));
  for (const f of ["kubelet-serving-approver.mjs", "cachedBuild.mjs", "go.mjs"]) h.update(fs.readFileSync(path.join(here, f)));
  return h.digest("hex").slice(0, 16);
}

/** Builds (or finds) the approver. Returns { version, bin, built }. */
export async function ensureApprover() {
  checkClientGo();
  const dir = path.join(cacheRoot(), APPROVER, APPROVER_VERSION);
  const out = path.join("bin", APPROVER);
  const r = await ensureCached({
    dir,
    key: key(),
    outputs: [out],
    build: async (work) => {
      log(`building ${APPROVER} ${APPROVER_VERSION} with ${goVersion()}`);
      const bin = path.join(work, out);
      fs.mkdirSync(path.dirname(bin));
      const b = await goBuild({ label: APPROVER, cwd: src, pkg: ".", out: bin, ldflags: `-s -w -X main.version=${APPROVER_VERSION}`, log });
      const v = spawnSync(bin, ["--version"], { encoding: "utf8" });
      if (v.status !== 0 || v.stdout.trim() !== `${APPROVER} ${APPROVER_VERSION}`) throw new Error(`${APPROVER}: the built binary reports ${JSON.stringify(v.stdout.trim() || v.stderr.trim())}`);
      return { version: APPROVER_VERSION, go: goVersion(), sha256: createHash("sha256").update(fs.readFileSync(bin)).digest("hex"), seconds: b.seconds };
    },
  });
  if (r.built) log(`built -> ${path.join(dir, out)}`);
  return { version: APPROVER_VERSION, bin: path.join(dir, out), built: r.built };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureApprover()
    .then((r) => console.log(process.argv.includes("--print") ? r.bin : `${r.built ? "built" : "found"} ${APPROVER} ${r.version}: ${r.bin}`))
    .catch((e) => {
      console.error(e.message);
      process.exit(1);
    });
}
