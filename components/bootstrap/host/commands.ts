// Generic pieces of the command scripts Keelson runs on a host (any role): apply
// a file bundle and (re)start units, wait for a check, check that a unit is
// stable. Each host step is a hostCommand (./hostCommand.ts) built from these.
import type { HostFile } from "./files";
import { renderFileBundle } from "./files";

export interface Pem {
  certPem: string;
  keyPem: string;
}

/** Polls `check` every 2 s for up to `seconds`; on timeout shows the unit's journal and fails. */
export function waitFor(check: string, seconds: number, unit: string, what: string): string {
  const tries = Math.ceil(seconds / 2);
  return [
    `i=0; until ${check} >/dev/null 2>&1; do`,
    `  i=$((i+1)); if [ $i -ge ${tries} ]; then echo "${what} not ready after ${seconds}s" >&2; journalctl -u ${unit} -n 40 --no-pager >&2 || true; exit 1; fi`,
    "  sleep 2",
    "done",
  ].join("\n");
}

/**
 * The remote command for one daemon (or a few that share files): write its
 * files (bundle on stdin), run `before`, then (re)start it. `--no-block` for etcd: a
 * founding member's start completes only once quorum forms, and the next members'
 * hosts are created only after this step.
 */
export function applyCommand(unit: string | string[], opts: { noBlock?: boolean; after?: string; before?: string } = {}): string {
  const units = (Array.isArray(unit) ? unit : [unit]).join(" ");
  return [
    "set -e",
    "sh -s",
    ...(opts.before ? [opts.before] : []),
    "systemctl daemon-reload",
    `systemctl enable ${units} >/dev/null 2>&1`,
    // A unit that fails to start says why in its journal: print it, since the
    // user sees this command's stderr, not the host.
    `systemctl restart ${opts.noBlock ? "--no-block " : ""}${units} || { for u in ${units}; do journalctl -u "$u" -n 40 --no-pager >&2; done; exit 1; }`,
    ...(opts.after ? [opts.after] : []),
  ].join("\n");
}

export function bundleStdin(files: HostFile[]): string {
  return renderFileBundle(files);
}

/** A daemon with no reachable health port from the host's tools: active and not restarting for 6 s. */
export function stableCheck(unit: string): string {
  return [
    waitFor(`systemctl is-active --quiet ${unit}`, 60, unit, unit),
    `r1=$(systemctl show -p NRestarts --value ${unit}); sleep 6; r2=$(systemctl show -p NRestarts --value ${unit})`,
    `if [ "$r1" != "$r2" ] || ! systemctl is-active --quiet ${unit}; then echo "${unit} is restarting" >&2; journalctl -u ${unit} -n 40 --no-pager >&2; exit 1; fi`,
  ].join("\n");
}
