// Small helpers the engine tests share: run a command, ssh into a lab host with
// the stack's key, and poll until something holds.
import { spawnSync } from "node:child_process";

export interface ShResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function sh(cmd: string, args: string[], timeoutMs = 60_000, input?: string): ShResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20, input });
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** ssh and scp options for lab hosts: trust the host's key on first use (hosts are new on every run). */
export const SSH_OPTIONS: readonly string[] = ["BatchMode=yes", "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "LogLevel=ERROR", "ConnectTimeout=5"].flatMap((o) => ["-o", o]);

/** ssh as root with a key. */
export function ssh(keyFile: string, ip: string, script: string, timeoutMs = 60_000): ShResult {
  return sh("ssh", ["-i", keyFile, ...SSH_OPTIONS, `root@${ip}`, script], timeoutMs);
}

/** Polls `check` until it is true; fails after `seconds`. */
export async function until(what: string, seconds: number, check: () => boolean, intervalMs = 2000): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not true after ${seconds}s`);
}
