// Keelson's approver of kubelet serving certificates, as masters get it: its
// config (the plan's nodes and addresses), unit, files and RBAC.
import { controlPlaneRbacObjects } from "../../../components/addons/render/rbac";
import { kubeletServingApproverFiles, type MasterPems } from "../../../components/control/render/bundles";
import { APPROVER_BIN, APPROVER_CONFIG, APPROVER_LEASE, APPROVER_USER, approverConfig, approverUnit } from "../../../components/control/render/kubeletServingApprover";
import { kubeconfigPath } from "../../../components/control/render/paths";
import { validateControlPlaneSpec, type ControlPlaneSpec } from "../../../components/control/render/spec";
import { spec } from "./fixtures";

const pem = { certPem: "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n", keyPem: "-----BEGIN PRIVATE KEY-----\nMA==\n-----END PRIVATE KEY-----\n" };
const pems = { kubernetesCa: pem, kubeletServingApprover: pem } as unknown as MasterPems;

describe("kubelet serving approver", () => {
  test("its config lists every node with its own name and addresses, sorted (the order of the plan does not restart it)", () => {
    const c = JSON.parse(approverConfig(spec));
    expect(c).toEqual({
      nodes: [
        { name: "mycluster-w1-dal10", dnsNames: ["mycluster-w1-dal10"], ips: ["10.10.0.21", "169.45.0.21"] },
        { name: "mycluster-w1-dal12", dnsNames: ["mycluster-w1-dal12"], ips: ["10.12.0.21"] },
      ],
    });
    expect(approverConfig({ ...spec, kubeletServingNodes: [...spec.kubeletServingNodes].reverse() })).toBe(approverConfig(spec));
  });

  test("runs on each master under its own name in the lease, with its own kubeconfig", () => {
    const unit = approverUnit(spec, "mycluster-master-dal12");
    expect(unit).toContain(`ExecStart=${APPROVER_BIN} \\`);
    expect(unit).toContain(`--kubeconfig=${kubeconfigPath("kubelet-serving-approver")}`);
    expect(unit).toContain(`--config=${APPROVER_CONFIG}`);
    expect(unit).toContain("--identity=mycluster-master-dal12");
    expect(unit).toContain(`--lease-name=${APPROVER_LEASE}`);
    expect(unit).toContain("Restart=always");
  });

  test("its kubeconfig and unit are 0600, its config (no secret) 0644", () => {
    const files = kubeletServingApproverFiles(spec, spec.masters[0], pems);
    expect(files.map((f) => [f.path, f.mode])).toEqual([
      [kubeconfigPath("kubelet-serving-approver"), "0600"],
      [APPROVER_CONFIG, "0644"],
      ["/etc/systemd/system/keelson-kubelet-serving-approver.service", "0600"],
    ]);
    expect(files[0].content).toContain(`name: ${APPROVER_USER}`);
  });

  test.each([
    [[{ name: "w1", ips: ["10.0.0.1"] }, { name: "w1", ips: ["10.0.0.2"] }], /kubeletServingNodes\[1\].name: w1 is listed twice/],
    [[{ name: "w1", ips: [] }], /kubeletServingNodes\[0\].ips: required/],
    [[{ name: "w1", ips: ["10.0.0"] }], /kubeletServingNodes\[0\].ips\[0\]: "10.0.0" is not an IPv4 address/],
    [[{ name: "W_1", ips: ["10.0.0.1"] }], /kubeletServingNodes\[0\].name: "W_1" is not a node name/],
  ])("refuses a broken node list %j naming the field", (nodes, re) => {
    expect(() => validateControlPlaneSpec({ ...spec, kubeletServingNodes: nodes } as ControlPlaneSpec)).toThrow(re);
  });

  test("RBAC: reads CSRs, approves for the kubelet-serving signer only, holds only its own lease", () => {
    const objs = controlPlaneRbacObjects() as any[];
    const role = objs.find((o) => o.kind === "ClusterRole" && o.metadata.name === "keelson:kubelet-serving-approver");
    expect(role.rules).toContainEqual({ apiGroups: ["certificates.k8s.io"], resources: ["signers"], resourceNames: ["kubernetes.io/kubelet-serving"], verbs: ["approve"] });
    expect(role.rules.flatMap((r: any) => r.verbs)).not.toContain("*");
    const binding = objs.find((o) => o.kind === "ClusterRoleBinding" && o.metadata.name === "keelson:kubelet-serving-approver");
    expect(binding.subjects).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: APPROVER_USER }]);
    const lease = objs.find((o) => o.kind === "Role" && o.metadata.name === "keelson:kubelet-serving-approver");
    expect(lease.metadata.namespace).toBe("kube-system");
    expect(lease.rules).toContainEqual({ apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [APPROVER_LEASE], verbs: ["get", "update"] });
  });
});
