// Per-daemon file sets and the checks that follow them on a master (the generic
// apply/wait commands are in components/bootstrap/host/commands.ts). One bundle
// per daemon, so a change restarts only the daemon whose files changed (the
// bundle is the stdin of its own remote command; new content = a new command run).
import type { MasterIdentity } from "../../pki/profiles";
import { admissionConfig, auditPolicy, apiServerUnit, encryptionConfig } from "./apiserver";
import { controllerManagerUnit, schedulerUnit } from "./controllers";
import { etcdctl, etcdUnit } from "./etcd";
import { APPROVER_CONFIG, APPROVER_UNIT, APPROVER_USER, approverConfig, approverUnit } from "./kubeletServingApprover";
import { waitFor, type Pem } from "../../bootstrap/host/commands";
import type { HostFile } from "../../bootstrap/host/files";
import { renderKubeconfig } from "../../bootstrap/host/kubeconfig";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { unitFile } from "../../bootstrap/host/systemd";
import { ADMISSION_CONFIG, AUDIT_POLICY, ENCRYPTION_CONFIG, kubeconfigPath, pki } from "./paths";
import type { ControlPlaneSpec } from "./spec";

/** Every PEM the masters need, resolved (secret values inside an apply). */
export interface MasterPems {
  kubernetesCa: Pem;
  etcdCa: Pem;
  frontProxyCa: Pem;
  etcdMember: Pem; // this master's
  etcdHealthcheck: Pem;
  apiserver: Pem;
  apiserverKubeletClient: Pem;
  apiserverEtcdClient: Pem;
  frontProxyClient: Pem;
  controllerManager: Pem;
  scheduler: Pem;
  admin: Pem;
  kubeletServingApprover: Pem;
  serviceAccount: { keyPem: string; publicKeyPem: string };
  encryptionKey: string;
}

const pub = (path: string, content: string): HostFile => ({ path, mode: "0644", content });
const sec = (path: string, content: string): HostFile => ({ path, mode: "0600", content });

/** The apiserver on this master, by loopback: what components on the master talk to. */
export function localServer(s: ControlPlaneSpec): string {
  return `https://127.0.0.1:${s.apiServerPort}`;
}

export function etcdFiles(s: ControlPlaneSpec, m: MasterIdentity, p: MasterPems): HostFile[] {
  return [
    pub(pki.etcdCa, p.etcdCa.certPem),
    pub(pki.etcdCert("member"), p.etcdMember.certPem),
    sec(pki.etcdKey("member"), p.etcdMember.keyPem),
    pub(pki.etcdCert("healthcheck-client"), p.etcdHealthcheck.certPem),
    sec(pki.etcdKey("healthcheck-client"), p.etcdHealthcheck.keyPem),
    unitFile(`etcd.service`, etcdUnit(s, m)),
  ];
}

export function apiServerFiles(s: ControlPlaneSpec, m: MasterIdentity, p: MasterPems): HostFile[] {
  const files = [
    pub(pki.ca, p.kubernetesCa.certPem),
    pub(pki.etcdCa, p.etcdCa.certPem),
    pub(pki.frontProxyCa, p.frontProxyCa.certPem),
    pub(pki.cert("apiserver"), p.apiserver.certPem),
    sec(pki.key("apiserver"), p.apiserver.keyPem),
    pub(pki.cert("apiserver-kubelet-client"), p.apiserverKubeletClient.certPem),
    sec(pki.key("apiserver-kubelet-client"), p.apiserverKubeletClient.keyPem),
    pub(pki.cert("apiserver-etcd-client"), p.apiserverEtcdClient.certPem),
    sec(pki.key("apiserver-etcd-client"), p.apiserverEtcdClient.keyPem),
    pub(pki.cert("front-proxy-client"), p.frontProxyClient.certPem),
    sec(pki.key("front-proxy-client"), p.frontProxyClient.keyPem),
    pub(pki.saPub, p.serviceAccount.publicKeyPem),
    sec(pki.saKey, p.serviceAccount.keyPem),
    // Operators on the master and the bootstrap health checks use this.
    sec(kubeconfigPath("admin"), adminKubeconfig(s, p, localServer(s))),
    pub(ADMISSION_CONFIG, admissionConfig()),
    unitFile(`kube-apiserver.service`, apiServerUnit(s, m)),
  ];
  if (s.apiserver.encryptionAtRest) files.push(sec(ENCRYPTION_CONFIG, encryptionConfig(p.encryptionKey)));
  if (s.apiserver.auditLogging) files.push(pub(AUDIT_POLICY, auditPolicy()));
  return files;
}

export function controllerManagerFiles(s: ControlPlaneSpec, p: MasterPems): HostFile[] {
  return [
    pub(pki.ca, p.kubernetesCa.certPem),
    sec(pki.caKey, p.kubernetesCa.keyPem),
    pub(pki.frontProxyCa, p.frontProxyCa.certPem),
    sec(pki.saKey, p.serviceAccount.keyPem),
    sec(
      kubeconfigPath("controller-manager"),
      renderKubeconfig({ clusterName: s.clusterName, server: localServer(s), caPem: p.kubernetesCa.certPem, user: "system:kube-controller-manager", ...p.controllerManager }),
    ),
    unitFile(`kube-controller-manager.service`, controllerManagerUnit(s)),
  ];
}

export function schedulerFiles(s: ControlPlaneSpec, p: MasterPems): HostFile[] {
  return [
    sec(
      kubeconfigPath("scheduler"),
      renderKubeconfig({ clusterName: s.clusterName, server: localServer(s), caPem: p.kubernetesCa.certPem, user: "system:kube-scheduler", ...p.scheduler }),
    ),
    unitFile(`kube-scheduler.service`, schedulerUnit(s)),
  ];
}

/** Keelson's approver of kubelet serving certificates on this master (its binary is installed by the same step). */
export function kubeletServingApproverFiles(s: ControlPlaneSpec, m: MasterIdentity, p: MasterPems): HostFile[] {
  return [
    sec(
      kubeconfigPath("kubelet-serving-approver"),
      renderKubeconfig({ clusterName: s.clusterName, server: localServer(s), caPem: p.kubernetesCa.certPem, user: APPROVER_USER, ...p.kubeletServingApprover }),
    ),
    pub(APPROVER_CONFIG, approverConfig(s)),
    unitFile(`${APPROVER_UNIT}.service`, approverUnit(s, m.name)),
  ];
}

export function adminKubeconfig(s: ControlPlaneSpec, p: Pick<MasterPems, "kubernetesCa" | "admin">, server: string): string {
  return renderKubeconfig({ clusterName: s.clusterName, server, caPem: p.kubernetesCa.certPem, user: "kubernetes-admin", ...p.admin });
}

export function etcdHealthCheck(): string {
  return waitFor(`${etcdctl(["https://127.0.0.1:2379"])} endpoint health`, 240, "etcd", "etcd");
}

export function apiServerReadyCheck(): string {
  return waitFor(`${BIN_DIR}/kubectl --kubeconfig ${kubeconfigPath("admin")} get --raw /readyz`, 180, "kube-apiserver", "kube-apiserver");
}
