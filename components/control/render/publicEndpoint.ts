// The public service endpoint's allow-list, enforced on every master: only the
// spec's source CIDRs may reach kube-apiserver on a master's public IP; anyone
// else gets a TCP reset. (IKS: "public service endpoint ... with an allow-list
// of source CIDRs".) With the public endpoint disabled, nobody may; with it
// enabled and no allow-list, anyone may. The private side is untouched: nodes
// and the machine running `pulumi up` reach masters on their private IPs.
import type { MasterIdentity } from "../../pki/profiles";
import type { HostFile } from "../../bootstrap/host/files";
import { renderUnit, unitFile } from "../../bootstrap/host/systemd";
import type { ControlPlaneSpec } from "./spec";

export const ALLOWLIST_UNIT = "keelson-public-endpoint-allowlist";
export const ALLOWLIST_SCRIPT = "/usr/local/lib/keelson/public-endpoint-allowlist.sh";
const CHAIN = "KEELSON-PUBLIC-API";

/**
 * Installs (or, with an empty allow-list, removes) the filter; idempotent, so
 * it runs at every boot and on every change. iptables -w: kube-proxy and
 * others may hold the xtables lock.
 */
export function allowlistScript(s: ControlPlaneSpec, m: MasterIdentity): string {
  const hook = `INPUT -d ${m.publicIp}/32 -p tcp --dport ${s.apiServerPort} -j ${CHAIN}`;
  const lines = ["#!/bin/sh", "# Written by Keelson: who may reach kube-apiserver on this master's public IP.", "set -eu"];
  const open = s.endpoints.public !== undefined && s.publicAllowlist.length === 0;
  if (!m.publicIp || open) {
    lines.push(`while iptables -w -D ${hook} 2>/dev/null; do :; done`, `iptables -w -F ${CHAIN} 2>/dev/null || true`, `iptables -w -X ${CHAIN} 2>/dev/null || true`);
  } else {
    lines.push(
      `iptables -w -N ${CHAIN} 2>/dev/null || iptables -w -F ${CHAIN}`,
      // No public endpoint: no source is allowed.
      ...(s.endpoints.public ? s.publicAllowlist : []).map((c) => `iptables -w -A ${CHAIN} -s ${c} -j RETURN`),
      `iptables -w -A ${CHAIN} -p tcp -j REJECT --reject-with tcp-reset`,
      `iptables -w -C ${hook} 2>/dev/null || iptables -w -I ${hook.replace(/^INPUT /, "INPUT 1 ")}`,
    );
  }
  return lines.join("\n") + "\n";
}

export function allowlistFiles(s: ControlPlaneSpec, m: MasterIdentity): HostFile[] {
  return [
    { path: ALLOWLIST_SCRIPT, mode: "0755", content: allowlistScript(s, m) },
    unitFile(
      `${ALLOWLIST_UNIT}.service`,
      renderUnit({
        type: "oneshot",
        remainAfterExit: true,
        description: "Keelson: the public service endpoint's source allow-list",
        after: ["network-online.target"],
        before: ["kube-apiserver.service"],
        exec: [ALLOWLIST_SCRIPT],
      }),
    ),
  ];
}
