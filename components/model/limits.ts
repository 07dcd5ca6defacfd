// Bounds on what one spec may ask for, and the one pass over raw input that
// runs before the schema. They exist so that validating or planning any input
// is bounded work: every count the rules or the plan iterate over, and every
// size they expand (a pool's hosts, a subnet's addresses), is capped here and
// checked before anything is expanded. Each cap is far above what a real IKS
// cluster uses and far below what would make `keelson validate` slow.
import { formatPath, type Problem } from "./problems";

export const LIMITS = {
  /** Zones in `zones` (a cluster has 1 or 3; the rule says so, this bounds the work first). */
  zones: 16,
  /** Worker pools: one per address slot (slots are 0-255). */
  workerPools: 256,
  /** Workers per pool per zone: the largest `network.poolBlockSize`. */
  sizePerZone: 128,
  /** Workers in the whole cluster (every one is a host the plan lists and, on ssh, one the rules look up). */
  workers: 2000,
  /** `hostOffset`: an offset in a primary subnet, which is at most a /8 here. */
  hostOffset: 2 ** 24,
  /** A pool's node labels and taints. */
  labels: 64,
  taints: 64,
  /** Entries of a pool's `workers` (per-worker reload and replace counters). */
  maintainedWorkers: 256,
  /** User portable subnets per zone (each is at most a /20, 4,096 addresses the plan lists one by one). */
  extraPortableSubnets: 8,
  loadBalancers: 1024,
  loadBalancerPorts: 64,
  publicAllowlist: 256,
  calicoPolicies: 256,
  /** Ingress or egress rules of one Calico policy. */
  calicoRules: 256,
  /** Ports, nets, names, methods or paths in one Calico rule field. */
  calicoListItems: 256,
  /** Characters of a Calico selector (parsed by selector.ts). */
  selectorLength: 4096,
  /**
   * Entries of any map or list, checked on the raw input before the schema
   * runs: the schema parses every entry before it can count them, so without
   * this a 3 MB map would cost seconds just to be told it is too long.
   */
  mapEntries: 10000,
  /** Values (objects, lists, scalars) in the whole input: a 1,000-worker spec has a few hundred; 2,000 ssh hosts about 8,000. */
  values: 50000,
  /** Nesting of the raw input: the spec itself is at most 9 levels deep. */
  depth: 32,
} as const;

/**
 * Keys a JavaScript object treats specially: writing `__proto__` into a map
 * replaces its prototype (zod's records would drop the entry without a word),
 * and `constructor`/`prototype` read through to Object.prototype when the key
 * is absent, so a lookup by a user's name could find a function. No field or
 * name of the spec may be one of them.
 */
export const SPECIAL_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export interface RawInputCheck {
  problems: Problem[];
  /** False when the input is too large or too deep to hand to the schema at all. */
  bounded: boolean;
}

/**
 * One iterative pass over the raw value (no recursion, so no stack overflow on
 * deeply nested input): special keys anywhere, nesting deeper than any spec
 * can be, and maps or lists with more entries than any spec needs. Stops
 * descending where it reports, so the pass is linear in the input.
 */
export function checkRawInput(raw: unknown): RawInputCheck {
  const out: Problem[] = [];
  let bounded = true;
  let values = 0;
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: raw, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (++values > LIMITS.values) {
      out.push({ path: "(spec)", message: `has more than ${LIMITS.values} values (fields, list items and map entries); no cluster spec needs that many` });
      return { problems: out, bounded: false };
    }
    if (value === null || typeof value !== "object") continue;
    if (path.length >= LIMITS.depth) {
      out.push({ path: formatPath(path), message: `nested more than ${LIMITS.depth} levels deep; no field of a cluster spec is` });
      bounded = false;
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length > LIMITS.mapEntries) {
        out.push({ path: formatPath(path), message: `has ${value.length} items; at most ${LIMITS.mapEntries}` });
        bounded = false;
        continue;
      }
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > LIMITS.mapEntries) {
      out.push({ path: formatPath(path), message: `has ${keys.length} entries; at most ${LIMITS.mapEntries}` });
      bounded = false;
      continue;
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      if (SPECIAL_KEYS.has(k)) {
        out.push({ path: formatPath([...path, k]), message: `${JSON.stringify(k)} is not allowed as a key (JavaScript treats it specially)` });
        continue;
      }
      stack.push({ value: (value as Record<string, unknown>)[k], path: [...path, k] });
    }
  }
  return { problems: out, bounded };
}
