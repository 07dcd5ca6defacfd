// Small valid specs the rule tests break one field at a time.
export function labSpec(): Record<string, any> {
  return {
    name: "lab",
    account: { id: "keelson-lab" },
    region: "lab",
    zones: ["lab-z1", "lab-z2", "lab-z3"],
    infrastructure: {
      kind: "lab",
      maxHosts: 7,
      portableRanges: { private: "10.90.0.0/24", public: "10.91.0.0/24" },
      zones: {
        "lab-z1": { privateVlan: { id: 1101, primarySubnet: "10.88.1.0/24" }, publicVlan: { id: 1201, primarySubnet: "10.89.1.0/24" } },
        "lab-z2": { privateVlan: { id: 1102, primarySubnet: "10.88.2.0/24" }, publicVlan: { id: 1202, primarySubnet: "10.89.2.0/24" } },
        "lab-z3": { privateVlan: { id: 1103, primarySubnet: "10.88.3.0/24" }, publicVlan: { id: 1203, primarySubnet: "10.89.3.0/24" } },
      },
    },
    workerPools: [
      { name: "default", flavor: "lab.v1x1", sizePerZone: 1 },
      { name: "metal", flavor: "lab.bm2x2", sizePerZone: 1, zones: ["lab-z1"] },
    ],
    network: { calico: { encapsulation: "vxlan" } },
    loadBalancers: [{ name: "echo", zone: "lab-z1", network: "public" }],
  };
}

export function classicSpec(): Record<string, any> {
  return {
    name: "shop",
    account: { id: "acct" },
    region: "us-south",
    zones: ["dal10"],
    infrastructure: {
      kind: "classic",
      portableRanges: { private: "10.177.64.0/24", public: "203.0.113.0/25" },
      zones: {
        dal10: {
          privateVlan: { id: 2234945, primarySubnet: "10.176.1.0/25" },
          publicVlan: { id: 2234943, primarySubnet: "198.51.100.0/26" },
        },
      },
    },
    workerPools: [{ name: "default", flavor: "b3c.4x16", sizePerZone: 2 }],
  };
}

/** Classic, single zone, private-only workers. */
export function privateOnlySpec(): Record<string, any> {
  const s = classicSpec();
  delete s.infrastructure.zones.dal10.publicVlan;
  delete s.infrastructure.portableRanges.public;
  return s;
}

export function vpcSpec(): Record<string, any> {
  return {
    name: "analytics",
    account: { id: "acct" },
    region: "us-south",
    zones: ["us-south-1"],
    infrastructure: { kind: "vpc", vpcName: "analytics-vpc", zones: { "us-south-1": { subnet: "10.240.0.0/24" } } },
    workerPools: [{ name: "default", flavor: "bx2.4x16", sizePerZone: 3 }],
  };
}

export function sshSpec(): Record<string, any> {
  return {
    name: "edge",
    account: { id: "acct" },
    region: "home",
    zones: ["rack1"],
    infrastructure: {
      kind: "ssh",
      privateKeyFile: "/root/.ssh/id_ed25519",
      portableRanges: { private: "192.168.50.0/29" },
      zones: { rack1: { privateVlan: { primarySubnet: "192.168.10.0/24" } } },
      hosts: {
        "edge-master-1": { address: "192.168.10.11" },
        "edge-master-2": { address: "192.168.10.12" },
        "edge-master-3": { address: "192.168.10.13" },
        "edge-default-rack1-1": { address: "192.168.10.21" },
      },
    },
    workerPools: [{ name: "default", flavor: "lab.v2x2", sizePerZone: 1 }],
  };
}
