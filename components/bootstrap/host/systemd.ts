// systemd unit files for every host: long-running daemons (restarted forever),
// oneshot steps, and the .path units that trigger a step when a file appears.
// A unit file's text is what decides whether its daemon restarts on an update
// (its bundle is the stdin of a remote command): keep the output stable.
import type { HostFile } from "./files";
import { UNIT_DIR } from "./paths";

/**
 * A unit file as a host holds it: in UNIT_DIR, mode 0600 root:root (CIS
 * Kubernetes Benchmark 1.1.1-1.1.8 and 4.1.1: unit files of the cluster's
 * daemons are the systemd form of kubeadm's pod manifests). systemd reads them
 * as root; nothing else needs to.
 */
export function unitFile(name: string, content: string): HostFile {
  return { path: `${UNIT_DIR}/${name}`, mode: "0600", content };
}

/** The [Unit] and [Install] sections every kind of unit has. */
interface UnitCommon {
  description: string;
  documentation?: string;
  after?: string[];
  before?: string[];
  wants?: string[];
  /** [Install] WantedBy=; multi-user.target unless given. [] leaves out [Install]: a unit only another one starts. */
  wantedBy?: string[];
}

interface ServiceCommon extends UnitCommon {
  /** argv: the binary then its arguments. */
  exec: string[];
  environment?: Record<string, string>;
  /** A file of KEY=value lines the service reads at start (written on the host, not by Pulumi). */
  environmentFile?: string;
  /** User= and Group= (the user's own group): a daemon that needs no root runs without it. */
  user?: string;
  /**
   * LoadCredential=: files (root's, 0600) systemd hands the service at start,
   * readable by its user alone, as `credential(name)` in its arguments: how a
   * daemon that is not root reads a key that stays root's on disk.
   */
  credentials?: Record<string, string>;
}

/** A credential's path as the service's arguments name it (systemd's %d: the service's credentials directory). */
export const credential = (name: string) => `%d/${name}`;

/** A long-running daemon: restarts forever. ExecStart has one argument per line, for readable diffs. */
export interface DaemonUnitSpec extends ServiceCommon {
  type?: "simple" | "notify";
  restartSec?: number;
  /** LimitNOFILE=, 65536 unless given. */
  limitNoFile?: number;
}

/** A step that runs to completion (at boot, or when something starts it): no restart, ExecStart on one line. */
export interface OneshotUnitSpec extends ServiceCommon {
  type: "oneshot";
  /** The unit stays active once the step succeeded (so units ordered after it see it as up). */
  remainAfterExit?: boolean;
  /** LimitNOFILE= only when given. */
  limitNoFile?: number;
}

export type UnitSpec = DaemonUnitSpec | OneshotUnitSpec;

/** A .path unit: starts `unit` (the .service of the same name unless given) when a path exists or changes. */
export interface PathUnitSpec extends UnitCommon {
  pathExists?: string[];
  pathChanged?: string[];
  unit?: string;
}

function quoteArg(a: string): string {
  // systemd splits ExecStart on whitespace and honours double quotes.
  return /[\s"\\]/.test(a) ? `"${a.replace(/(["\\])/g, "\\$1")}"` : a;
}

function unitSection(u: UnitCommon): string[] {
  const lines = ["[Unit]", `Description=${u.description}`];
  if (u.documentation) lines.push(`Documentation=${u.documentation}`);
  if (u.after?.length) lines.push(`After=${u.after.join(" ")}`);
  if (u.before?.length) lines.push(`Before=${u.before.join(" ")}`);
  if (u.wants?.length) lines.push(`Wants=${u.wants.join(" ")}`);
  return lines;
}

/** The [Install] section (or none) and the file's final newline. */
function installSection(u: UnitCommon): string[] {
  const wantedBy = u.wantedBy ?? ["multi-user.target"];
  return wantedBy.length ? ["", "[Install]", `WantedBy=${wantedBy.join(" ")}`, ""] : [""];
}

export function renderUnit(u: UnitSpec): string {
  if (u.exec.length === 0 || !u.exec[0].startsWith("/")) {
    throw new Error(`unit ${u.description}: exec must start with an absolute binary path`);
  }
  const oneshot = u.type === "oneshot";
  const lines = unitSection(u);
  // Restart forever: a master that lost its peers keeps trying until they return.
  if (!oneshot) lines.push("StartLimitIntervalSec=0");
  lines.push("", "[Service]", `Type=${u.type ?? "simple"}`);
  if (u.type === "oneshot" && u.remainAfterExit) lines.push("RemainAfterExit=yes");
  for (const [k, v] of Object.entries(u.environment ?? {})) lines.push(`Environment=${quoteArg(`${k}=${v}`)}`);
  if (u.environmentFile) lines.push(`EnvironmentFile=${u.environmentFile}`);
  if (u.user) lines.push(`User=${u.user}`, `Group=${u.user}`);
  for (const [name, file] of Object.entries(u.credentials ?? {})) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || !file.startsWith("/") || /[\s:]/.test(file)) throw new Error(`unit ${u.description}: credential ${JSON.stringify(name)} -> ${JSON.stringify(file)} is not a name and an absolute path`);
    lines.push(`LoadCredential=${name}:${file}`);
  }
  if (oneshot) {
    lines.push(`ExecStart=${u.exec.map(quoteArg).join(" ")}`);
    if (u.limitNoFile !== undefined) lines.push(`LimitNOFILE=${u.limitNoFile}`);
  } else {
    lines.push(`ExecStart=${quoteArg(u.exec[0])}${u.exec.length > 1 ? " \\" : ""}`);
    u.exec.slice(1).forEach((a, i) => lines.push(`  ${quoteArg(a)}${i < u.exec.length - 2 ? " \\" : ""}`));
    lines.push("Restart=always", `RestartSec=${u.restartSec ?? 5}`, `LimitNOFILE=${u.limitNoFile ?? 65536}`);
  }
  lines.push(...installSection(u));
  return lines.join("\n");
}

export function renderPathUnit(p: PathUnitSpec): string {
  const paths = [...(p.pathExists ?? []), ...(p.pathChanged ?? [])];
  if (paths.length === 0) throw new Error(`path unit ${p.description}: no path to watch`);
  for (const path of paths) if (!path.startsWith("/")) throw new Error(`path unit ${p.description}: ${JSON.stringify(path)} is not an absolute path`);
  const lines = [...unitSection(p), "", "[Path]"];
  for (const path of p.pathExists ?? []) lines.push(`PathExists=${path}`);
  for (const path of p.pathChanged ?? []) lines.push(`PathChanged=${path}`);
  if (p.unit) lines.push(`Unit=${p.unit}`);
  lines.push(...installSection(p));
  return lines.join("\n");
}
