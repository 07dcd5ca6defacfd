// Where things live on a master host (kubeadm's layout, so operators find them).
// What every host shares (BIN_DIR, UNIT_DIR, ...) is in components/bootstrap/host/paths.ts.
export const K8S_DIR = "/etc/kubernetes";
export const PKI_DIR = "/etc/kubernetes/pki";
export const ETCD_PKI_DIR = "/etc/kubernetes/pki/etcd";
export const ETCD_DATA_DIR = "/var/lib/etcd";
export const AUDIT_LOG = "/var/log/kubernetes/audit/audit.log";

export const pki = {
  ca: `${PKI_DIR}/ca.crt`,
  caKey: `${PKI_DIR}/ca.key`,
  frontProxyCa: `${PKI_DIR}/front-proxy-ca.crt`,
  etcdCa: `${ETCD_PKI_DIR}/ca.crt`,
  cert: (name: string) => `${PKI_DIR}/${name}.crt`,
  key: (name: string) => `${PKI_DIR}/${name}.key`,
  etcdCert: (name: string) => `${ETCD_PKI_DIR}/${name}.crt`,
  etcdKey: (name: string) => `${ETCD_PKI_DIR}/${name}.key`,
  saPub: `${PKI_DIR}/sa.pub`,
  saKey: `${PKI_DIR}/sa.key`,
};

// kubeadm's names: what operators expect, and what the CIS benchmark's checks of these files (1.1.13-1.1.18) read.
export type MasterKubeconfig = "admin" | "controller-manager" | "scheduler" | "kubelet-serving-approver";
export const kubeconfigPath = (who: MasterKubeconfig) => `${K8S_DIR}/${who}.conf`;
/** Where Keelson put them before 2026-12-07: each step removes its old one on the next up (a stale credential is not left behind). */
export const oldKubeconfigPath = (who: MasterKubeconfig) => `${K8S_DIR}/${who}.kubeconfig`;
export const ENCRYPTION_CONFIG = `${K8S_DIR}/encryption-config.yaml`;
export const AUDIT_POLICY = `${K8S_DIR}/audit-policy.yaml`;
export const ADMISSION_CONFIG = `${K8S_DIR}/admission-config.yaml`;
