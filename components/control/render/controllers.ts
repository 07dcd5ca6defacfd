// kube-controller-manager and kube-scheduler: one active replica per cluster,
// chosen by leader election; each talks to the apiserver on its own master.
import { BIN_DIR } from "../../bootstrap/host/paths";
import { renderUnit } from "../../bootstrap/host/systemd";
import { kubeconfigPath, pki } from "./paths";
import type { ControlPlaneSpec } from "./spec";

export function controllerManagerFlags(s: ControlPlaneSpec): string[] {
  const kc = kubeconfigPath("controller-manager");
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    "--bind-address=127.0.0.1",
    "--leader-elect=true",
    `--cluster-name=${s.clusterName}`,
    // Node pod CIDRs are carved out of the pod subnet; Calico's IPAM uses the same range.
    "--allocate-node-cidrs=true",
    `--cluster-cidr=${s.podSubnet}`,
    `--node-cidr-mask-size=${s.nodeCidrMaskSize}`,
    `--service-cluster-ip-range=${s.serviceSubnet}`,
    // Signs kubelet CSRs (TLS bootstrap, serving certs) with the cluster CA.
    `--cluster-signing-cert-file=${pki.ca}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    `--root-ca-file=${pki.ca}`,
    `--requestheader-client-ca-file=${pki.frontProxyCa}`,
    `--service-account-private-key-file=${pki.saKey}`,
    "--use-service-account-credentials=true",
    "--controllers=*,bootstrapsigner,tokencleaner",
    "--profiling=false",
  ];
}

export function schedulerFlags(): string[] {
  const kc = kubeconfigPath("scheduler");
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
    "--bind-address=127.0.0.1",
    "--leader-elect=true",
    "--profiling=false",
  ];
}

export function controllerManagerUnit(s: ControlPlaneSpec): string {
  return renderUnit({
    description: `Kubernetes controller manager ${s.kubernetesVersion} (${s.clusterName})`,
    after: ["kube-apiserver.service"],
    exec: [`${BIN_DIR}/kube-controller-manager`, ...controllerManagerFlags(s)],
  });
}

export function schedulerUnit(s: ControlPlaneSpec): string {
  return renderUnit({
    description: `Kubernetes scheduler ${s.kubernetesVersion} (${s.clusterName})`,
    after: ["kube-apiserver.service"],
    exec: [`${BIN_DIR}/kube-scheduler`, ...schedulerFlags()],
  });
}
