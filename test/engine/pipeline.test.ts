// The GitOps steps (scripts/pipeline.mjs, docs/pipelines.md) on throw-away
// stacks, run exactly as the example pipelines run them:
// - a Keelson cluster model (the model fixture, the classic spec): preview with
//   the policy pack saves a plan, apply applies exactly it, a plan the stack has
//   moved past is refused, a program that strays from its plan fails, and a
//   mandatory policy violation fails the preview with no plan saved;
// - lab hosts (the lab fixture, one per zone): drift is nothing after apply,
//   then a host killed outside Pulumi is reported by name and field, and up
//   converges it again.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { crashHost } from "../../components/infra/lab/crash";
import { TOKENS } from "../../components/types";
import { projectRoot, pulumi, pulumiOk, removeStack, uniqueStackName } from "./lib/pulumi";

jest.setTimeout(20 * 60_000);

const script = path.join(projectRoot, "scripts", "pipeline.mjs");
const modelFixture = path.join(__dirname, "fixtures", "model");
const labFixture = path.join(__dirname, "fixtures", "lab");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-pipeline-"));
const created: { stack: string; cwd: string }[] = [];

interface StepResult {
  status: number;
  stdout: string;
  stderr: string;
  out: string;
}

function step(args: string[]): StepResult {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: projectRoot, encoding: "utf8", maxBuffer: 256 << 20, timeout: 15 * 60_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, out: r.stdout + r.stderr };
}

/** Every JSON document in a stream of them (pretty-printed or one a line). */
function jsonDocuments(text: string): Record<string, any>[] {
  const docs: Record<string, any>[] = [];
  let depth = 0, start = -1, inString = false, escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && --depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)));
  }
  return docs;
}

function newStack(prefix: string, cwd: string, configText: string): string {
  const stack = uniqueStackName(prefix);
  created.push({ stack, cwd });
  fs.writeFileSync(path.join(cwd, `Pulumi.${stack}.yaml`), configText);
  pulumiOk(["stack", "init", stack], { cwd });
  return stack;
}

function resources(stack: string, cwd: string): { urn: string; type: string; outputs?: Record<string, unknown> }[] {
  return JSON.parse(pulumiOk(["stack", "export", "--stack", stack], { cwd })).deployment.resources ?? [];
}

const classic = fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.classic.yaml"), "utf8");
function classicWith(edit: (c: Record<string, any>) => void): string {
  const doc = parseYaml(classic);
  edit(doc.config["keelson:cluster"]);
  return stringifyYaml(doc);
}

afterAll(() => {
  for (const { stack, cwd } of created) {
    removeStack(stack, { cwd });
    fs.rmSync(path.join(cwd, `Pulumi.${stack}.yaml`), { force: true });
  }
  fs.rmSync(work, { recursive: true, force: true });
});

describe("a cluster model stack", () => {
  let stack = "";
  const plan = path.join(work, "model", "plan.json");

  test("preview runs the policy pack, shows the diff and saves a plan (and the state it was made against)", () => {
    stack = newStack("pipe-model", modelFixture, classic);
    const r = step(["preview", "--stack", stack, "--cwd", modelFixture, "--plan", plan]);
    expect(r.status).toBe(0);
    expect(r.out).toContain("Policy Packs run");
    expect(r.out).toContain("workers-per-zone"); // the advisory policy on the db pool: the pack saw the components
    expect(r.out).toMatch(/\+ 43 to create/);
    expect(fs.existsSync(plan)).toBe(true);
    expect(JSON.parse(fs.readFileSync(`${plan}.keelson.json`, "utf8"))).toMatchObject({ stack, project: modelFixture });
    expect(resources(stack, modelFixture)).toEqual([]); // a preview creates nothing
  });

  test("apply applies exactly the saved plan; the stack then has nothing left to change", () => {
    const r = step(["apply", "--stack", stack, "--cwd", modelFixture, "--plan", plan, "--json"]);
    expect(r.status).toBe(0);
    // --json: stdout is Pulumi's own JSON for a pipeline to post back: the preview's
    // summary, then the update's engine events, one a line, ending with its summary.
    const docs = jsonDocuments(r.stdout);
    expect(docs[0].changeSummary).toEqual({ create: 43 });
    expect(docs.find((d) => d.summaryEvent)?.summaryEvent).toMatchObject({ resourceChanges: { create: 43 }, result: "succeeded" });
    expect(resources(stack, modelFixture).filter((x) => x.type === TOKENS.Worker)).toHaveLength(8);
    pulumiOk(["preview", "--expect-no-changes", "--stack", stack], { cwd: modelFixture });
    // A plan is applied once.
    expect(step(["apply", "--stack", stack, "--cwd", modelFixture, "--plan", plan]).status).toBe(2);
  });

  test("a plan the stack has moved past since its preview is refused, and nothing changes", () => {
    const stale = path.join(work, "model", "stale.json");
    fs.writeFileSync(path.join(modelFixture, `Pulumi.${stack}.yaml`), classicWith((c) => (c.workerPools[0].sizePerZone = 3)));
    expect(step(["preview", "--stack", stack, "--cwd", modelFixture, "--plan", stale]).status).toBe(0);
    // Someone else's up lands first (a refresh or an import would do the same).
    fs.writeFileSync(path.join(modelFixture, `Pulumi.${stack}.yaml`), classic.replace("name: Shop production", "name: Shop production (renamed)"));
    pulumiOk(["up", "--yes", "--skip-preview", "--stack", stack], { cwd: modelFixture });
    const before = resources(stack, modelFixture);
    const r = step(["apply", "--stack", stack, "--cwd", modelFixture, "--plan", stale]);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain(`refusing to apply: stack ${stack} changed since the preview`);
    expect(resources(stack, modelFixture)).toEqual(before);
  });

  test("a program that strays from its saved plan fails to apply instead of doing something else", () => {
    const planned = path.join(work, "model", "planned.json");
    fs.writeFileSync(path.join(modelFixture, `Pulumi.${stack}.yaml`), classicWith((c) => (c.workerPools[0].sizePerZone = 3)));
    expect(step(["preview", "--stack", stack, "--cwd", modelFixture, "--plan", planned]).status).toBe(0);
    // The change request said 3 workers per zone; what reaches apply says 4.
    fs.writeFileSync(path.join(modelFixture, `Pulumi.${stack}.yaml`), classicWith((c) => (c.workerPools[0].sizePerZone = 4)));
    const r = step(["apply", "--stack", stack, "--cwd", modelFixture, "--plan", planned]);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/plan/i);
    // The worker no plan had is not created.
    const workers = resources(stack, modelFixture).filter((x) => x.type === TOKENS.Worker).map((x) => x.urn);
    expect(workers.filter((u) => /-dal1\d-4$/.test(u))).toEqual([]);
  });

  test("a mandatory policy violation fails the preview, naming the policy; no plan is saved", () => {
    const bad = newStack("pipe-policy", modelFixture, classicWith((c) => (c.apiserver = { anonymousAuth: true })));
    const badPlan = path.join(work, "policy", "plan.json");
    const r = step(["preview", "--stack", bad, "--cwd", modelFixture, "--plan", badPlan]);
    expect(r.status).toBe(1);
    expect(r.out).toContain("anonymous-auth-disabled");
    expect(r.out).toContain("mandatory");
    expect(fs.existsSync(badPlan)).toBe(false);
    expect(fs.existsSync(`${badPlan}.keelson.json`)).toBe(false);
  });
});

describe("a stack with lab hosts", () => {
  let stack = "";
  const octet = 160 + 2 * (process.pid % 10);

  test("preview and apply build the hosts; drift finds nothing", () => {
    stack = newStack("pipe-lab", labFixture, stringifyYaml({ config: { "keelson-lab-fixture:hostsPerZone": 1, "keelson-lab-fixture:octet": octet } }));
    const plan = path.join(work, "lab", "plan.json");
    expect(step(["preview", "--stack", stack, "--cwd", labFixture, "--plan", plan, "--no-policy"]).status).toBe(0);
    const applied = step(["apply", "--stack", stack, "--cwd", labFixture, "--plan", plan, "--no-policy"]);
    expect(applied.status).toBe(0);
    expect(resources(stack, labFixture).filter((x) => x.type.endsWith(":LabHost"))).toHaveLength(3);
    const r = step(["drift", "--stack", stack, "--cwd", labFixture, "--json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ stack, drift: false, resources: [] });
  });

  test("a host killed outside Pulumi is drift, named with what changed; up converges it and drift is clean again", async () => {
    const victim = resources(stack, labFixture).find((x) => x.type.endsWith(":LabHost"))!;
    const name = String(victim.outputs?.name);
    crashHost(stack, name);
    let r = step(["drift", "--stack", stack, "--cwd", labFixture, "--json"]);
    for (let i = 0; i < 10 && r.status === 0; i++) {
      await new Promise((res) => setTimeout(res, 2000)); // until the supervisor has reaped it
      r = step(["drift", "--stack", stack, "--cwd", labFixture, "--json"]);
    }
    expect(r.status).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report.drift).toBe(true);
    expect(report.resources).toEqual([{ urn: victim.urn, type: victim.type, change: "changed", fields: ["state"] }]);
    expect(r.stderr).toContain(`drift: ${victim.urn}: changed: state`);
    // Drift detection only looks: the state still says running.
    expect(resources(stack, labFixture).find((x) => x.urn === victim.urn)?.outputs?.state).toBe("running");
    pulumiOk(["up", "--yes", "--refresh", "--stack", stack], { cwd: labFixture });
    expect(step(["drift", "--stack", stack, "--cwd", labFixture]).status).toBe(0);
  });
});
