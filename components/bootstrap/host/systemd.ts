// systemd unit files for the control-plane daemons.

export interface UnitSpec {
  description: string;
  documentation?: string;
  after?: string[];
  wants?: string[];
  type?: "simple" | "notify";
  /** argv: the binary then its flags, one per line in the unit for readable diffs. */
  exec: string[];
  restartSec?: number;
  limitNoFile?: number;
  environment?: Record<string, string>;
  /** A file of KEY=value lines the service reads at start (written on the host, not by Pulumi). */
  environmentFile?: string;
}

function quoteArg(a: string): string {
  // systemd splits ExecStart on whitespace and honours double quotes.
  return /[\s"\\]/.test(a) ? `"${a.replace(/(["\\])/g, "\\$1")}"` : a;
}

export function renderUnit(u: UnitSpec): string {
  if (u.exec.length === 0 || !u.exec[0].startsWith("/")) {
    throw new Error(`unit ${u.description}: exec must start with an absolute binary path`);
  }
  const lines = ["[Unit]", `Description=${u.description}`];
  if (u.documentation) lines.push(`Documentation=${u.documentation}`);
  if (u.after?.length) lines.push(`After=${u.after.join(" ")}`);
  if (u.wants?.length) lines.push(`Wants=${u.wants.join(" ")}`);
  // Restart forever: a master that lost its peers keeps trying until they return.
  lines.push("StartLimitIntervalSec=0", "", "[Service]", `Type=${u.type ?? "simple"}`);
  for (const [k, v] of Object.entries(u.environment ?? {})) lines.push(`Environment=${quoteArg(`${k}=${v}`)}`);
  if (u.environmentFile) lines.push(`EnvironmentFile=${u.environmentFile}`);
  lines.push(`ExecStart=${quoteArg(u.exec[0])}${u.exec.length > 1 ? " \\" : ""}`);
  u.exec.slice(1).forEach((a, i) => lines.push(`  ${quoteArg(a)}${i < u.exec.length - 2 ? " \\" : ""}`));
  lines.push("Restart=always", `RestartSec=${u.restartSec ?? 5}`, `LimitNOFILE=${u.limitNoFile ?? 65536}`);
  lines.push("", "[Install]", "WantedBy=multi-user.target", "");
  return lines.join("\n");
}
