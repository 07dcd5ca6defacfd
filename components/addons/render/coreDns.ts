// CoreDNS, the cluster's DNS add-on, as Kubernetes objects (pure: no Pulumi):
// components/addons/coreDns.ts makes each one a @pulumi/kubernetes resource.
import { dnsServiceIp, type NodeClusterSpec } from "../../workers/render/spec";
import type { K8sObject } from "./objects";

/** What CoreDNS needs to know of the cluster. */
export type CoreDnsSpec = Pick<NodeClusterSpec, "clusterDomain" | "serviceSubnet" | "upstreamDns"> & { images: Pick<NodeClusterSpec["images"], "coredns"> };

export interface CoreDnsOptions {
  /** One per zone: the Deployment spreads them across zones (topology.kubernetes.io/zone). */
  replicas: number;
}

export function corefile(s: CoreDnsSpec): string {
  const forward = s.upstreamDns.length > 0 ? [`    forward . ${s.upstreamDns.join(" ")} {`, "      max_concurrent 1000", "    }"] : [];
  return [
    ".:53 {",
    "    errors",
    "    health {",
    "      lameduck 5s",
    "    }",
    "    ready",
    `    kubernetes ${s.clusterDomain} in-addr.arpa ip6.arpa {`,
    "      pods insecure",
    "      fallthrough in-addr.arpa ip6.arpa",
    "      ttl 30",
    "    }",
    "    prometheus :9153",
    ...forward,
    "    cache 30",
    "    loop",
    "    reload",
    "    loadbalance",
    "}",
    "",
  ].join("\n");
}

export function coreDnsObjects(s: CoreDnsSpec, o: CoreDnsOptions): K8sObject[] {
  const labels = { "k8s-app": "kube-dns" };
  const ns = "kube-system";
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "coredns", namespace: ns } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "system:coredns" },
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "system:coredns" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
      subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: ns }],
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "coredns", namespace: ns }, data: { Corefile: corefile(s) } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "coredns", namespace: ns, labels },
      spec: {
        replicas: o.replicas,
        selector: { matchLabels: labels },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: "coredns",
            priorityClassName: "system-cluster-critical",
            dnsPolicy: "Default",
            tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
            nodeSelector: { "kubernetes.io/os": "linux" },
            // One replica per zone: losing a zone leaves DNS answering.
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
              { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
            ],
            containers: [
              {
                name: "coredns",
                image: s.images.coredns,
                // From the node's image bundle: there is no registry to pull from.
                imagePullPolicy: "IfNotPresent",
                args: ["-conf", "/etc/coredns/Corefile"],
                resources: { limits: { memory: "170Mi" }, requests: { cpu: "50m", memory: "70Mi" } },
                volumeMounts: [{ name: "config-volume", mountPath: "/etc/coredns", readOnly: true }],
                ports: [
                  { containerPort: 53, name: "dns", protocol: "UDP" },
                  { containerPort: 53, name: "dns-tcp", protocol: "TCP" },
                  { containerPort: 9153, name: "metrics", protocol: "TCP" },
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                },
                livenessProbe: { httpGet: { path: "/health", port: 8080 }, initialDelaySeconds: 10, timeoutSeconds: 5, failureThreshold: 5 },
                readinessProbe: { httpGet: { path: "/ready", port: 8181 } },
              },
            ],
            volumes: [{ name: "config-volume", configMap: { name: "coredns", items: [{ key: "Corefile", path: "Corefile" }] } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", namespace: ns, labels: { ...labels, "kubernetes.io/name": "CoreDNS" } },
      spec: {
        selector: labels,
        clusterIP: dnsServiceIp(s.serviceSubnet),
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
          { name: "metrics", port: 9153, protocol: "TCP" },
        ],
      },
    },
  ];
}
