// etcd: one member per master, TLS everywhere, client certificates required on
// both the client and the peer port.
import type { MasterIdentity } from "../../pki/profiles";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { credential, renderUnit } from "../../bootstrap/host/systemd";
import { ETCD_DATA_DIR, ETCD_PKI_DIR, K8S_DIR, PKI_DIR, pki } from "./paths";
import type { ControlPlaneSpec } from "./spec";
import { etcdMemberName } from "./spec";
import { MEMBERSHIP_ENV } from "./etcdMembership";

/**
 * etcd runs as its own unprivileged user, owning its data directory (CIS 1.1.11
 * and 1.1.12); everything else about the host stays root's, its member key too
 * (CIS 1.1.19: the PKI directory is root's): systemd hands etcd the key at start
 * (LoadCredential), readable by etcd alone.
 */
export const ETCD_USER = "etcd";
const MEMBER_KEY_CREDENTIAL = "member.key";

/**
 * Run by the etcd step after its files are written and before etcd (re)starts:
 * the user (a system account without a shell or a home of its own) exists, the
 * data directory is 0700 and, with everything in it, the user's (a directory
 * root made, a restore's or an earlier root-run etcd's, is handed over), and the
 * member key is readable by etcd alone. Idempotent.
 */
export function etcdOwnershipScript(): string {
  const u = ETCD_USER;
  return [
    `getent group ${u} >/dev/null || groupadd --system ${u}`,
    `getent passwd ${u} >/dev/null || useradd --system --gid ${u} --no-create-home --home-dir ${ETCD_DATA_DIR} --shell /usr/sbin/nologin ${u}`,
    // The file bundle writes under umask 077, so the directories it made are root's
    // alone: the PKI directories become traversable (0755, as kubeadm has them; every
    // key in them stays 0600 root:root), so etcd opens the CA and its member
    // certificate (0644). Its key comes through systemd (etcdUnit). Clusters built
    // before 2026-12-07 had pki/etcd root:etcd and the key etcd's: given back to root.
    `chmod 0755 ${K8S_DIR} ${PKI_DIR} ${ETCD_PKI_DIR}`,
    `chown root:root ${ETCD_PKI_DIR} ${pki.etcdKey("member")}`,
    `chmod 0600 ${pki.etcdKey("member")}`,
    `install -d -m 0700 -o ${u} -g ${u} ${ETCD_DATA_DIR}`,
    `chown -R ${u}:${u} ${ETCD_DATA_DIR}`,
  ].join("\n");
}

/** The token that keeps this cluster's members from joining another's (also what a restore founds the cluster with). */
export function initialClusterToken(s: ControlPlaneSpec): string {
  return `${s.clusterName}-etcd`;
}

export function etcdFlags(s: ControlPlaneSpec, m: MasterIdentity): string[] {
  const member = pki.etcdCert("member");
  const memberKey = credential(MEMBER_KEY_CREDENTIAL);
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
    user: ETCD_USER,
    credentials: { [MEMBER_KEY_CREDENTIAL]: pki.etcdKey("member") },
    exec: [`${BIN_DIR}/etcd`, ...etcdFlags(s, m)],
  });
}

/** etcdctl invocation with the health-check client certificate (used by waits and tests). */
export function etcdctl(endpoints: string[]): string {
  return [
    `${BIN_DIR}/etcdctl`,
    `--endpoints=${endpoints.join(",")}`,
    `--cacert=${pki.etcdCa}`,
    `--cert=${pki.etcdCert("healthcheck-client")}`,
    `--key=${pki.etcdKey("healthcheck-client")}`,
  ].join(" ");
}
