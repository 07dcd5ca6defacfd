// The policy pack on the real engine: `pulumi preview --policy-pack policies`
// through Keelson's runner (same toolchain, backend and passphrase as
// `npm run pulumi`), on (a) the lab stack's config file, byte for byte, and
// (b) a deliberately broken copy of it.
//
// The program is the model fixture (test/engine/fixtures/model): the component
// tree index.ts builds from the same config, with no infrastructure driver. The
// real program with the lab driver would, even in a preview, need the
// Kubernetes binaries (it hashes and packs them for the hosts) and write the
// topology picture into .keelson/; the policies only judge the Keelson
// components and the secrets in state, which are the same here.
//
// Throwaway stacks live in the fixture folder (git-ignored) and are removed.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { DEFAULT_KUBERNETES_VERSION } from "../../components/releases";
import { pulumi, pulumiOk, projectRoot, uniqueStackName, PulumiResult } from "./lib/pulumi";

const fixture = path.join(__dirname, "fixtures", "model");
const opts = { cwd: fixture, timeoutMs: 5 * 60_000 };
const policyPack = path.join(projectRoot, "policies");
const labConfig = fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.lab.yaml"), "utf8");
const stacks: string[] = [];

jest.setTimeout(10 * 60_000);

function newStack(prefix: string, configText: string): string {
  const stack = uniqueStackName(prefix);
  stacks.push(stack);
  fs.writeFileSync(path.join(fixture, `Pulumi.${stack}.yaml`), configText);
  pulumiOk(["stack", "init", stack], opts);
  return stack;
}

function preview(stack: string, packConfig?: object): PulumiResult & { out: string } {
  const config = packConfig ? [`--policy-pack-config`, writeConfig(stack, packConfig)] : [];
  const r = pulumi(["preview", "--stack", stack, "--policy-pack", policyPack, ...config], opts);
  return { ...r, out: r.stdout + r.stderr };
}

/** A policy pack config file (as a team keeps beside its stacks), in the fixture folder, removed with the stack. */
function writeConfig(stack: string, config: object): string {
  const file = path.join(fixture, `policy-config.${stack}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

/** The policies the engine reported at `level`, e.g. "[mandatory]  encryption-at-rest  (keelson:index:Cluster: lab)". */
function reported(out: string, level: "mandatory" | "advisory"): string[] {
  return [...new Set([...out.matchAll(new RegExp(`\\[${level}\\]\\s+([a-z0-9-]+)`, "g"))].map((m) => m[1]))].sort();
}

/**
 * The lab config with one mistake per policy that a stack config can reach (the
 * spec's own validation refuses the others, an unsupported Kubernetes version
 * among them: kubernetes-version-supported is reached through the pack's config,
 * a team that allows only a release this Keelson does not build).
 */
function brokenLab(): string {
  const doc = parseYaml(labConfig);
  const c = doc.config["keelson:cluster"];
  c.serviceEndpoints = { ...c.serviceEndpoints, public: true, publicAllowlist: ["0.0.0.0/0"] }; // public-endpoint-allowlist
  c.apiserver = { encryptionAtRest: false, auditLogging: false, anonymousAuth: true }; // the three apiserver switches
  // private-lb-prednat (advisory): the echo LoadBalancer goes private and the preDNAT policy goes away.
  const echo = c.loadBalancers.find((l: { name: string }) => l.name === "echo");
  expect(echo).toBeDefined();
  echo.network = "private";
  expect(c.network.calico.policies.some((p: { preDnat?: boolean }) => p.preDnat)).toBe(true);
  c.network.calico.policies = [];
  return stringifyYaml(doc);
}

afterAll(() => {
  for (const stack of stacks) {
    pulumi(["stack", "rm", "--yes", "--force", stack], opts);
    fs.rmSync(path.join(fixture, `Pulumi.${stack}.yaml`), { force: true });
    fs.rmSync(path.join(fixture, `policy-config.${stack}.json`), { force: true });
  }
});

test("the lab stack's config passes the pack (the advisory workers-per-zone is only printed)", () => {
  const stack = newStack("policy-lab", labConfig);
  const r = preview(stack);
  if (r.status !== 0) throw new Error(`preview of the lab config failed (exit ${r.status}):\n${r.out.slice(-8000)}`);
  expect(reported(r.out, "mandatory")).toEqual([]);
  // The pack really ran and saw the components' props: the lab's one-worker-per-zone pools get the advice.
  expect(reported(r.out, "advisory")).toEqual(["workers-per-zone"]);
  expect(r.out).toContain('WorkerPool "lab-default" has 1 worker(s) per zone in lab-z1, lab-z2, lab-z3');
  // A preview creates nothing.
  const state = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], opts));
  expect(state.deployment.resources ?? []).toEqual([]);
});

test("a broken copy of the lab config fails the preview, naming every violated policy with its message", () => {
  const stack = newStack("policy-broken", brokenLab());
  const r = preview(stack, { "kubernetes-version-supported": { supportedVersions: ["1.99"] } });
  expect(r.status).not.toBe(0);
  expect(reported(r.out, "mandatory")).toEqual(
    ["anonymous-auth-disabled", "audit-logging", "encryption-at-rest", "kubernetes-version-supported", "public-endpoint-allowlist"].sort(),
  );
  expect(reported(r.out, "advisory")).toEqual(["private-lb-prednat", "workers-per-zone"]);
  for (const text of [
    `Cluster "lab" runs Kubernetes "${DEFAULT_KUBERNETES_VERSION}", which Keelson does not support (supported: 1.99)`,
    'Cluster "lab" allows 0.0.0.0/0 on its public service endpoint, which is everyone',
    'Cluster "lab" sets apiserver.encryptionAtRest: false',
    'Cluster "lab" sets apiserver.auditLogging: false',
    'Cluster "lab" sets apiserver.anonymousAuth: true',
    "is private, but its NodePort is still open on every worker's public interface",
  ]) {
    expect(r.out).toContain(text);
  }
  const state = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], opts));
  expect(state.deployment.resources ?? []).toEqual([]);
});
