// The knobs a team can turn in a policy config file
// (`pulumi preview --policy-pack policies --policy-pack-config keelson-policy.json`),
// their defaults, and the JSON schemas the engine validates them against.
// Enforcement levels are configured the same way by every CrossGuard pack:
// `{ "<policy-name>": { "enforcementLevel": "advisory" } }` or `"disabled"`.
import { FLAVORS } from "../../components/model/flavors";

export interface MastersConfig {
  /** Master replicas per cluster (IKS runs three). */
  replicas: number;
}
export interface WorkersPerZoneConfig {
  /** Workers each pool should have in every zone it spans. */
  minWorkersPerZone: number;
  /** Pools that are exempt (e.g. a deliberately small edge or GPU pool). */
  exemptPools: string[];
}
export interface FlavorsConfig {
  /** Flavors a team adds on top of Keelson's catalogue (components/model/flavors.ts). */
  extraFlavors: string[];
}
export interface AllowlistConfig {
  /** When non-empty, every CIDR of a public endpoint's allow-list must lie inside one of these. */
  allowedSourceCidrs: string[];
}
export interface VersionsConfig {
  /** Supported Kubernetes versions: "1.36" (any patch) or "1.36.3" (exactly). */
  supportedVersions: string[];
}
export interface SkewConfig {
  /** How many minor versions a worker may lag behind the masters (the kubelet skew Kubernetes supports is 3). */
  maxMinorSkew: number;
}

/** The Kubernetes releases this Keelson builds (toolchain/kubernetes.mjs pins v1.36.3). */
export const DEFAULT_SUPPORTED_VERSIONS = ["1.36"];

export const DEFAULTS = {
  masters: { replicas: 3 } as MastersConfig,
  workersPerZone: { minWorkersPerZone: 2, exemptPools: [] } as WorkersPerZoneConfig,
  flavors: { extraFlavors: [] } as FlavorsConfig,
  allowlist: { allowedSourceCidrs: [] } as AllowlistConfig,
  versions: { supportedVersions: DEFAULT_SUPPORTED_VERSIONS } as VersionsConfig,
  skew: { maxMinorSkew: 3 } as SkewConfig,
};

/** Keelson's flavor catalogue: name -> hardware. */
export function flavorCatalogue(): Map<string, "virtual" | "baremetal"> {
  return new Map(FLAVORS.map((f) => [f.name, f.hardware]));
}

// JSON schemas for PolicyPack configSchema (the engine validates user config against them).
const stringList = { type: "array", items: { type: "string" } } as const;
export const SCHEMAS = {
  masters: { properties: { replicas: { type: "integer", minimum: 1, default: 3 } } },
  workersPerZone: {
    properties: { minWorkersPerZone: { type: "integer", minimum: 1, default: 2 }, exemptPools: { ...stringList, default: [] } },
  },
  flavors: { properties: { extraFlavors: { ...stringList, default: [] } } },
  allowlist: { properties: { allowedSourceCidrs: { ...stringList, default: [] } } },
  versions: { properties: { supportedVersions: { ...stringList, minItems: 1, default: DEFAULT_SUPPORTED_VERSIONS } } },
  skew: { properties: { maxMinorSkew: { type: "integer", minimum: 0, default: 3 } } },
};

/** The engine fills in schema defaults, but a unit test or an older engine may not: merge over ours. */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given ?? {})) {
    if (v !== undefined && k in defaults) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
