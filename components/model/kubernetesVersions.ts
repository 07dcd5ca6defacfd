// The Kubernetes versions a spec may ask for. Keelson runs the binaries it
// built, so the catalogue is derived from what the toolchain builds
// (components/versions.json, read through releases.ts), never written here.
// Today that is one release, exactly: other patches, and the previous minor,
// were not built, so hosts could not run them, and accepting them would give a
// cluster that says 1.35 and runs 1.36. The previous minor joins the catalogue
// when the toolchain builds it for upgrades (the day-2 issue).
import { DEFAULT_KUBERNETES_VERSION } from "../releases";

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

// Semantic version core: numbers without leading zeros (semver 2.0.0 §2).
const SEMVER = /^(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})$/;

export function parseKubernetesVersion(text: string): Version | undefined {
  const m = SEMVER.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

if (!parseKubernetesVersion(DEFAULT_KUBERNETES_VERSION)) throw new Error(`internal: components/versions.json kubernetes ${DEFAULT_KUBERNETES_VERSION} is not a version`);

/** The catalogue, as the messages show it. */
export const SUPPORTED_KUBERNETES_VERSIONS: readonly string[] = [DEFAULT_KUBERNETES_VERSION];

/** Why `text` is not a Kubernetes version Keelson supports, or undefined. */
export function kubernetesVersionProblem(text: string): string | undefined {
  const supported = `supported: ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`;
  if (/^v\d/.test(text)) return `${JSON.stringify(text)}: write the version without the "v" (like ${DEFAULT_KUBERNETES_VERSION}); ${supported}`;
  const v = parseKubernetesVersion(text);
  if (!v) return `${JSON.stringify(text)} is not a version like ${DEFAULT_KUBERNETES_VERSION} (major.minor.patch, no leading zeros); ${supported}`;
  if (SUPPORTED_KUBERNETES_VERSIONS.includes(`${v.major}.${v.minor}.${v.patch}`)) return undefined;
  return `Kubernetes ${text} is not supported by this Keelson (${supported}: the release its toolchain builds)`;
}
