// What a Keelson command needs before it runs Pulumi, shared by the runner
// (scripts/keelson-run.mjs) and the pipeline steps (scripts/pipeline.mjs):
// Debian packages, node_modules, the compiled package, the Pulumi toolchain and,
// for anything that builds hosts, the binaries and images they get. Plain Node.js.
import path from "node:path";
import { ensureAptPackages, ensureNodeModules, ensurePackageBuilt, pulumiEnv } from "./env.mjs";

/**
 * The Go module proxy, and the checksum database behind it, sometimes refuse for
 * a minute a version they serve (a cold build once failed on a 404 from the sumdb
 * lookup of Traefik v3.6.19, which answered 200 soon after). Every build is cached
 * as it completes, so preparing again only redoes what was missing: up to three
 * more tries, a minute apart, for that failure only. (Here and not in toolchain/,
 * whose files are part of the build caches' keys.)
 */
export async function prepareFor(root, say, opts = {}) {
  // KEELSON_BUNDLE=FILE: the builds come from a bundle (docs/bundle.md), imported
  // (verified) before anything would build them; a second run finds them imported.
  if (process.env.KEELSON_BUNDLE) {
    const file = path.resolve(process.env.INIT_CWD ?? process.cwd(), process.env.KEELSON_BUNDLE);
    (await import("./bundle.mjs")).importBundle(file, { say });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await prepareOnce(root, say, opts);
    } catch (e) {
      if (attempt > 3 || !/through the Go module proxy/.test(String(e?.message))) throw e;
      say(`${String(e.message).split("\n")[0]}: trying again in 60 s (${attempt}/3)`);
      await new Promise((r) => setTimeout(r, 60_000));
    }
  }
}

async function prepareOnce(root, say, { apt = true, kubernetes = false, testTools = false } = {}) {
  if (apt) ensureAptPackages(say);
  ensureNodeModules(root, say);
  await ensurePackageBuilt(root, say);
  const env = await pulumiEnv(root, say);
  // The Pulumi YAML language host (about 30 s the first time): YAML programs,
  // the keelson component among them (docs/multi-language.md), run on the same engine.
  const pulumiYaml = await import("../../toolchain/pulumi-yaml.mjs");
  env.PATH = `${(await pulumiYaml.ensurePulumiYaml()).binDir}${path.delimiter}${env.PATH}`;
  if (kubernetes) {
    // The binaries hosts get: Kubernetes, etcd, flannel and kube-router from their Go modules, and Keelson's approver.
    // The images nodes run (pause, CoreDNS, agnhost) and the pod network agent, from their Go modules.
    const k8s = await import("../../toolchain/kubernetes.mjs");
    const etcdBuild = await import("../../toolchain/etcd.mjs");
    const images = await import("../../toolchain/images.mjs");
    const kubeRouter = await import("../../toolchain/kube-router.mjs");
    // Keelson's own approver of kubelet serving certificates (toolchain/kubelet-serving-approver/, client-go of the same release).
    const approver = await import("../../toolchain/kubelet-serving-approver.mjs");
    // Tools only tests run (kube-bench: the CIS benchmark's checks), never put on a host by up.
    const kubeBench = testTools ? await import("../../toolchain/kube-bench.mjs") : undefined;
    // Side by side: the Kubernetes build (-p 2) and the image builds (-p 1, one Go
    // build at a time) share the Go caches, which are safe for concurrent builds, and
    // on a cold machine this keeps both cores busy through each other's downloads and links.
    // etcd's three builds go on the image side (small, and one Go build at a time there).
    // Settled, not Promise.all: when one fails the other still finishes (and is
    // cached) before the error surfaces, so a retry never races a build in progress.
    const settled = await Promise.allSettled([
      // kube-router after Kubernetes: the image side (etcd, five images, flanneld) is the longer one cold.
      k8s.ensureKubernetes().then(async (k) => {
        await kubeRouter.ensureKubeRouter();
        await approver.ensureApprover();
        if (kubeBench) env.KEELSON_KUBE_BENCH_DIR = (await kubeBench.ensureKubeBench()).dir;
        return k;
      }),
      etcdBuild.ensureEtcd().then(async (e) => [e, await images.ensureImages(), await images.ensureFlannel()]),
    ]);
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    const [kube, [etcd, bundle, flannel]] = settled.map((r) => r.value);
    env.KEELSON_KUBERNETES_BIN = kube.binDir;
    env.KEELSON_ETCD_BIN = etcd.binDir;
    env.KEELSON_IMAGES_DIR = bundle.dir;
    env.KEELSON_FLANNEL_BIN = flannel.binDir;
    env.PATH = `${kube.binDir}${path.delimiter}${etcd.binDir}${path.delimiter}${env.PATH}`;
  }
  return env;
}
