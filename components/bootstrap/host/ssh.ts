// How Keelson's own tools (backups, drains) reach a host over SSH outside
// @pulumi/command: the stack's key, no pinned host keys (a replaced host has a
// new one, as for @pulumi/command's connections), and root or passwordless sudo.
// Pure: no Pulumi, no processes.

export interface SshTarget {
  host: string;
  port: number;
  user: string;
}

export const SSH_OPTIONS: readonly string[] = ["BatchMode=yes", "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "LogLevel=ERROR", "ConnectTimeout=10"];

/** ssh's arguments before the destination, for a key in `keyFile` (a 0600 file). */
export function sshOptionArgs(keyFile: string): string[] {
  return ["-i", keyFile, ...SSH_OPTIONS.flatMap((x) => ["-o", x])];
}

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The remote command for `script` as root: a user that is not root runs it through passwordless sudo. */
export function asRoot(user: string, script: string): string {
  return user === "root" ? script : `sudo -n sh -c ${shQuote(script)}`;
}

/** ssh's whole argument list to run `remote` on `t`. */
export function sshArgs(keyFile: string, t: SshTarget, remote: string): string[] {
  return [...sshOptionArgs(keyFile), "-p", String(t.port), `${t.user}@${t.host}`, asRoot(t.user, remote)];
}
