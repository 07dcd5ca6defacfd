// MetalLB, the cluster's LoadBalancer implementation, rendered from upstream's
// own manifest (config/manifests/metallb-native.yaml of the pinned module,
// shipped in the image bundle) plus what the plan says: one address pool per
// zone and network, announced in L2 mode by that zone's nodes only. Pure.
//
// IKS mapping (docs/services.md): an NLB 1.0 is a portable IP of one zone that
// keepalived floats between that zone's workers; here MetalLB's speakers elect
// one node per IP (memberlist notices a dead node; the workers-lab test crashes
// one and sees the IP answer from another node of its zone, docs/services.md)
// and answer ARP for it on the VLAN that routes the portable subnet.
import type { PlannedPortableSubnet } from "../../model/plan";
import type { NetworkKind } from "../../types";
import type { K8sObject } from "./objects";

export const METALLB_NAMESPACE = "metallb-system";

/** The speakers' memberlist port (METALLB_ML_BIND_PORT in upstream's manifest): speakers of a zone talk on it over the private network. */
export const MEMBERLIST_PORT = 7946;

/** MetalLB's annotations on a Service: which pool, which address. */
export const POOL_ANNOTATION = "metallb.io/address-pool";
export const IPS_ANNOTATION = "metallb.io/loadBalancerIPs";

/** IKS's annotations (users' manifests carry them): the zone and public/private of an NLB. */
export const IKS_ZONE_ANNOTATION = "service.kubernetes.io/ibm-load-balancer-cloud-provider-zone";
export const IKS_IP_TYPE_ANNOTATION = "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type";

export const ZONE_LABEL = "topology.kubernetes.io/zone";

export interface AddressPool {
  name: string;
  zone: string;
  network: NetworkKind;
  /** /32s: every address is listed, so a reserved one can never be handed out. */
  addresses: string[];
  /** Services without a pool annotation get an address from these. */
  autoAssign: boolean;
  /** Only the zone's ALB Services use it. */
  alb: boolean;
}

export interface MetallbSpec {
  images: { controller: string; speaker: string };
  pools: AddressPool[];
  /** Where a Service with the IKS annotations but no zone goes, per network. */
  defaultZones: Partial<Record<NetworkKind, string>>;
}

/** The pool a zone's LoadBalancers (or its ALB) draw from. */
export function poolName(network: NetworkKind, zone: string, alb = false): string {
  return `${network}-${zone}${alb ? "-alb" : ""}`;
}

/**
 * The pools of a plan: per zone and network, the LoadBalancer addresses of every
 * portable subnet (default /29 and user subnets), and the ALB's address apart.
 * Services with no annotation get a public address (a private one on a cluster
 * without public VLANs), as an IKS NLB does.
 */
export function addressPools(portable: PlannedPortableSubnet[], zones: string[]): AddressPool[] {
  const hasPublic = portable.some((p) => p.network === "public");
  const pools: AddressPool[] = [];
  for (const zone of zones) {
    for (const network of ["public", "private"] as const) {
      const mine = portable.filter((p) => p.zone === zone && p.network === network);
      if (mine.length === 0) continue;
      const lbs = mine.flatMap((p) => p.loadBalancers);
      const albs = mine.flatMap((p) => (p.alb ? [p.alb] : []));
      const autoAssign = network === (hasPublic ? "public" : "private");
      if (lbs.length > 0) pools.push({ name: poolName(network, zone), zone, network, addresses: lbs, autoAssign, alb: false });
      if (albs.length > 0) pools.push({ name: poolName(network, zone, true), zone, network, addresses: albs, autoAssign: false, alb: true });
    }
  }
  return pools;
}

/** Where a Service with IKS annotations but no zone goes: the first zone with a pool of that network. */
export function defaultZones(pools: AddressPool[]): MetallbSpec["defaultZones"] {
  const out: MetallbSpec["defaultZones"] = {};
  for (const p of pools) if (!p.alb && out[p.network] === undefined) out[p.network] = p.zone;
  return out;
}

/** Upstream objects that serve the validating webhooks: left out until masters reach pods (see upstreamObjects). */
const WEBHOOK_OBJECTS = new Set(["ValidatingWebhookConfiguration/metallb-webhook-configuration", "Service/metallb-webhook-service", "Secret/metallb-webhook-cert"]);

type Json = Record<string, any>;

function containerOf(o: K8sObject, name: string): Json {
  const c = (o as Json).spec?.template?.spec?.containers?.find((x: Json) => x.name === name);
  if (!c) throw new Error(`metallb manifest: ${o.kind} ${o.metadata.name} has no container ${name}`);
  return c;
}

/**
 * Upstream's objects, changed only where Keelson must:
 *  - images: the bundle's, built from the same module version;
 *  - webhooks off (`--webhook-mode=disabled`, the webhook Service, Secret and
 *    configuration left out, the bgppeers CRD without its conversion webhook):
 *    the apiserver runs on masters, which do not reach the pod network yet, so
 *    a webhook served by a pod would fail every create. The controller still
 *    validates the configuration it loads, and Keelson writes only pools and
 *    L2 advertisements (no BGP objects, so nothing to convert);
 *  - the speaker tolerates every taint: a tainted pool (an edge pool, say)
 *    may still be where a zone's addresses must be announced.
 */
export function upstreamObjects(manifest: K8sObject[], images: MetallbSpec["images"]): K8sObject[] {
  const out: K8sObject[] = [];
  for (const original of manifest) {
    if (WEBHOOK_OBJECTS.has(`${original.kind}/${original.metadata.name}`)) continue;
    const o = structuredClone(original) as K8sObject & Json;
    if (o.kind === "CustomResourceDefinition" && o.spec?.conversion?.strategy === "Webhook") {
      o.spec.conversion = { strategy: "None" };
    }
    if (o.kind === "Deployment" && o.metadata.name === "controller") {
      const c = containerOf(o, "controller");
      c.image = images.controller;
      c.args = [...(c.args ?? []), "--webhook-mode=disabled"];
      c.ports = (c.ports ?? []).filter((p: Json) => p.name !== "webhook-server");
      c.volumeMounts = (c.volumeMounts ?? []).filter((m: Json) => m.name !== "cert");
      if (c.volumeMounts.length === 0) delete c.volumeMounts;
      const pod = o.spec.template.spec;
      pod.volumes = (pod.volumes ?? []).filter((v: Json) => v.name !== "cert");
      if (pod.volumes.length === 0) delete pod.volumes;
    }
    if (o.kind === "DaemonSet" && o.metadata.name === "speaker") {
      containerOf(o, "speaker").image = images.speaker;
      o.spec.template.spec.tolerations = [{ operator: "Exists" }];
    }
    delete (o.metadata as Json).creationTimestamp;
    out.push(o);
  }
  for (const must of ["Deployment/controller", "DaemonSet/speaker", "CustomResourceDefinition/ipaddresspools.metallb.io", "CustomResourceDefinition/l2advertisements.metallb.io"]) {
    if (!out.some((o) => `${o.kind}/${o.metadata.name}` === must)) throw new Error(`metallb manifest: no ${must}`);
  }
  return out;
}

/** The plan's pools, and an L2 advertisement per pool that only its zone's nodes make. */
export function poolObjects(s: MetallbSpec): K8sObject[] {
  return s.pools.flatMap((p): K8sObject[] => [
    {
      apiVersion: "metallb.io/v1beta1",
      kind: "IPAddressPool",
      metadata: { name: p.name, namespace: METALLB_NAMESPACE, labels: { "keelson.io/zone": p.zone, "keelson.io/network": p.network } },
      spec: { addresses: p.addresses.map((ip) => `${ip}/32`), autoAssign: p.autoAssign, avoidBuggyIPs: false },
    },
    {
      apiVersion: "metallb.io/v1beta1",
      kind: "L2Advertisement",
      metadata: { name: p.name, namespace: METALLB_NAMESPACE },
      spec: { ipAddressPools: [p.name], nodeSelectors: [{ matchLabels: { [ZONE_LABEL]: p.zone } }] },
    },
  ]);
}

/**
 * IKS manifests choose an NLB's zone and network with annotations MetalLB does
 * not read. A MutatingAdmissionPolicy (GA in Kubernetes 1.36, run by the
 * apiserver itself, no webhook) turns them into MetalLB's pool annotation, and
 * a ValidatingAdmissionPolicy refuses a zone or network the cluster has no
 * pool for, naming the annotation, instead of leaving the Service pending.
 */
export function iksAnnotationPolicies(s: MetallbSpec): K8sObject[] {
  const lbPools = s.pools.filter((p) => !p.alb);
  const known = lbPools.map((p) => `'${p.name}'`).join(", ");
  const a = "object.metadata.annotations";
  const has = (k: string) => `(has(object.metadata.annotations) && '${k}' in ${a})`;
  const network = `(${has(IKS_IP_TYPE_ANNOTATION)} ? ${a}['${IKS_IP_TYPE_ANNOTATION}'] : 'public')`;
  const defaultZone = `(variables.network == 'private' ? '${s.defaultZones.private ?? ""}' : '${s.defaultZones.public ?? ""}')`;
  const zone = `(${has(IKS_ZONE_ANNOTATION)} ? ${a}['${IKS_ZONE_ANNOTATION}'] : ${defaultZone})`;
  const match = {
    resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["services"] }],
  };
  const iks = [
    { name: "load-balancer", expression: "object.spec.type == 'LoadBalancer'" },
    { name: "iks-annotated", expression: `${has(IKS_ZONE_ANNOTATION)} || ${has(IKS_IP_TYPE_ANNOTATION)}` },
  ];
  // A pool the user chose wins; validation (after mutation) checks the IKS annotations either way.
  const unchosen = [...iks, { name: "no-pool-chosen", expression: `!${has(POOL_ANNOTATION)}` }];
  const variables = [
    { name: "network", expression: network },
    { name: "pool", expression: `variables.network + '-' + ${zone}` },
  ];
  const name = "keelson-iks-load-balancer-zone";
  return [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: match,
        matchConditions: iks,
        variables,
        validations: [
          {
            expression: `variables.network in ['public', 'private']`,
            messageExpression: `'${IKS_IP_TYPE_ANNOTATION} must be public or private, not ' + variables.network`,
            reason: "Invalid",
          },
          {
            expression: `variables.pool in [${known}]`,
            messageExpression: `'this cluster has no ' + variables.network + ' portable addresses in zone ' + variables.pool.substring(variables.network.size() + 1) + ' (${IKS_ZONE_ANNOTATION}); its LoadBalancer pools are ${lbPools.map((p) => p.name).join(", ")}'`,
            reason: "Invalid",
          },
        ],
      },
    },
    { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name }, spec: { policyName: name, validationActions: ["Deny"] } },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingAdmissionPolicy",
      metadata: { name },
      spec: {
        failurePolicy: "Fail",
        reinvocationPolicy: "Never",
        matchConstraints: match,
        matchConditions: unchosen,
        variables,
        mutations: [
          {
            patchType: "ApplyConfiguration",
            applyConfiguration: { expression: `Object{metadata: Object.metadata{annotations: {'${POOL_ANNOTATION}': variables.pool}}}` },
          },
        ],
      },
    },
    { apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingAdmissionPolicyBinding", metadata: { name }, spec: { policyName: name } },
  ];
}
