// Where things live on a worker node (kubeadm's layout where one exists, so
// operators find them; Keelson's own files under /etc/keelson).
export const NODE_PKI_DIR = "/var/lib/kubelet/pki";
export const NODE_CA = "/etc/kubernetes/pki/ca.crt";
export const KUBELET_CONFIG = "/var/lib/kubelet/config.yaml";
export const KUBE_PROXY_CONFIG = "/var/lib/kube-proxy/config.yaml";
export const CONTAINERD_CONFIG = "/etc/containerd/config.toml";
export const CONTAINERD_SOCKET = "/run/containerd/containerd.sock";
export const MASTER_PROXY_CONFIG = "/etc/keelson/master-proxy.cfg";
export const FLANNEL_NET_CONF = "/etc/kube-flannel/net-conf.json";
export const FLANNEL_SUBNET_ENV = "/run/flannel/subnet.env";
export const CNI_CONF_DIR = "/etc/cni/net.d";
export const CNI_BIN_DIR = "/usr/lib/cni"; // Debian's containernetworking-plugins
export const CNI_CONFLIST = `${CNI_CONF_DIR}/10-keelson.conflist`;
export const CNI_RENDER_SCRIPT = "/usr/local/lib/keelson/cni-config.sh";

export const nodeKubeconfig = (who: "kubelet" | "kube-proxy" | "flannel" | "kube-router") => `/etc/kubernetes/${who}.kubeconfig`;
/** Where the kubelet keeps the serving certificate it asked for by CSR (its certDirectory's default; a symlink to the newest). */
export const KUBELET_SERVING_CERT = "/var/lib/kubelet/pki/kubelet-server-current.pem";
export const kubeletCert = `${NODE_PKI_DIR}/kubelet.crt`;
export const kubeletKey = `${NODE_PKI_DIR}/kubelet.key`;
