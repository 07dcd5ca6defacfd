// Host protections on a node: the spec's preDNAT policies as iptables rules on
// its public and private interfaces (components/model/hostRules.ts renders the
// rules). A oneshot unit applies them at boot and whenever `up` brings a new
// rule set (its bundle changes), in place: one iptables-restore swaps the
// chains' contents at once, no daemon restarts. With no policies the chains are
// empty, so a policy removed from the spec stops being enforced.
import { renderUnit } from "../../bootstrap/host/systemd";
import { PREDNAT_CHAIN, preDnatRestore, type PreDnatPolicy } from "../../model/hostRules";
import type { NodeIdentity } from "./spec";

export const HOST_POLICY_RULES = "/etc/keelson/host-policy/prednat.rules";
export const HOST_POLICY_SCRIPT = "/usr/local/lib/keelson/host-policy.sh";
export const HOST_POLICY_UNIT = "keelson-host-policy";

export function hostPolicyRules(policies: PreDnatPolicy[]): string {
  return preDnatRestore(policies);
}

/** Finds each interface by the address the plan gave it (names differ between hosts), then applies the rules and the jumps to them. */
export function hostPolicyScript(): string {
  return `#!/bin/bash
# Written by Keelson: the preDNAT host policies (docs/calico.md) on this node's interfaces.
set -euo pipefail
iface_of() { ip -o -4 addr show | awk -v ip="$1" '{ split($4, a, "/"); if (a[1] == ip) { print $2; exit } }'; }
for _ in $(seq 1 30); do [ -n "$(iface_of "$PRIVATE_IP")" ] && break; sleep 1; done
priv=$(iface_of "$PRIVATE_IP")
pub=""; if [ -n "\${PUBLIC_IP:-}" ]; then pub=$(iface_of "$PUBLIC_IP"); fi
[ -n "$priv" ] || { echo "no interface has $PRIVATE_IP" >&2; exit 1; }
iptables-restore -w 5 --noflush < ${HOST_POLICY_RULES}
want=("-i $priv -j ${PREDNAT_CHAIN.private}")
if [ -n "$pub" ]; then want+=("-i $pub -j ${PREDNAT_CHAIN.public}"); fi
# Jumps for interfaces this node no longer has go; the wanted ones are added once, last in PREROUTING.
iptables -w -t mangle -S PREROUTING | { grep -e '-j KEELSON-PREDNAT-' || true; } | while read -r line; do
  rule=\${line#-A PREROUTING }
  keep=0; for w in "\${want[@]}"; do [ "$rule" = "$w" ] && keep=1; done
  if [ $keep = 0 ]; then iptables -w -t mangle -D PREROUTING $rule; fi
done
for w in "\${want[@]}"; do iptables -w -t mangle -C PREROUTING $w 2>/dev/null || iptables -w -t mangle -A PREROUTING $w; done
echo "host policies applied: private $priv\${pub:+, public $pub}"
`;
}

export function hostPolicyUnit(n: NodeIdentity): string {
  return renderUnit({
    type: "oneshot",
    remainAfterExit: true,
    description: "Keelson host policies: preDNAT rules on the node's interfaces",
    documentation: "https://docs.projectcalico.org/reference/host-endpoints/pre-dnat",
    after: ["network-online.target"],
    wants: ["network-online.target"],
    environment: { PRIVATE_IP: n.privateIp, ...(n.publicIp ? { PUBLIC_IP: n.publicIp } : {}) },
    exec: ["/bin/bash", HOST_POLICY_SCRIPT],
  });
}

/** The unit applied its rules. */
export function hostPolicyCheck(): string {
  return `systemctl is-active --quiet ${HOST_POLICY_UNIT}`;
}
