// A control plane spec the control-plane unit tests share.
import { DEFAULTS, type ControlPlaneSpec } from "../../../components/control/render/spec";

export const spec: ControlPlaneSpec = {
  clusterName: "mycluster",
  kubernetesVersion: "v1.36.3",
  serviceSubnet: "172.21.0.0/16",
  podSubnet: "172.30.0.0/16",
  nodeCidrMaskSize: 24,
  clusterDomain: "cluster.local",
  apiServerPort: 6443,
  masters: [
    { name: "mycluster-master-dal10", zone: "dal10", privateIp: "10.10.0.11" },
    { name: "mycluster-master-dal12", zone: "dal12", privateIp: "10.12.0.11" },
    { name: "mycluster-master-dal13", zone: "dal13", privateIp: "10.13.0.11" },
  ],
  endpoints: { private: { host: "10.10.0.11", port: 6443 } },
  publicAllowlist: [],
  apiserver: { encryptionAtRest: true, auditLogging: true, anonymousAuth: false },
  audit: DEFAULTS.audit,
  kubeletServingNodes: [
    { name: "mycluster-w1-dal10", ips: ["10.10.0.21", "169.45.0.21"] },
    { name: "mycluster-w1-dal12", ips: ["10.12.0.21"] },
  ],
};
