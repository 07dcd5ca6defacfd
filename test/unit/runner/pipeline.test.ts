// The pipeline steps' pure parts (scripts/pipeline.mjs: plain ESM), in a child
// node process: argument checks, the drift report from refresh's JSON, and the
// state digest that tells apply whether the stack moved since the preview.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const pipeline = path.resolve(__dirname, "..", "..", "..", "scripts", "pipeline.mjs");

function esm<T>(expr: string): T {
  const code = `import * as m from ${JSON.stringify(pipeline)};\nconst out = await (async () => ${expr})();\nprocess.stdout.write(JSON.stringify(out ?? null));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as T;
}

const usage = (argv: string[]) => esm<string>(`(() => { try { m.parseArgs(${JSON.stringify(argv)}); return "ok"; } catch (e) { return e.message; } })()`);

test("arguments: each step's required options, with a message naming what is missing", () => {
  expect(usage(["preview", "--stack", "s", "--plan", "p.json"])).toBe("ok");
  expect(usage(["--", "drift", "--stack", "s", "--json"])).toBe("ok");
  expect(usage(["apply", "--plan", "p.json"])).toBe("apply: --stack is required");
  expect(usage(["apply", "--stack", "s"])).toBe("apply: --plan FILE is required (where preview saves the plan and apply reads it)");
  expect(usage(["drift", "--stack", "s", "--plan", "p"])).toBe("drift: --plan does not apply");
  expect(usage(["deploy", "--stack", "s"])).toBe("unknown step deploy");
  expect(usage(["preview", "--stack", "--plan", "p"])).toBe("--stack needs a value");
  expect(usage(["preview", "--stack", "s", "--plan", "p", "--yes"])).toBe("unknown argument --yes");
  // Relative paths are the user's (npm's INIT_CWD), not the project root npm runs scripts in.
  expect(esm(`m.parseArgs(["preview", "--stack", "s", "--plan", "out/p.json", "--cwd", "prog"], "/home/u/work")`)).toMatchObject({ plan: "/home/u/work/out/p.json", cwd: "/home/u/work/prog" });
});

const outputsEvent = (op: string, urn: string, type: string, before?: object, after?: object) =>
  JSON.stringify({ sequence: 1, resOutputsEvent: { metadata: { op, urn, type, ...(before ? { old: { outputs: before } } : {}), ...(after ? { new: { outputs: after } } : {}) } } });

test("drift, from a refresh preview's events: a resource whose read changed its outputs, or found it gone; same ones and the stack are not drift", () => {
  const events = [
    JSON.stringify({ sequence: 0, preludeEvent: { config: {} } }),
    outputsEvent("update", "urn:s::p::pulumi:pulumi:Stack::p-s", "pulumi:pulumi:Stack", { a: 1 }, { a: 2 }),
    outputsEvent("same", "urn:s::p::lab:LabHost::h1", "lab:LabHost", { state: "running" }, { state: "running" }),
    outputsEvent("update", "urn:s::p::lab:LabHost::h2", "lab:LabHost", { state: "running", spec: { b: 1, a: [1] }, hostKey: "[secret]" }, { spec: { a: [1], b: 1 }, hostKey: "[secret]", state: "stopped" }),
    outputsEvent("delete", "urn:s::p::lab:LabHost::h0", "lab:LabHost", { state: "running" }),
    JSON.stringify({ sequence: 9, summaryEvent: { resourceChanges: { same: 2, update: 1, delete: 1 } } }),
    "",
  ].join("\n");
  expect(esm(`m.driftReport(${JSON.stringify(events)})`)).toEqual({
    drift: true,
    resources: [
      { urn: "urn:s::p::lab:LabHost::h0", type: "lab:LabHost", change: "gone", fields: [] },
      { urn: "urn:s::p::lab:LabHost::h2", type: "lab:LabHost", change: "changed", fields: ["state"] },
    ],
  });
  const clean = [outputsEvent("same", "urn:s::p::lab:LabHost::h1", "lab:LabHost", { state: "running" }, { state: "running" })].join("\n");
  expect(esm(`m.driftReport(${JSON.stringify(clean)})`)).toEqual({ drift: false, resources: [] });
});

test("state digest: the same resources give the same digest whatever the manifest's time; a changed resource or a pending operation does not", () => {
  const state = (time: string, resources: object[], pending: object[] = []) => JSON.stringify({ version: 3, deployment: { manifest: { time }, resources, pending_operations: pending } });
  const r = [{ urn: "u1", outputs: { a: 1 } }];
  const d = (s: string) => esm<string>(`m.stateDigest(${JSON.stringify(s)})`);
  expect(d(state("t1", r))).toBe(d(state("t2", r)));
  expect(d(state("t1", r))).not.toBe(d(state("t1", [{ urn: "u1", outputs: { a: 2 } }])));
  expect(d(state("t1", r))).not.toBe(d(state("t1", r, [{ type: "creating", resource: { urn: "u2" } }])));
  expect(d(JSON.stringify({ version: 3, deployment: {} }))).toBe(d(state("t", [])));
});
