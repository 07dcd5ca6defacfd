// Every rule passes on the good lab cluster and fails, with its message, on a
// cluster that breaks it. The fixture is the one the engine test previews.
import { TOKENS } from "../../components/types";
import { DEFAULTS, flavorCatalogue } from "../rules/config";
import { mastersReplicas, mastersZoneSpread } from "../rules/masters";
import { baremetalDedicated, workerFlavorKnown, workersPerZone } from "../rules/workers";
import { noOverlappingCidrs, portableSubnetCapacity, privateOnlyNoPublic } from "../rules/networking";
import {
  anonymousAuthDisabled,
  auditLogging,
  encryptionAtRest,
  privateLoadBalancerPreDnat,
  publicEndpointAllowlist,
} from "../rules/security";
import { isSupported, kubernetesVersionSupported, workersNotNewerThanMasters } from "../rules/versions";
import type { ClusterView, Violation } from "../rules/model";
import { good, labWith, viewOf } from "./helpers";

const catalogue = flavorCatalogue();
const messages = (vs: Violation[]) => vs.map((v) => v.message);
const urnTail = (v: Violation) => v.urn?.split("::").pop();

describe("the good lab cluster passes every rule", () => {
  const view = viewOf(good());
  test.each<[string, (v: ClusterView) => Violation[]]>([
    ["masters-replicas", (v) => mastersReplicas(v, DEFAULTS.masters)],
    ["masters-zone-spread", mastersZoneSpread],
    ["workers-per-zone", (v) => workersPerZone(v, DEFAULTS.workersPerZone)],
    ["worker-flavor-known", (v) => workerFlavorKnown(v, DEFAULTS.flavors, catalogue)],
    ["baremetal-dedicated", baremetalDedicated],
    ["portable-subnet-capacity", portableSubnetCapacity],
    ["no-overlapping-cidrs", noOverlappingCidrs],
    ["private-only-no-public", privateOnlyNoPublic],
    ["public-endpoint-allowlist", (v) => publicEndpointAllowlist(v, DEFAULTS.allowlist)],
    ["encryption-at-rest", encryptionAtRest],
    ["audit-logging", auditLogging],
    ["anonymous-auth-disabled", anonymousAuthDisabled],
    ["private-lb-prednat", privateLoadBalancerPreDnat],
    ["kubernetes-version-supported", (v) => kubernetesVersionSupported(v, DEFAULTS.versions)],
    ["workers-not-newer-than-masters", (v) => workersNotNewerThanMasters(v, DEFAULTS.skew)],
  ])("%s", (_name, rule) => {
    expect(messages(rule(view))).toEqual([]);
  });
  test("the view holds what the fixture registered", () => {
    expect(view.cluster?.name).toBe("lab");
    expect([view.masters.length, view.pools.length, view.workers.length, view.vlans.length, view.portables.length, view.albs.length]).toEqual([3, 1, 6, 6, 6, 3]);
  });
});

describe("masters", () => {
  test("two replicas fail masters-replicas", () => {
    const view = labWith((_f, parts) => parts.splice(parts.findIndex((p) => p.name === "lab-master-2"), 1));
    const v = mastersReplicas(view, DEFAULTS.masters);
    expect(messages(v)).toEqual([expect.stringContaining('Cluster "lab" has 2 master replica(s) (lab-master-0, lab-master-1)')]);
    expect(v[0].message).toContain("Fix: set the master replica count to 3");
    expect(urnTail(v[0])).toBe("lab");
  });
  test("the replica count is configurable", () => {
    expect(messages(mastersReplicas(viewOf(good()), { replicas: 5 }))).toEqual([expect.stringContaining("it needs exactly 5")]);
  });
  test("two replicas on one host fail masters-replicas", () => {
    const view = labWith((find) => Object.assign(find("lab-master-1"), { hostName: "lab-master-0" }));
    expect(messages(mastersReplicas(view, DEFAULTS.masters))).toEqual([expect.stringContaining('share host "lab-master-0"')]);
  });
  test("two replicas in one zone of a multizone cluster fail masters-zone-spread", () => {
    const view = labWith((find) => Object.assign(find("lab-master-1"), { zone: "lab1" }));
    const v = mastersZoneSpread(view);
    expect(messages(v)).toEqual([expect.stringMatching(/multizone \(lab1, lab2, lab3\).*lab1: lab-master-0, lab-master-1; lab3: lab-master-2.*one replica in each zone/)]);
  });
  test("a replica outside the cluster's zones fails masters-zone-spread", () => {
    const view = labWith((find) => Object.assign(find("lab-master-2"), { zone: "lab9" }));
    expect(messages(mastersZoneSpread(view))).toContainEqual(expect.stringContaining('MasterReplica "lab-master-2" is in zone "lab9", which is not one of'));
  });
  test("a single-zone cluster may keep all three replicas in its zone", () => {
    const view = labWith((find) => {
      Object.assign(find("lab"), { zones: ["lab1"] });
      for (const m of ["lab-master-0", "lab-master-1", "lab-master-2"]) Object.assign(find(m), { zone: "lab1" });
    });
    expect(mastersZoneSpread(view)).toEqual([]);
  });
  test("masters whose zone is not known yet (preview) are skipped, not guessed", () => {
    const view = labWith((find) => {
      for (const m of ["lab-master-0", "lab-master-1", "lab-master-2"]) delete find(m).zone;
    });
    expect(mastersZoneSpread(view)).toEqual([]);
  });
});

describe("workers", () => {
  test("one worker per zone is flagged by workers-per-zone, and exempt pools are not", () => {
    const view = labWith((find) => Object.assign(find("lab-default"), { sizePerZone: 1 }));
    const v = workersPerZone(view, DEFAULTS.workersPerZone);
    expect(messages(v)).toEqual([expect.stringContaining('WorkerPool "lab-default" has 1 worker(s) per zone in lab1, lab2, lab3')]);
    expect(v[0].message).toContain("Fix: set sizePerZone to 2 or more");
    expect(workersPerZone(view, { minWorkersPerZone: 2, exemptPools: ["default"] })).toEqual([]);
    expect(workersPerZone(view, { minWorkersPerZone: 1, exemptPools: [] })).toEqual([]);
  });
  test("an unknown flavor fails worker-flavor-known unless listed in extraFlavors", () => {
    const view = labWith((find) => Object.assign(find("lab-default"), { flavor: "x9.huge" }));
    expect(messages(workerFlavorKnown(view, DEFAULTS.flavors, catalogue))).toEqual([
      expect.stringContaining('WorkerPool "lab-default" uses flavor "x9.huge", which is not in Keelson\'s flavor catalogue'),
    ]);
    expect(workerFlavorKnown(view, { extraFlavors: ["x9.huge"] }, catalogue)).toEqual([]);
  });
  test("a flavor of the wrong hardware fails worker-flavor-known", () => {
    const view = labWith((find) => Object.assign(find("lab-default-lab1-0"), { flavor: "lab.bm2x2" }));
    expect(messages(workerFlavorKnown(view, DEFAULTS.flavors, catalogue))).toEqual([
      expect.stringContaining('Worker "lab-default-lab1-0" says hardware "virtual" but flavor "lab.bm2x2" is baremetal'),
    ]);
  });
  test("a shared bare-metal pool fails baremetal-dedicated; a dedicated one passes", () => {
    const shared = labWith((find) => Object.assign(find("lab-default"), { flavor: "lab.bm2x2", hardware: "baremetal", isolation: "shared" }));
    expect(messages(baremetalDedicated(shared))).toEqual([expect.stringContaining('is bare metal with isolation "shared"')]);
    const dedicated = labWith((find) => Object.assign(find("lab-default"), { flavor: "lab.bm2x2", hardware: "baremetal", isolation: "dedicated" }));
    expect(baremetalDedicated(dedicated)).toEqual([]);
  });
});

describe("networking", () => {
  test("more LoadBalancers than a /29 holds fail portable-subnet-capacity", () => {
    const view = labWith((find, parts) => {
      Object.assign(find("lab-lab1-public-portable"), { loadBalancerIps: ["10.89.8.3", "10.89.8.4", "10.89.8.5", "10.89.8.6", "10.89.8.7"] });
      for (const i of [4, 5, 6, 7]) parts.push({ token: TOKENS.LoadBalancer, name: `lb-${i}`, parent: "lab", props: { zone: "lab1", network: "public", ip: `10.89.8.${i}` } });
    });
    const v = messages(portableSubnetCapacity(view));
    expect(v).toContainEqual(expect.stringContaining('PortableSubnet "lab-lab1-public-portable" (10.89.8.0/29) has 5 usable addresses but 1 ALB and 5 LoadBalancer addresses'));
    expect(v).toContainEqual(expect.stringMatching(/asks for 6 portable addresses in lab1\/public .* have 5 usable/));
  });
  test("a LoadBalancer in a zone with no portable subnet fails portable-subnet-capacity", () => {
    const view = labWith((_f, parts) => parts.push({ token: TOKENS.LoadBalancer, name: "lb-x", parent: "lab", props: { zone: "lab4", network: "public" } }));
    expect(messages(portableSubnetCapacity(view))).toEqual([expect.stringContaining('asks for 1 portable addresses in lab4/public (LoadBalancer "lb-x") but its portable subnets there (none) have 0 usable')]);
  });
  test("a LoadBalancer address outside its zone's portable subnet fails portable-subnet-capacity", () => {
    const view = labWith((find) => Object.assign(find("lab-echo"), { ip: "10.89.24.3" }));
    expect(messages(portableSubnetCapacity(view))).toEqual([expect.stringContaining('LoadBalancer "lab-echo" has address 10.89.24.3, which is in none of the public portable subnets of zone lab1')]);
  });
  test("a service subnet overlapping a VLAN and a portable subnet fails no-overlapping-cidrs", () => {
    const view = labWith((find) => Object.assign(find("lab"), { serviceSubnet: "10.89.0.0/20" }));
    const v = noOverlappingCidrs(view);
    expect(messages(v)).toEqual([
      expect.stringContaining('the service subnet of Cluster "lab" (10.89.0.0/20) overlaps the primary subnet of Vlan "lab-lab1-public" (10.89.0.0/24)'),
      expect.stringContaining('overlaps PortableSubnet "lab-lab1-public-portable" (10.89.8.0/29)'),
    ]);
    expect(urnTail(v[0])).toBe("lab-lab1-public");
  });
  test("two VLAN records of the same zone and network may share a primary subnet", () => {
    const view = labWith((_f, parts) => parts.push({ token: TOKENS.Vlan, name: "again", parent: "lab", props: { zone: "lab1", network: "private", primaryCidr: "10.88.0.0/24" } }));
    expect(noOverlappingCidrs(view)).toEqual([]);
  });
  test("a private-only cluster with a public ALB, LoadBalancer and worker address fails private-only-no-public", () => {
    const view = labWith((find) => Object.assign(find("lab"), { privateOnly: true }));
    const v = messages(privateOnlyNoPublic(view));
    expect(v).toContainEqual(expect.stringContaining('IngressAlb "lab-lab1-public-alb" is a public ALB but Cluster "lab" is private-only'));
    expect(v).toContainEqual(expect.stringContaining('LoadBalancer "lab-echo" is public but Cluster "lab" is private-only'));
    expect(v).toContainEqual(expect.stringContaining('Worker "lab-default-lab1-0" has public address 10.89.0.20'));
    expect(v).toHaveLength(3 + 1 + 6);
  });
  test("a private-only cluster with disabled public ALBs and private workers passes", () => {
    const view = labWith((find, parts) => {
      Object.assign(find("lab"), { privateOnly: true });
      for (const p of parts) {
        if (p.token === TOKENS.IngressAlb) Object.assign(p.props, { enabled: false });
        if (p.token === TOKENS.Worker) delete (p.props as Record<string, unknown>).publicIp;
      }
      Object.assign(find("lab-echo"), { network: "private", ip: "10.88.8.3" });
    });
    expect(privateOnlyNoPublic(view)).toEqual([]);
  });
});

describe("security", () => {
  test("a public endpoint with no allow-list fails public-endpoint-allowlist", () => {
    const view = labWith((find) => Object.assign(find("lab"), { serviceEndpoints: { public: true, private: true, publicAllowlist: [] } }));
    expect(messages(publicEndpointAllowlist(view, DEFAULTS.allowlist))).toEqual([expect.stringContaining("no source allow-list")]);
  });
  test("0.0.0.0/0 and non-CIDRs fail public-endpoint-allowlist", () => {
    const view = labWith((find) => Object.assign(find("lab"), { serviceEndpoints: { public: true, private: true, publicAllowlist: ["0.0.0.0/0", "office"] } }));
    expect(messages(publicEndpointAllowlist(view, DEFAULTS.allowlist))).toEqual([
      expect.stringContaining("allows 0.0.0.0/0 on its public service endpoint, which is everyone"),
      expect.stringContaining('has "office" in serviceEndpoints.publicAllowlist, which is not a CIDR'),
    ]);
  });
  test("allowedSourceCidrs bounds the allow-list", () => {
    const view = viewOf(good()); // allow-list 10.88.0.0/16
    expect(publicEndpointAllowlist(view, { allowedSourceCidrs: ["10.0.0.0/8"] })).toEqual([]);
    expect(messages(publicEndpointAllowlist(view, { allowedSourceCidrs: ["192.0.2.0/24"] }))).toEqual([
      expect.stringContaining("allows 10.88.0.0/16 on its public service endpoint, outside the sources this pack allows (192.0.2.0/24)"),
    ]);
  });
  test("an allow-list entry with host bits is checked as the network it lies in", () => {
    const view = labWith((find) => Object.assign(find("lab"), { serviceEndpoints: { public: true, private: true, publicAllowlist: ["192.0.2.77/24", "198.51.100.9/24"] } }));
    expect(messages(publicEndpointAllowlist(view, { allowedSourceCidrs: ["192.0.2.0/24"] }))).toEqual([
      expect.stringContaining("allows 198.51.100.9/24 on its public service endpoint, outside the sources this pack allows"),
    ]);
  });
  test("a private-only endpoint needs no allow-list", () => {
    const view = labWith((find) => Object.assign(find("lab"), { serviceEndpoints: { public: false, private: true, publicAllowlist: [] } }));
    expect(publicEndpointAllowlist(view, DEFAULTS.allowlist)).toEqual([]);
  });
  test.each<[string, (v: ClusterView) => Violation[], object, string]>([
    ["encryption-at-rest", encryptionAtRest, { encryptionAtRest: false, auditLogging: true, anonymousAuth: false }, "apiserver.encryptionAtRest: false"],
    ["audit-logging", auditLogging, { encryptionAtRest: true, auditLogging: false, anonymousAuth: false }, "apiserver.auditLogging: false"],
    ["anonymous-auth-disabled", anonymousAuthDisabled, { encryptionAtRest: true, auditLogging: true, anonymousAuth: true }, "apiserver.anonymousAuth: true"],
  ])("%s fails when the switch is wrong", (_n, rule, apiserver, text) => {
    const v = rule(labWith((find) => Object.assign(find("lab"), { apiserver })));
    expect(messages(v)).toEqual([expect.stringContaining(`Cluster "lab" sets ${text}`)]);
    expect(v[0].message).toContain("Fix: set apiserver.");
  });
  test("private LoadBalancers without a preDNAT policy fail private-lb-prednat", () => {
    const view = labWith((_f, parts) => {
      parts.splice(parts.findIndex((p) => p.token === TOKENS.CalicoPolicy), 1);
      parts.push({ token: TOKENS.LoadBalancer, name: "internal", parent: "lab", props: { zone: "lab1", network: "private", ip: "10.88.8.3" } });
    });
    const v = privateLoadBalancerPreDnat(view);
    expect(messages(v)).toEqual([expect.stringContaining('LoadBalancer "internal" is private, but its NodePort is still open')]);
    expect(v[0].message).toContain("Fix: add a network.calico.policies entry with preDnat: true");
    expect(urnTail(v[0])).toBe("internal");
  });
  test("private LoadBalancers with a preDNAT policy pass private-lb-prednat", () => {
    const view = labWith((_f, parts) => parts.push({ token: TOKENS.LoadBalancer, name: "internal", parent: "lab", props: { zone: "lab1", network: "private", ip: "10.88.8.3" } }));
    expect(privateLoadBalancerPreDnat(view)).toEqual([]);
  });
  test("a private-only cluster has no public NodePorts to protect: private-lb-prednat stays quiet", () => {
    const view = labWith((find, parts) => {
      Object.assign(find("lab"), { privateOnly: true });
      parts.splice(parts.findIndex((p) => p.token === TOKENS.CalicoPolicy), 1);
      parts.push({ token: TOKENS.LoadBalancer, name: "internal", parent: "lab", props: { zone: "lab1", network: "private", ip: "10.88.8.3" } });
    });
    expect(privateLoadBalancerPreDnat(view)).toEqual([]);
  });
  test("an allow-list not known yet (preview) is skipped, not guessed", () => {
    const view = labWith((find) => Object.assign(find("lab"), { serviceEndpoints: { public: true, private: true } }));
    expect(publicEndpointAllowlist(view, DEFAULTS.allowlist)).toEqual([]);
  });
});

describe("versions", () => {
  test("isSupported takes minor lines and exact versions", () => {
    expect(isSupported("1.36.3", ["1.36"])).toBe(true);
    expect(isSupported("v1.36.0", ["1.36"])).toBe(true);
    expect(isSupported("1.361.0", ["1.36"])).toBe(false);
    expect(isSupported("1.36.2", ["1.36.3"])).toBe(false);
  });
  test("an unsupported version fails kubernetes-version-supported; the list is configurable", () => {
    const view = labWith((find) => Object.assign(find("lab-default"), { kubernetesVersion: "1.29.1" }));
    expect(messages(kubernetesVersionSupported(view, DEFAULTS.versions))).toEqual([
      expect.stringContaining('WorkerPool "lab-default" runs Kubernetes "1.29.1", which Keelson does not support (supported: 1.36)'),
    ]);
    expect(kubernetesVersionSupported(view, { supportedVersions: ["1.36", "1.29"] })).toEqual([]);
  });
  test("a worker newer than the masters fails workers-not-newer-than-masters", () => {
    const view = labWith((find) => Object.assign(find("lab-default-lab2-0"), { kubernetesVersion: "1.36.4" }));
    const v = workersNotNewerThanMasters(view, DEFAULTS.skew);
    expect(messages(v)).toEqual([expect.stringContaining('Worker "lab-default-lab2-0" runs Kubernetes 1.36.4, newer than the masters of Cluster "lab" (1.36.3)')]);
    expect(urnTail(v[0])).toBe("lab-default-lab2-0");
  });
  test("the oldest master is the bar during a master upgrade", () => {
    const view = labWith((find) => {
      Object.assign(find("lab-master-0"), { kubernetesVersion: "1.36.4" });
      Object.assign(find("lab-default"), { kubernetesVersion: "1.36.4" });
    });
    expect(messages(workersNotNewerThanMasters(view, DEFAULTS.skew))).toEqual([expect.stringContaining('WorkerPool "lab-default" runs Kubernetes 1.36.4, newer than')]);
  });
  test("workers too far behind fail workers-not-newer-than-masters", () => {
    const view = labWith((find) => Object.assign(find("lab-default"), { kubernetesVersion: "1.32.0" }));
    expect(messages(workersNotNewerThanMasters(view, DEFAULTS.skew))).toEqual([expect.stringContaining("more than 3 minor versions behind the masters (1.36.3)")]);
    expect(workersNotNewerThanMasters(view, { maxMinorSkew: 4 })).toEqual([]);
  });
});
