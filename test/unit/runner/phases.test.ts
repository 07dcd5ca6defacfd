// scripts/lib/phases.mjs (plain ESM, in a child node process): which resource ends which phase of a cluster's creation.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const phases = path.resolve(__dirname, "..", "..", "..", "scripts", "lib", "phases.mjs");
const phaseOf = (type: string, urn: string): string | null => {
  const code = `import { phaseOf } from ${JSON.stringify(phases)}; process.stdout.write(JSON.stringify(phaseOf(${JSON.stringify(type)}, ${JSON.stringify(urn)}) ?? null));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};
const urn = (chain: string, name: string) => `urn:pulumi:lab::keelson::${chain}::${name}`;

test("each phase is ended by its resources, read from the URN's parent chain and name; the others end none", () => {
  expect(phaseOf("pulumi-nodejs:dynamic/lab:LabHost", urn("keelson:index:Cluster$pulumi-nodejs:dynamic/lab:LabHost", "lab-master-1"))).toBe("hosts up");
  expect(phaseOf("command:remote:Command", urn("keelson:index:Cluster$keelson:control:ControlPlane$keelson:control:MasterBootstrap$command:remote:Command", "control-plane-lab-master-1-etcd-ready"))).toBe("etcd healthy on every master");
  expect(phaseOf("command:remote:Command", urn("keelson:index:Cluster$keelson:control:ControlPlane$command:remote:Command", "control-plane-ready"))).toBe("apiservers ready");
  expect(phaseOf("command:remote:Command", urn("keelson:index:Cluster$keelson:workers:WorkerNodes$keelson:workers:NodeBootstrap$command:remote:Command", "workers-lab-default-lab-z1-1-ready"))).toBe("nodes Ready");
  expect(phaseOf("kubernetes:apps/v1:Deployment", urn("keelson:index:Cluster$keelson:addons:CoreDns$kubernetes:apps/v1:Deployment", "lab-coredns"))).toBe("add-ons applied");
  expect(phaseOf("pulumi:providers:kubernetes", urn("keelson:index:Cluster$pulumi:providers:kubernetes", "lab-k8s"))).toBeNull();
  // A master's own "-ready" (its member check) is not the control plane's.
  expect(phaseOf("command:remote:Command", urn("keelson:index:Cluster$keelson:control:ControlPlane$keelson:control:MasterBootstrap$command:remote:Command", "control-plane-lab-master-1-member-ready"))).toBeNull();
});
