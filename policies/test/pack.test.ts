// The CrossGuard wiring, driven the way @pulumi/policy's server drives it:
// properties arrive as a protobuf Struct, go through the SDK's own
// deserializeProperties and unknown-checking proxy, then reach our policies.
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { installSecretTracking, readProps, selfTest } from "../lib/engineProps";
import { inventoryPolicy, rulesActivePolicy } from "../lib/clusterPolicy";
import { masterPolicies } from "../masters";
import { workerPolicies } from "../workers";
import { networkingPolicies } from "../networking";
import { securityPolicies } from "../security";
import { secretPolicies } from "../secrets";
import { versionPolicies } from "../versions";
import { BOOTSTRAP_TOKEN, BROKEN_EXPECTATIONS, KUBECONFIG, Part, broken, good } from "../../test/engine/fixtures/policy/cluster";
import { urnOf } from "./helpers";
import { DEFAULTS } from "../rules/config";

/* eslint-disable @typescript-eslint/no-var-requires */
const deserialize = require("@pulumi/policy/deserialize") as { deserializeProperties(s: unknown, proxySecrets: boolean): Record<string, unknown> };
const proxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(v: T): T; unknownStringValue: string };
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(v: unknown): unknown } };

const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
const secret = (value: unknown) => ({ ...SECRET_SIG, value });

installSecretTracking();

/** What @pulumi/policy's server hands a policy as `props` for these wire properties. */
function fromWire(wire: Record<string, unknown>): Record<string, unknown> {
  return proxy.unknownCheckingProxy(deserialize.deserializeProperties(Struct.fromJavaScript(wire), false));
}

const allPolicies = [rulesActivePolicy, ...masterPolicies, ...workerPolicies, ...networkingPolicies, ...securityPolicies, ...secretPolicies, ...versionPolicies] as StackValidationPolicy[];

describe("engine props", () => {
  test("the secret-tracking self-test passes with the pinned @pulumi/policy", () => {
    expect(selfTest()).toBe(true);
  });
  test("the SDK unwraps secrets; we still know their paths, and unknowns become undefined", () => {
    const props = fromWire({ a: secret("s"), b: { c: secret({ d: 1 }), e: "plain" }, f: [1, secret("x")], g: proxy.unknownStringValue });
    // What every other policy sees: plain values (the SDK's behaviour).
    expect(props.a).toBe("s");
    expect(() => props.g).toThrow(/can't be known during preview/);
    const r = readProps(props);
    expect(r.props).toEqual({ a: "s", b: { c: { d: 1 }, e: "plain" }, f: [1, "x"], g: undefined });
    expect([...(r.secretPaths ?? [])].sort()).toEqual(["a", "b.c", "f[1]"]);
  });
});

/** Runs the pack's policies over `parts` (and extra stack resources) as the engine would; returns violations by policy. */
function runPack(
  parts: Part[],
  extra: { urn: string; type: string; name: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[] = [],
  config: Record<string, Record<string, unknown>> = {},
) {
  const byName = new Map(parts.map((p) => [p.name, p]));
  const resources: PolicyResource[] = [];
  const register = (urn: string, type: string, name: string, parentUrn: string | undefined, inputs: Record<string, unknown>, outputs: Record<string, unknown>) => {
    const args = { type, name, urn, props: fromWire(inputs), opts: { parent: parentUrn } } as unknown as ResourceValidationArgs;
    (inventoryPolicy.validateResource as (a: ResourceValidationArgs, r: ReportViolation) => void)(args, () => {
      throw new Error("keelson-inventory must never report");
    });
    resources.push({ urn, type, name, props: fromWire(outputs), parent: undefined } as unknown as PolicyResource);
  };
  for (const p of parts) {
    const parent = p.parent ? urnOf(byName.get(p.parent)!) : undefined;
    // Components register empty outputs (the Node SDK's registerOutputs({})): the props are inputs only.
    register(urnOf(p), p.token, p.name, parent, JSON.parse(JSON.stringify(p.props)), {});
  }
  for (const e of extra) register(e.urn, e.type, e.name, undefined, e.inputs, e.outputs);
  const found: Record<string, { message: string; urn?: string }[]> = {};
  for (const policy of allPolicies) {
    const args = { resources, getConfig: () => config[policy.name] ?? {} } as unknown as StackValidationArgs;
    (policy.validateStack as (a: StackValidationArgs, r: ReportViolation) => void)(args, (message, urn) => {
      (found[policy.name] ??= []).push({ message, urn });
    });
  }
  return found;
}

const STACK_URN = "urn:pulumi:test::keelson::pulumi:pulumi:Stack::keelson-test";

describe("the pack over the engine fixture", () => {
  test("the good cluster, with its kubeconfig and token as secrets, has no violations", () => {
    const found = runPack(good(), [
      { urn: STACK_URN, type: "pulumi:pulumi:Stack", name: "keelson-test", inputs: {}, outputs: { kubeconfig: secret(KUBECONFIG), clusterName: "lab" } },
      { urn: "urn:pulumi:test::keelson::fixture:index:Bootstrap::bootstrap", type: "fixture:index:Bootstrap", name: "bootstrap", inputs: { token: secret(BOOTSTRAP_TOKEN) }, outputs: {} },
    ]);
    expect(found).toEqual({});
  });
  test("the broken cluster violates every policy the engine test expects, each naming the resource and the fix", () => {
    const found = runPack(broken(), [
      { urn: STACK_URN, type: "pulumi:pulumi:Stack", name: "keelson-test", inputs: {}, outputs: { kubeconfig: KUBECONFIG } },
      { urn: "urn:pulumi:test::keelson::fixture:index:Bootstrap::bootstrap", type: "fixture:index:Bootstrap", name: "bootstrap", inputs: { token: BOOTSTRAP_TOKEN }, outputs: {} },
    ]);
    expect(Object.keys(found).sort()).toEqual(Object.keys(BROKEN_EXPECTATIONS).sort());
    for (const [policy, fragment] of Object.entries(BROKEN_EXPECTATIONS)) {
      expect(found[policy].map((v) => v.message)).toContainEqual(expect.stringContaining(fragment));
      for (const v of found[policy]) {
        expect(v.message).toMatch(/Fix: /);
        expect(v.urn).toMatch(/^urn:pulumi:/);
      }
    }
    expect(found["no-plaintext-secrets"].map((v) => v.urn).sort()).toEqual([STACK_URN, "urn:pulumi:test::keelson::fixture:index:Bootstrap::bootstrap"].sort());
  });
  test("a leak both in a resource's inputs and its outputs is reported once", () => {
    const found = runPack([], [
      { urn: "urn:pulumi:test::keelson::command:local:Command::kc", type: "command:local:Command", name: "kc", inputs: { stdin: KUBECONFIG }, outputs: { stdin: KUBECONFIG } },
    ]);
    expect(found["no-plaintext-secrets"]).toHaveLength(1);
  });
  test("a cluster whose settings the inventory never recorded fails keelson-rules-active, naming it", () => {
    // As with keelson-inventory disabled: the engine lists the Cluster, but nothing recorded its inputs.
    const urn = "urn:pulumi:test::keelson::keelson:index:Cluster::unseen";
    // Its outputs may carry props (the Cluster registers some): what counts is that the inventory saw none of the stack's Keelson resources.
    const pool = "urn:pulumi:test::keelson::keelson:index:Cluster$keelson:workers:WorkerPool::unseen-default";
    const resources = [
      { urn, type: "keelson:index:Cluster", name: "unseen", props: { clusterName: "unseen" } },
      { urn: pool, type: "keelson:workers:WorkerPool", name: "unseen-default", props: {} },
    ];
    const args = { resources, getConfig: () => ({}) } as unknown as StackValidationArgs;
    const found: { message: string; urn?: string }[] = [];
    (rulesActivePolicy.validateStack as (a: StackValidationArgs, r: ReportViolation) => void)(args, (message, u) => found.push({ message, urn: u }));
    expect(found).toEqual([{ message: expect.stringMatching(/^Cluster "unseen": .* Fix: keep the keelson-inventory policy enabled/), urn }]);
    // Recorded clusters pass: the good fixture has no violation at all (above).
    expect(runPack(good())["keelson-rules-active"]).toBeUndefined();
  });
  test("two clusters in one stack are judged separately", () => {
    const second = good().map((p) => ({ ...p, name: p.name.replace(/^lab/, "dev"), parent: p.parent?.replace(/^lab/, "dev") }));
    second.splice(second.findIndex((p) => p.name === "dev-master-2"), 1);
    const found = runPack([...good(), ...second]);
    expect(found["masters-replicas"]).toEqual([{ message: expect.stringContaining('Cluster "dev" has 2 master replica(s)'), urn: expect.stringMatching(/::dev$/) }]);
  });
});

describe("levels and settings", () => {
  // What the issue asks for: production sizing and the preDNAT advice are advice; the rest stops a run.
  const ADVISORY = ["keelson-inventory", "workers-per-zone", "private-lb-prednat"];
  test("every policy is mandatory except the advisory ones, and names are unique", () => {
    const levels = Object.fromEntries([inventoryPolicy, ...allPolicies].map((p) => [p.name, p.enforcementLevel]));
    expect(Object.keys(levels)).toHaveLength(allPolicies.length + 1);
    for (const [name, level] of Object.entries(levels)) expect([name, level]).toEqual([name, ADVISORY.includes(name) ? "advisory" : "mandatory"]);
  });
  test("configurable policies declare a schema whose defaults are the rules' defaults", () => {
    const byName = new Map(allPolicies.map((p) => [p.name, p]));
    const expected: Record<string, object> = {
      "masters-replicas": DEFAULTS.masters,
      "workers-per-zone": DEFAULTS.workersPerZone,
      "worker-flavor-known": DEFAULTS.flavors,
      "public-endpoint-allowlist": DEFAULTS.allowlist,
      "kubernetes-version-supported": DEFAULTS.versions,
      "workers-not-newer-than-masters": DEFAULTS.skew,
    };
    expect(allPolicies.filter((p) => p.configSchema).map((p) => p.name).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, defaults] of Object.entries(expected)) {
      const props = byName.get(name)!.configSchema!.properties as Record<string, { default?: unknown }>;
      expect(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, s.default]))).toEqual(defaults);
    }
  });
  test("a team's policy config reaches the rules", () => {
    const found = runPack(broken(), [], {
      "workers-per-zone": { exemptPools: ["default"] },
      "kubernetes-version-supported": { supportedVersions: ["1.36", "1.37"] },
      "masters-replicas": { replicas: 2 },
    });
    expect(found["workers-per-zone"]).toBeUndefined();
    expect(found["kubernetes-version-supported"]).toBeUndefined();
    expect(found["masters-replicas"]).toBeUndefined();
    expect(found["worker-flavor-known"]).toHaveLength(1);
    const strict = runPack(good(), [], { "workers-per-zone": { minWorkersPerZone: 3 }, "public-endpoint-allowlist": { allowedSourceCidrs: ["192.0.2.0/24"] } });
    expect(Object.keys(strict).sort()).toEqual(["public-endpoint-allowlist", "workers-per-zone"]);
  });
});

describe("docs", () => {
  const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "policies.md"), "utf8");
  test("docs/policies.md describes every policy in the pack", () => {
    for (const name of ["keelson-inventory", ...allPolicies.map((p) => p.name)]) expect(doc).toContain(`\`${name}\``);
  });
  test("docs/policies.md gives every policy its real enforcement level", () => {
    for (const p of [inventoryPolicy, ...allPolicies]) {
      expect(doc).toMatch(new RegExp(`^\\| \`${p.name}\` \\| ${p.enforcementLevel} \\|`, "m"));
      expect(doc).toContain(`### \`${p.name}\` (${p.enforcementLevel})`);
    }
  });
});
