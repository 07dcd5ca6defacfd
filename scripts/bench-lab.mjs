#!/usr/bin/env node
// Lab benchmark: prints, for 6 and for 12 hosts (3 zones), the time from
// nothing to every host answering ssh with the stack's key, and the time
// `pulumi destroy` takes to remove everything. Figures, not a pass/fail test.
//
//   node scripts/bench-lab.mjs            # 6 and 12 hosts
//   node scripts/bench-lab.mjs 6 9        # other sizes (multiples of 3)
//
// Uses test/engine/fixtures/lab (the lab driver alone, no Kubernetes) through
// the same runner as `npm run pulumi`, with throw-away stacks it removes.
// The host image is cached across stacks; the time of its step (a cache hit,
// or the debootstrap build on a fresh machine) is printed next to the figures.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fixture = path.join(root, "test", "engine", "fixtures", "lab");
const runner = path.join(root, "scripts", "keelson-run.mjs");
const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ["6", "12"]).map(Number);
for (const n of sizes) if (!(n > 0 && n % 3 === 0)) throw new Error(`host count ${n}: must be a positive multiple of 3 (3 zones)`);

function pulumi(args) {
  const r = spawnSync(process.execPath, [runner, "pulumi", "--", ...args, "-C", fixture, "--non-interactive"], { cwd: root, encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
  return r.stdout;
}

function seconds(t0) {
  return ((performance.now() - t0) / 1000).toFixed(1);
}

function sshAll(hosts, keyFile) {
  for (const h of hosts) {
    const r = spawnSync("ssh", ["-i", keyFile, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
      "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5", `root@${h.privateIp}`, "hostname"], { encoding: "utf8" });
    if (r.status !== 0 || r.stdout.trim() !== h.name) throw new Error(`ssh to ${h.name} (${h.privateIp}) failed: ${r.stderr}`);
  }
}

const rows = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-bench-"));
try {
  for (const n of sizes) {
    const stack = `bench-${n}-${process.pid}`;
    pulumi(["stack", "init", stack]);
    try {
      pulumi(["config", "set", "hostsPerZone", String(n / 3), "--stack", stack]);
      // Ranges apart from the engine test's (10.100-10.179), so both can run at once.
      pulumi(["config", "set", "octet", String(190 + 2 * (process.pid % 20)), "--stack", stack]);
      let t0 = performance.now();
      const upOut = pulumi(["up", "--yes", "--stack", stack]);
      const upSecs = seconds(t0);
      // The image is cached across stacks; the engine prints how long its step took (a build, or a cache hit).
      const imageSecs = /lab-image created \(([\d.]+)s\)/.exec(upOut)?.[1] ?? "?";
      // Per-host create steps as the engine reports them (disk, network, boot, sshd answering).
      const hostSecs = [...upOut.matchAll(/lab-host-\S+ created \(([\d.]+)s\)/g)].map((m) => Number(m[1]));
      const slowestHost = hostSecs.length ? Math.max(...hostSecs).toFixed(1) : "?";
      const out = JSON.parse(pulumi(["stack", "output", "--json", "--show-secrets", "--stack", stack]));
      const keyFile = path.join(work, `id-${n}`);
      fs.writeFileSync(keyFile, out.privateKey, { mode: 0o600 });
      sshAll(out.hostList, keyFile); // `up` returns once sshd answers everywhere; prove logins work
      const readySecs = seconds(t0);
      t0 = performance.now();
      pulumi(["destroy", "--yes", "--stack", stack]);
      const destroySecs = seconds(t0);
      rows.push({ hosts: n, ssh_ready_s: readySecs, up_s: upSecs, slowest_host_step_s: slowestHost, image_step_s: imageSecs, destroy_s: destroySecs });
      console.log(`${n} hosts: nothing -> all hosts ssh-ready ${readySecs} s (pulumi up ${upSecs} s, slowest host step ${slowestHost} s, image step ${imageSecs} s); destroy ${destroySecs} s`);
    } finally {
      spawnSync(process.execPath, [runner, "pulumi", "--", "destroy", "--yes", "--stack", stack, "-C", fixture, "--non-interactive"], { cwd: root });
      spawnSync(process.execPath, [runner, "pulumi", "--", "stack", "rm", "--yes", "--force", stack, "-C", fixture, "--non-interactive"], { cwd: root });
      spawnSync("bash", [path.join(root, "components/infra/lab/scripts/cleanup-stack.sh"), stack]);
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
console.log(`machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0].toFixed(2)}`);
console.table(rows);
