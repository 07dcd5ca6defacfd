// Upstream manifests cut down to what Keelson's renderers touch, for unit tests
// that must not depend on the image bundle being built.

// The shape of upstream's metallb-native.yaml, cut down to what the renderer touches.
export const METALLB_MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: metallb-system}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ipaddresspools.metallb.io}
spec: {group: metallb.io}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: l2advertisements.metallb.io}
spec: {group: metallb.io}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: bgppeers.metallb.io}
spec:
  conversion:
    strategy: Webhook
    webhook: {clientConfig: {service: {name: metallb-webhook-service, namespace: metallb-system}}}
---
apiVersion: v1
kind: Secret
metadata: {name: metallb-webhook-cert, namespace: metallb-system}
---
apiVersion: v1
kind: Service
metadata: {name: metallb-webhook-service, namespace: metallb-system}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: controller, namespace: metallb-system}
spec:
  template:
    spec:
      containers:
      - name: controller
        image: quay.io/metallb/controller:v0.15.3
        args: [--port=7472]
        ports: [{containerPort: 7472, name: monitoring}, {containerPort: 9443, name: webhook-server}]
        volumeMounts: [{mountPath: /tmp/k8s-webhook-server/serving-certs, name: cert}]
      volumes: [{name: cert, secret: {secretName: metallb-webhook-cert}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: speaker, namespace: metallb-system}
spec:
  template:
    spec:
      containers:
      - {name: speaker, image: quay.io/metallb/speaker:v0.15.3}
      tolerations: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule, operator: Exists}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: metallb-webhook-configuration, creationTimestamp: null}
`;

/** The shape of Traefik's docs/content/reference/dynamic-configuration/kubernetes-ingress-nginx-rbac.yml. */
export const TRAEFIK_RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: traefik-ingress-nginx-controller}
rules: [{apiGroups: [networking.k8s.io], resources: [ingresses], verbs: [list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: traefik-ingress-nginx-controller}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: traefik-ingress-nginx-controller}
subjects: [{kind: ServiceAccount, name: traefik-ingress-nginx-controller, namespace: default}]
`;
