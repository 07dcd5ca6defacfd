// parseSpec: the one entry point from untrusted input (a stack config value)
// to a ClusterSpec. It reports every problem at once: the schema's issues and,
// for the sections that did parse, the cross-field rules.
import type { z } from "zod";
import { DEFAULT_MASTER_FLAVOR, findFlavor } from "./flavors";
import { isPrivateOnly, isVlanInfrastructure, mastersHavePublicAddresses, poolSlot } from "./layout";
import { LIMITS, checkRawInput } from "./limits";
import { clipMessage, formatPath, type Problem } from "./problems";
import { checkRules, type PartialSpec } from "./rules";
import { ClusterSpecSchema, LoadBalancerSchema, WorkerPoolSchema, type ParsedSpec, type WorkerPoolSpec } from "./schema";
import type { Hardware, Isolation } from "../types";

export interface ResolvedWorkerPool extends Omit<WorkerPoolSpec, "hardware" | "isolation" | "zones" | "slot"> {
  hardware: Hardware;
  isolation: Isolation;
  zones: string[];
  slot: number;
  cpu: number;
  memoryMiB: number;
}

/** A valid spec with every default filled in. */
export interface ClusterSpec extends Omit<ParsedSpec, "workerPools" | "masters" | "albs" | "serviceEndpoints"> {
  masters: { flavor: string; cpu: number; memoryMiB: number };
  workerPools: ResolvedWorkerPool[];
  albs: { public: { enabled: boolean }; private: { enabled: boolean } };
  serviceEndpoints: { public: boolean; private: boolean; publicAllowlist: string[] };
  /** Workers have no public VLAN (always true on VPC). */
  privateOnly: boolean;
}

export type ParseResult = { ok: true; spec: ClusterSpec } | { ok: false; errors: Problem[] };

export function parseSpec(raw: unknown): ParseResult {
  // Keys like __proto__ first (zod's records would drop them without a word),
  // and input too large or deep to be worth parsing: that alone is reported.
  const input = checkRawInput(raw);
  if (!input.bounded) return { ok: false, errors: dedupe(input.problems) };
  const inputErrors = input.problems;
  const full = ClusterSpecSchema.safeParse(raw, { reportInput: true });
  let errors: Problem[];
  if (full.success) {
    errors = [...inputErrors, ...checkRules(full.data)];
    if (errors.length === 0) return { ok: true, spec: normalize(full.data) };
  } else {
    errors = [...inputErrors, ...zodProblems(full.error.issues), ...checkRules(parsePartial(raw))];
  }
  return { ok: false, errors: dedupe(errors) };
}

/** Like parseSpec, for callers that want an exception (the Pulumi program). */
export function parseSpecOrThrow(raw: unknown, where = "keelson:cluster"): ClusterSpec {
  const r = parseSpec(raw);
  if (r.ok) return r.spec;
  throw new Error(`${where} is not a valid cluster spec:\n${r.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`);
}

function normalize(p: ParsedSpec): ClusterSpec {
  const masterFlavor = findFlavor(p.masters.flavor ?? DEFAULT_MASTER_FLAVOR[p.infrastructure.kind])!;
  const privateOnly = isPrivateOnly(p.infrastructure);
  return {
    ...p,
    masters: { flavor: masterFlavor.name, cpu: masterFlavor.cpu, memoryMiB: masterFlavor.memoryMiB },
    workerPools: p.workerPools.map((pool, i) => {
      const flavor = findFlavor(pool.flavor)!;
      const hardware = pool.hardware ?? flavor.hardware;
      return {
        ...pool,
        hardware,
        isolation: pool.isolation ?? (hardware === "baremetal" ? "dedicated" : "shared"),
        zones: pool.zones ?? p.zones,
        slot: poolSlot(pool, i),
        cpu: flavor.cpu,
        memoryMiB: flavor.memoryMiB,
      };
    }),
    albs: {
      // A VPC cluster's public ALB sits behind a VPC load balancer, so only a
      // private-only classic/lab/ssh cluster loses it.
      public: { enabled: p.albs.public.enabled ?? !(isVlanInfrastructure(p.infrastructure) && privateOnly) },
      private: { enabled: p.albs.private.enabled },
    },
    serviceEndpoints: {
      ...p.serviceEndpoints,
      // Where masters have no public address there is nothing to serve it on (rules.ts refuses an explicit true).
      public: p.serviceEndpoints.public ?? mastersHavePublicAddresses(p.infrastructure),
    },
    privateOnly,
  };
}

/** Parse each section on its own so the rules can still look at the good ones. */
function parsePartial(raw: unknown): PartialSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const obj = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(ClusterSpecSchema.shape)) {
    if (key === "workerPools" || key === "loadBalancers") continue;
    const r = (schema as z.ZodType).safeParse(obj[key], { reportInput: true });
    if (r.success) out[key] = r.data;
  }
  // A list longer than its limit is left out (the schema reported it), so the rules never iterate over it.
  const each = (value: unknown, schema: z.ZodType, dflt: unknown[] | undefined, max: number) =>
    Array.isArray(value) && value.length > max ? undefined : Array.isArray(value) ? value.map((v) => { const r = schema.safeParse(v); return r.success ? r.data : undefined; }) : value === undefined ? dflt : undefined;
  out.workerPools = each(obj.workerPools, WorkerPoolSchema, undefined, LIMITS.workerPools);
  if (Array.isArray(obj.workerPools) && out.workerPools !== undefined) {
    out.brokenPools = (obj.workerPools as unknown[]).flatMap((pool, index) => {
      if ((out.workerPools as unknown[])[index] !== undefined || typeof pool !== "object" || pool === null) return [];
      const fields: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(WorkerPoolSchema.shape)) {
        const r = (schema as z.ZodType).safeParse((pool as Record<string, unknown>)[key]);
        if (r.success && r.data !== undefined) fields[key] = r.data;
      }
      return [{ index, fields }];
    });
  }
  out.loadBalancers = each(obj.loadBalancers, LoadBalancerSchema, [], LIMITS.loadBalancers);
  return out as PartialSpec;
}

/** zod issues as `path: reason` lines a person can act on. */
export function zodProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path as PropertyKey[];
    switch (issue.code) {
      case "unrecognized_keys":
        for (const k of issue.keys) out.push({ path: formatPath([...path, k]), message: "unknown field" });
        break;
      case "invalid_type":
        out.push({
          path: formatPath(path),
          message:
            issue.input === undefined
              ? `required (${issue.expected})`
              : typeof issue.input === "number" && !Number.isFinite(issue.input)
                ? `expected a finite number, got ${describe(issue.input)}`
                : `expected ${issue.expected}, got ${describe(issue.input)}`,
        });
        break;
      case "invalid_union":
        if ("discriminator" in issue && issue.discriminator) {
          const options = (issue as unknown as { options?: unknown[] }).options ?? [];
          const missing = issue.input === undefined || (typeof issue.input === "object" && issue.input !== null && !(String(issue.discriminator) in issue.input));
          out.push({ path: formatPath(path), message: `${missing ? "required: " : ""}must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}${missing ? "" : `, got ${describe((issue.input as Record<string, unknown>)?.[String(issue.discriminator)] ?? issue.input)}`}` });
        } else {
          out.push({ path: formatPath(path), message: issue.message });
        }
        break;
      case "invalid_value":
        out.push({
          path: formatPath(path),
          message: issue.input === undefined
            ? `required: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`
            : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(issue.input)}`,
        });
        break;
      case "too_small":
        out.push({ path: formatPath(path), message: issue.origin === "array" ? `needs at least ${issue.minimum} item(s)` : issue.origin === "string" ? "must not be empty" : `must be at least ${issue.minimum}` });
        break;
      case "too_big":
        out.push({
          path: formatPath(path),
          message:
            issue.origin === "string"
              ? `must be at most ${issue.maximum} characters`
              : issue.origin === "array"
                ? `has ${Array.isArray(issue.input) ? issue.input.length : "too many"} items; at most ${issue.maximum}`
                : `must be at most ${issue.maximum}`,
        });
        break;
      case "invalid_key":
        out.push({ path: formatPath(path), message: issue.issues.map((i) => i.message).join("; ") });
        break;
      default:
        out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing";
  // YAML's .nan and .inf: JSON.stringify would show them as null.
  if (typeof v === "number" && Number.isNaN(v)) return "NaN (.nan), which is not a number";
  if (typeof v === "number" && !Number.isFinite(v)) return `${v > 0 ? "" : "-"}infinity (${v > 0 ? "" : "-"}.inf)`;
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.map((p) => ({ path: p.path, message: clipMessage(p.message) })).filter((p) => {
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
