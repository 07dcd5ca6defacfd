// The CrossGuard wiring, driven the way @pulumi/policy's server drives it:
// properties arrive as a protobuf Struct, go through the SDK's own
// deserializeProperties and unknown-checking proxy, then reach our policies.
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { installSecretTracking, readProps, selfTest } from "../lib/engineProps";
import { inventoryPolicy } from "../lib/clusterPolicy";
import { masterPolicies } from "../masters";
import { workerPolicies } from "../workers";
import { networkingPolicies } from "../networking";
import { securityPolicies } from "../security";
import { secretPolicies } from "../secrets";
import { versionPolicies } from "../versions";
import { BOOTSTRAP_TOKEN, BROKEN_EXPECTATIONS, KUBECONFIG, Part, broken, good } from "../../test/engine/fixtures/policy/cluster";
import { urnOf } from "./helpers";

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

const allPolicies = [...masterPolicies, ...workerPolicies, ...networkingPolicies, ...securityPolicies, ...secretPolicies, ...versionPolicies] as StackValidationPolicy[];

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
function runPack(parts: Part[], extra: { urn: string; type: string; name: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[] = []) {
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
    const args = { resources, getConfig: () => ({}) } as unknown as StackValidationArgs;
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
  test("two clusters in one stack are judged separately", () => {
    const second = good().map((p) => ({ ...p, name: p.name.replace(/^lab/, "dev"), parent: p.parent?.replace(/^lab/, "dev") }));
    second.splice(second.findIndex((p) => p.name === "dev-master-2"), 1);
    const found = runPack([...good(), ...second]);
    expect(found["masters-replicas"]).toEqual([{ message: expect.stringContaining('Cluster "dev" has 2 master replica(s)'), urn: expect.stringMatching(/::dev$/) }]);
  });
});

describe("docs", () => {
  test("docs/policies.md describes every policy in the pack", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "policies.md"), "utf8");
    for (const name of ["keelson-inventory", ...allPolicies.map((p) => p.name)]) expect(doc).toContain(`\`${name}\``);
  });
});
