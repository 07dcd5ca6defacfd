// etcd: one member per master, TLS everywhere, client certificates required on
// both the client and the peer port.
import type { MasterIdentity } from "../../pki/profiles";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { renderUnit } from "../../bootstrap/host/systemd";
import { ETCD_DATA_DIR, pki } from "./paths";
import type { ControlPlaneSpec } from "./spec";
import { etcdMemberName } from "./spec";
import { MEMBERSHIP_ENV } from "./etcdMembership";

/** The token that keeps this cluster's members from joining another's (also what a restore founds the cluster with). */
export function initialClusterToken(s: ControlPlaneSpec): string {
  return `${s.clusterName}-etcd`;
}

export function etcdFlags(s: ControlPlaneSpec, m: MasterIdentity): string[] {
  const member = pki.etcdCert("member");
  const memberKey = pki.etcdKey("member");
  return [
    `--name=${etcdMemberName(m)}`,
    `--data-dir=${ETCD_DATA_DIR}`,
    `--listen-client-urls=https://${m.privateIp}:2379,https://127.0.0.1:2379`,
    `--advertise-client-urls=https://${m.privateIp}:2379`,
    `--listen-peer-urls=https://${m.privateIp}:2380`,
    `--initial-advertise-peer-urls=https://${m.privateIp}:2380`,
    // --initial-cluster and --initial-cluster-state come from MEMBERSHIP_ENV
    // (etcdMembership.ts): founding members and a replacement joining differ.
    `--initial-cluster-token=${initialClusterToken(s)}`,
    "--client-cert-auth=true",
    `--trusted-ca-file=${pki.etcdCa}`,
    `--cert-file=${member}`,
    `--key-file=${memberKey}`,
    "--peer-client-cert-auth=true",
    `--peer-trusted-ca-file=${pki.etcdCa}`,
    `--peer-cert-file=${member}`,
    `--peer-key-file=${memberKey}`,
    "--snapshot-count=10000",
    "--auto-compaction-retention=1",
  ];
}

export function etcdUnit(s: ControlPlaneSpec, m: MasterIdentity): string {
  return renderUnit({
    description: `etcd member ${etcdMemberName(m)} (zone ${m.zone})`,
    documentation: "https://etcd.io/docs/",
    after: ["network-online.target"],
    wants: ["network-online.target"],
    type: "notify",
    environmentFile: MEMBERSHIP_ENV,
    exec: [`${BIN_DIR}/etcd`, ...etcdFlags(s, m)],
  });
}

/** etcdctl invocation with the health-check client certificate (used by waits and tests). */
export function etcdctl(endpoints: string[]): string {
  return [
    `ETCDCTL_API=3 ${BIN_DIR}/etcdctl`,
    `--endpoints=${endpoints.join(",")}`,
    `--cacert=${pki.etcdCa}`,
    `--cert=${pki.etcdCert("healthcheck-client")}`,
    `--key=${pki.etcdKey("healthcheck-client")}`,
  ].join(" ");
}
