// The control-plane fixture's hosts (fixtures/control-plane/hosts.sh: systemd-nspawn
// machines reached over SSH, as an `ssh` driver would hand them over) and the stack
// that gets them, for the engine tests that drive that fixture. Every name carries
// a random tag, so runs side by side never collide; each test file picks its own
// range of 10.<net>.0.0/24.
import * as fs from "node:fs";
import * as path from "node:path";
import { pulumiOk, removeStack } from "./pulumi";
import { sh, type ShResult } from "./shell";

export const CP_FIXTURE = path.join(__dirname, "..", "fixtures", "control-plane");
const hostsSh = path.join(CP_FIXTURE, "hosts.sh");

export class CpHosts {
  readonly tag = Math.random().toString(36).slice(2, 7).replace(/[^a-z0-9]/g, "a");
  readonly zones = ["z1", "z2", "z3"];
  readonly ips: string[];
  readonly names: string[];
  readonly opts = { cwd: CP_FIXTURE };

  constructor(readonly net: number) {
    this.ips = [1, 2, 3].map((i) => `10.${net}.0.${10 + i}`);
    this.names = [1, 2, 3].map((i) => `kcp${this.tag}-${i}`);
  }

  /** hosts.sh with these arguments; its output. */
  run(...args: string[]): string {
    const r = sh(hostsSh, args, 10 * 60_000);
    if (r.status !== 0) throw new Error(`hosts.sh ${args.join(" ")} failed: ${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  }

  ssh(ip: string, script: string, timeoutMs = 120_000): ShResult {
    return sh("ssh", ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-i", this.run("key"), `root@${ip}`, script], timeoutMs);
  }

  /** Starts the three hosts, creates `stack` and gives it them (and `extra`, plaintext `key=value` settings). */
  setUp(stack: string, extra: string[] = []): void {
    this.run("up", this.tag, String(this.net), "3");
    pulumiOk(["stack", "init", stack], this.opts);
    const set: string[] = ["config", "set-all", "--stack", stack, "--path", "--plaintext", `sshKeyFile=${this.run("key")}`, ...extra.flatMap((e) => ["--plaintext", e])];
    this.names.forEach((n, i) => set.push("--plaintext", `hosts[${i}].name=${n}`, "--plaintext", `hosts[${i}].zone=${this.zones[i]}`, "--plaintext", `hosts[${i}].privateIp=${this.ips[i]}`));
    pulumiOk(set, this.opts);
  }

  /** Best effort, for afterAll: the stack destroyed and removed, then the hosts, then `work` (a test's own folder). */
  tearDown(stack: string, work?: string): void {
    removeStack(stack, this.opts);
    try {
      this.run("down", this.tag);
    } finally {
      if (work) fs.rmSync(work, { recursive: true, force: true });
    }
  }
}
