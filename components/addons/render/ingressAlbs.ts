// The Ingress ALBs: per zone and network, as the spec's `albs` says, a Traefik
// with its Ingress NGINX provider (standard Ingresses, NGINX annotations, as
// IKS's community-NGINX ALBs read them), two replicas on that zone's nodes,
// behind a LoadBalancer Service pinned to the zone's ALB portable IP. The
// IngressClasses have IKS's names, so IKS manifests work unchanged. Pure.
import type { PlannedAlb } from "../../model/plan";
import type { NetworkKind } from "../../types";
import { IPS_ANNOTATION, POOL_ANNOTATION, ZONE_LABEL, poolName } from "./metallb";
import type { K8sObject } from "./objects";
import { ADDRESS_WAIT_SECONDS } from "./loadBalancers";

export const ALB_NAMESPACE = "kube-system";
const ACCOUNT = "keelson-alb";

/** IKS's IngressClass names; public is the cluster's default class. */
export function ingressClassName(network: NetworkKind): string {
  return `${network}-iks-k8s-nginx`;
}

/**
 * Each class gets a controller value of its own: Traefik's provider picks every
 * class whose controller it is told, so a shared value (k8s.io/ingress-nginx)
 * would make public ALBs serve private Ingresses too.
 */
export function controllerName(network: NetworkKind): string {
  return `keelson.io/${ingressClassName(network)}`;
}

/** Container ports: above 1024, so Traefik runs as a user without capabilities. */
export const ALB_PORTS = { http: 8000, https: 8443, ping: 9000 };

export interface AlbSpec {
  image: string;
  /** Every ALB of the plan; only enabled ones (with an IP) are deployed. */
  albs: PlannedAlb[];
  /** Upstream's RBAC for the Ingress NGINX provider (docs/.../kubernetes-ingress-nginx-rbac.yml), parsed. */
  rbac: K8sObject[];
}

const deployed = (albs: PlannedAlb[]) => albs.filter((a) => a.enabled && a.ip);

export function ingressClasses(albs: PlannedAlb[]): K8sObject[] {
  return (["public", "private"] as const)
    .filter((n) => albs.some((a) => a.network === n))
    .map((n) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: ingressClassName(n), ...(n === "public" ? { annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } } : {}) },
      spec: { controller: controllerName(n) },
    }));
}

/** Upstream's ClusterRole and binding, bound to the ALBs' service account. */
function rbacObjects(rbac: K8sObject[]): K8sObject[] {
  const role = rbac.find((o) => o.kind === "ClusterRole");
  const binding = rbac.find((o) => o.kind === "ClusterRoleBinding");
  if (!role || !binding) throw new Error("traefik RBAC manifest: expected a ClusterRole and a ClusterRoleBinding");
  const name = `${ACCOUNT}:ingress-nginx-provider`;
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: ACCOUNT, namespace: ALB_NAMESPACE } },
    { ...structuredClone(role), metadata: { name } },
    {
      ...structuredClone(binding),
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name: ACCOUNT, namespace: ALB_NAMESPACE }],
    },
  ];
}

function albObjects(s: AlbSpec, alb: PlannedAlb): K8sObject[] {
  const labels = { app: "keelson-alb", "keelson.io/alb": alb.name };
  // Every Ingress of the class lists every ALB of its network: the same status from each, no flapping.
  const statusAddresses = deployed(s.albs)
    .filter((a) => a.network === alb.network)
    .map((a) => a.ip!)
    .join(",");
  const p = "--providers.kubernetesingressnginx";
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: alb.name, namespace: ALB_NAMESPACE, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: ACCOUNT,
            affinity: {
              // In its zone only, as an IKS ALB; the two replicas on different nodes where the zone has several.
              nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: "In", values: [alb.zone] }] }] } },
              podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: labels } } }] },
            },
            securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true },
            containers: [
              {
                name: "traefik",
                image: s.image,
                imagePullPolicy: "IfNotPresent",
                args: [
                  `--entryPoints.web.address=:${ALB_PORTS.http}`,
                  "--entryPoints.web.asDefault=true",
                  `--entryPoints.websecure.address=:${ALB_PORTS.https}`,
                  "--entryPoints.websecure.asDefault=true",
                  `--entryPoints.traefik.address=:${ALB_PORTS.ping}`,
                  "--ping=true",
                  `${p}=true`,
                  `${p}.ingressclass=${ingressClassName(alb.network)}`,
                  `${p}.controllerclass=${controllerName(alb.network)}`,
                  `${p}.publishStatusAddress=${statusAddresses}`,
                  "--accesslog=true",
                  "--log.level=INFO",
                ],
                ports: [
                  { name: "http", containerPort: ALB_PORTS.http },
                  { name: "https", containerPort: ALB_PORTS.https },
                  { name: "ping", containerPort: ALB_PORTS.ping },
                ],
                readinessProbe: { httpGet: { path: "/ping", port: ALB_PORTS.ping }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: "/ping", port: ALB_PORTS.ping }, periodSeconds: 10, failureThreshold: 3 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                resources: { requests: { cpu: "50m", memory: "64Mi" } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: alb.name,
        namespace: ALB_NAMESPACE,
        labels,
        annotations: {
          [POOL_ANNOTATION]: poolName(alb.network, alb.zone, true),
          [IPS_ANNOTATION]: alb.ip!,
          "pulumi.com/waitFor": `jsonpath={.status.loadBalancer.ingress[0].ip}=${alb.ip}`,
          "pulumi.com/timeoutSeconds": String(ADDRESS_WAIT_SECONDS),
        },
      },
      spec: {
        type: "LoadBalancer",
        selector: labels,
        ports: [
          { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
          { name: "https", port: 443, targetPort: "https", protocol: "TCP" },
        ],
      },
    },
  ];
}

/** Classes and RBAC always (an Ingress of a disabled ALB's class waits for it); a Deployment and a Service per enabled ALB. */
export function ingressAlbObjects(s: AlbSpec): K8sObject[] {
  if (s.albs.length === 0) return [];
  return [...ingressClasses(s.albs), ...rbacObjects(s.rbac), ...deployed(s.albs).flatMap((a) => albObjects(s, a))];
}
