// Host protections on a node: the host endpoint policies as iptables rules on
// its public and private interfaces (components/model/hostRules.ts renders the
// rules): preDNAT ones in mangle PREROUTING, normal ones (IKS's defaults among
// them) in filter INPUT and OUTPUT. A oneshot unit applies them at boot and
// whenever `up` brings a new rule set (its bundle changes), in place: one
// iptables-restore swaps every chain's contents at once, no daemon restarts.
// With no policies the chains are empty, so a policy removed from the spec
// stops being enforced.
import { renderUnit } from "../../bootstrap/host/systemd";
import { HOST_CHAIN, hostFilterRestore, PREDNAT_CHAIN, preDnatRestore } from "../../model/hostRules";
import type { NodeClusterSpec, NodeIdentity } from "./spec";

export const HOST_POLICY_RULES = "/etc/keelson/host-policy/host-policy.rules";
export const HOST_POLICY_SCRIPT = "/usr/local/lib/keelson/host-policy.sh";
export const HOST_POLICY_UNIT = "keelson-host-policy";

/** Both tables in one iptables-restore input: applied together, so a node never runs half of a new set. */
export function hostPolicyRules(s: Pick<NodeClusterSpec, "preDnatPolicies" | "hostPolicies" | "hostFailsafe">): string {
  return preDnatRestore(s.preDnatPolicies) + hostFilterRestore(s.hostPolicies, s.hostFailsafe);
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
# The preDNAT-only rules file of earlier releases: this file replaced it.
rm -f /etc/keelson/host-policy/prednat.rules
# jumps TABLE CHAIN PREFIX WHERE(-A|-I) JUMP...: the jumps to Keelson's chains in CHAIN are exactly the wanted ones
# (those of interfaces this node no longer has go); a missing one is added, last (-A) or first (-I).
jumps() {
  local table=$1 chain=$2 prefix=$3 where=$4; shift 4
  iptables -w -t "$table" -S "$chain" | { grep -e "-j $prefix" || true; } | while read -r line; do
    rule=\${line#-A $chain }
    keep=0; for w in "$@"; do [ "$rule" = "$w" ] && keep=1; done
    if [ $keep = 0 ]; then iptables -w -t "$table" -D "$chain" $rule; fi
  done
  for w in "$@"; do
    iptables -w -t "$table" -C "$chain" $w 2>/dev/null && continue
    if [ "$where" = -I ]; then iptables -w -t "$table" -I "$chain" 1 $w; else iptables -w -t "$table" -A "$chain" $w; fi
  done
}
pre=("-i $priv -j ${PREDNAT_CHAIN.private}"); ins=("-i $priv -j ${HOST_CHAIN.in.private}"); outs=("-o $priv -j ${HOST_CHAIN.out.private}")
if [ -n "$pub" ]; then pre+=("-i $pub -j ${PREDNAT_CHAIN.public}"); ins+=("-i $pub -j ${HOST_CHAIN.in.public}"); outs+=("-o $pub -j ${HOST_CHAIN.out.public}"); fi
# preDNAT last in PREROUTING (as Felix); the host endpoint chains first in INPUT and OUTPUT (as Felix inserts its own).
jumps mangle PREROUTING KEELSON-PREDNAT- -A "\${pre[@]}"
jumps filter INPUT KEELSON-HOST-IN- -I "\${ins[@]}"
jumps filter OUTPUT KEELSON-HOST-OUT- -I "\${outs[@]}"
echo "host policies applied: private $priv\${pub:+, public $pub}"
`;
}

export function hostPolicyUnit(n: NodeIdentity): string {
  return renderUnit({
    type: "oneshot",
    remainAfterExit: true,
    description: "Keelson host policies: host endpoint rules on the node's interfaces",
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
