// The master proxy (IKS: ibm-master-proxy): a local TCP load balancer on every
// worker in front of the master replicas. kubelet and kube-proxy talk to
// https://127.0.0.1:<port>; haproxy forwards each connection to a healthy
// master, so a master that goes down is invisible to the node. TLS passes
// through untouched (the apiserver certificate carries 127.0.0.1).
import { renderUnit } from "../../bootstrap/host/systemd";
import { MASTER_PROXY_CONFIG } from "./paths";
import type { NodeClusterSpec } from "./spec";

export function masterProxyConfig(s: NodeClusterSpec): string {
  const servers = s.apiServerEndpoints.map((e, i) => {
    const u = new URL(e);
    return `  server master-${i + 1} ${u.hostname}:${u.port} check`;
  });
  return [
    "# Written by Keelson: the master proxy in front of every kube-apiserver replica.",
    "global",
    "  maxconn 4000",
    "  log stdout format raw local0 notice",
    "",
    "defaults",
    "  mode tcp",
    "  log global",
    "  option tcplog",
    "  option dontlognull",
    "  timeout connect 3s",
    // Watches are long-lived: never cut an idle client or server connection short.
    "  timeout client 24h",
    "  timeout server 24h",
    "  timeout tunnel 24h",
    "",
    "frontend kube-apiserver",
    `  bind 127.0.0.1:${s.masterProxyPort}`,
    "  default_backend masters",
    "",
    "backend masters",
    "  balance roundrobin",
    // TCP connect checks every 2 s; a master is out after 2 failures, back after 2 successes.
    "  default-server inter 2s fall 2 rise 2 on-marked-down shutdown-sessions",
    ...servers,
    "",
  ].join("\n");
}

export function masterProxyUnit(): string {
  return renderUnit({
    description: "Keelson master proxy (haproxy in front of the kube-apiservers)",
    after: ["network-online.target"],
    wants: ["network-online.target"],
    exec: ["/usr/sbin/haproxy", "-Ws", "-f", MASTER_PROXY_CONFIG, "-p", "/run/keelson-master-proxy.pid"],
    restartSec: 2,
  });
}

/**
 * A TLS handshake through the proxy reaches some kube-apiserver (it answers 401
 * to this anonymous request: curl exits 0 on any HTTP answer, non-zero when no
 * master is reachable).
 */
export function masterProxyCheck(s: NodeClusterSpec): string {
  return `curl -sk --max-time 3 -o /dev/null https://127.0.0.1:${s.masterProxyPort}/readyz`;
}
