// The cluster model through the real engine, with no driver: the classic
// example's component tree is created with the contract's types and recorded
// props, a second `up` changes nothing, and a broken spec stops the program
// with every `path: reason` line before anything is created.
import * as fs from "node:fs";
import * as path from "node:path";
import { TOKENS } from "../../components/types";
import { projectRoot, pulumi, pulumiOk, removeStack, uniqueStackName } from "./lib/pulumi";

const fixture = path.join(__dirname, "fixtures", "model");
const opts = { cwd: fixture };
const stacks: string[] = [];

jest.setTimeout(10 * 60_000);

function newStack(prefix: string, configFile: string, edit: (text: string) => string = (t) => t): string {
  const stack = uniqueStackName(prefix);
  stacks.push(stack);
  fs.writeFileSync(path.join(fixture, `Pulumi.${stack}.yaml`), edit(fs.readFileSync(path.join(projectRoot, "stacks", configFile), "utf8")));
  pulumiOk(["stack", "init", stack], opts);
  return stack;
}

interface StateResource {
  urn: string;
  type: string;
  parent?: string;
  inputs?: Record<string, any>;
}

function resources(stack: string): StateResource[] {
  const state = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], opts));
  return state.deployment.resources ?? [];
}

afterAll(() => {
  for (const stack of stacks) {
    removeStack(stack, opts);
    fs.rmSync(path.join(fixture, `Pulumi.${stack}.yaml`), { force: true });
  }
});

test("classic example: the component tree with its recorded props; a second up is a no-op", () => {
  const stack = newStack("model-classic", "Pulumi.classic.yaml");
  pulumiOk(["up", "--yes", "--skip-preview", "--stack", stack], opts);
  const rs = resources(stack).filter((r) => r.type.startsWith("keelson:"));
  const count = (t: string) => rs.filter((r) => r.type === t).length;
  expect(count(TOKENS.Cluster)).toBe(1);
  expect(count(TOKENS.Zone)).toBe(3);
  expect(count(TOKENS.Vlan)).toBe(6);
  expect(count(TOKENS.PortableSubnet)).toBe(7);
  expect(count(TOKENS.MasterReplica)).toBe(3);
  expect(count(TOKENS.Worker)).toBe(8);
  expect(count(TOKENS.LoadBalancer)).toBe(3);
  // Parents in state: every Worker under a WorkerPool, every Zone under the Cluster.
  const byUrn = new Map(rs.map((r) => [r.urn, r]));
  for (const w of rs.filter((r) => r.type === TOKENS.Worker)) expect(byUrn.get(w.parent!)?.type).toBe(TOKENS.WorkerPool);
  for (const z of rs.filter((r) => r.type === TOKENS.Zone)) expect(byUrn.get(z.parent!)?.type).toBe(TOKENS.Cluster);
  // Props are recorded as inputs, for the policy pack.
  const storefront = rs.find((r) => r.type === TOKENS.LoadBalancer && r.inputs?.serviceName === "shop/storefront");
  expect(storefront?.inputs).toMatchObject({ zone: "dal10", network: "public", ip: "203.0.113.5" });
  const outputs = JSON.parse(pulumiOk(["stack", "output", "--json", "--stack", stack], opts));
  expect(outputs.hosts).toHaveLength(11);
  expect(outputs.portableSubnets).toContain("203.0.113.128/28");
  // Deterministic plan: nothing to change on a second run.
  pulumiOk(["up", "--yes", "--skip-preview", "--expect-no-changes", "--stack", stack], opts);
});

test("a broken spec is refused with every problem before anything is created", () => {
  const stack = newStack("model-broken", "Pulumi.lab.yaml", (t) => t.replace("flavor: lab.v1x1", "flavor: lab.huge").replace("encapsulation: vxlan", "encapsulation: ipip"));
  const r = pulumi(["up", "--yes", "--skip-preview", "--stack", stack], opts);
  expect(r.status).not.toBe(0);
  const out = r.stdout + r.stderr;
  expect(out).toContain("workerPools[0].flavor: unknown flavor lab.huge; known lab flavors: lab.v1x1, lab.v2x2, lab.bm2x2");
  expect(out).toContain("network.calico.encapsulation: lab hosts cannot use IP-in-IP (the lab kernel has no ipip support); use vxlan");
  expect(resources(stack).filter((r) => r.type.startsWith("keelson:"))).toEqual([]);
});
