// Versions: only Kubernetes releases Keelson builds and tests, and the
// version-skew policy of Kubernetes: a kubelet is never newer than the
// apiserver, and at most a few minor versions older.
import { ClusterView, Violation, clusterLabel, known, label, violation } from "./model";
import type { SkewConfig, VersionsConfig } from "./config";

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** "1.36.3" or "v1.36.3"; undefined when it is not a version. */
export function parseVersion(text: string | undefined): Version | undefined {
  const m = typeof text === "string" ? /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text) : null;
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether `version` matches one entry of the supported list ("1.36" = any 1.36.x, "1.36.3" = exactly). */
export function isSupported(version: string, supported: string[]): boolean {
  const v = version.replace(/^v/, "");
  return supported.some((s) => {
    const want = s.replace(/^v/, "");
    return want.split(".").length === 2 ? v.startsWith(`${want}.`) : v === want;
  });
}

/** kubernetes-version-supported: the cluster, masters, pools and workers run a supported release. */
export function kubernetesVersionSupported(view: ClusterView, cfg: VersionsConfig): Violation[] {
  const out: Violation[] = [];
  const items: [string, { name: string; urn: string; props: { kubernetesVersion?: string } }][] = [
    ...(view.cluster ? [["Cluster", view.cluster] as [string, typeof view.cluster]] : []),
    ...view.masters.map((m) => ["MasterReplica", m] as [string, typeof m]),
    ...view.pools.map((p) => ["WorkerPool", p] as [string, typeof p]),
    ...view.workers.map((w) => ["Worker", w] as [string, typeof w]),
  ];
  for (const [kind, r] of items) {
    const v = r.props.kubernetesVersion;
    if (!known(v)) continue;
    if (!parseVersion(v) || !isSupported(v, cfg.supportedVersions)) {
      out.push(
        violation(
          r,
          `${label(kind, r)} runs Kubernetes "${v}", which Keelson does not support (supported: ${cfg.supportedVersions.join(", ")}). ` +
            `Fix: set kubernetesVersion to a supported release.`,
        ),
      );
    }
  }
  return out;
}

/** workers-not-newer-than-masters: every worker/pool version <= the oldest master, and within the skew. */
export function workersNotNewerThanMasters(view: ClusterView, cfg: SkewConfig): Violation[] {
  const masterVersions = view.masters.map((m) => parseVersion(m.props.kubernetesVersion)).filter(known);
  const clusterVersion = parseVersion(view.cluster?.props.kubernetesVersion);
  // The masters' own versions when they are known, else the cluster's.
  const candidates = masterVersions.length > 0 ? masterVersions : clusterVersion ? [clusterVersion] : [];
  if (candidates.length === 0) return [];
  const oldest = candidates.reduce((a, b) => (compareVersions(a, b) <= 0 ? a : b));
  const text = `${oldest.major}.${oldest.minor}.${oldest.patch}`;
  const out: Violation[] = [];
  const check = (kind: string, r: { name: string; urn: string; props: { kubernetesVersion?: string } }) => {
    const v = parseVersion(r.props.kubernetesVersion);
    if (!v) return;
    if (compareVersions(v, oldest) > 0) {
      out.push(
        violation(
          r,
          `${label(kind, r)} runs Kubernetes ${r.props.kubernetesVersion}, newer than the masters of ${clusterLabel(view)} (${text}); ` +
            `a kubelet must never be newer than its apiserver. Fix: update the masters first, then the workers.`,
        ),
      );
    } else if (v.major === oldest.major && oldest.minor - v.minor > cfg.maxMinorSkew) {
      out.push(
        violation(
          r,
          `${label(kind, r)} runs Kubernetes ${r.props.kubernetesVersion}, more than ${cfg.maxMinorSkew} minor versions behind the masters (${text}). ` +
            `Fix: update the workers before updating the masters further.`,
        ),
      );
    }
  };
  for (const p of view.pools) check("WorkerPool", p);
  for (const w of view.workers) check("Worker", w);
  return out;
}
