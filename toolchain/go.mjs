// Go helpers for the toolchain scripts: environment, `go build` with a progress
// line, `go mod download`, and the go.mod rewrite that turns an upstream module
// with relative `replace` lines into a wrapper module a consumer can build.
//
// Plain Node.js with no npm dependencies: it runs before `npm ci`. Used by
// toolchain/build.mjs (the Pulumi CLI and Keelson's plugins) and
// toolchain/kubernetes-provider.mjs; both hash this file into their cache keys.
import { spawn, spawnSync, execFileSync } from "node:child_process";

export function goEnv() {
  // The Go module proxy is the only source; sums are verified against the checksum database.
  return { ...process.env, GOFLAGS: "-mod=mod", CGO_ENABLED: "0" };
}

export function goVersion() {
  try {
    return execFileSync("go", ["env", "GOVERSION"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "Go is required to build the offline Pulumi toolchain (https://go.dev/dl/), " +
        "or set KEELSON_PULUMI=system to use a Pulumi CLI you installed yourself.",
    );
  }
}

/** `go mod download -json mod@version`: the module's info (Dir, GoMod, Sum, ...), or a clear error. */
export function goModDownload(mod, cwd) {
  const r = spawnSync("go", ["mod", "download", "-json", mod], { cwd, env: goEnv(), encoding: "utf8" });
  let info = {};
  try {
    info = JSON.parse(r.stdout || "{}");
  } catch {
    // not JSON: fall through to the error with stderr
  }
  if (r.status !== 0 || info.Error) {
    throw new Error(`cannot download ${mod} through the Go module proxy: ${info.Error || r.stderr}`);
  }
  return info;
}

const PACKAGE_LINE = /^[\w.\-]+(\/[\w.\-~]+)*$/;

/**
 * `go list -deps` (which also downloads what is missing), then `go build -v`,
 * counting compiled packages against the package count for a progress line.
 * `log` prints one line (with its own prefix); on a terminal the progress line
 * is rewritten in place, after `prefix`.
 */
export async function goBuild({ label, cwd, pkg, out, ldflags, log, prefix = "" }) {
  const env = goEnv();
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  const show = (line, force) => {
    const now = Date.now();
    if (!force && now - lastPrint < (tty ? 500 : 15000)) return;
    lastPrint = now;
    const secs = Math.round((now - started) / 1000);
    if (tty) process.stderr.write(`\r${prefix}${line}, ${secs}s   `);
    else log(`${line}, ${secs}s`);
  };
  const run = (args, onStderr) =>
    new Promise((resolve, reject) => {
      const child = spawn("go", args, { cwd, env });
      let stdout = "";
      let errText = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => {
        const s = d.toString();
        onStderr(s);
        errText += s;
        if (errText.length > 200_000) errText = errText.slice(-100_000);
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, errText }));
    });

  let downloads = 0;
  const list = await run(["list", "-deps", pkg], (s) => {
    downloads += (s.match(/^go: downloading /gm) || []).length;
    if (downloads) show(`${label}: downloading modules (${downloads} so far)`, false);
  });
  if (tty && downloads) process.stderr.write("\n");
  if (list.code !== 0) throw new Error(`${label}: go list failed for ${pkg} in ${cwd}:\n${list.errText.slice(-8000)}`);
  const total = list.stdout.split("\n").filter(Boolean).length;

  let done = 0;
  const build = await run(["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", out, pkg], (s) => {
    for (const line of s.split("\n")) {
      if (PACKAGE_LINE.test(line.trim()) && !line.startsWith("go:")) done++;
    }
    show(`${label}: compiled ${done}/${total} packages (not counting cached ones)`, false);
  });
  show(`${label}: compiled ${done}/${total} packages (not counting cached ones)`, true);
  if (tty) process.stderr.write("\n");
  if (build.code !== 0) {
    const tail = build.errText
      .split("\n")
      .filter((l) => !PACKAGE_LINE.test(l.trim()))
      .slice(-40)
      .join("\n");
    throw new Error(`${label}: go build failed (exit ${build.code}):\n${tail}`);
  }
  return { seconds: Math.round((Date.now() - started) / 1000), packages: total };
}

/**
 * Turns an upstream go.mod into the go.mod of a wrapper module that requires the
 * upstream module and builds it as a dependency:
 * - the `module` line is renamed to `module`;
 * - every relative `replace X => ../dir` (which only works inside upstream's
 *   repository) must be listed in `pins` and becomes `replace X => X <version>`;
 *   a relative replace that is not pinned is an error, not a guess;
 * - every other line (requirements, other replaces, excludes) is kept, so the
 *   build selects exactly the versions upstream's go.sum covers;
 * - `require` (a list of [path, version]) is appended.
 * Pure: text in, text out.
 */
export function wrapperGoMod(upstream, { module, pins = {}, require = [] }) {
  if (!/^module\s+\S+/m.test(upstream)) throw new Error("not a go.mod: no module line");
  const used = new Set();
  let inReplaceBlock = false;
  const lines = upstream.split("\n").map((line) => {
    const t = line.trim();
    if (/^module\s/.test(t)) return `module ${module}`;
    if (/^replace\s*\($/.test(t)) {
      inReplaceBlock = true;
      return line;
    }
    if (inReplaceBlock && t === ")") {
      inReplaceBlock = false;
      return line;
    }
    const spec = inReplaceBlock ? t : /^replace\s/.test(t) ? t.replace(/^replace\s+/, "") : undefined;
    if (spec === undefined || spec === "" || spec.startsWith("//")) return line;
    const m = /^(\S+)(?:\s+(\S+))?\s+=>\s+(\S+)(?:\s+(\S+))?\s*(\/\/.*)?$/.exec(spec);
    if (!m) throw new Error(`cannot parse replace line: ${line}`);
    const [, from, , to, toVersion] = m;
    const relative = to.startsWith("./") || to.startsWith("../") || to === "." || to === "..";
    if (!relative || toVersion) return line;
    if (!(from in pins)) {
      throw new Error(`go.mod has a relative replace Keelson does not know how to pin: ${t}`);
    }
    used.add(from);
    const pinned = `${from} => ${from} ${pins[from]}`;
    return inReplaceBlock ? line.replace(t, pinned) : line.replace(t, `replace ${pinned}`);
  });
  for (const from of Object.keys(pins)) {
    if (!used.has(from)) throw new Error(`go.mod has no relative replace of ${from} to pin (did upstream change?)`);
  }
  let text = lines.join("\n");
  if (!text.endsWith("\n")) text += "\n";
  for (const [p, v] of require) text += `\nrequire ${p} ${v}\n`;
  return text;
}
