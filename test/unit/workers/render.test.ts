import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { nodeAgentsRbacObjects } from "../../../components/addons/render/rbac";
import { applyCommand } from "../../../components/bootstrap/host/commands";
import { containerdFiles, hostPolicyFiles, kubeletFiles, kubeProxyFiles, masterProxyFiles, networkPolicyFiles, podNetworkFiles, type NodePems } from "../../../components/workers/render/bundles";
import { containerdConfig } from "../../../components/workers/render/containerd";
import { kubeletConfig, kubeletFlags } from "../../../components/workers/render/kubelet";
import { kubeProxyConfig } from "../../../components/workers/render/kubeProxy";
import { masterProxyConfig } from "../../../components/workers/render/masterProxy";
import { CNI_CONFLIST, FLANNEL_SUBNET_ENV } from "../../../components/workers/render/paths";
import { cniRenderScript, flannelNetConf, flannelUnit } from "../../../components/workers/render/podNetwork";
import { dnsServiceIp, validateNodeClusterSpec, validateNodeIdentity, type NodeClusterSpec, type NodeIdentity } from "../../../components/workers/render/spec";
import { nodeOptionsFor } from "../../../components/workers/nodeInputs";
import { CALICO_FAILSAFE } from "../../../components/model/hostRules";

const spec = (over: Partial<NodeClusterSpec> = {}): NodeClusterSpec => ({
  clusterName: "lab",
  kubernetesVersion: "v1.36.3",
  podSubnet: "172.30.0.0/16",
  serviceSubnet: "172.21.0.0/16",
  clusterDomain: "cluster.local",
  apiServerEndpoints: ["https://10.88.1.4:6443", "https://10.88.2.4:6443", "https://10.88.3.4:6443"],
  masterProxyPort: 6443,
  podNetwork: { crossSubnet: true, vxlanPort: 8472, vni: 1 },
  images: { pause: "registry.k8s.io/pause:3.10.2", coredns: "registry.k8s.io/coredns/coredns:v1.14.2" },
  upstreamDns: [],
  preDnatPolicies: [],
  hostPolicies: [],
  hostFailsafe: CALICO_FAILSAFE,
  ...over,
});

const node = (over: Partial<NodeIdentity> = {}): NodeIdentity => ({
  name: "lab-default-lab-z1-1",
  zone: "lab-z1",
  pool: "default",
  privateIp: "10.88.1.16",
  publicIp: "10.89.1.16",
  labels: { "topology.kubernetes.io/zone": "lab-z1", "keelson.dev/hardware": "virtual", "keelson.dev/worker-pool": "default" },
  taints: [],
  ...over,
});

const pems: NodePems = {
  kubernetesCaCert: "CA",
  kubelet: { certPem: "KCERT", keyPem: "KKEY" },
  kubeProxy: { certPem: "PCERT", keyPem: "PKEY" },
  flannel: { certPem: "FCERT", keyPem: "FKEY" },
  kubeRouter: { certPem: "RCERT", keyPem: "RKEY" },
};
// A lab host: cgroup v1, controllers delegated from outside (not owned by its systemd).
const lab = nodeOptionsFor({ cgroupVersion: 1, systemdCgroups: false });

describe("node cluster spec", () => {
  test("the cluster DNS IP is the 10th address of the service subnet", () => {
    expect(dnsServiceIp("172.21.0.0/16")).toBe("172.21.0.10");
    expect(dnsServiceIp("10.96.0.0/12")).toBe("10.96.0.10");
  });
  test.each<[string, Partial<NodeClusterSpec>, RegExp]>([
    ["overlapping subnets", { podSubnet: "172.21.0.0/16" }, /^workers\.podSubnet: .*overlaps serviceSubnet/],
    ["no masters", { apiServerEndpoints: [] }, /^workers\.apiServerEndpoints: at least one/],
    ["endpoint by name", { apiServerEndpoints: ["https://master:6443"] }, /^workers\.apiServerEndpoints\[0\]: .* must be https:\/\/<IPv4>:<port>/],
    ["bad port", { masterProxyPort: 70000 }, /^workers\.masterProxyPort: 70000 is not a TCP port/],
    ["untagged image", { images: { pause: "pause", coredns: "registry.k8s.io/coredns/coredns:v1" } }, /^workers\.images\.pause: /],
    ["bad resolver", { upstreamDns: ["dns.example"] }, /^workers\.upstreamDns\[0\]: /],
    ["bad pod subnet", { podSubnet: "172.30.0.1/16" }, /^workers\.podSubnet: .*host bits/],
  ])("refuses %s with the field and the reason", (_, over, re) => {
    expect(() => validateNodeClusterSpec(spec(over))).toThrow(re);
  });
  test("refuses a node whose IP lies in the pod subnet, or a bad name", () => {
    expect(() => validateNodeIdentity(node({ privateIp: "172.30.4.4" }), spec(), "workers.nodes[2]")).toThrow(/^workers\.nodes\[2\]: node IP 172\.30\.4\.4 lies inside 172\.30\.0\.0\/16/);
    expect(() => validateNodeIdentity(node({ name: "Bad_Name" }), spec())).toThrow(/^node\.name: /);
    expect(validateNodeIdentity(node(), spec()).name).toBe("lab-default-lab-z1-1");
  });
});

describe("containerd", () => {
  test("CRI with the bundled pause image, restricted oom_score_adj, cgroupfs on the lab", () => {
    const c = containerdConfig(spec(), lab.containerd);
    expect(c).toContain('sandbox_image = "registry.k8s.io/pause:3.10.2"');
    expect(c).toContain("restrict_oom_score_adj = true");
    expect(c).toContain("SystemdCgroup = false");
    expect(c).toContain('snapshotter = "overlayfs"');
    expect(c).toContain('bin_dir = "/usr/lib/cni"');
    expect(containerdConfig(spec(), nodeOptionsFor({ cgroupVersion: 2, systemdCgroups: true }).containerd)).toContain("SystemdCgroup = true");
  });
});

describe("master proxy", () => {
  test("balances over every master, on loopback, with health checks", () => {
    const c = masterProxyConfig(spec());
    expect(c).toContain("bind 127.0.0.1:6443");
    expect(c.match(/^  server master-\d+ [\d.]+:6443 check$/gm)).toEqual([
      "  server master-1 10.88.1.4:6443 check",
      "  server master-2 10.88.2.4:6443 check",
      "  server master-3 10.88.3.4:6443 check",
    ]);
    expect(c).toContain("mode tcp");
    expect(c).toMatch(/fall 2 rise 2 on-marked-down shutdown-sessions/);
  });
});

describe("kubelet", () => {
  test("webhook authn/authz, no anonymous access, cluster DNS, cgroup v1 allowed on the lab", () => {
    const c = parse(kubeletConfig(spec(), node(), lab.kubelet));
    expect(c.kind).toBe("KubeletConfiguration");
    expect(c.authentication.anonymous.enabled).toBe(false);
    expect(c.authentication.webhook.enabled).toBe(true);
    expect(c.authorization.mode).toBe("Webhook");
    expect(c.failCgroupV1).toBe(false);
    expect(c.cgroupDriver).toBe("cgroupfs");
    expect(c.clusterDNS).toEqual(["172.21.0.10"]);
    expect(c.readOnlyPort).toBe(0);
    expect(c.registerWithTaints).toEqual([]);
  });
  test("rotates its client and serving certificates (serving by CSR), seccomp by default, strong TLS (CIS 4.2.10-4.2.14)", () => {
    const c = parse(kubeletConfig(spec(), node(), lab.kubelet));
    expect(c.rotateCertificates).toBe(true);
    expect(c.serverTLSBootstrap).toBe(true);
    // No serving files: a tlsCertFile would be served instead of the certificate the kubelet renews.
    expect(c.tlsCertFile).toBeUndefined();
    expect(c.tlsPrivateKeyFile).toBeUndefined();
    expect(c.seccompDefault).toBe(true);
    expect(c.podPidsLimit).toBeGreaterThan(0);
    expect(c.tlsMinVersion).toBe("VersionTLS12");
    expect(c.tlsCipherSuites).toContain("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    expect(c.tlsCipherSuites.some((s: string) => /CBC|RC4|3DES/.test(s))).toBe(false);
  });
  test("taints from the pool; labels as one sorted flag; node IP is the private one", () => {
    const n = node({ taints: [{ key: "dedicated", value: "metal", effect: "NoSchedule" }, { key: "gpu", effect: "NoExecute" }] });
    expect(parse(kubeletConfig(spec(), n, lab.kubelet)).registerWithTaints).toEqual([
      { key: "dedicated", value: "metal", effect: "NoSchedule" },
      { key: "gpu", effect: "NoExecute" },
    ]);
    const flags = kubeletFlags(n);
    expect(flags).toContain("--node-ip=10.88.1.16");
    expect(flags).toContain("--node-labels=keelson.dev/hardware=virtual,keelson.dev/worker-pool=default,topology.kubernetes.io/zone=lab-z1");
  });
  test("kubeconfig goes through the master proxy and keys are 0600", () => {
    const files = kubeletFiles(spec(), node(), pems, lab);
    const kc = files.find((f) => f.path === "/etc/kubernetes/kubelet.kubeconfig")!;
    expect(kc.mode).toBe("0600");
    expect(parse(kc.content).clusters[0].cluster.server).toBe("https://127.0.0.1:6443");
    expect(parse(kc.content).users[0].name).toBe("system:node:lab-default-lab-z1-1");
    expect(files.find((f) => f.path.endsWith("kubelet.key"))!.mode).toBe("0600");
  });
});

describe("kube-proxy", () => {
  test("iptables mode, pod subnet as cluster CIDR, conntrack left to the machine", () => {
    const c = parse(kubeProxyConfig(spec(), node()));
    expect(c.mode).toBe("iptables");
    expect(c.clusterCIDR).toBe("172.30.0.0/16");
    expect(c.conntrack.maxPerCore).toBe(0);
    const kc = kubeProxyFiles(spec(), node(), pems).find((f) => f.path.endsWith("kube-proxy.kubeconfig"))!;
    expect(parse(kc.content).users[0].user["client-certificate-data"]).toBe(Buffer.from("PCERT").toString("base64"));
  });
});

describe("pod network", () => {
  test("flannel: VXLAN over the pod subnet, direct routes within a subnet when cross-subnet", () => {
    expect(JSON.parse(flannelNetConf(spec()))).toEqual({ Network: "172.30.0.0/16", EnableIPv4: true, Backend: { Type: "vxlan", VNI: 1, Port: 8472, DirectRouting: true } });
    expect(JSON.parse(flannelNetConf(spec({ podNetwork: { crossSubnet: false, vxlanPort: 4789, vni: 4 } }))).Backend).toEqual({ Type: "vxlan", VNI: 4, Port: 4789, DirectRouting: false });
    const unit = flannelUnit(node());
    expect(unit).toContain("--iface=10.88.1.16");
    expect(unit).toContain("--ip-masq");
    expect(unit).toContain("Environment=NODE_NAME=lab-default-lab-z1-1");
  });

  test.each([
    ["172.30.3.1/24", "172.30.3.0/24", "172.30.3.1"],
    ["10.244.17.129/25", "10.244.17.128/25", "10.244.17.129"],
  ])("the CNI config script turns flannel's lease %s into a bridge + host-local conflist", (lease, subnet, gw) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-cni-"));
    try {
      const env = path.join(dir, "subnet.env");
      const out = path.join(dir, "10-keelson.conflist");
      fs.writeFileSync(env, `FLANNEL_NETWORK=172.30.0.0/16\nFLANNEL_SUBNET=${lease}\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n`);
      const script = cniRenderScript().split(FLANNEL_SUBNET_ENV).join(env).split(CNI_CONFLIST).join(out);
      const first = execFileSync("bash", ["-c", script], { encoding: "utf8" });
      expect(first).toContain(`wrote ${out} for ${subnet}`);
      const conf = JSON.parse(fs.readFileSync(out, "utf8"));
      expect(conf.cniVersion).toBe("1.0.0");
      expect(conf.plugins[0]).toMatchObject({ type: "bridge", bridge: "cni0", isGateway: true, mtu: 1450 });
      expect(conf.plugins[0].ipam.ranges).toEqual([[{ subnet, gateway: gw }]]);
      expect(conf.plugins[1].type).toBe("portmap");
      // Unchanged lease: the file is left alone.
      expect(execFileSync("bash", ["-c", script], { encoding: "utf8" })).toBe("");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  test("files: flannel's kubeconfig is secret and names its RBAC user", () => {
    const files = podNetworkFiles(spec(), node(), pems);
    const kc = files.find((f) => f.path.endsWith("flannel.kubeconfig"))!;
    expect(kc.mode).toBe("0600");
    expect(parse(kc.content).users[0].name).toBe("keelson:flannel");
    const rbac = nodeAgentsRbacObjects() as any[];
    expect(rbac[1].subjects[0].name).toBe("keelson:flannel");
    expect(rbac[0].rules).toContainEqual({ apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] });
  });
});

describe("network policy agent (kube-router)", () => {
  test("runs only the policy controller, for this node, with the cluster's service range", () => {
    const files = networkPolicyFiles(spec(), node(), pems);
    const unit = files.find((f) => f.path === "/etc/systemd/system/kube-router.service")!.content;
    const args = unit.split("\n").map((l) => l.trim().replace(/ \\$/, ""));
    for (const a of ["--run-firewall=true", "--run-router=false", "--run-service-proxy=false", "--enable-cni=false", `--hostname-override=${node().name}`, `--service-cluster-ip-range=${spec().serviceSubnet}`, "--service-node-port-range=30000-32767"]) {
      expect(args).toContain(a);
    }
    expect(unit).toMatch(/^After=.*flanneld\.service/m);
  });
  test("its kubeconfig is secret, names its RBAC user, and that user may read what policies select but write nothing", () => {
    const kc = networkPolicyFiles(spec(), node(), pems).find((f) => f.path.endsWith("kube-router.kubeconfig"))!;
    expect(kc.mode).toBe("0600");
    const user = parse(kc.content).users[0];
    expect(user.name).toBe("keelson:kube-router");
    expect(Buffer.from(user.user["client-key-data"], "base64").toString()).toBe("RKEY");
    const rbac = nodeAgentsRbacObjects() as any[];
    const role = rbac.find((o) => o.kind === "ClusterRole" && o.metadata.name === "keelson:kube-router");
    const binding = rbac.find((o) => o.kind === "ClusterRoleBinding" && o.metadata.name === "keelson:kube-router");
    expect(binding.subjects[0].name).toBe("keelson:kube-router");
    expect(role.rules).toContainEqual({ apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] });
    for (const r of role.rules) expect(r.verbs).toEqual(["get", "list", "watch"]);
  });
});

describe("host policies", () => {
  test("the rules, the script that finds the interfaces by address, and a boot-time oneshot that keeps them", () => {
    const files = hostPolicyFiles(spec({ preDnatPolicies: [{ id: "global/x", interfaces: ["public"], ingress: [{ action: "Deny", protocol: "TCP", destination: { ports: ["30000:32767"] } }] }] }), node());
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    const rules = byPath["/etc/keelson/host-policy/host-policy.rules"].content;
    expect(rules).toContain("--dports 30000:32767 -j DROP");
    // Both tables in one file (one iptables-restore applies them together); no normal policy here, so the filter chains are empty.
    expect(rules).toMatch(/\*mangle[\s\S]*COMMIT\n\*filter\n:KEELSON-HOST-IN-PUBLIC - \[0:0\][\s\S]*COMMIT\n$/);
    expect(rules).not.toContain("-A KEELSON-HOST-");
    const script = byPath["/usr/local/lib/keelson/host-policy.sh"];
    expect(script.mode).toBe("0755");
    expect(execFileSync("bash", ["-n"], { input: script.content, encoding: "utf8" })).toBe("");
    const unit = byPath["/etc/systemd/system/keelson-host-policy.service"].content;
    expect(unit).toContain("RemainAfterExit=yes");
    expect(unit).toContain("WantedBy=multi-user.target");
    expect(unit).toContain(`Environment=PRIVATE_IP=${node().privateIp}`);
    expect(unit).toContain(`Environment=PUBLIC_IP=${node().publicIp}`);
  });
});

describe("bundles and commands", () => {
  test("unit files, kubeconfigs and the kubelet config are 0600 (CIS 4.1.1, 4.1.5, 4.1.9)", () => {
    const files = [...masterProxyFiles(spec()), ...podNetworkFiles(spec(), node(), pems), ...kubeletFiles(spec(), node(), pems, lab), ...kubeProxyFiles(spec(), node(), pems)];
    const units = files.filter((f) => f.path.startsWith("/etc/systemd/system/"));
    expect(units.length).toBeGreaterThanOrEqual(5);
    for (const f of [...units, ...files.filter((f) => /kubeconfig$|\/var\/lib\/kubelet\/config\.yaml$/.test(f.path))]) expect(`${f.path} ${f.mode}`).toBe(`${f.path} 0600`);
  });
  test("each daemon's bundle holds its unit", () => {
    expect(containerdFiles(spec(), lab).map((f) => f.path)).toEqual(["/etc/containerd/config.toml"]);
    expect(masterProxyFiles(spec()).map((f) => f.path)).toContain("/etc/systemd/system/keelson-master-proxy.service");
    expect(podNetworkFiles(spec(), node(), pems).map((f) => f.path)).toEqual(
      expect.arrayContaining(["/etc/systemd/system/flanneld.service", "/etc/systemd/system/keelson-cni.path", "/etc/systemd/system/keelson-cni.service"]),
    );
  });
  test("applyCommand restarts every unit it is given, after `before`", () => {
    const c = applyCommand(["flanneld", "keelson-cni.path"], { before: "mkdir -p /x", after: "check" });
    expect(c.split("\n")).toEqual(["set -e", "sh -s", "mkdir -p /x", "systemctl daemon-reload", "systemctl enable flanneld keelson-cni.path >/dev/null 2>&1", expect.stringMatching(/^systemctl restart flanneld keelson-cni.path \|\| /), "check"]);
  });
  test("applyCommand prints a unit's journal when it fails to start", () => {
    // Stand-ins for systemctl (the unit fails) and journalctl (says whose journal it prints).
    const mockBin = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-apply-"));
    fs.writeFileSync(path.join(mockBin, "systemctl"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    fs.writeFileSync(path.join(mockBin, "journalctl"), '#!/bin/sh\necho "journal of $2"\n', { mode: 0o755 });
    const restart = applyCommand("x").split("\n").find((l) => l.startsWith("systemctl restart")) ?? "";
    const r = spawnSync("sh", ["-c", restart], {
      env: { PATH: `${mockBin}:/usr/bin:/bin` },
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("journal of x");
    fs.rmSync(mockBin, { recursive: true, force: true });
  });
});
