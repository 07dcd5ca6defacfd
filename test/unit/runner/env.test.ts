// The runner's environment helpers (scripts/lib/env.mjs) are plain ESM that
// runs before `npm ci`; exercise them in a child node process.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const envModule = path.resolve(__dirname, "..", "..", "..", "scripts", "lib", "env.mjs");

function runEsm(code: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `import * as m from ${JSON.stringify(envModule)};\n${code}`], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("a stack lock whose process is gone is released; a live one is kept", () => {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-locks-"));
  const dir = path.join(state, ".pulumi", "locks", "organization", "keelson", "lab");
  fs.mkdirSync(dir, { recursive: true });
  // A pid that cannot exist (above pid_max) stands for the killed run.
  fs.writeFileSync(path.join(dir, "dead.json"), JSON.stringify({ pid: 99999999, hostname: os.hostname(), timestamp: "then" }));
  fs.writeFileSync(path.join(dir, "live.json"), JSON.stringify({ pid: process.pid, hostname: os.hostname(), timestamp: "now" }));
  fs.writeFileSync(path.join(dir, "other-host.json"), JSON.stringify({ pid: 99999999, hostname: "elsewhere", timestamp: "now" }));
  const r = runEsm(`m.releaseStaleLocks(${JSON.stringify(state)}, (s) => console.log(s));`);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("pid 99999999");
  expect(fs.readdirSync(dir).sort()).toEqual(["live.json", "other-host.json"]);
  fs.rmSync(state, { recursive: true, force: true });
});

test("the passphrase is generated once, private, and reused", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-pass-"));
  const r1 = runEsm(`console.log(m.ensurePassphrase(${JSON.stringify(root)}));`);
  const file = r1.stdout.trim();
  const first = fs.readFileSync(file, "utf8");
  expect(first.trim().length).toBeGreaterThanOrEqual(40);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  runEsm(`m.ensurePassphrase(${JSON.stringify(root)});`);
  expect(fs.readFileSync(file, "utf8")).toBe(first);
  fs.rmSync(root, { recursive: true, force: true });
});

test("missing Debian packages are reported by name", () => {
  const r = runEsm(`console.log(JSON.stringify(m.missingAptPackages(["dpkg", "keelson-no-such-package"])));`);
  expect(JSON.parse(r.stdout)).toEqual(["keelson-no-such-package"]);
});
