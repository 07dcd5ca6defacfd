import {
  apiServerSans,
  clusterCertProfiles,
  etcdMemberProfile,
  kubeletProfile,
  profileFingerprint,
  splitSans,
  type PkiInput,
} from "../../../components/pki/profiles";
import { firstServiceIp, parseCidr, cidrContains, cidrsOverlap, ipToInt, intToIp } from "../../../components/pki/ipmath";

const input: PkiInput = {
  clusterName: "mycluster",
  serviceSubnet: "172.21.0.0/16",
  masters: [
    { name: "m-dal10", zone: "dal10", privateIp: "10.10.0.11", publicIp: "169.61.0.11" },
    { name: "m-dal12", zone: "dal12", privateIp: "10.12.0.11" },
    { name: "m-dal13", zone: "dal13", privateIp: "10.13.0.11" },
  ],
  extraApiServerSans: ["c1.private.us-south.containers.example", "192.168.200.5"],
};

describe("ipmath", () => {
  it("gives the first service IP of the range", () => {
    expect(firstServiceIp("172.21.0.0/16")).toBe("172.21.0.1");
    expect(firstServiceIp("10.96.0.0/12")).toBe("10.96.0.1");
  });
  it("rejects host bits and garbage with the field path", () => {
    expect(() => parseCidr("172.21.0.5/16", "spec.serviceSubnet")).toThrow(/spec.serviceSubnet: .*host bits/);
    expect(() => parseCidr("300.1.0.0/16", "spec.podSubnet")).toThrow(/spec.podSubnet/);
  });
  it("keeps its own wording on top of model/ipv4", () => {
    expect(() => parseCidr("172.21.0.5/16", "s")).toThrow(new Error("s: 172.21.0.5/16 has host bits set (network address is 172.21.0.0/16)"));
    expect(() => parseCidr("010.0.0.0/8", "s")).toThrow(new Error('s: "010.0.0.0/8" is not an IPv4 CIDR like 172.21.0.0/16'));
    expect(() => parseCidr("10.0.0.0/33", "s")).toThrow(/is not an IPv4 CIDR/);
    expect(() => firstServiceIp("10.0.0.0/31", "svc")).toThrow(new Error("svc: 10.0.0.0/31 is too small for a service range"));
    expect(() => cidrsOverlap("10.0.0.0/8", "x")).toThrow(/^inner: "x" is not an IPv4 CIDR/);
    expect(parseCidr("0.0.0.0/0", "s")).toEqual({ network: 0, prefix: 0 });
    expect(ipToInt("255.255.255.255")).toBe(0xffffffff);
    expect(intToIp(0xffffffff)).toBe("255.255.255.255");
    expect(() => ipToInt("10.0.0.256")).toThrow('"10.0.0.256" is not an IPv4 address');
    expect(cidrContains("0.0.0.0/0", "255.255.255.255/32")).toBe(true);
    expect(cidrsOverlap("10.0.0.8/29", "10.0.0.0/28")).toBe(true);
  });
  it("knows containment and overlap", () => {
    expect(cidrContains("172.30.0.0/16", "172.30.4.0/24")).toBe(true);
    expect(cidrContains("172.30.0.0/16", "172.31.0.0/24")).toBe(false);
    expect(cidrsOverlap("172.21.0.0/16", "172.30.0.0/16")).toBe(false);
    expect(cidrsOverlap("10.0.0.0/8", "10.1.0.0/16")).toBe(true);
  });
});

describe("PKI profiles", () => {
  const profiles = clusterCertProfiles(input);
  const byName = Object.fromEntries(profiles.map((p) => [p.name, p]));

  it("has every control-plane certificate once", () => {
    expect(Object.keys(byName).sort()).toEqual(
      [
        "admin",
        "apiserver",
        "apiserver-etcd-client",
        "apiserver-kubelet-client",
        "controller-manager",
        "etcd-healthcheck-client",
        "front-proxy-client",
        "kube-proxy",
        "kubelet-serving-approver",
        "scheduler",
      ].sort(),
    );
  });

  it("apiserver serving cert covers every master, the service IP, endpoints and in-cluster names", () => {
    const a = byName.apiserver;
    expect(a.usages).toEqual(["server"]);
    expect(a.ca).toBe("kubernetes-ca");
    for (const ip of ["10.10.0.11", "10.12.0.11", "10.13.0.11", "169.61.0.11", "172.21.0.1", "127.0.0.1", "192.168.200.5"]) {
      expect(a.ipAddresses).toContain(ip);
    }
    for (const dns of [
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      "kubernetes.default.svc.cluster.local",
      "localhost",
      "c1.private.us-south.containers.example",
    ]) {
      expect(a.dnsNames).toContain(dns);
    }
  });

  it("identities RBAC relies on: admin in system:masters, components by their user names", () => {
    expect(byName.admin.organizations).toEqual(["system:masters"]);
    expect(byName["controller-manager"].commonName).toBe("system:kube-controller-manager");
    expect(byName.scheduler.commonName).toBe("system:kube-scheduler");
    expect(byName["kube-proxy"].commonName).toBe("system:kube-proxy");
    expect(byName["apiserver-etcd-client"].ca).toBe("etcd-ca");
    expect(byName["front-proxy-client"].ca).toBe("front-proxy-ca");
    for (const p of profiles.filter((p) => p.name !== "apiserver")) expect(p.usages).toEqual(["client"]);
  });

  it("etcd member certs are server+client with the member IP", () => {
    const p = etcdMemberProfile(input.masters[1]);
    expect(p.ca).toBe("etcd-ca");
    expect(p.usages.sort()).toEqual(["client", "server"]);
    expect(p.ipAddresses).toEqual(["10.12.0.11", "127.0.0.1"]);
  });

  it("kubelet certs carry the node identity the Node authorizer expects", () => {
    const p = kubeletProfile("w-dal10-1", ["10.10.0.21"]);
    expect(p.commonName).toBe("system:node:w-dal10-1");
    expect(p.organizations).toEqual(["system:nodes"]);
    expect(p.ipAddresses).toEqual(["10.10.0.21"]);
    expect(() => kubeletProfile("Bad_Name", [])).toThrow(/kubelet.nodeName/);
  });

  it("fingerprint changes with SANs and not with their order", () => {
    const a = byName.apiserver;
    const reordered = { ...a, ipAddresses: [...a.ipAddresses].reverse() };
    expect(profileFingerprint(reordered)).toBe(profileFingerprint(a));
    const more = { ...a, ipAddresses: [...a.ipAddresses, "10.0.0.99"] };
    expect(profileFingerprint(more)).not.toBe(profileFingerprint(a));
  });

  it("bad input fails with the field path before anything is created", () => {
    expect(() => clusterCertProfiles({ ...input, masters: [] })).toThrow(/pki.masters/);
    expect(() =>
      clusterCertProfiles({ ...input, masters: [{ ...input.masters[0], privateIp: "10.0.0.300" }] }),
    ).toThrow(/pki.masters\[0\].privateIp/);
    expect(() => clusterCertProfiles({ ...input, masters: [input.masters[0], input.masters[0]] })).toThrow(/duplicate/);
    expect(() => apiServerSans({ ...input, extraApiServerSans: ["bad name!"] })).toThrow(/apiServerSans\[\d+\]/);
    expect(() => clusterCertProfiles({ ...input, serviceSubnet: "172.21.0.1/16" })).toThrow(/pki.serviceSubnet/);
  });

  it("splitSans de-duplicates and lower-cases names", () => {
    expect(splitSans(["A.example", "a.example", "10.0.0.1", "10.0.0.1"], "x")).toEqual({
      dnsNames: ["a.example"],
      ipAddresses: ["10.0.0.1"],
    });
  });
});
