// no-plaintext-secrets: private keys, tokens and kubeconfigs must reach state
// only as Pulumi secrets (encrypted), never as a plain input, output or stack
// output. The wiring tells us which property paths the engine marked secret;
// anything secret-shaped outside those paths is a leak.
import { Violation } from "./model";

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const KUBECONFIG_KIND = /(?:^|[\s{,])"?kind"?\s*:\s*"?Config\b/m;
const KUBECONFIG_CREDENTIAL = /"?(?:client-key-data|token|password)"?\s*:\s*"?[A-Za-z0-9+/=._~-]{8,}/;
const BEARER = /\bBearer\s+[A-Za-z0-9\-._~+/]{16,}=*/i;
const BOOTSTRAP_TOKEN = /(?:^|[^a-z0-9.])[a-z0-9]{6}\.[a-z0-9]{16}(?![a-z0-9])/;
// An age identity (the key that decrypts etcd backups): Bech32, upper case.
const AGE_IDENTITY = /AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}/;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

/** What kind of secret `value` looks like, or undefined when it looks harmless. */
export function secretShape(value: string): string | undefined {
  if (PEM_PRIVATE_KEY.test(value)) return "a PEM private key";
  if (AGE_IDENTITY.test(value)) return "an age identity (private key)";
  if (KUBECONFIG_KIND.test(value) && KUBECONFIG_CREDENTIAL.test(value)) return "a kubeconfig with credentials";
  if (BEARER.test(value)) return "a bearer token";
  if (JWT.test(value)) return "a JSON Web Token";
  if (BOOTSTRAP_TOKEN.test(value)) return "a Kubernetes bootstrap token";
  return undefined;
}

/** A kubeconfig already parsed into an object (e.g. an output holding YAML.parse()). */
function kubeconfigObjectWithCredentials(v: Record<string, unknown>): boolean {
  if (v.kind !== "Config" || !Array.isArray(v.users)) return false;
  return v.users.some((u) => {
    const user = (u as { user?: Record<string, unknown> } | null)?.user;
    return !!user && ["client-key-data", "token", "password"].some((k) => typeof user[k] === "string" && (user[k] as string).length > 0);
  });
}

/** One resource's properties as the engine reported them, with the paths it marked secret. */
export interface ScannedResource {
  name: string;
  urn: string;
  type: string;
  /** "inputs" (what the program passed) or "outputs" (what state records). */
  side: "inputs" | "outputs";
  props: Record<string, unknown>;
  /** Paths like `a.b[0].c` whose value the engine marked secret. */
  secretPaths: ReadonlySet<string>;
}

export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

/** Walks `props` and reports every secret-shaped value that is not under a secret path. */
export function findPlaintextSecrets(resources: ScannedResource[]): Violation[] {
  const out: Violation[] = [];
  for (const r of resources) {
    const seen = new Set<string>();
    const report = (path: string, what: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      const where = r.type === "pulumi:pulumi:Stack" ? `stack output "${path}"` : `${r.side === "inputs" ? "input" : "output"} "${path}" of ${r.type} "${r.name}"`;
      out.push({
        urn: r.urn,
        message:
          `${where} holds ${what} in plaintext, so it is stored unencrypted in state and shown in logs. ` +
          `Fix: wrap it with pulumi.secret() (or list it in additionalSecretOutputs) and never export it unwrapped.`,
      });
    };
    const walk = (v: unknown, path: string, depth: number) => {
      if (r.secretPaths.has(path) || depth > 32) return;
      if (typeof v === "string") {
        const what = secretShape(v);
        if (what) report(path, what);
      } else if (Array.isArray(v)) {
        v.forEach((e, i) => walk(e, childPath(path, i), depth + 1));
      } else if (v !== null && typeof v === "object") {
        if (kubeconfigObjectWithCredentials(v as Record<string, unknown>)) report(path, "a kubeconfig with credentials");
        for (const [k, e] of Object.entries(v)) walk(e, childPath(path, k), depth + 1);
      }
    };
    for (const [k, v] of Object.entries(r.props)) walk(v, k, 0);
  }
  return out;
}
