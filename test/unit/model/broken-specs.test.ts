// Every broken spec is rejected with the exact field path and reason, before
// anything is created. Each case breaks one thing in a valid spec.
import { parseSpec } from "../../../components/model/spec";
import { SUPPORTED_KUBERNETES_VERSIONS } from "../../../components/model/kubernetesVersions";
import { DEFAULT_KUBERNETES_VERSION } from "../../../components/releases";
import { classicSpec, labSpec, privateOnlySpec, sshSpec, vpcSpec } from "./fixtures";

type Spec = Record<string, any>;
type Case = [title: string, base: () => Spec, mutate: (s: Spec) => void, path: string, message: string];

const lab = labSpec;
const z1 = (s: Spec) => s.infrastructure.zones["lab-z1"];

const CASES: Case[] = [
  // --- shape and single fields (the schema) ---
  ["cluster name with capitals", lab, (s) => (s.name = "Lab"), "name", "must be lowercase letters, digits and '-', start with a letter and not end with '-'"],
  ["cluster name too long", lab, (s) => (s.name = "a".repeat(21)), "name", "must be at most 20 characters"],
  ["missing account", lab, (s) => delete s.account, "account", "required (object)"],
  ["bad account id", lab, (s) => (s.account.id = "Acct_1"), "account.id", "must be lowercase letters, digits and '-'"],
  ["unknown top-level field", lab, (s) => (s.zone = "lab-z1"), "zone", "unknown field"],
  ["no zones", lab, (s) => (s.zones = []), "zones", "needs at least 1 item(s)"],
  ["bad Kubernetes version", lab, (s) => (s.kubernetesVersion = "v1.36"), "kubernetesVersion", `"v1.36": write the version without the "v" (like ${DEFAULT_KUBERNETES_VERSION}); supported: ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`],
  ["unknown infrastructure kind", lab, (s) => (s.infrastructure.kind = "aws"), "infrastructure.kind", 'must be one of "classic", "vpc", "lab", "ssh", got string "aws"'],
  ["primary subnet with host bits", lab, (s) => (z1(s).privateVlan.primarySubnet = "10.88.1.5/24"), 'infrastructure.zones.lab-z1.privateVlan.primarySubnet', "10.88.1.5/24 has host bits set (the network is 10.88.1.0/24)"],
  ["primary subnet not a CIDR", lab, (s) => (z1(s).publicVlan.primarySubnet = "10.89.1.0/33"), 'infrastructure.zones.lab-z1.publicVlan.primarySubnet', '"10.89.1.0/33" is not an IPv4 CIDR like 10.88.1.0/24'],
  ["VLAN id zero", lab, (s) => (z1(s).privateVlan.id = 0), 'infrastructure.zones.lab-z1.privateVlan.id', "must be at least 1"],
  ["negative pool size", lab, (s) => (s.workerPools[0].sizePerZone = -1), "workerPools[0].sizePerZone", "must be at least 0"],
  ["fractional pool size", lab, (s) => (s.workerPools[0].sizePerZone = 1.5), "workerPools[0].sizePerZone", "expected int, got number 1.5"],
  ["unknown hardware", lab, (s) => (s.workerPools[0].hardware = "metal"), "workerPools[0].hardware", 'must be one of "virtual", "baremetal", got string "metal"'],
  ["unknown taint effect", lab, (s) => (s.workerPools[0].taints = [{ key: "a", effect: "NoRun" }]), "workerPools[0].taints[0].effect", 'must be one of "NoSchedule", "PreferNoSchedule", "NoExecute", got string "NoRun"'],
  ["invalid label key", lab, (s) => (s.workerPools[0].labels = { "bad key": "x" }), 'workerPools[0].labels["bad key"]', `label key "bad key" must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`],
  ["invalid label value", lab, (s) => (s.workerPools[0].labels = { tier: "-web" }), "workerPools[0].labels.tier", `label value "-web" must be empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`],
  ["unknown Calico encapsulation", lab, (s) => (s.network.calico.encapsulation = "gre"), "network.calico.encapsulation", 'must be one of "ipip", "vxlan", got string "gre"'],
  ["pinned portable subnet not a /29", lab, (s) => (z1(s).portable = { public: "10.91.0.0/28" }), 'infrastructure.zones.lab-z1.portable.public', "10.91.0.0/28 is not a /29: a cluster's default portable subnet has 8 addresses (3 reserved, 1 ALB, 4 LoadBalancers)"],
  ["LoadBalancer on an unknown network", lab, (s) => (s.loadBalancers[0].network = "internet"), "loadBalancers[0].network", 'must be one of "public", "private", got string "internet"'],
  ["LoadBalancer IP not an address", lab, (s) => (s.loadBalancers[0].ip = "10.91.0.300"), "loadBalancers[0].ip", '"10.91.0.300" is not an IPv4 address like 10.88.1.20'],
  ["no worker pools", lab, (s) => delete s.workerPools, "workerPools", "required (array)"],
  ["unknown pool field", lab, (s) => (s.workerPools[0].size = 3), "workerPools[0].size", "unknown field"],
  ["endpoint flag not a boolean", lab, (s) => (s.serviceEndpoints = { public: "yes" }), "serviceEndpoints.public", 'expected boolean, got string "yes"'],
  ["backup interval not a divisor of 24", lab, (s) => (s.backup = { everyHours: 5 }), "backup.everyHours", "must be one of 1, 2, 3, 4, 6, 8, 12, 24 (hours, a divisor of 24)"],
  ["backups kept: none", lab, (s) => (s.backup = { keep: 0 }), "backup.keep", "must be at least 1"],
  ["unknown backup field", lab, (s) => (s.backup = { bucket: "s3://x" }), "backup.bucket", "unknown field"],
  ["backup target not an object", lab, (s) => (s.backup = { target: "s3://x" }), "backup.target", 'expected object, got string "s3://x"'],
  ["backup target path relative", lab, (s) => (s.backup = { target: { host: "backup.example.com", path: "backups", hostKey: `ssh-ed25519 ${"A".repeat(68)}` } }), "backup.target.path", "\"backups\" must be an absolute path of letters, digits, '.', '_', '-' and '/', without '..'"],
  ["backup target path with a quote", lab, (s) => (s.backup = { target: { host: "backup.example.com", path: "/srv/x'y", hostKey: `ssh-ed25519 ${"A".repeat(68)}` } }), "backup.target.path", "\"/srv/x'y\" must be an absolute path of letters, digits, '.', '_', '-' and '/', without '..'"],
  ["backup target host key with its comment", lab, (s) => (s.backup = { target: { host: "backup.example.com", path: "/srv/k", hostKey: `ssh-ed25519 ${"A".repeat(68)} root@b` } }), "backup.target.hostKey", "must be the host's public key as its /etc/ssh/ssh_host_*_key.pub has it (\"ssh-ed25519 AAAA...\"), without the comment"],
  ["backup target host with a space", lab, (s) => (s.backup = { target: { host: "a b", path: "/srv/k", hostKey: `ssh-ed25519 ${"A".repeat(68)}` } }), "backup.target.host", "\"a b\" must be a host name or an IPv4 address"],
  ["backup target port out of range", lab, (s) => (s.backup = { target: { host: "b", port: 70000, path: "/srv/k", hostKey: `ssh-ed25519 ${"A".repeat(68)}` } }), "backup.target.port", "70000 must be an integer from 1 to 65535"],
  ["reload counter negative", lab, (s) => (s.workerPools[0].reload = -1), "workerPools[0].reload", "must be at least 0"],
  ["replace counter not an integer", lab, (s) => (s.workerPools[0].replace = 1.5), "workerPools[0].replace", "expected int, got number 1.5"],
  ["unknown per-worker counter", lab, (s) => (s.workerPools[0].workers = { "lab-default-lab-z1-1": { reboot: 1 } }), 'workerPools[0].workers.lab-default-lab-z1-1.reboot', "unknown field"],
  ["pool block size not a power of two", lab, (s) => (s.network.poolBlockSize = 10), "network.poolBlockSize", "must be one of 4, 8, 16, 32, 64, 128"],
  ["VPC field on lab infrastructure", lab, (s) => (s.infrastructure.vpcName = "x"), "infrastructure.vpcName", "unknown field"],

  // --- zones ---
  ["two zones", lab, (s) => { s.zones = ["lab-z1", "lab-z2"]; delete s.infrastructure.zones["lab-z3"]; }, "zones", "a cluster has one zone, or three for a multizone cluster (got 2)"],
  ["duplicate zone", lab, (s) => (s.zones = ["lab-z1", "lab-z2", "lab-z2"]), "zones[2]", "duplicate zone lab-z2"],
  ["lab zone outside the region", lab, (s) => { s.zones[2] = "other-z3"; s.infrastructure.zones["other-z3"] = s.infrastructure.zones["lab-z3"]; delete s.infrastructure.zones["lab-z3"]; }, "zones[2]", "lab zones are named <region>-<name>: other-z3 is not in region lab"],
  ["zone without its network", lab, (s) => delete s.infrastructure.zones["lab-z3"], 'infrastructure.zones.lab-z3', "required: zone lab-z3 is in zones and needs its VLANs here"],
  ["network for a zone the cluster does not have", classicSpec, (s) => (s.infrastructure.zones.dal12 = { privateVlan: { primarySubnet: "10.176.2.0/25" } }), "infrastructure.zones.dal12", "dal12 is not one of the cluster's zones (dal10)"],
  ["two zones pinned to one slot", lab, (s) => (s.infrastructure.zones["lab-z3"].slot = 0), 'infrastructure.zones.lab-z3.slot', "slot 0 is already zone lab-z1's (a zone's slot is its position in zones unless pinned)"],

  // --- VLANs and portable subnets ---
  ["one VLAN in two zones", lab, (s) => (s.infrastructure.zones["lab-z2"].privateVlan.id = 1101), 'infrastructure.zones.lab-z2.privateVlan.id', "VLAN 1101 is already the private VLAN of zone lab-z1; a VLAN belongs to one zone and one network"],
  ["public VLAN in only some zones", lab, (s) => delete s.infrastructure.zones["lab-z2"].publicVlan, 'infrastructure.zones.lab-z2.publicVlan', "required: zone lab-z1 has a public VLAN, and a cluster's workers are either all public and private or all private-only"],
  ["public portable subnet without a public VLAN", privateOnlySpec, (s) => (s.infrastructure.zones.dal10.portable = { public: "203.0.113.0/29" }), "infrastructure.zones.dal10.portable.public", "zone dal10 has no public VLAN to route a public portable subnet to"],
  ["no range to carve a public portable subnet from", lab, (s) => delete s.infrastructure.portableRanges.public, "infrastructure.portableRanges.public", "required: zone lab-z1 has no pinned public portable subnet (infrastructure.zones.lab-z1.portable.public) to use instead"],
  ["portable range too small for three zones", lab, (s) => (s.infrastructure.portableRanges.private = "10.90.0.0/29"), "infrastructure.portableRanges.private", "10.90.0.0/29 holds 1 /29 subnets; zone lab-z2 (slot 1) needs number 2"],
  ["portable range smaller than a /29", lab, (s) => (s.infrastructure.portableRanges.private = "10.90.0.0/30"), "infrastructure.portableRanges.private", "must be a /29 or larger to hold /29 portable subnets (got /30)"],
  ["user portable subnet of a /30", lab, (s) => (z1(s).portable = { extra: [{ network: "private", cidr: "10.92.0.0/30" }] }), 'infrastructure.zones.lab-z1.portable.extra[0].cidr', "a user portable subnet is a /20 to /29 (got /30)"],

  // --- overlapping CIDRs ---
  ["pod subnet overlaps a primary subnet", lab, (s) => (s.network.podSubnet = "10.88.0.0/16"), 'infrastructure.zones.lab-z1.privateVlan.primarySubnet', "zone lab-z1's private primary subnet 10.88.1.0/24 overlaps the pod subnet 10.88.0.0/16 (network.podSubnet)"],
  ["service subnet overlaps the pod subnet", lab, (s) => (s.network.serviceSubnet = "172.30.128.0/24"), "network.serviceSubnet", "the service subnet 172.30.128.0/24 overlaps the pod subnet 172.30.0.0/16 (network.podSubnet)"],
  ["two zones' primary subnets overlap", lab, (s) => (s.infrastructure.zones["lab-z2"].privateVlan.primarySubnet = "10.88.0.0/22"), 'infrastructure.zones.lab-z2.privateVlan.primarySubnet', "zone lab-z2's private primary subnet 10.88.0.0/22 overlaps zone lab-z1's private primary subnet 10.88.1.0/24 (infrastructure.zones.lab-z1.privateVlan.primarySubnet)"],
  ["user portable subnet overlaps a primary subnet", lab, (s) => (z1(s).portable = { extra: [{ network: "private", cidr: "10.88.3.0/28" }] }), 'infrastructure.zones.lab-z1.portable.extra[0].cidr', "zone lab-z1's user private portable subnet 10.88.3.0/28 overlaps zone lab-z3's private primary subnet 10.88.3.0/24 (infrastructure.zones.lab-z3.privateVlan.primarySubnet)"],
  ["public and private portable ranges overlap", lab, (s) => (s.infrastructure.portableRanges.public = "10.90.0.128/25"), "infrastructure.portableRanges.public", "the public portable range 10.90.0.128/25 overlaps the private portable range 10.90.0.0/24 (infrastructure.portableRanges.private)"],

  // --- capacity ---
  ["pool does not fit the primary subnet", classicSpec, (s) => (s.infrastructure.zones.dal10.privateVlan.primarySubnet = "10.176.1.0/28"), "workerPools[0].sizePerZone", "pool default needs offset 17 (slot 0) in zone dal10's private primary subnet 10.176.1.0/28, whose last host offset is 14"],
  ["pool larger than its address block", lab, (s) => { s.workerPools[0].sizePerZone = 17; s.infrastructure.maxHosts = 64; }, "workerPools[0].sizePerZone", "17 is more than network.poolBlockSize (16), the addresses each pool reserves per zone"],
  ["masters pushed past the end of the subnet", lab, (s) => (s.network.hostOffset = 251), 'infrastructure.zones.lab-z1.privateVlan.primarySubnet', "zone lab-z1's private primary subnet 10.88.1.0/24 has no address at offset 255 for master 1"],

  // --- worker pools ---
  ["duplicate pool names", lab, (s) => (s.workerPools[1].name = "default"), "workerPools[1].name", "duplicate pool name default (also workerPools[0])"],
  ["pool in a zone the cluster does not have", lab, (s) => (s.workerPools[1].zones = ["lab-z9"]), "workerPools[1].zones[0]", "lab-z9 is not one of the cluster's zones (lab-z1, lab-z2, lab-z3)"],
  ["pool lists a zone twice", lab, (s) => (s.workerPools[1].zones = ["lab-z1", "lab-z1"]), "workerPools[1].zones[1]", "duplicate zone lab-z1"],
  ["two pools pinned to one slot", lab, (s) => (s.workerPools[1].slot = 0), "workerPools[1].slot", "address slot 0 is already pool default's (a pool's slot is its position in workerPools unless pinned)"],
  ["unknown flavor", lab, (s) => (s.workerPools[0].flavor = "lab.huge"), "workerPools[0].flavor", "unknown flavor lab.huge; known lab flavors: lab.v1x1, lab.v2x2, lab.bm2x2"],
  ["classic flavor on lab hosts", lab, (s) => (s.workerPools[0].flavor = "b3c.4x16"), "workerPools[0].flavor", "flavor b3c.4x16 is not available on lab infrastructure; choose one of lab.v1x1, lab.v2x2, lab.bm2x2"],
  ["flavor does not match the hardware", lab, (s) => (s.workerPools[0].hardware = "baremetal"), "workerPools[0].flavor", "flavor lab.v1x1 is virtual, but the pool's hardware is baremetal; baremetal flavors: lab.bm2x2"],
  ["shared bare metal", lab, (s) => (s.workerPools[1].isolation = "shared"), "workerPools[1].isolation", "bare-metal workers are single-tenant: isolation must be dedicated (or left out)"],
  ["label with a reserved prefix", lab, (s) => (s.workerPools[0].labels = { "node.kubernetes.io/role": "x" }), 'workerPools[0].labels["node.kubernetes.io/role"]', "the kubernetes.io/ prefix is reserved for labels that Keelson and Kubernetes set"],
  ["duplicate taint", lab, (s) => (s.workerPools[0].taints = [{ key: "a", effect: "NoSchedule" }, { key: "a", value: "b", effect: "NoSchedule" }]), "workerPools[0].taints[1]", "duplicate taint a with effect NoSchedule"],
  ["no workers at all", lab, (s) => s.workerPools.forEach((p: Spec) => (p.sizePerZone = 0)), "workerPools", "a cluster needs at least one worker (ALBs and cluster add-ons run on workers)"],
  ["bare-metal masters", lab, (s) => (s.masters = { flavor: "lab.bm2x2" }), "masters.flavor", "masters run on virtual flavors; lab.bm2x2 is baremetal"],
  ["host names too long", vpcSpec, (s) => { const zone = `us-south-${"x".repeat(23)}`; s.name = "c".repeat(20); s.workerPools[0].name = "p".repeat(20); s.zones = [zone]; s.infrastructure.zones = { [zone]: { subnet: "10.240.0.0/24" } }; }, "workerPools[0].name", `host names like ${"c".repeat(20)}-${"p".repeat(20)}-us-south-${"x".repeat(23)}-3 would be longer than 63 characters; shorten the cluster, pool or zone name`],
  ["per-worker counter for a worker the pool does not have", lab, (s) => (s.workerPools[0].workers = { "lab-default-lab-z1-2": { reload: 1 } }), 'workerPools[0].workers.lab-default-lab-z1-2', "lab-default-lab-z1-2 is not a worker of pool default (its workers are named like lab-default-lab-z1-1, lab-default-lab-z2-1, lab-default-lab-z3-1): counters apply to the pool's current workers"],
  ["per-worker counter for another pool's worker", lab, (s) => (s.workerPools[1].workers = { "lab-default-lab-z1-1": { replace: 1 } }), 'workerPools[1].workers.lab-default-lab-z1-1', "lab-default-lab-z1-1 is not a worker of pool metal (its workers are named like lab-metal-lab-z1-1): counters apply to the pool's current workers"],

  // --- lab ---
  ["IP-in-IP in the lab", lab, (s) => (s.network.calico.encapsulation = "ipip"), "network.calico.encapsulation", "lab hosts cannot use IP-in-IP (the lab kernel has no ipip support); use vxlan"],
  ["public address range in the lab", lab, (s) => (z1(s).publicVlan.primarySubnet = "198.51.100.0/24"), 'infrastructure.zones.lab-z1.publicVlan.primarySubnet', "lab addresses live only inside lab network namespaces and must be a private (RFC 1918) range; 198.51.100.0/24 is not"],
  ["more lab hosts than the machine takes", lab, (s) => (s.workerPools[0].sizePerZone = 2), "workerPools", "the lab would run 10 hosts (3 masters and 7 workers), more than infrastructure.maxHosts (7)"],

  // --- ALBs and LoadBalancers ---
  ["public ALB on a private-only cluster", privateOnlySpec, (s) => (s.albs = { public: { enabled: true } }), "albs.public.enabled", "a private-only cluster (no public VLANs) gets no public ALB"],
  ["LoadBalancer in an unknown zone", lab, (s) => (s.loadBalancers[0].zone = "lab-z4"), "loadBalancers[0].zone", "lab-z4 is not one of the cluster's zones (lab-z1, lab-z2, lab-z3)"],
  ["public LoadBalancer on private-only workers", privateOnlySpec, (s) => (s.loadBalancers = [{ name: "web", zone: "dal10", network: "public" }]), "loadBalancers[0].network", "zone dal10 has no public VLAN, so no public portable addresses"],
  ["LoadBalancer IP outside the zone's portable subnets", lab, (s) => (s.loadBalancers[0].ip = "10.91.0.11"), "loadBalancers[0].ip", "10.91.0.11 is not in zone lab-z1's public portable subnets (10.91.0.0/29)"],
  ["LoadBalancer pinned to the ALB's address", lab, (s) => (s.loadBalancers[0].ip = "10.91.0.2"), "loadBalancers[0].ip", "10.91.0.2 is the default ALB's in 10.91.0.0/29, not a LoadBalancer address"],
  ["LoadBalancer pinned to the broadcast address", lab, (s) => (s.loadBalancers[0].ip = "10.91.0.7"), "loadBalancers[0].ip", "10.91.0.7 is reserved (network, gateway or broadcast) in 10.91.0.0/29, not a LoadBalancer address"],
  ["two LoadBalancers pinned to one IP", lab, (s) => (s.loadBalancers = [{ name: "a", zone: "lab-z1", network: "public", ip: "10.91.0.4" }, { name: "b", zone: "lab-z1", network: "public", ip: "10.91.0.4" }]), "loadBalancers[1].ip", "10.91.0.4 is already loadBalancers[0]'s"],
  ["more LoadBalancers than portable addresses", lab, (s) => (s.loadBalancers = ["a", "b", "c", "d", "e"].map((name) => ({ name, zone: "lab-z2", network: "private" }))), "loadBalancers[4]", "zone lab-z2 has 4 private portable addresses for LoadBalancers and 5 are asked for; add a subnet under infrastructure.zones.lab-z2.portable.extra"],
  ["duplicate LoadBalancer", lab, (s) => s.loadBalancers.push({ name: "echo", zone: "lab-z2", network: "public" }), "loadBalancers[1].name", "duplicate LoadBalancer default/echo"],

  // --- VPC ---
  ["LoadBalancers on VPC", vpcSpec, (s) => (s.loadBalancers = [{ name: "web", zone: "us-south-1", network: "private" }]), "loadBalancers", "VPC clusters get LoadBalancer addresses from VPC load balancers, not portable subnets: leave loadBalancers empty"],
  ["VPC zone outside the region", vpcSpec, (s) => { s.zones = ["eu-de-1"]; s.infrastructure.zones = { "eu-de-1": { subnet: "10.240.0.0/24" } }; }, "zones[0]", '"eu-de-1" is not a zone of vpc region us-south (it is in eu-de); us-south zones: us-south-1, us-south-2, us-south-3'],
  ["VLANs on VPC", vpcSpec, (s) => (s.infrastructure.zones["us-south-1"].privateVlan = { primarySubnet: "10.1.0.0/24" }), 'infrastructure.zones.us-south-1.privateVlan', "unknown field"],
  ["classic flavor on VPC", vpcSpec, (s) => (s.workerPools[0].flavor = "b3c.4x16"), "workerPools[0].flavor", "flavor b3c.4x16 is not available on vpc infrastructure; choose one of cx2.2x4, bx2.4x16, bx2.8x32, mx2.4x32"],

  // --- service endpoints, cluster networks, Calico policies ---
  ["no service endpoint", lab, (s) => (s.serviceEndpoints = { public: false, private: false }), "serviceEndpoints", "at least one of the public and the private service endpoint must be enabled"],
  ["allowlist without a public endpoint", lab, (s) => (s.serviceEndpoints = { public: false, publicAllowlist: ["198.51.100.0/24"] }), "serviceEndpoints.publicAllowlist", "applies to the public service endpoint, which is disabled"],
  ["pod subnet too small", lab, (s) => (s.network.podSubnet = "172.30.0.0/24"), "network.podSubnet", "must be a /23 or larger: every worker takes blocks of pod addresses (got /24)"],
  ["service subnet not private", lab, (s) => (s.network.serviceSubnet = "100.64.0.0/16"), "network.serviceSubnet", "must be inside a private (RFC 1918) range"],
  ["namespaced policy without a namespace", lab, (s) => (s.network.calico.policies = [{ name: "p", scope: "namespaced", selector: "all()" }]), "network.calico.policies[0].namespace", "required: a namespaced policy needs its namespace"],
  ["global policy with a namespace", lab, (s) => (s.network.calico.policies = [{ name: "p", namespace: "web", selector: "all()" }]), "network.calico.policies[0].namespace", "a global policy has no namespace (use scope: namespaced)"],
  ["namespaced preDNAT policy", lab, (s) => (s.network.calico.policies = [{ name: "p", scope: "namespaced", namespace: "web", preDnat: true, selector: "all()" }]), "network.calico.policies[0].preDnat", "preDNAT policies must be global (Calico GlobalNetworkPolicy)"],
  ["preDNAT policy with egress rules", lab, (s) => (s.network.calico.policies = [{ name: "p", preDnat: true, selector: "all()", egress: [{ action: "Allow" }] }]), "network.calico.policies[0].egress", "preDNAT policies have ingress rules only"],
  ["duplicate policy", lab, (s) => (s.network.calico.policies = [{ name: "p", selector: "all()" }, { name: "p", selector: "has(x)" }]), "network.calico.policies[1].name", "duplicate global policy p"],
  ["policy without a selector", lab, (s) => (s.network.calico.policies = [{ name: "p", selector: "" }]), "network.calico.policies[0].selector", "must not be empty"],

  // --- existing hosts over SSH ---
  ["SSH host missing for a planned host", sshSpec, (s) => delete s.infrastructure.hosts["edge-master-3"], 'infrastructure.hosts.edge-master-3', "required: the plan has host edge-master-3 in zone rack1; give its address"],
  ["SSH host outside its zone's subnet", sshSpec, (s) => (s.infrastructure.hosts["edge-master-1"].address = "192.168.11.11"), 'infrastructure.hosts.edge-master-1.address', "192.168.11.11 is not in zone rack1's private primary subnet 192.168.10.0/24"],
  ["SSH host the plan does not have", sshSpec, (s) => (s.infrastructure.hosts["edge-extra"] = { address: "192.168.10.99" }), 'infrastructure.hosts.edge-extra', "the plan has no host named edge-extra (hosts: edge-master-1, edge-master-2, edge-master-3, edge-default-rack1-1)"],
  ["two SSH hosts on one address", sshSpec, (s) => (s.infrastructure.hosts["edge-master-2"].address = "192.168.10.11"), 'infrastructure.hosts.edge-master-2.address', "192.168.10.11 is already edge-master-1's address"],
  ["SSH without a key", sshSpec, (s) => delete s.infrastructure.privateKeyFile, "infrastructure.privateKeyFile", "required (string)"],
];

describe("every fixture is valid before it is broken", () => {
  test.each([["lab", labSpec], ["classic", classicSpec], ["private-only", privateOnlySpec], ["vpc", vpcSpec], ["ssh", sshSpec]] as const)("%s", (_n, base) => {
    const r = parseSpec(base());
    expect(r.ok ? [] : r.errors).toEqual([]);
  });
});

describe("broken specs are rejected with the field path and the reason", () => {
  test("there are at least 40 distinct cases", () => {
    expect(new Set(CASES.map((c) => c[0])).size).toBe(CASES.length);
    expect(new Set(CASES.map((c) => `${c[3]}: ${c[4]}`)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  test.each(CASES)("%s", (_title, base, mutate, path, message) => {
    const spec = base();
    mutate(spec);
    const r = parseSpec(spec);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContainEqual({ path, message });
  });
});

describe("all problems at once", () => {
  test("schema problems in one section and rule problems in others are reported together", () => {
    const s = labSpec();
    s.workerPools[0].sizePerZone = "two"; // schema: pool 0
    s.workerPools[1].flavor = "lab.huge"; // rule on a pool that parsed
    s.network.serviceSubnet = "172.30.0.0/24"; // rule: overlap in another section
    s.albs = { public: { enabled: "yes" } }; // schema: another section
    s.zones.push("lab-z1"); // rule: zones
    const r = parseSpec(s);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      expect.arrayContaining([
        { path: "workerPools[0].sizePerZone", message: 'expected number, got string "two"' },
        { path: "albs.public.enabled", message: 'expected boolean, got string "yes"' },
        { path: "workerPools[1].flavor", message: "unknown flavor lab.huge; known lab flavors: lab.v1x1, lab.v2x2, lab.bm2x2" },
        { path: "network.serviceSubnet", message: "the service subnet 172.30.0.0/24 overlaps the pod subnet 172.30.0.0/16 (network.podSubnet)" },
        { path: "zones[3]", message: "duplicate zone lab-z1" },
      ]),
    );
  });

  test("no problem is reported twice", () => {
    const s = labSpec();
    s.network.podSubnet = "10.88.0.0/16";
    const r = parseSpec(s);
    if (r.ok) throw new Error("expected problems");
    const lines = r.errors.map((e) => `${e.path}: ${e.message}`);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.length).toBeGreaterThanOrEqual(3); // three zones' private primaries overlap 10.88.0.0/16
  });

  test("input that is not an object at all", () => {
    expect(parseSpec("cluster")).toEqual({ ok: false, errors: [{ path: "(spec)", message: 'expected object, got string "cluster"' }] });
    expect(parseSpec(undefined)).toEqual({ ok: false, errors: [{ path: "(spec)", message: "required (object)" }] });
  });
});
