// What the benchmark scripts share: a stack of their own run through the
// README's commands (the runner behind `npm run up/down/pulumi`), the project's
// TypeScript modules loaded as they are (ts-node), kubectl from the cache, and
// a poll. Plain Node.js.
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const runner = path.join(root, "scripts", "keelson-run.mjs");

/** `require` for the project's own .ts modules, from their one owner (no second copy of a name or version). */
export const requireTs = (() => {
  const require = createRequire(import.meta.url);
  require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
  return (rel) => require(path.join(root, rel));
})();

export function kubectlBin() {
  const { VERSIONS } = requireTs("components/releases.ts");
  return path.join(process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson"), "kubernetes", VERSIONS.kubernetes, "bin", "kubectl");
}

/** The runner on `stack` (KEELSON_STACK wins): `run(["up"])` is `npm run up`; stops with the diagnostics when a step fails. */
export function stackRunner(defaultStack) {
  const stack = process.env.KEELSON_STACK || defaultStack;
  const env = { ...process.env, KEELSON_STACK: stack };
  const run = (args) => {
    const r = spawnSync(process.execPath, [runner, ...args], { cwd: root, env, encoding: "utf8", maxBuffer: 256 << 20 });
    if (r.status !== 0) {
      const diag = r.stdout.indexOf("Diagnostics:");
      process.stderr.write((diag >= 0 ? r.stdout.slice(diag, diag + 20000) : r.stdout.slice(-4000)) + r.stderr.slice(-4000));
      throw new Error(`${args.join(" ")} failed (exit ${r.status})`);
    }
    return r.stdout;
  };
  return { stack, specFile: path.join(root, "stacks", `Pulumi.${stack}.yaml`), run };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
