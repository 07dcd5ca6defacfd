#!/usr/bin/env node
// The GitOps steps a pipeline runs (docs/pipelines.md), one command each, so a
// pipeline definition stays thin (examples/pipelines/):
//
//   npm run pipeline -- preview --stack S --plan FILE   on a change request
//       pulumi preview with Keelson's policy pack and the diff; saves the plan
//       (--save-plan) and, beside it, FILE.keelson.json: the stack and a digest
//       of its state at preview time. Exits non-zero on a mandatory policy
//       violation (or any other failure).
//   npm run pipeline -- apply --stack S --plan FILE     on merge
//       refuses (exit 4) when the stack's state is not what the preview saw
//       (someone ran up, refresh or destroy since); otherwise pulumi up --plan
//       FILE: exactly the saved operations, with the policy pack again.
//   npm run pipeline -- drift --stack S                 on a schedule
//       pulumi refresh --preview-only: exit 3 and one line per resource that
//       changed outside Pulumi (its URN, what refresh would do, the fields).
//
// Options: --cwd DIR (the Pulumi project; default this one), --json (stdout is
// machine-readable: Pulumi's own JSON for preview and apply, a drift report for
// drift; everything else goes to stderr), --policy-config FILE (the pack's
// config), --no-policy. The backend and passphrase are the runner's
// (.keelson/ in the checkout) unless PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE(_FILE)
// are set, as a pipeline sets them.
//
// Exit codes: 0 ok, 1 the Pulumi step failed (a policy violation included),
// 2 usage, 3 drift found, 4 the saved plan is stale.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { prepareFor } from "./lib/prepare.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const EXIT = { ok: 0, failed: 1, usage: 2, drift: 3, stalePlan: 4 };
const USAGE = "usage: pipeline.mjs preview|apply|drift --stack S [--plan FILE] [--cwd DIR] [--json] [--policy-config FILE] [--no-policy]";

const say = (msg) => process.stderr.write(`[keelson pipeline] ${msg}\n`);

export function parseArgs(argv, base = process.env.INIT_CWD ?? process.cwd()) {
  // Paths are the user's: `npm run` starts scripts in the project root, INIT_CWD is where it was typed.
  const at = (p) => path.resolve(base, p);
  const [step, ...rest] = argv[0] === "--" ? argv.slice(1) : argv;
  const o = { step, stack: undefined, plan: undefined, cwd: root, json: false, policy: true, policyConfig: undefined };
  const value = (i, flag) => {
    if (i >= rest.length || rest[i].startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return rest[i];
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--stack") o.stack = value(++i, a);
    else if (a === "--plan") o.plan = at(value(++i, a));
    else if (a === "--cwd") o.cwd = at(value(++i, a));
    else if (a === "--policy-config") o.policyConfig = at(value(++i, a));
    else if (a === "--json") o.json = true;
    else if (a === "--no-policy") o.policy = false;
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (!["preview", "apply", "drift"].includes(step)) throw new UsageError(step ? `unknown step ${step}` : "no step given");
  if (!o.stack) throw new UsageError(`${step}: --stack is required`);
  if (step !== "drift" && !o.plan) throw new UsageError(`${step}: --plan FILE is required (where preview saves the plan and apply reads it)`);
  if (step === "drift" && o.plan) throw new UsageError("drift: --plan does not apply");
  return o;
}

class UsageError extends Error {}

/** What "the stack has not moved" means: the same resources and pending operations in its state. */
export function stateDigest(exported) {
  const d = JSON.parse(exported).deployment ?? {};
  return createHash("sha256").update(JSON.stringify({ resources: d.resources ?? [], pending: d.pending_operations ?? [] })).digest("hex");
}

/**
 * What a refresh preview says changed outside Pulumi, from its engine events
 * (`pulumi refresh --preview-only --json` with PULUMI_ENABLE_STREAMING_JSON_PREVIEW:
 * one JSON event a line; the summary form's steps do not carry what the reads
 * found). Drift is a resource whose read found it gone ("delete") or different
 * ("update"); the fields listed are the outputs that differ. Secrets compare as
 * the events print them, "[secret]", so their values never reach the report.
 */
export function driftReport(eventLines) {
  const canonical = (v) => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
  const resources = [];
  for (const line of eventLines.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    const m = JSON.parse(line).resOutputsEvent?.metadata;
    if (!m || m.op === "same" || m.type === "pulumi:pulumi:Stack") continue;
    const before = m.old?.outputs ?? {};
    const after = m.new?.outputs ?? {};
    const gone = m.op === "delete" || m.op === "discard" || !m.new;
    const fields = gone ? [] : [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => canonical(before[k]) !== canonical(after[k])).sort();
    resources.push({ urn: m.urn, type: m.type, change: gone ? "gone" : "changed", fields });
  }
  resources.sort((a, b) => a.urn.localeCompare(b.urn));
  return { drift: resources.length > 0, resources };
}

function pulumiArgs(o) {
  const common = ["--stack", o.stack, "--cwd", o.cwd, "--non-interactive"];
  const policy = o.policy ? ["--policy-pack", path.join(root, "policies"), ...(o.policyConfig ? ["--policy-pack-config", o.policyConfig] : [])] : [];
  return { common, policy };
}

function pulumi(env, args, { capture = false } = {}) {
  const r = spawnSync("pulumi", args, { cwd: root, env, encoding: "utf8", maxBuffer: 256 << 20, stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit" });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout ?? "" };
}

function exportState(env, o) {
  const r = pulumi(env, ["stack", "export", "--stack", o.stack, "--cwd", o.cwd], { capture: true });
  if (r.status !== 0) throw new Error(`could not read the state of stack ${o.stack}`);
  return r.stdout;
}

const metaFile = (plan) => `${plan}.keelson.json`;

export async function runStep(o, env) {
  const { common, policy } = pulumiArgs(o);
  const json = o.json ? ["--json"] : [];
  switch (o.step) {
    case "preview": {
      fs.mkdirSync(path.dirname(o.plan), { recursive: true });
      fs.rmSync(o.plan, { force: true });
      fs.rmSync(metaFile(o.plan), { force: true });
      // The state the plan is a plan against, read before the preview (a preview never writes state).
      const digest = stateDigest(exportState(env, o));
      const r = pulumi(env, ["preview", ...common, ...policy, ...json, ...(o.json ? [] : ["--diff"]), "--save-plan", o.plan]);
      if (r.status !== 0) {
        say(`preview of stack ${o.stack} failed (exit ${r.status}): no plan saved`);
        fs.rmSync(o.plan, { force: true });
        return EXIT.failed;
      }
      fs.writeFileSync(metaFile(o.plan), JSON.stringify({ stack: o.stack, project: o.cwd, stateDigest: digest, createdAt: new Date().toISOString() }, null, 2) + "\n");
      say(`plan saved: ${o.plan} (apply it with: pipeline apply --stack ${o.stack} --plan ${o.plan})`);
      return EXIT.ok;
    }
    case "apply": {
      if (!fs.existsSync(o.plan) || !fs.existsSync(metaFile(o.plan))) {
        say(`no saved plan at ${o.plan} (and ${path.basename(metaFile(o.plan))}): run the preview step first`);
        return EXIT.usage;
      }
      const meta = JSON.parse(fs.readFileSync(metaFile(o.plan), "utf8"));
      if (meta.stack !== o.stack) {
        say(`the plan at ${o.plan} is for stack ${meta.stack}, not ${o.stack}`);
        return EXIT.stalePlan;
      }
      if (stateDigest(exportState(env, o)) !== meta.stateDigest) {
        say(`refusing to apply: stack ${o.stack} changed since the preview of ${meta.createdAt} (an up, refresh, import or destroy ran); preview again`);
        return EXIT.stalePlan;
      }
      const r = pulumi(env, ["up", "--yes", ...common, ...policy, ...json, "--plan", o.plan]);
      if (r.status !== 0) {
        say(`apply of ${o.plan} on stack ${o.stack} failed (exit ${r.status})`);
        return EXIT.failed;
      }
      // A plan is applied once: the state it was made against is gone now.
      fs.rmSync(metaFile(o.plan), { force: true });
      return EXIT.ok;
    }
    case "drift": {
      const r = pulumi({ ...env, PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" }, ["refresh", "--preview-only", "--json", ...common], { capture: true });
      if (r.status !== 0) {
        say(`refresh of stack ${o.stack} failed (exit ${r.status})`);
        return EXIT.failed;
      }
      const report = driftReport(r.stdout);
      if (o.json) process.stdout.write(JSON.stringify({ stack: o.stack, ...report }, null, 2) + "\n");
      for (const d of report.resources) say(`drift: ${d.urn}: ${d.change === "gone" ? "gone" : `changed: ${d.fields.join(", ")}`}`);
      say(report.drift ? `stack ${o.stack}: ${report.resources.length} resource(s) changed outside Pulumi` : `stack ${o.stack}: no drift`);
      return report.drift ? EXIT.drift : EXIT.ok;
    }
  }
  return EXIT.usage;
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`pipeline: ${e.message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  // As `npm run up` prepares: the programs of stacks with hosts hash the binaries they push, even in a preview.
  const env = await prepareFor(root, say, { kubernetes: true });
  return runStep(o, env);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (e) => {
      say(e.message);
      process.exitCode = EXIT.failed;
    },
  );
}
