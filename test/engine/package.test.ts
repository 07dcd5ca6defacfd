// Keelson as an npm package, the way another team's Pulumi program gets it:
// `npm pack` of the project, then a fresh program in a temporary folder outside
// the repository installs the tarball. Its TypeScript type-checks against the
// shipped .d.ts; the installed `keelson` CLI validates a spec; and `pulumi
// preview` of a Cluster runs through the real engine twice: the classic spec
// (the model only: no driver) and the lab spec with the lab driver, whose
// dynamic providers are serialized from node_modules/keelson and run their
// checks and diffs (a preview creates nothing).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { TOKENS } from "../../components/types";
import { projectRoot, pulumi, pulumiOk, removeStack, uniqueStackName } from "./lib/pulumi";

jest.setTimeout(20 * 60_000);

const rootPackage = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-pkg-"));
const program = path.join(work, "program");
const stacks: string[] = [];
let tarball = "";

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, npm_config_update_notifier: "false" } });
  if (r.error) throw r.error;
  return r;
}

function stackWith(prefix: string, specFile: string): string {
  const stack = uniqueStackName(prefix);
  stacks.push(stack);
  const config = (parse(fs.readFileSync(path.join(projectRoot, "stacks", specFile), "utf8")) as { config: Record<string, unknown> }).config;
  fs.writeFileSync(path.join(program, `Pulumi.${stack}.yaml`), stringify({ config: { "keelson:cluster": config["keelson:cluster"] } }));
  pulumiOk(["stack", "init", stack], { cwd: program });
  return stack;
}

afterAll(() => {
  for (const stack of stacks) removeStack(stack, { cwd: program });
  fs.rmSync(work, { recursive: true, force: true });
});

test("npm pack gives a tarball of the compiled package: JavaScript, .d.ts, the lab scripts; no sources or tests", () => {
  const r = run("npm", ["pack", "--json", "--pack-destination", work], projectRoot);
  expect(r.status).toBe(0);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf("[")));
  tarball = path.join(work, info.filename);
  expect(fs.existsSync(tarball)).toBe(true);
  const files: string[] = info.files.map((f: { path: string }) => f.path);
  for (const f of ["package.json", "dist/components/index.js", "dist/components/index.d.ts", "dist/components/cluster/cluster.d.ts", "dist/components/versions.json", "dist/components/infra/lab/scripts/lab-lib.sh", "dist/components/plugin/provider.js", "bin/keelson.js", "provider/PulumiPlugin.yaml", "provider/index.js"]) expect(files).toContain(f);
  expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
  expect(files.filter((f) => f.startsWith("test/") || f.startsWith("toolchain/") || f.startsWith("stacks/"))).toEqual([]);
});

test("a fresh program outside the repository installs the tarball and type-checks against its types", () => {
  expect(tarball).not.toBe("");
  fs.cpSync(path.join(projectRoot, "test", "engine", "fixtures", "package-consumer"), program, { recursive: true });
  const dev = rootPackage.devDependencies;
  const deps = { keelson: `file:${tarball}`, "@pulumi/pulumi": rootPackage.dependencies["@pulumi/pulumi"], typescript: dev.typescript, "@types/node": dev["@types/node"] };
  fs.writeFileSync(path.join(program, "package.json"), JSON.stringify({ name: "keelson-package-consumer", private: true, dependencies: deps }, null, 2));
  // No install scripts: @pulumi/kubernetes' would download its plugin; the toolchain provides the plugins.
  const install = run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], program);
  expect(install.stderr).not.toMatch(/ERR!/);
  expect(install.status).toBe(0);
  const installed = path.join(program, "node_modules", "keelson");
  expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false); // a copy from the tarball, not a link to the checkout
  expect(fs.existsSync(path.join(installed, "components"))).toBe(false);
  const tsc = run(process.execPath, [path.join(program, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], program);
  expect(tsc.stdout + tsc.stderr).toBe("");
  expect(tsc.status).toBe(0);
});

test("the installed keelson CLI validates a spec and names a bad field", () => {
  const bin = path.join(program, "node_modules", ".bin", "keelson");
  const ok = run(bin, ["validate", path.join(projectRoot, "stacks", "Pulumi.lab.yaml")], program);
  expect(ok.stderr).toBe("");
  expect(ok.stdout).toContain("ok: cluster lab (lab), 3 zone(s), 3 masters, 4 workers");
  const bad = path.join(work, "bad.yaml");
  fs.writeFileSync(bad, fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.lab.yaml"), "utf8").replace("flavor: lab.v1x1", "flavor: lab.huge"));
  const refused = run(bin, ["validate", bad], program);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain("workerPools[0].flavor: unknown flavor lab.huge");
});

test("preview of the classic spec through the real engine: the model's component tree, from the package", () => {
  const stack = stackWith("pkg-classic", "Pulumi.classic.yaml");
  const out = pulumiOk(["preview", "--stack", stack, "--json"], { cwd: program });
  const steps: { op: string; urn: string; newState?: { type: string } }[] = JSON.parse(out).steps;
  const types = steps.filter((s) => s.op === "create").map((s) => s.newState?.type);
  expect(types.filter((t) => t === TOKENS.Cluster)).toHaveLength(1);
  expect(types.filter((t) => t === TOKENS.MasterReplica)).toHaveLength(3);
  expect(types.filter((t) => t === TOKENS.Worker)).toHaveLength(8);
});

test("preview of the lab spec with the lab driver: hosts, bootstrap and the cluster's provider, from the package", () => {
  const stack = stackWith("pkg-lab", "Pulumi.lab.yaml");
  const r = pulumi(["preview", "--stack", stack, "--json"], { cwd: program });
  expect(r.stderr).not.toMatch(/Cannot find module|ERR_PACKAGE_PATH_NOT_EXPORTED/);
  expect(r.status).toBe(0);
  const steps: { op: string; newState?: { type: string } }[] = JSON.parse(r.stdout).steps;
  const types = steps.filter((s) => s.op === "create").map((s) => s.newState?.type);
  expect(types.filter((t) => t?.endsWith(":LabHost"))).toHaveLength(7);
  expect(types).toContain("pulumi:providers:kubernetes");
  expect(types.filter((t) => t === "command:remote:Command").length).toBeGreaterThan(10);
  // Nothing was created on the machine: a preview only plans.
  expect(pulumiOk(["stack", "export", "--stack", stack], { cwd: program })).not.toContain(":LabHost");
});
