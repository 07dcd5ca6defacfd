// Pod networking on a node: flannel (kube subnet manager, VXLAN backend) carries
// pod traffic between nodes; the CNI bridge + host-local plugins give pods their
// addresses out of the node's pod CIDR (spec.podCIDR, carved from the pod subnet
// by kube-controller-manager).
//
// This is deliberately one replaceable piece: Calico (IKS's plug-in) would take
// its place with the same pod subnet, the same node pod CIDRs and the same CNI
// directory; nothing else on the node depends on flannel. See docs/workers.md.
//
// Cross-subnet, as IKS configures Calico: with DirectRouting, nodes on the same
// subnet (one zone's private VLAN) route pod traffic directly, and only traffic
// that crosses subnets (zones) is encapsulated in VXLAN. The lab kernel has no
// IP-in-IP, so VXLAN is the encapsulation everywhere.
import { BIN_DIR } from "../../bootstrap/host/paths";
import { renderPathUnit, renderUnit } from "../../bootstrap/host/systemd";
import { CNI_CONFLIST, CNI_RENDER_SCRIPT, FLANNEL_NET_CONF, FLANNEL_SUBNET_ENV, nodeKubeconfig } from "./paths";
import type { NodeClusterSpec, NodeIdentity } from "./spec";

/** The user in flannel's client certificate (components/addons/render/rbac.ts grants it what flannel needs). */
export const FLANNEL_USER = "keelson:flannel";

export function flannelNetConf(s: NodeClusterSpec): string {
  return (
    JSON.stringify(
      {
        Network: s.podSubnet,
        EnableIPv4: true,
        Backend: { Type: "vxlan", VNI: s.podNetwork.vni, Port: s.podNetwork.vxlanPort, DirectRouting: s.podNetwork.crossSubnet },
      },
      null,
      2,
    ) + "\n"
  );
}

export function flannelUnit(n: NodeIdentity): string {
  return renderUnit({
    description: "flannel: the pod network between nodes (VXLAN, kube subnet manager)",
    documentation: "https://github.com/flannel-io/flannel",
    after: ["network-online.target", "keelson-master-proxy.service"],
    wants: ["keelson-master-proxy.service"],
    environment: { NODE_NAME: n.name },
    exec: [
      `${BIN_DIR}/flanneld`,
      "--kube-subnet-mgr",
      `--kubeconfig-file=${nodeKubeconfig("flannel")}`,
      `--net-config-path=${FLANNEL_NET_CONF}`,
      `--subnet-file=${FLANNEL_SUBNET_ENV}`,
      // The private interface: pod traffic stays on the private VLANs and the backbone.
      `--iface=${n.privateIp}`,
      // NAT outgoing: pod traffic leaving the pod network takes the node's address.
      "--ip-masq",
    ],
    restartSec: 3,
  });
}

/**
 * Renders the CNI config from flannel's subnet file (this node's pod CIDR and the
 * VXLAN MTU). Runs whenever flannel (re)writes that file, via keelson-cni.path.
 */
export function cniRenderScript(): string {
  return `#!/bin/bash
# Written by Keelson: renders ${CNI_CONFLIST} from ${FLANNEL_SUBNET_ENV}.
set -euo pipefail
. ${FLANNEL_SUBNET_ENV}
ip=\${FLANNEL_SUBNET%/*} prefix=\${FLANNEL_SUBNET#*/}
IFS=. read -r a b c d <<<"$ip"
n=$(( (a<<24) | (b<<16) | (c<<8) | d )); mask=$(( prefix == 0 ? 0 : (0xffffffff << (32 - prefix)) & 0xffffffff ))
n=$(( n & mask ))
subnet="$(( (n>>24)&255 )).$(( (n>>16)&255 )).$(( (n>>8)&255 )).$(( n&255 ))/$prefix"
tmp=$(mktemp ${CNI_CONFLIST}.XXXXXX)
cat >"$tmp" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "keelson",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "mtu": \${FLANNEL_MTU},
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$subnet", "gateway": "$ip" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
chmod 0644 "$tmp"
if cmp -s "$tmp" ${CNI_CONFLIST}; then rm -f "$tmp"; else mv -f "$tmp" ${CNI_CONFLIST}; echo "wrote ${CNI_CONFLIST} for $subnet"; fi
`;
}

/** keelson-cni.path: starts keelson-cni.service when flannel writes (or rewrites) its subnet file. */
export function cniPathUnit(): string {
  return renderPathUnit({
    description: "Render the CNI config when flannel writes this node's subnet",
    pathExists: [FLANNEL_SUBNET_ENV],
    pathChanged: [FLANNEL_SUBNET_ENV],
  });
}

/** keelson-cni.service: only keelson-cni.path starts it, so no [Install]. */
export function cniServiceUnit(): string {
  return renderUnit({
    type: "oneshot",
    description: "Render the CNI config from flannel's subnet file",
    exec: ["/bin/bash", CNI_RENDER_SCRIPT],
    wantedBy: [],
  });
}

/** flannel has a lease (its subnet file) and the CNI config exists. */
export function podNetworkReadyCheck(): string {
  return `test -s ${FLANNEL_SUBNET_ENV} && test -s ${CNI_CONFLIST}`;
}
