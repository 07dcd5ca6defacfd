// The ControlPlane component under Pulumi mocks: which resources it registers,
// that every bundle carrying keys is a secret, and that bad input fails before
// any resource exists.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** What the backup key (components/control/backupKey.ts) gives, in the shape age makes. */
const AGE_RECIPIENT = "age1" + "q".repeat(58);
const registered: { type: string; name: string; inputs: any }[] = [];
pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type.startsWith("pulumi-nodejs:dynamic")) {
        Object.assign(state, {
          certPem: `CERT(${args.name})`,
          keyPem: `KEY(${args.name})`,
          publicKeyPem: `PUB(${args.name})`,
          value: Buffer.alloc(32, 1).toString("base64"),
          certSha256: "0".repeat(64), recipient: AGE_RECIPIENT, identity: "AGE-SECRET-KEY-1TEST",
        });
      }
      return { id: `${args.name}-id`, state };
    },
    call: () => ({}),
  },
  "keelson",
  "test",
);

import { LocalMirrorSource, ReleaseUrlSource } from "../../../components/bootstrap/artifacts";
import { ControlPlane } from "../../../components/control/controlPlane";
import type { ProvisionedHost } from "../../../components/infra/driver";

const mirror = fs.mkdtempSync(path.join(os.tmpdir(), "mirror-"));
for (const [p, v, names] of [
  ["kubernetes", "v1.36.3", ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"]],
  ["etcd", "v3.6.17", ["etcd", "etcdctl", "etcdutl"]],
  ["etcd", "v3.5.36", ["etcd"]],
] as const) {
  fs.mkdirSync(path.join(mirror, p, v, "bin"), { recursive: true });
  for (const n of names) fs.writeFileSync(path.join(mirror, p, v, "bin", n), `#!/bin/sh\necho ${n}\n`);
}
afterAll(() => fs.rmSync(mirror, { recursive: true, force: true }));

class Ready extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Ready", name, {});
  }
}

function host(i: number, zone: string): ProvisionedHost {
  return {
    spec: {
      name: `m${i}`,
      role: "master",
      zone,
      flavor: "lab",
      hardware: "virtual",
      cpu: 2,
      memoryMiB: 2048,
      privateSegment: `${zone}-private`,
      privateIp: `10.${i}.0.11`,
      labels: {},
      taints: [],
    },
    connection: { host: `10.${i}.0.11`, user: "root", privateKey: pulumi.secret("KEY") },
    ready: new Ready(`m${i}-ready`),
    instance: `m${i}-instance`,
    traits: { cgroupVersion: 2 as const, systemdCgroups: true },
  };
}

const args = () => ({
  clusterName: "c1",
  kubernetesVersion: "v1.36.3",
  serviceSubnet: "172.21.0.0/16",
  podSubnet: "172.30.0.0/16",
  masters: [host(1, "dal10"), host(2, "dal12"), host(3, "dal13")],
  artifacts: new LocalMirrorSource("v1.36.3", "v3.6.17", mirror),
  kubeletServingApproverBinary: process.execPath,
});

const promise = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));
const isSecret = (o: pulumi.Output<unknown>) => (o as any).isSecret as Promise<boolean>;

describe("ControlPlane", () => {
  it("registers a MasterBootstrap with etcd, apiserver, controller-manager and scheduler per master", async () => {
    const cp = new ControlPlane("cp", args());
    // `ready` is registered once every daemon's step is.
    await promise(cp.ready.urn);
    const names = registered.map((r) => r.name);
    for (const m of ["m1", "m2", "m3"]) {
      for (const step of ["binaries-push", "binaries-install", "etcd", "etcd-ready", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]) {
        expect(names).toContain(`cp-${m}-${step}`);
      }
      expect(names).toContain(`cp-pki-etcd-${m}`);
      // One step per etcd release a member may move through (render/etcdRelease.ts), each for its own release.
      for (const v of ["v3.5.36", "v3.6.17"]) {
        const step = registered.find((r) => r.name === `cp-${m}-etcd-${v}`);
        expect(step?.inputs.create).toContain(`moving this member from $cur to ${v.slice(1)}`);
      }
    }
    // Every master gets both servers, under their versions; etcd itself is the release step's link.
    const install = registered.find((r) => r.name === "cp-m1-binaries-install")!;
    for (const f of ["etcd-v3.5.36", "etcd-v3.6.17", "etcdctl", "etcdutl"]) expect(install.inputs.create).toContain(`install -m 0755 ${f} /usr/local/bin/${f}`);
    expect(install.inputs.create).not.toContain("/usr/local/bin/etcd\n");
    expect(registered.filter((r) => r.type === "keelson:control:MasterBootstrap").map((r) => r.inputs.zone).sort()).toEqual(["dal10", "dal12", "dal13"]);
    for (const c of ["kubernetes-ca", "etcd-ca", "front-proxy-ca", "apiserver", "admin", "service-account", "encryption-key"]) {
      expect(names).toContain(`cp-pki-${c}`);
    }
    expect(cp.apiServerEndpoints).toEqual(["https://10.1.0.11:6443", "https://10.2.0.11:6443", "https://10.3.0.11:6443"]);
    expect(cp.privateEndpoint).toBe("https://10.1.0.11:6443");
  });

  it("bundles with keys and the admin kubeconfig are secrets; the kubeconfig points at the endpoint", async () => {
    const cp = new ControlPlane("cp2", args());
    const r = cp.replicas[0];
    for (const c of [r.etcd, r.apiserver, r.controllerManager, r.scheduler]) {
      expect(await isSecret(c.stdin as pulumi.Output<string>)).toBe(true);
    }
    expect(await isSecret(cp.adminKubeconfig)).toBe(true);
    const kc = await promise(cp.adminKubeconfig);
    expect(kc).toContain("server: https://10.1.0.11:6443");
    const stdin = await promise(r.apiserver.stdin as pulumi.Output<string>);
    expect(stdin).toContain("/etc/kubernetes/encryption-config.yaml");
  });

  it("with backups: a key pair whose identity is a secret, and on every master the age binary and the backup tools encrypting to its recipient", async () => {
    const cp = new ControlPlane("cpb", { ...args(), backup: { everyHours: 6, keep: 4, ageBinary: process.execPath } });
    await promise(cp.ready.urn);
    expect(await isSecret(cp.backupIdentity!)).toBe(true);
    const names = registered.map((r) => r.name);
    for (const m of ["m1", "m2", "m3"]) for (const step of ["age", "etcd-backup"]) expect(names).toContain(`cpb-${m}-${step}`);
    const stdin = await promise(cp.replicas[1].backup!.stdin as pulumi.Output<string>);
    const files = Buffer.from(stdin.match(/keelson-etcd-backup.keelson-new <<'KEELSON_EOF_0'\n([\s\S]*?)\nKEELSON_EOF_0/)![1].replace(/\n/g, ""), "base64").toString();
    expect(files).toContain(`-r '${AGE_RECIPIENT}'`);
    expect(files).toContain("c1-$stamp-m2-dal12.tar.age");
    const info = await promise(cp.backupInfo!);
    expect(info).toMatchObject({ clusterName: "c1", keep: 4, everyHours: 6, directory: ".keelson/backups/test" });
    expect(info.masters.map((m) => [m.name, m.host, m.port, m.user])).toEqual([["m1", "10.1.0.11", 22, "root"], ["m2", "10.2.0.11", 22, "root"], ["m3", "10.3.0.11", 22, "root"]]);
  });

  it("the admin kubeconfig uses the private endpoint when both exist (reachable from the pulumi machine)", async () => {
    const a = args();
    a.masters.forEach((m, i) => (m.spec.publicIp = `169.61.0.${11 + i}`));
    const cp = new ControlPlane("cp3", a);
    expect(cp.publicEndpoint).toBe("https://169.61.0.11:6443");
    expect(await promise(cp.adminKubeconfig)).toContain("server: https://10.1.0.11:6443");
    expect(registered.some((r) => r.type === "keelson:control:MasterReplica")).toBe(false);
  });

  it("bad input fails with a field path before any resource is registered", () => {
    const before = registered.length;
    expect(() => new ControlPlane("bad", { ...args(), podSubnet: "172.21.0.0/16" })).toThrow(/controlPlane.podSubnet/);
    expect(() => new ControlPlane("bad-backup", { ...args(), backup: { everyHours: 5, keep: 3 } })).toThrow(/controlPlane.backup.everyHours: 5 must be one of/);
    expect(() => new ControlPlane("bad-age", { ...args(), backup: { everyHours: 8, keep: 3, ageBinary: "/nonexistent/age" } })).toThrow(/controlPlane.backup.ageBinary: \/nonexistent\/age does not exist/);
    expect(() => new ControlPlane("bad2", { ...args(), masters: args().masters.slice(0, 2) })).toThrow(/controlPlane.masters/);
    const worker = host(9, "dal10");
    worker.spec.role = "worker";
    expect(() => new ControlPlane("bad3", { ...args(), masters: [worker, ...args().masters.slice(1)] })).toThrow(/controlPlane.masters\[0\]: .*not master/);
    // Only the hosts' own Ready resources were created by args(), nothing of the control plane.
    expect(registered.slice(before).filter((r) => r.type !== "test:index:Ready")).toEqual([]);
  });

  it("with the release-URL source, each master downloads and verifies instead of receiving a push", async () => {
    const sums = Object.fromEntries(
      ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "etcd-v3.6.17", "etcdctl", "etcdutl"].map((n, i) => [n, String(i).repeat(64)]),
    );
    const cp = new ControlPlane("cp4", { ...args(), artifacts: new ReleaseUrlSource("v1.36.3", "v3.6.17", sums, "f".repeat(64)) });
    await promise(cp.adminKubeconfig);
    const dl = registered.find((r) => r.name === "cp4-m2-binaries-download");
    expect(dl).toBeDefined();
    expect(dl!.inputs.create).toContain("curl -fsSL --retry 5 -o kube-apiserver https://dl.k8s.io/release/v1.36.3/bin/linux/amd64/kube-apiserver");
    expect(dl!.inputs.create).toContain(`${"f".repeat(64)}  etcd-v3.6.17.tar.gz`);
    expect(dl!.inputs.create).toContain("cp etcd-v3.6.17-linux-amd64/etcdutl etcdutl");
    expect(dl!.inputs.create).toContain("cp etcd-v3.6.17-linux-amd64/etcd etcd-v3.6.17");
    expect(registered.some((r) => r.name === "cp4-m2-binaries-push")).toBe(false);
    expect(() => new ReleaseUrlSource("v1.36.3", "v3.6.17", {}).refs({ kubernetes: ["kubectl"], etcd: [] })).toThrow(/artifacts.sha256.kubectl/);
  });

  it("a missing mirror file is a clear error naming the fix", () => {
    expect(() => new LocalMirrorSource("v9.9.9", "v3.6.17", mirror).refs({ kubernetes: ["kubectl"], etcd: [] })).toThrow(/toolchain\/kubernetes.mjs/);
    expect(() => new LocalMirrorSource("v1.36.3", "v3.6.99", mirror).refs({ kubernetes: [], etcd: ["etcdutl"] })).toThrow(/toolchain\/etcd.mjs/);
  });
});
