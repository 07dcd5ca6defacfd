// kube-bench (built by toolchain/kube-bench.mjs) on a lab host: the CIS
// Kubernetes Benchmark's own checks, run where they look (the host's processes,
// flags, files and modes), with Keelson's paths given to it.
//
// kube-bench finds each component's files in lists of kubeadm's and other
// distributions' paths (its cfg/config.yaml); the benchmark's version folder
// may have a config.yaml merged over that. Keelson's is rendered here from the
// modules that own the paths: the systemd unit files stand where kubeadm's
// static pod manifests stand (the benchmark's "pod specification file"), and the
// kubeconfigs and configs are Keelson's. The checks themselves are kube-bench's,
// unchanged.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { UNIT_DIR } from "../../../components/bootstrap/host/paths";
import { ETCD_DATA_DIR, kubeconfigPath } from "../../../components/control/render/paths";
import { KUBELET_CONFIG, KUBE_PROXY_CONFIG, NODE_CA, nodeKubeconfig } from "../../../components/workers/render/paths";
import { SSH_OPTIONS, sh, ssh } from "./shell";

export const CIS_BENCHMARK = "cis-1.12";

const one = (key: string, value: string) => ({ [`${key}s`]: [value], [`default${key}`]: value });

/** The config.yaml merged over kube-bench's own: where Keelson keeps what the checks read. */
export function keelsonKubeBenchConfig(): string {
  const unit = (name: string) => `${UNIT_DIR}/${name}.service`;
  return stringify({
    master: {
      apiserver: one("conf", unit("kube-apiserver")),
      controllermanager: { ...one("conf", unit("kube-controller-manager")), kubeconfig: [kubeconfigPath("controller-manager")], defaultkubeconfig: kubeconfigPath("controller-manager") },
      scheduler: { ...one("conf", unit("kube-scheduler")), kubeconfig: [kubeconfigPath("scheduler")], defaultkubeconfig: kubeconfigPath("scheduler") },
      etcd: { ...one("conf", unit("etcd")), ...one("datadir", ETCD_DATA_DIR) },
    },
    node: {
      kubelet: {
        svc: [unit("kubelet")],
        defaultsvc: unit("kubelet"),
        kubeconfig: [nodeKubeconfig("kubelet")],
        defaultkubeconfig: nodeKubeconfig("kubelet"),
        ...one("conf", KUBELET_CONFIG),
        cafile: [NODE_CA],
        defaultcafile: NODE_CA,
      },
      proxy: { kubeconfig: [nodeKubeconfig("kube-proxy")], defaultkubeconfig: nodeKubeconfig("kube-proxy"), ...one("conf", KUBE_PROXY_CONFIG) },
    },
  });
}

export interface CisResult {
  id: string;
  text: string;
  status: "PASS" | "FAIL" | "WARN" | "INFO";
  scored: boolean;
  /** What the check read on the host (kube-bench's actual_value), for a failure's message. */
  actual: string;
}

/** kube-bench's folder in the cache (toolchain/kube-bench.mjs; `keelson-run test` builds it). */
export function kubeBenchDir(): string {
  const dir = process.env.KEELSON_KUBE_BENCH_DIR;
  if (!dir || !fs.existsSync(path.join(dir, "bin", "kube-bench"))) throw new Error("KEELSON_KUBE_BENCH_DIR: no kube-bench; run the tests through `npm test` (scripts/keelson-run.mjs builds it)");
  return dir;
}

/**
 * Copies kube-bench and the benchmark definitions to a host over ssh, runs the
 * given targets there, and returns every check's result. Removes its copy.
 */
export function runKubeBench(keyFile: string, ip: string, targets: string[]): CisResult[] {
  const dir = kubeBenchDir();
  const local = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-kube-bench-"));
  try {
    fs.cpSync(path.join(dir, "cfg"), path.join(local, "cfg"), { recursive: true });
    fs.writeFileSync(path.join(local, "cfg", CIS_BENCHMARK, "config.yaml"), keelsonKubeBenchConfig());
    fs.copyFileSync(path.join(dir, "bin", "kube-bench"), path.join(local, "kube-bench"));
    fs.chmodSync(path.join(local, "kube-bench"), 0o755);
    const remote = "/root/keelson-kube-bench";
    if (ssh(keyFile, ip, `rm -rf ${remote}`).status !== 0) throw new Error(`ssh ${ip} failed`);
    const cp = sh("scp", ["-q", "-r", "-i", keyFile, ...SSH_OPTIONS, local, `root@${ip}:${remote}`], 120_000);
    if (cp.status !== 0) throw new Error(`scp kube-bench to ${ip}: ${cp.stderr}`);
    const r = ssh(keyFile, ip, `cd ${remote} && ./kube-bench run --config-dir ${remote}/cfg --benchmark ${CIS_BENCHMARK} --targets ${targets.join(",")} --json; rc=$?; rm -rf ${remote}; exit $rc`, 300_000);
    if (r.status !== 0) throw new Error(`kube-bench on ${ip} (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    const report = JSON.parse(r.stdout) as { Controls: { tests: { results: { test_number: string; test_desc: string; status: CisResult["status"]; scored: boolean; actual_value?: string }[] }[] }[] };
    return report.Controls.flatMap((c) => c.tests.flatMap((t) => t.results.map((x) => ({ id: x.test_number, text: x.test_desc, status: x.status, scored: x.scored, actual: (x.actual_value ?? "").slice(0, 400) }))));
  } finally {
    fs.rmSync(local, { recursive: true, force: true });
  }
}

/** "(Automated)" checks: the ones the benchmark can decide from the host; "(Manual)" ones ask a person. */
export const automated = (r: CisResult) => /\(Automated\)\s*$/.test(r.text);
