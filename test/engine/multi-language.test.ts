// Keelson as a multi-language component package (provider/PulumiPlugin.yaml,
// docs/multi-language.md): a Pulumi YAML program outside the repository uses
// keelson:index:Cluster through the real engine, with the YAML language host
// built from github.com/pulumi/pulumi-yaml. Without a driver (the classic
// example spec: the cluster model, 34 resources), which is enough to prove the
// types and the component's construct; a lab spec would build hosts the same
// way the TypeScript Cluster does (it is the same component).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { TOKENS } from "../../components/types";
import { projectRoot, pulumi, pulumiOk, removeStack, uniqueStackName } from "./lib/pulumi";

jest.setTimeout(15 * 60_000);

const provider = path.join(projectRoot, "provider");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-yaml-"));
const opts = { cwd: work };
const spec = parse(fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.classic.yaml"), "utf8")).config["keelson:cluster"];
const stacks: string[] = [];

/** The YAML program: the classic example's spec, field for field, as the component's properties. */
function writeProgram(properties: Record<string, unknown>): void {
  fs.writeFileSync(
    path.join(work, "Pulumi.yaml"),
    stringify({
      name: "keelson-yaml-program",
      runtime: "yaml",
      // What `pulumi package add` records (see docs/multi-language.md for why it is written here).
      packages: { keelson: provider },
      resources: { shop: { type: TOKENS.Cluster, properties } },
      outputs: { hosts: "${shop.hosts}", nodes: "${shop.nodes}", portableSubnets: "${shop.portableSubnets}", apiServerEndpoints: "${shop.apiServerEndpoints}" },
    }),
  );
}

afterAll(() => {
  for (const s of stacks) removeStack(s, opts);
  fs.rmSync(work, { recursive: true, force: true });
});

test("the plugin's schema: keelson:index:Cluster with the spec's fields as typed inputs and typed outputs", () => {
  writeProgram(spec);
  const schema = JSON.parse(pulumiOk(["package", "get-schema", provider], opts));
  const cluster = schema.resources[TOKENS.Cluster];
  expect(cluster.isComponent).toBe(true);
  expect(cluster.requiredInputs).toEqual(["account", "infrastructure", "name", "region", "workerPools", "zones"]);
  expect(cluster.inputProperties.workerPools.items.$ref).toBe("#/types/keelson:index:ClusterWorkerPool");
  expect(schema.types["keelson:index:ClusterWorkerPool"].properties.sizePerZone.type).toBe("integer");
  expect(cluster.properties.hosts.items.$ref).toBe("#/types/keelson:index:ClusterHost");
  expect(cluster.properties.kubeconfig.secret).toBe(true);
});

test("a Pulumi YAML program builds the cluster through the real engine; a second up changes nothing; destroy leaves nothing", () => {
  writeProgram(spec);
  const stack = uniqueStackName("yaml");
  stacks.push(stack);
  pulumiOk(["stack", "init", stack], opts);
  pulumiOk(["up", "--yes", "--skip-preview", "--stack", stack], opts);
  const resources: { type: string; urn: string; parent?: string }[] = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], opts)).deployment.resources;
  const count = (t: string) => resources.filter((r) => r.type === t).length;
  expect(count(TOKENS.Cluster)).toBe(1);
  expect(count(TOKENS.MasterReplica)).toBe(3);
  expect(count(TOKENS.Worker)).toBe(8);
  expect(count(TOKENS.LoadBalancer)).toBe(3);
  const outputs = JSON.parse(pulumiOk(["stack", "output", "--json", "--stack", stack], opts));
  expect(outputs.hosts).toHaveLength(11);
  expect(outputs.hosts.find((h: { name: string }) => h.name === "shop-master-1")).toEqual({ name: "shop-master-1", role: "master", zone: "dal10", privateIp: expect.stringMatching(/^10\.176\.1\./), publicIp: expect.stringMatching(/^198\.51\.100\./) });
  expect(outputs.nodes).toEqual([]); // nodes exist only with hosts (a driver)
  expect(outputs.portableSubnets).toContain("203.0.113.128/28");
  pulumiOk(["preview", "--expect-no-changes", "--stack", stack], opts);
  pulumiOk(["destroy", "--yes", "--stack", stack], opts);
  expect(JSON.parse(pulumiOk(["stack", "export", "--stack", stack], opts)).deployment.resources ?? []).toEqual([]);
});

test("a wrong type is refused by the YAML type checker from the schema; a bad value by the spec's validation, naming the field; nothing is created", () => {
  const stack = uniqueStackName("yaml-bad");
  stacks.push(stack);
  writeProgram(spec);
  pulumiOk(["stack", "init", stack], opts);
  writeProgram({ ...spec, workerPools: [{ ...spec.workerPools[0], sizePerZone: "two" }, ...spec.workerPools.slice(1)] });
  let r = pulumi(["preview", "--stack", stack], opts);
  expect(r.status).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/sizePerZone/);
  expect(r.stdout + r.stderr).toContain("keelson:index:ClusterWorkerPool");
  writeProgram({ ...spec, workerPools: [{ ...spec.workerPools[0], flavor: "b3c.huge" }, ...spec.workerPools.slice(1)] });
  r = pulumi(["up", "--yes", "--skip-preview", "--stack", stack], opts);
  expect(r.status).not.toBe(0);
  expect(r.stdout + r.stderr).toContain("workerPools[0].flavor: unknown flavor b3c.huge");
  const left: { type: string }[] = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], opts)).deployment.resources ?? [];
  expect(left.filter((x) => x.type.startsWith("keelson:"))).toEqual([]);
});
