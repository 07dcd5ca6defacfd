// What every Keelson command needs before it can run Pulumi: Debian packages,
// node_modules matching the lockfile, a Pulumi CLI (the offline toolchain, or
// the user's own), a local state backend and a passphrase. Plain Node.js.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { ensureToolchain } from "../../toolchain/build.mjs";
import { ensureKubernetesProvider, installKubernetesPlugin } from "../../toolchain/kubernetes-provider.mjs";

/**
 * Debian packages Keelson uses on the machine that runs `pulumi up`, and why.
 * (Packages the lab hosts need are baked into the lab image instead.)
 */
export const APT_PACKAGES = [
  "openssh-client", // remote commands: real ssh/scp to every host
  "openssl", // certificate checks in tests
  "iproute2", // lab: network namespaces, veths, bridges
  "iptables", // lab: isolation rules in the router namespace
  "debootstrap", // lab: the host OS image
  "systemd-container", // lab: systemd-nspawn boots each host
  "age", // etcd backups: the key (age-keygen), the masters' encryption (its binary is pushed to them), restores
  "procps", // tests: process listings
  "psmisc", // lab cleanup: fuser
  "curl",
  "iputils-ping", // tests: ICMP through host endpoint policies
  "gcc", // images: the pause binary (pause.c, static) and flanneld (cgo, static)
  "libc6-dev", // the static C library both link against
  "zstd", // bundles (docs/bundle.md): tar --zstd
];

export function missingAptPackages(pkgs = APT_PACKAGES) {
  // One dpkg-query for all of them (it exits 1 when any is unknown, and still lists the others).
  const r = spawnSync("dpkg-query", ["-W", "-f=${Package} ${Status}\n", ...pkgs], { encoding: "utf8" });
  const installed = new Set(
    (r.stdout ?? "")
      .split("\n")
      .filter((l) => l.endsWith(" install ok installed"))
      .map((l) => l.split(" ")[0].split(":")[0]),
  );
  return pkgs.filter((p) => !installed.has(p));
}

export function ensureAptPackages(say, pkgs = APT_PACKAGES) {
  if (process.env.KEELSON_SKIP_APT === "1") return;
  if (!fs.existsSync("/usr/bin/dpkg-query")) {
    say("not a Debian-like system: skipping apt packages; install the equivalents of: " + pkgs.join(" "));
    return;
  }
  const missing = missingAptPackages(pkgs);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages (run as root, or install them): apt-get install ${missing.join(" ")}`);
  }
  say(`installing Debian packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update", "-q"], { stdio: ["ignore", "ignore", "inherit"], env });
  if (update.status !== 0) throw new Error("apt-get update failed");
  const inst = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], {
    stdio: ["ignore", "inherit", "inherit"],
    env,
  });
  if (inst.status !== 0) throw new Error(`apt-get install ${missing.join(" ")} failed`);
}

/** `npm ci` when node_modules does not match package-lock.json. */
export function ensureNodeModules(root, say) {
  const lock = fs.readFileSync(path.join(root, "package-lock.json"));
  const want = createHash("sha256").update(lock).digest("hex");
  const stamp = path.join(root, "node_modules", ".keelson-lock-sha256");
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8").trim() === want) return;
  say("installing npm packages (npm ci)");
  const npm = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath]]
    : ["npm", []];
  const r = spawnSync(npm[0], [...npm[1], "ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm ci failed");
  fs.writeFileSync(stamp, want + "\n");
}

/**
 * The compiled package (dist/) matches the sources: what `import "keelson"` and
 * the `keelson` CLI run. `npm ci` builds it (npm's prepare); this rebuilds it
 * after the sources changed (tsc, incremental: a few seconds).
 */
export async function ensurePackageBuilt(root, say) {
  const require = createRequire(import.meta.url);
  const { buildState } = require(path.join(root, "bin", "build-state.js"));
  const state = buildState(root);
  if (state === "current") return;
  say(`building the keelson package into dist/ (it was ${state})`);
  const { buildPackage } = await import("../build-package.mjs");
  buildPackage({ quiet: true });
}

/** A Pulumi CLI the user installed themselves, if any: {path, version}. */
export function findSystemPulumi(envPath = process.env.PATH) {
  const r = spawnSync("pulumi", ["version"], { encoding: "utf8", env: { ...process.env, PATH: envPath } });
  if (r.status !== 0) return undefined;
  const which = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8", env: { ...process.env, PATH: envPath } });
  return { path: which.stdout.trim(), version: r.stdout.trim().replace(/^v/, "") };
}

function semverAtLeast(a, b) {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) {
    if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) > (pb[i] || 0);
  }
  return true;
}

/**
 * A `pulumi up` that was killed (Ctrl-C twice, SIGKILL, a lost terminal) leaves
 * the file backend's stack lock behind, and every later run refuses to start.
 * A lock whose process, on this machine, no longer exists is released, so that
 * running the same command again converges.
 */
export function releaseStaleLocks(stateDir, say) {
  const locks = path.join(stateDir, ".pulumi", "locks");
  if (!fs.existsSync(locks)) return;
  const walk = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  for (const file of walk(locks).filter((f) => f.endsWith(".json"))) {
    let lock;
    try {
      lock = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
      continue;
    }
    if (lock.hostname !== os.hostname() || !Number.isInteger(lock.pid)) continue;
    try {
      process.kill(lock.pid, 0);
      continue; // still running: a real concurrent update
    } catch (err) {
      if (err.code !== "ESRCH") continue;
    }
    fs.rmSync(file, { force: true });
    say(`released a stale stack lock left by a killed run (pid ${lock.pid}, ${lock.timestamp}): ${path.relative(stateDir, file)}`);
  }
}

/** The passphrase for the stack secrets, generated once, never committed. */
export function ensurePassphrase(root) {
  const dir = path.join(root, ".keelson");
  const file = path.join(dir, "passphrase");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600 });
  }
  return file;
}

/**
 * The environment every Pulumi invocation runs with. KEELSON_PULUMI chooses the CLI:
 * `toolchain` (build/use the offline one), `system` (the `pulumi` on PATH), or `auto`
 * (default: the system one when it is at least the SDK's version, else the toolchain).
 */
export async function pulumiEnv(root, say) {
  const mode = process.env.KEELSON_PULUMI || "auto";
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const sdk = lock.packages["node_modules/@pulumi/pulumi"].version;
  const env = { ...process.env };
  const system = mode === "toolchain" ? undefined : findSystemPulumi();
  if (mode === "system" && !system) throw new Error("KEELSON_PULUMI=system but no `pulumi` is on PATH");
  if (system && (mode === "system" || semverAtLeast(system.version, sdk))) {
    env.KEELSON_PULUMI_SOURCE = `system CLI ${system.path}`;
  } else {
    const tc = await ensureToolchain({ root, quiet: true });
    env.PATH = `${tc.bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ""}`;
    env.PULUMI_HOME = env.PULUMI_HOME || tc.pulumiHome;
    // The Kubernetes provider plugin, built from its Go module into its own cache
    // folder (toolchain/kubernetes-provider.mjs), linked where the engine looks
    // for the exact version the @pulumi/kubernetes SDK asks for.
    installKubernetesPlugin(env.PULUMI_HOME, await ensureKubernetesProvider({ root, quiet: true }));
    env.KEELSON_TOOLCHAIN_BIN = tc.bin;
    env.KEELSON_PULUMI_SOURCE = `offline toolchain ${tc.dir}`;
    // Nothing can be downloaded here: fail fast instead of trying.
    env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = "true";
  }
  if (!env.PULUMI_BACKEND_URL) {
    const state = path.join(root, ".keelson", "state");
    fs.mkdirSync(state, { recursive: true, mode: 0o700 });
    env.PULUMI_BACKEND_URL = `file://${state}`;
    releaseStaleLocks(state, say);
  }
  if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    env.PULUMI_CONFIG_PASSPHRASE_FILE = ensurePassphrase(root);
  }
  // Type-checking belongs to `npm test` (tsc); ts-node type-checking the whole
  // program on every `pulumi up` costs minutes and gigabytes on two cores.
  env.PULUMI_NODEJS_TRANSPILE_ONLY ??= "true";
  env.PULUMI_SKIP_UPDATE_CHECK = "true";
  env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK = "true";
  env.KEELSON_ROOT = root;
  return env;
}
