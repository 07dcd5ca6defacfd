// The air-gapped bundle (issue 18, docs/bundle.md), as a user runs it:
//  - `npm run bundle -- export FILE` writes the cache's builds (engine and plugins,
//    Kubernetes, etcd, images, the lab host image, ...) with a manifest of versions
//    and sha256 sums;
//  - `KEELSON_BUNDLE=FILE npm run up`, with KEELSON_CACHE an empty folder, imports
//    it and builds the lab stack's cluster from it, with no Go build, no C build and
//    no debootstrap: each of those is a shim on PATH that fails and is logged;
//  - a second up finds the builds imported.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { cleanupStack } from "../../components/infra/lab/cleanup";
import { stackNames } from "../../components/infra/lab/naming";
import { labSpecCopy } from "./lib/labSpec";
import { projectRoot, removeStack, uniqueStackName } from "./lib/pulumi";
import { sh, until } from "./lib/shell";
import VERSIONS from "../../components/versions.json";

jest.setTimeout(30 * 60_000);

const stack = uniqueStackName("bd");
// 10.84-87: apart from the other engine tests (10.20-83, 10.100-244) and the lab stack (10.88-91).
const o = 84;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-bundle-"));
const file = path.join(work, "keelson.bundle");
const emptyCache = path.join(work, "cache");
const shims = path.join(work, "shims");
const shimLog = path.join(work, "shims.log");
const stackFile = path.join(projectRoot, "stacks", `Pulumi.${stack}.yaml`);
const userCache = process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
const runner = path.join(projectRoot, "scripts", "keelson-run.mjs");

/**
 * The environment of a user's shell on the importing machine: nothing the test
 * runner's own preparation set (its cache's binaries, Pulumi home, toolchain bin),
 * KEELSON_CACHE empty, and shims in front of go, gcc and debootstrap. `go env` and
 * `go version` (the builds' keys name the Go version) and `gcc --version` go through.
 */
function importerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(KEELSON_|PULUMI_)/.test(k)) env[k] = v;
  const pathParts = (process.env.PATH ?? "").split(path.delimiter).filter((p) => !p.startsWith(userCache));
  return { ...env, PATH: [shims, ...pathParts].join(path.delimiter), KEELSON_CACHE: emptyCache, KEELSON_BUNDLE: file, KEELSON_STACK: stack, CI: "true" };
}

function writeShims(): void {
  fs.mkdirSync(shims, { recursive: true });
  const real = (cmd: string) => sh("sh", ["-c", `command -v ${cmd}`]).stdout.trim();
  const shim = (name: string, passes: string) =>
    fs.writeFileSync(
      path.join(shims, name),
      `#!/bin/sh\necho "${name} $*" >> ${shimLog}\ncase "$1" in\n  ${passes}) exec ${real(name) || "false"} "$@" ;;\nesac\necho "${name} $*: nothing may be built with a bundle" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
  shim("go", "env|version");
  shim("gcc", "--version");
  shim("debootstrap", "--version");
}

const runnerCmd = (args: string[], env: NodeJS.ProcessEnv, timeoutMs = 25 * 60_000) => {
  const r = spawnSync(process.execPath, [runner, ...args], { cwd: projectRoot, env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 256 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
};
const manifestOf = (f: string) => {
  const code = `import * as m from ${JSON.stringify(path.join(projectRoot, "scripts", "lib", "bundle.mjs"))};\nprocess.stdout.write(JSON.stringify(m.readManifest(${JSON.stringify(f)})));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};

afterAll(() => {
  removeStack(stack);
  cleanupStack(stack);
  fs.rmSync(stackFile, { force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

test("bundle export: every build the lab stack needs, in one file, with versions and a sha256 for every file", () => {
  const t0 = Date.now();
  const r = runnerCmd(["bundle", "export", file], { ...process.env, INIT_CWD: projectRoot });
  expect({ status: r.status, stderr: r.status === 0 ? "" : r.stderr.slice(-3000) }).toEqual({ status: 0, stderr: "" });
  const m = manifestOf(file);
  console.log(`bundle export: ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB (${(m.bytes / 2 ** 20).toFixed(0)} MiB of files), ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const entries = m.entries.map((e: { path: string }) => e.path);
  for (const want of [/^toolchain\/pulumi-v/, /^toolchain\/kubernetes-provider-/, new RegExp(`^kubernetes/${VERSIONS.kubernetes}$`), /^etcd\//, /^images$/, /^flannel\//, /^kube-router\//, /^kubelet-serving-approver\//, /^pulumi-yaml\//, /^lab\/images\/bookworm-/]) {
    expect({ want: String(want), found: entries.some((e: string) => want.test(e)) }).toEqual({ want: String(want), found: true });
  }
  expect(m.versions).toEqual(VERSIONS);
  const files = Object.entries(m.files as Record<string, { type: string; sha256?: string }>).filter(([, f]) => f.type === "file");
  expect(files.length).toBeGreaterThan(100);
  expect(files.filter(([, f]) => !/^[0-9a-f]{64}$/.test(f.sha256 ?? "")).map(([p]) => p)).toEqual([]);
  expect(files.map(([p]) => p)).toContain(`kubernetes/${VERSIONS.kubernetes}/bin/kubelet`);
});

let upLog = "";
test("KEELSON_BUNDLE=FILE npm run up into an empty cache: imported, verified, and the lab stack's cluster built with nothing built", async () => {
  writeShims();
  fs.writeFileSync(stackFile, stringify({ config: { "keelson:cluster": labSpecCopy("bd", o) } }));
  const r = runnerCmd(["up"], importerEnv());
  upLog = r.stderr;
  expect({ status: r.status, out: r.status === 0 ? "" : `${r.stdout.slice(-4000)}\n${r.stderr.slice(-3000)}` }).toEqual({ status: 0, out: "" });
  expect(r.stderr).toMatch(/bundle import: \d+ builds \(\d+ MiB\) verified and in /);
  // Nothing built: only the version queries went through the shims.
  const calls = fs.existsSync(shimLog) ? fs.readFileSync(shimLog, "utf8").trim().split("\n") : [];
  expect(calls.filter((c) => !/^(go env|go version|gcc --version|debootstrap --version)\b/.test(c))).toEqual([]);
  expect(r.stderr).not.toMatch(/building (Kubernetes|images|flanneld|kube-router|the offline Pulumi toolchain)/);
  // The builds the cluster runs are the bundle's, in the folder it was imported into.
  expect(fs.existsSync(path.join(emptyCache, "kubernetes", VERSIONS.kubernetes, "bin", "kubelet"))).toBe(true);

  const out = JSON.parse(runnerCmd(["pulumi", "--", "stack", "output", "--json", "--show-secrets", "--stack", stack], importerEnv()).stdout);
  const kubeconfig = path.join(work, "kubeconfig");
  fs.writeFileSync(kubeconfig, out.kubeconfig, { mode: 0o600 });
  const kubectl = path.join(emptyCache, "kubernetes", VERSIONS.kubernetes, "bin", "kubectl");
  await until("every node Ready", 180, () => {
    const j = sh(kubectl, ["--kubeconfig", kubeconfig, "get", "nodes", "-o", "json"]);
    if (j.status !== 0) return false;
    const items = JSON.parse(j.stdout).items as { status: { conditions: { type: string; status: string }[] } }[];
    return items.length === out.nodes.length && items.every((n) => n.status.conditions.some((c) => c.type === "Ready" && c.status === "True"));
  });
});

test("a second up with the same bundle finds its builds in the cache and changes nothing", () => {
  expect(upLog).not.toBe(""); // the first up ran
  const r = runnerCmd(["up", "--expect-no-changes"], importerEnv());
  expect({ status: r.status, out: r.status === 0 ? "" : `${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}` }).toEqual({ status: 0, out: "" });
  expect(r.stderr).toMatch(/the cache already holds its \d+ builds/);
});

test("npm run down with the imported cache leaves nothing of the stack", () => {
  const r = runnerCmd(["down"], importerEnv());
  expect({ status: r.status, out: r.status === 0 ? "" : r.stderr.slice(-3000) }).toEqual({ status: 0, out: "" });
  expect(sh("ip", ["netns", "list"]).stdout).not.toContain(stackNames(stack).netnsPrefix);
  expect(fs.existsSync(stackNames(stack).dir)).toBe(false);
});
