// How property values reach a policy, and what @pulumi/policy 1.21 hides.
//
// The engine sends each resource's properties with secrets marked (a
// `{"4dabf…": "1b47…", value}` envelope) and unknown preview values as
// sentinels. For validateResource and validateStack, @pulumi/policy unwraps
// secrets into plain values (deserializeProperties(…, false)), so a policy
// cannot tell `pulumi.secret(kubeconfig)` from a leaked plaintext kubeconfig.
// To keep that distinction we wrap the SDK's deserializeProperties: next to
// the plain props it returns, we remember which property paths were secret.
// And we copy props out of the SDK's unknown-checking proxy, turning unknown
// values into `undefined` so rules can skip what preview cannot know yet.
//
// This reaches into @pulumi/policy internals (deserialize.js and proxy.js,
// pinned at 1.21.0 in package.json). selfTest() proves at load time that the
// wrapping works; if an upgrade breaks it, the no-plaintext-secrets policy
// says so instead of silently flagging every real secret (or none).
import { childPath } from "../rules/secrets";

/* eslint-disable @typescript-eslint/no-var-requires */
const deserialize: { deserializeProperties: (s: unknown, proxySecrets: boolean) => Record<string, unknown> } = require("@pulumi/policy/deserialize");
const proxy: { getSpecialProxyTarget: string } & Record<string, unknown> = require("@pulumi/policy/proxy");
const { Secret } = require("@pulumi/policy") as { Secret: new (v: unknown) => { value: unknown } };
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(v: unknown): unknown } };

const UNKNOWN_SENTINELS = new Set<unknown>(
  ["unknownBooleanValue", "unknownNumberValue", "unknownStringValue", "unknownArrayValue", "unknownAssetValue", "unknownArchiveValue", "unknownObjectValue"]
    .map((k) => proxy[k])
    .filter((v) => v !== undefined),
);

const secretPathsOf = new WeakMap<object, Set<string>>();

function collectSecretPaths(v: unknown, path: string, into: Set<string>): void {
  if (v instanceof Secret) {
    into.add(path);
    return;
  }
  if (Array.isArray(v)) v.forEach((e, i) => collectSecretPaths(e, childPath(path, i), into));
  else if (v !== null && typeof v === "object") {
    for (const [k, e] of Object.entries(v)) collectSecretPaths(e, childPath(path, k), into);
  }
}

function unproxy<T>(v: T): T {
  const target = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[proxy.getSpecialProxyTarget] : undefined;
  return (target ?? v) as T;
}

let installed = false;
/** Wraps the SDK's deserializeProperties once per process. */
export function installSecretTracking(): void {
  if (installed) return;
  const original = deserialize.deserializeProperties;
  if (typeof original !== "function") return;
  deserialize.deserializeProperties = function (struct: unknown, proxySecrets: boolean) {
    const result = original(struct, proxySecrets);
    if (!proxySecrets && result !== null && typeof result === "object") {
      const paths = new Set<string>();
      for (const [k, v] of Object.entries(unproxy(original(struct, true)))) collectSecretPaths(v, k, paths);
      secretPathsOf.set(result, paths);
    }
    return result;
  };
  installed = true;
}

/** Deep copy with unknown sentinels turned into undefined. */
function plainCopy(v: unknown, depth = 0): unknown {
  if (UNKNOWN_SENTINELS.has(v)) return undefined;
  if (depth > 64) return undefined;
  if (Array.isArray(v)) return v.map((e) => plainCopy(e, depth + 1));
  if (v !== null && typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v; // assets/archives: leave as they are
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = plainCopy(e, depth + 1);
    return out;
  }
  return v;
}

export interface ReadProps {
  props: Record<string, unknown>;
  /** Paths the engine marked secret; undefined when tracking is not available. */
  secretPaths?: Set<string>;
}

/** Reads `args.props` (or a stack resource's props) as plain data plus its secret paths. */
export function readProps(props: unknown): ReadProps {
  const target = unproxy(props) as Record<string, unknown>;
  return { props: (plainCopy(target) ?? {}) as Record<string, unknown>, secretPaths: secretPathsOf.get(target) };
}

/**
 * Runs a secret through the SDK's own deserialization and checks its path was
 * recorded and a plain value's was not. True when secret tracking works.
 */
export function selfTest(): boolean {
  try {
    installSecretTracking();
    const struct = Struct.fromJavaScript({
      hidden: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cr3t" },
      open: "plain",
    });
    const props = deserialize.deserializeProperties(struct, false);
    const r = readProps(props);
    return r.props.hidden === "s3cr3t" && r.props.open === "plain" && !!r.secretPaths?.has("hidden") && !r.secretPaths.has("open");
  } catch {
    return false;
  }
}
