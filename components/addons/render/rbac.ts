// RBAC the cluster needs from the start, as Kubernetes objects (pure):
//  - the apiserver's kubelet client may use the kubelet API (logs, exec, port-forward);
//  - the node agents Keelson runs: flannel may read nodes and write their own annotations;
//    kube-router's policy controller may read what policies select (kube-router's own
//    daemonset/generic-kuberouter.yaml, less the leases only its BGP and LB parts use).
import { FLANNEL_USER } from "../../workers/render/podNetwork";
import { KUBE_ROUTER_USER } from "../../workers/render/networkPolicy";
import { KUBELET_CLIENT_USER } from "../../pki/profiles";
import { APPROVER_LEASE, APPROVER_USER } from "../../control/render/kubeletServingApprover";
import type { K8sObject } from "./objects";

const RBAC = "rbac.authorization.k8s.io/v1";

function userBinding(name: string, role: string, user: string): K8sObject {
  return {
    apiVersion: RBAC,
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
  };
}

/**
 * `kubectl logs/exec` go from the apiserver to kubelets with this identity; and
 * kubelets renew their own client certificates: the controller manager's CSR
 * approver approves a node's CSR for its own name when the node may create
 * `certificatesigningrequests/selfnodeclient` (kubeadm's
 * kubeadm:node-autoapprove-certificate-rotation, the same binding).
 */
export function controlPlaneRbacObjects(): K8sObject[] {
  return [
    userBinding("keelson:kube-apiserver-kubelet-client", "system:kubelet-api-admin", KUBELET_CLIENT_USER),
    {
      apiVersion: RBAC,
      kind: "ClusterRoleBinding",
      metadata: { name: "keelson:node-autoapprove-certificate-rotation" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:nodes" }],
    },
    ...kubeletServingApproverRbac(),
  ];
}

/**
 * Keelson's approver of kubelet serving CSRs: it reads CSRs, may approve (or deny)
 * for the kubelet-serving signer only, and holds its leader lease in kube-system.
 */
function kubeletServingApproverRbac(): K8sObject[] {
  const name = "keelson:kubelet-serving-approver";
  return [
    {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: { name },
      rules: [
        { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/approval"], verbs: ["update"] },
        { apiGroups: ["certificates.k8s.io"], resources: ["signers"], resourceNames: ["kubernetes.io/kubelet-serving"], verbs: ["approve"] },
      ],
    },
    userBinding(name, name, APPROVER_USER),
    {
      apiVersion: RBAC,
      kind: "Role",
      metadata: { name, namespace: "kube-system" },
      rules: [
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [APPROVER_LEASE], verbs: ["get", "update"] },
      ],
    },
    {
      apiVersion: RBAC,
      kind: "RoleBinding",
      metadata: { name, namespace: "kube-system" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: APPROVER_USER }],
    },
  ];
}

export function nodeAgentsRbacObjects(): K8sObject[] {
  return [
    {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: { name: "keelson:flannel" },
      // What flannel's kube subnet manager reads and writes: node pod CIDRs and its own annotations.
      rules: [
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
      ],
    },
    userBinding("keelson:flannel", "keelson:flannel", FLANNEL_USER),
    {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: { name: "keelson:kube-router" },
      rules: [
        { apiGroups: [""], resources: ["namespaces", "pods", "services", "nodes", "endpoints"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
      ],
    },
    userBinding("keelson:kube-router", "keelson:kube-router", KUBE_ROUTER_USER),
  ];
}
