// kube-apiserver on every master: RBAC + Node authorization, no anonymous
// requests, Secrets encrypted at rest, an audit log with rotation.
import { stringify } from "yaml";
import type { MasterIdentity } from "../../pki/profiles";
import { BIN_DIR } from "../../bootstrap/host/paths";
import { TLS_CIPHER_SUITES, TLS_MIN_VERSION } from "../../pki/tlsPolicy";
import { renderUnit } from "../../bootstrap/host/systemd";
import { ADMISSION_CONFIG, AUDIT_LOG, AUDIT_POLICY, ENCRYPTION_CONFIG, pki } from "./paths";
import type { ControlPlaneSpec } from "./spec";
import { etcdClientUrls } from "./spec";

/**
 * EncryptionConfiguration: aescbc first (what new writes use), identity last so
 * objects written before encryption was turned on can still be read.
 * `keyBase64` is the Pulumi secret; this string is secret content.
 */
export function encryptionConfig(keyBase64: string): string {
  if (Buffer.from(keyBase64, "base64").length !== 32) throw new Error("encryption key: must be 32 bytes, base64");
  return stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "EncryptionConfiguration",
    resources: [
      {
        resources: ["secrets"],
        providers: [{ aescbc: { keys: [{ name: "key1", secret: keyBase64 }] } }, { identity: {} }],
      },
    ],
  });
}

/**
 * Audit policy: Secrets, ConfigMaps and token reviews at Metadata only (their
 * bodies hold credentials), reads of health endpoints not at all, everything
 * else at Metadata, writes at RequestResponse.
 */
export function auditPolicy(): string {
  return stringify({
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    omitStages: ["RequestReceived"],
    rules: [
      { level: "None", nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/version"] },
      { level: "None", users: ["system:kube-proxy"], verbs: ["watch"] },
      { level: "None", resources: [{ group: "coordination.k8s.io", resources: ["leases"] }], verbs: ["get", "update"] },
      {
        level: "Metadata",
        resources: [
          { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] },
          { group: "authentication.k8s.io", resources: ["tokenreviews"] },
        ],
      },
      { level: "Metadata", verbs: ["get", "list", "watch"] },
      { level: "RequestResponse" },
    ],
  });
}

/**
 * Admission plugins' configuration. EventRateLimit (CIS 1.2.9): a bound on the
 * Events the whole apiserver and each namespace accept per second, so that a pod
 * in a crash loop or a broken controller cannot flood etcd with Events. The
 * limits are generous (Kubernetes' own example is 50/s per namespace): only a
 * flood meets them, and a rejected Event is lost, not retried forever.
 */
export const EVENT_RATE_LIMITS = [
  { type: "Server", qps: 1000, burst: 2000 },
  { type: "Namespace", qps: 100, burst: 500, cacheSize: 4096 },
];

export function admissionConfig(): string {
  return stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "AdmissionConfiguration",
    plugins: [
      {
        name: "EventRateLimit",
        configuration: { apiVersion: "eventratelimit.admission.k8s.io/v1alpha1", kind: "Configuration", limits: EVENT_RATE_LIMITS },
      },
    ],
  });
}

export function apiServerFlags(s: ControlPlaneSpec, m: MasterIdentity): string[] {
  const flags = [
    `--advertise-address=${m.privateIp}`,
    "--bind-address=0.0.0.0",
    `--secure-port=${s.apiServerPort}`,
    "--allow-privileged=true",
    `--anonymous-auth=${s.apiserver.anonymousAuth}`,
    "--authorization-mode=Node,RBAC",
    // DenyServiceExternalIPs: a Service's externalIPs would let any user who may create Services
    // take over traffic to any address (CVE-2020-8554); Keelson's LoadBalancers use status, not externalIPs.
    // EventRateLimit: see admissionConfig.
    "--enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs,EventRateLimit",
    `--admission-control-config-file=${ADMISSION_CONFIG}`,
    "--enable-bootstrap-token-auth=true",
    `--client-ca-file=${pki.ca}`,
    `--tls-cert-file=${pki.cert("apiserver")}`,
    `--tls-private-key-file=${pki.key("apiserver")}`,
    `--etcd-servers=${etcdClientUrls(s).join(",")}`,
    `--etcd-cafile=${pki.etcdCa}`,
    `--etcd-certfile=${pki.cert("apiserver-etcd-client")}`,
    `--etcd-keyfile=${pki.key("apiserver-etcd-client")}`,
    `--kubelet-client-certificate=${pki.cert("apiserver-kubelet-client")}`,
    `--kubelet-client-key=${pki.key("apiserver-kubelet-client")}`,
    // Kubelets serve with certificates of the cluster CA (their node name and IPs as SANs): verify them.
    `--kubelet-certificate-authority=${pki.ca}`,
    "--kubelet-preferred-address-types=InternalIP,Hostname",
    `--service-cluster-ip-range=${s.serviceSubnet}`,
    `--service-account-issuer=https://kubernetes.default.svc.${s.clusterDomain}`,
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    // Tokens live as long as they ask for (an hour for projected ones), not a year for "legacy" clients.
    "--service-account-extend-token-expiration=false",
    `--tls-min-version=${TLS_MIN_VERSION}`,
    `--tls-cipher-suites=${TLS_CIPHER_SUITES.join(",")}`,
    // The aggregation layer: the apiserver proxies to extension apiservers (metrics-server) as front-proxy-client.
    `--requestheader-client-ca-file=${pki.frontProxyCa}`,
    "--requestheader-allowed-names=front-proxy-client",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-username-headers=X-Remote-User",
    `--proxy-client-cert-file=${pki.cert("front-proxy-client")}`,
    `--proxy-client-key-file=${pki.key("front-proxy-client")}`,
    "--enable-aggregator-routing=true",
    "--profiling=false",
    // Close watches actively on SIGTERM. Without it the HTTP server waits for every open
    // watch and `systemctl stop` took 60 s (measured), which made each step of a rolling
    // restart a minute long; with it, 1.2 s.
    "--shutdown-watch-termination-grace-period=10s",
  ];
  if (s.apiserver.encryptionAtRest) flags.push(`--encryption-provider-config=${ENCRYPTION_CONFIG}`);
  if (s.apiserver.auditLogging) {
    flags.push(
      `--audit-policy-file=${AUDIT_POLICY}`,
      `--audit-log-path=${AUDIT_LOG}`,
      `--audit-log-maxage=${s.audit.maxAgeDays}`,
      `--audit-log-maxbackup=${s.audit.maxBackups}`,
      `--audit-log-maxsize=${s.audit.maxSizeMiB}`,
    );
  }
  return flags;
}

export function apiServerUnit(s: ControlPlaneSpec, m: MasterIdentity): string {
  return renderUnit({
    description: `Kubernetes API server ${s.kubernetesVersion} (${s.clusterName}, zone ${m.zone})`,
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/",
    after: ["network-online.target", "etcd.service"],
    wants: ["network-online.target"],
    exec: [`${BIN_DIR}/kube-apiserver`, ...apiServerFlags(s, m)],
  });
}
