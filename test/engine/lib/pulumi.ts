// Drives the real Pulumi CLI exactly as a user does: through `npm run pulumi`'s
// runner (scripts/keelson-run.mjs), so tests exercise the same toolchain,
// local backend and passphrase as the README's commands.
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as path from "node:path";

export const projectRoot = path.resolve(__dirname, "..", "..", "..");
const runner = path.join(projectRoot, "scripts", "keelson-run.mjs");

export interface PulumiResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function pulumi(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): PulumiResult {
  const cwdArgs = opts.cwd ? ["-C", opts.cwd] : [];
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [runner, "pulumi", "--", ...args, ...cwdArgs, "--non-interactive"], {
    cwd: projectRoot,
    env: { ...process.env, ...opts.env },
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 20 * 60_000,
    maxBuffer: 256 << 20,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The engine's "Diagnostics:" section (every error, whole): the end of stdout is mostly stack outputs. */
export function diagnostics(stdout: string): string {
  const start = stdout.indexOf("Diagnostics:");
  if (start < 0) return "";
  const end = stdout.indexOf("\nOutputs:", start);
  return `--- diagnostics\n${stdout.slice(start, end < 0 ? start + 20000 : Math.min(end, start + 20000))}\n`;
}

/** Like pulumi(), but throws with the CLI's output when it fails. */
export function pulumiOk(args: string[], opts: Parameters<typeof pulumi>[1] = {}): string {
  const r = pulumi(args, opts);
  if (r.status !== 0) {
    throw new Error(`pulumi ${args.join(" ")} exited ${r.status}\n${diagnostics(r.stdout)}--- stdout\n${r.stdout.slice(-6000)}\n--- stderr\n${r.stderr.slice(-6000)}`);
  }
  return r.stdout;
}

/** Best effort, for afterAll: destroy a test stack and remove it, even when an assertion failed. */
export function removeStack(stack: string, opts: Parameters<typeof pulumi>[1] = {}): void {
  pulumi(["destroy", "--yes", "--stack", stack], opts);
  pulumi(["stack", "rm", "--yes", "--force", stack], opts);
}

export function uniqueStackName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
