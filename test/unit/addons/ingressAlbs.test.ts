// The Ingress ALBs as data: IKS's class names, one Traefik Deployment of two
// replicas per enabled ALB in its zone, behind a Service pinned to the ALB's
// portable IP; a disabled ALB has none.
import { ALB_PORTS, controllerName, ingressAlbObjects, ingressClassName } from "../../../components/addons/render/ingressAlbs";
import { parseManifest } from "../../../components/addons/render/objects";
import { TRAEFIK_RBAC } from "./manifests";
import { planCluster } from "../../../components/model/plan";
import { loadExample } from "../model/load";

const RBAC = parseManifest(TRAEFIK_RBAC, "rbac");

describe("Ingress ALBs", () => {
  const plan = planCluster(loadExample("lab")); // public ALBs enabled, private disabled
  const objs = ingressAlbObjects({ image: "docker.io/library/traefik:v3.6.19", albs: plan.albs, rbac: RBAC }) as any[];
  const of = (kind: string) => objs.filter((o) => o.kind === kind);

  test("IKS's IngressClasses, public the default, each with a controller value of its own", () => {
    const classes = of("IngressClass");
    expect(classes.map((c) => c.metadata.name).sort()).toEqual(["private-iks-k8s-nginx", "public-iks-k8s-nginx"]);
    const pub = classes.find((c) => c.metadata.name === "public-iks-k8s-nginx");
    expect(pub.metadata.annotations["ingressclass.kubernetes.io/is-default-class"]).toBe("true");
    expect(new Set(classes.map((c) => c.spec.controller)).size).toBe(2);
    expect(controllerName("private")).toBe("keelson.io/private-iks-k8s-nginx");
  });

  test("one Deployment and one Service per enabled ALB, none for disabled ones", () => {
    const enabled = plan.albs.filter((a) => a.enabled);
    expect(enabled.length).toBe(3);
    expect(enabled.every((a) => a.network === "public")).toBe(true);
    expect(of("Deployment").map((d) => d.metadata.name).sort()).toEqual(enabled.map((a) => a.name).sort());
    expect(of("Service").map((d) => d.metadata.name).sort()).toEqual(enabled.map((a) => a.name).sort());
  });

  test("two replicas in the ALB's zone, apart where they can be, serving only its network's class", () => {
    for (const alb of plan.albs.filter((a) => a.enabled)) {
      const d = of("Deployment").find((x) => x.metadata.name === alb.name);
      expect(d.spec.replicas).toBe(2);
      const term = d.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0];
      expect(term).toEqual({ key: "topology.kubernetes.io/zone", operator: "In", values: [alb.zone] });
      const args: string[] = d.spec.template.spec.containers[0].args;
      expect(args).toContain(`--providers.kubernetesingressnginx.ingressclass=${ingressClassName(alb.network)}`);
      expect(args).toContain(`--providers.kubernetesingressnginx.controllerclass=${controllerName(alb.network)}`);
      // Every Ingress of the class reports every public ALB's address.
      const status = args.find((a) => a.includes("publishStatusAddress"))!.split("=")[1].split(",");
      expect(status.sort()).toEqual(plan.albs.filter((a) => a.enabled).map((a) => a.ip!).sort());
    }
  });

  test("each Service is pinned to its ALB's portable IP, in the zone's ALB pool", () => {
    for (const alb of plan.albs.filter((a) => a.enabled)) {
      const s = of("Service").find((x) => x.metadata.name === alb.name);
      expect(s.spec.type).toBe("LoadBalancer");
      expect(s.metadata.annotations["metallb.io/loadBalancerIPs"]).toBe(alb.ip);
      expect(s.metadata.annotations["metallb.io/address-pool"]).toBe(`${alb.network}-${alb.zone}-alb`);
      expect(s.spec.ports.map((p: any) => `${p.port}->${p.targetPort}`)).toEqual(["80->http", "443->https"]);
    }
    const d = of("Deployment")[0].spec.template.spec.containers[0];
    expect(d.ports.map((p: any) => p.containerPort)).toEqual([ALB_PORTS.http, ALB_PORTS.https, ALB_PORTS.ping]);
  });

  test("upstream's RBAC, bound to the ALBs' own service account", () => {
    const binding = of("ClusterRoleBinding")[0];
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "keelson-alb", namespace: "kube-system" }]);
    expect(binding.roleRef.name).toBe(of("ClusterRole")[0].metadata.name);
    expect(of("ClusterRole")[0].rules).toEqual(RBAC[0].rules);
  });

  test("no ALBs planned (VPC), no objects", () => {
    expect(ingressAlbObjects({ image: "x/y:1", albs: [], rbac: RBAC })).toEqual([]);
  });
});
