// The offline Pulumi toolchain: the Pulumi CLI built from its Go module, at the
// version of the @pulumi/pulumi SDK in package-lock.json, plus Keelson's Node.js
// language host and `command` provider (see toolchain/README.md for why those
// two are Keelson's own), plus the launcher scripts the engine expects for
// dynamic providers and policy packs.
//
// Plain Node.js with no npm dependencies: it runs before `npm ci`.
// Built once into ${KEELSON_CACHE:-~/.cache/keelson}/toolchain/<key>/ (atomic
// rename when complete); a second run finds the stamp and returns at once.
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { goBuild, goModDownload, goVersion, wrapperGoMod } from "./go.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(here, "..");

export function cacheRoot() {
  return process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
}

/** Versions of the npm SDKs, read from the lockfile so they are known before `npm ci`. */
export function sdkVersions(root = projectRoot) {
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const v = (name) => {
    const entry = lock.packages?.[`node_modules/${name}`];
    if (!entry?.version) throw new Error(`package-lock.json has no ${name}; run npm install once to pin it`);
    return entry.version;
  };
  return { pulumi: v("@pulumi/pulumi"), command: v("@pulumi/command") };
}

function log(msg) {
  process.stderr.write(`[keelson toolchain] ${msg}\n`);
}

function hashFiles(h, dir) {
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) h.update(f).update(fs.readFileSync(p));
  }
}

/** Everything that changes what we build goes into the cache key. */
export function toolchainKey(root = projectRoot) {
  const v = sdkVersions(root);
  const h = createHash("sha256");
  h.update(JSON.stringify(v)).update(goVersion()).update(fs.readFileSync(fileURLToPath(import.meta.url))).update(fs.readFileSync(path.join(here, "go.mjs")));
  hashFiles(h, path.join(here, "language-host"));
  hashFiles(h, path.join(here, "command-provider"));
  return { key: `pulumi-v${v.pulumi}-${h.digest("hex").slice(0, 12)}`, versions: v };
}

export function toolchainDir(root = projectRoot) {
  return path.join(cacheRoot(), "toolchain", toolchainKey(root).key);
}

/**
 * The Pulumi CLI lives in github.com/pulumi/pulumi/pkg/v3, whose go.mod says
 * `replace github.com/pulumi/pulumi/sdk/v3 => ../sdk`. A consumer cannot use a
 * relative replace, so we generate a wrapper module with the same requirements,
 * the sdk pinned to the same tag, and pkg's other replace lines kept.
 */
function writeCliWrapper(dir, version) {
  fs.mkdirSync(dir, { recursive: true });
  const pkg = goModDownload(`github.com/pulumi/pulumi/pkg/v3@v${version}`, dir);
  goModDownload(`github.com/pulumi/pulumi/sdk/v3@v${version}`, dir);
  const gomod = wrapperGoMod(fs.readFileSync(pkg.GoMod, "utf8"), {
    module: "keelson.local/toolchain/pulumi-cli",
    pins: { "github.com/pulumi/pulumi/sdk/v3": `v${version}` },
    require: [["github.com/pulumi/pulumi/pkg/v3", `v${version}`]],
  });
  fs.writeFileSync(path.join(dir, "go.mod"), gomod);
  fs.copyFileSync(path.join(pkg.Dir, "go.sum"), path.join(dir, "go.sum"));
  fs.writeFileSync(path.join(dir, "tools.go"), 'package tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n');
}

/** Our own Go modules pin the sdk in go.mod; it must be the npm SDK's version. */
function checkOwnModule(dir, version) {
  const gomod = fs.readFileSync(path.join(dir, "go.mod"), "utf8");
  const m = gomod.match(/github\.com\/pulumi\/pulumi\/sdk\/v3 v(\S+)/);
  if (!m || m[1] !== version) {
    throw new Error(
      `${path.relative(projectRoot, dir)}/go.mod pins github.com/pulumi/pulumi/sdk/v3 v${m?.[1]} but package-lock.json has ` +
        `@pulumi/pulumi ${version}; run: (cd ${path.relative(projectRoot, dir)} && go get github.com/pulumi/pulumi/sdk/v3@v${version} && go mod tidy)`,
    );
  }
}

const DYNAMIC_PROVIDER_LAUNCHER = `#!/bin/sh
# Launcher the engine runs for Pulumi dynamic providers written in Node.js
# (pulumi.dynamic.Resource). Resolves the SDK from the program's directory.
script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))" 2>/dev/null)
if [ -z "$script" ]; then
  echo "pulumi-resource-pulumi-nodejs: @pulumi/pulumi is not installed here ($(pwd)); run npm ci" >&2
  exit 1
fi
exec node "$script" "$@"
`;

const POLICY_LAUNCHER = `#!/bin/sh
# Launcher the engine runs for Node.js policy packs when no language host is
# found: pulumi-analyzer-policy <engine address> <policy pack dir>. Resolves
# the SDK from the policy pack's directory (the engine starts us there).
script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))" 2>/dev/null)
if [ -z "$script" ]; then
  echo "pulumi-analyzer-policy: @pulumi/pulumi is not installed for the policy pack in $(pwd); run npm ci" >&2
  exit 1
fi
exec node "$script" "$@"
`;

/**
 * Each change of SDK version or of our Go sources makes a new toolchain folder
 * (about 250 MB); keep the newest few so other checkouts keep working, drop the rest.
 */
function pruneOldToolchains(current, keep = 2) {
  const parent = path.dirname(current);
  const others = fs
    .readdirSync(parent)
    .filter((d) => d.startsWith("pulumi-v") && path.join(parent, d) !== current)
    .map((d) => ({ d, t: fs.statSync(path.join(parent, d)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { d } of others.slice(keep)) {
    fs.rmSync(path.join(parent, d), { recursive: true, force: true });
  }
}

/** Builds (or finds) the toolchain and returns its layout. */
export async function ensureToolchain({ root = projectRoot, quiet = false } = {}) {
  const { key, versions } = toolchainKey(root);
  const dir = path.join(cacheRoot(), "toolchain", key);
  const layout = {
    dir,
    bin: path.join(dir, "bin"),
    pulumiHome: path.join(dir, "home"),
    versions,
  };
  if (fs.existsSync(path.join(dir, "COMPLETE"))) {
    if (!quiet) log(`using ${dir}`);
    return layout;
  }
  const started = Date.now();
  log(`building the offline Pulumi toolchain for @pulumi/pulumi ${versions.pulumi}, @pulumi/command ${versions.command}`);
  log(`into ${dir} (first time only: several minutes on 2 cores; later runs reuse it)`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.partial-`);
  try {
    const bin = path.join(tmp, "bin");
    fs.mkdirSync(bin, { recursive: true });
    const steps = 4;

    log(`[1/${steps}] Pulumi CLI v${versions.pulumi} from github.com/pulumi/pulumi/pkg/v3 (wrapper module)`);
    const wrapper = path.join(cacheRoot(), "toolchain", "src", `pulumi-cli-v${versions.pulumi}`);
    writeCliWrapper(wrapper, versions.pulumi);
    await goBuild({
      log,
      prefix: "[keelson toolchain] ",
      label: `[1/${steps}] pulumi`,
      cwd: wrapper,
      pkg: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
      out: path.join(bin, "pulumi"),
      ldflags: `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${versions.pulumi}`,
    });

    log(`[2/${steps}] Node.js language host (toolchain/language-host)`);
    checkOwnModule(path.join(here, "language-host"), versions.pulumi);
    await goBuild({
      log,
      prefix: "[keelson toolchain] ",
      label: `[2/${steps}] pulumi-language-nodejs`,
      cwd: path.join(here, "language-host"),
      pkg: ".",
      out: path.join(bin, "pulumi-language-nodejs"),
      ldflags: `-s -w -X main.version=${versions.pulumi}`,
    });

    log(`[3/${steps}] command provider v${versions.command} (toolchain/command-provider)`);
    checkOwnModule(path.join(here, "command-provider"), versions.pulumi);
    // Installed where the engine looks for the exact version the SDK asks for
    // (not on PATH: an ambient plugin would shadow any version, with a warning).
    const pluginDir = path.join(tmp, "home", "plugins", `resource-command-v${versions.command}`);
    fs.mkdirSync(pluginDir, { recursive: true });
    await goBuild({
      log,
      prefix: "[keelson toolchain] ",
      label: `[3/${steps}] pulumi-resource-command`,
      cwd: path.join(here, "command-provider"),
      pkg: ".",
      out: path.join(pluginDir, "pulumi-resource-command"),
      ldflags: `-s -w -X main.version=${versions.command}`,
    });

    log(`[4/${steps}] launchers for dynamic providers and policy packs`);
    for (const [name, text] of [
      ["pulumi-resource-pulumi-nodejs", DYNAMIC_PROVIDER_LAUNCHER],
      ["pulumi-analyzer-policy", POLICY_LAUNCHER],
    ]) {
      fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
    }
    fs.writeFileSync(path.join(tmp, "COMPLETE"), JSON.stringify({ versions, builtAt: new Date().toISOString() }) + "\n");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  log(`toolchain ready in ${Math.round((Date.now() - started) / 1000)}s: ${dir}`);
  pruneOldToolchains(dir);
  return layout;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureToolchain().then(
    (t) => console.log(t.bin),
    (err) => {
      console.error(`[keelson toolchain] ${err.message}`);
      process.exit(1);
    },
  );
}
