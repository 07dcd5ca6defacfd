// Keelson as a package, as its example shows it (examples/lab-app): one Pulumi
// program that imports `keelson`, builds a lab cluster with `new Cluster(...)`
// and deploys a web app onto it through `cluster.provider`, in one `pulumi up`.
//  - the app answers from this machine (the one running Pulumi) on its NodePort;
//  - a second `up` changes nothing;
//  - a resource removed from the program is deleted from the cluster (asserted through the API);
//  - `destroy` removes the app, the cluster and every lab host.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { cleanupStack, listStackLeftovers } from "../../components/infra/lab/cleanup";
import { VERSIONS } from "../../components/releases";
import { labSpecCopy } from "./lib/labSpec";
import { projectRoot, pulumi, pulumiOk, removeStack, uniqueStackName } from "./lib/pulumi";
import { sh, until } from "./lib/shell";

const example = path.join(projectRoot, "examples", "lab-app");
const stack = uniqueStackName("ex");
const opts = { cwd: example };
const stackFile = path.join(example, `Pulumi.${stack}.yaml`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-ex-"));
const kubeconfig = path.join(work, "kubeconfig");
const cache = process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
const kubectlBin = path.join(cache, "kubernetes", VERSIONS.kubernetes, "bin", "kubectl");
// 10.80-83: apart from the other engine tests and the lab stack (10.88-91).
const o = 80;

jest.setTimeout(40 * 60_000);

/** The lab stack's spec with this test's address ranges: 3 masters and one virtual worker per zone. */
function writeStack(expose: boolean): void {
  const spec = labSpecCopy("ex", o);
  spec.workerPools = spec.workerPools.filter((p: { name: string }) => p.name === "default");
  fs.writeFileSync(stackFile, stringify({ config: { "keelson:cluster": spec, "app:expose": expose } }));
}

const kubectl = (...args: string[]) => sh(kubectlBin, ["--kubeconfig", kubeconfig, "--request-timeout=20s", ...args]);

afterAll(() => {
  removeStack(stack, opts);
  cleanupStack(stack);
  fs.rmSync(stackFile, { force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

test("the example installs keelson as a package (npm install of file:../..)", () => {
  const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: example, encoding: "utf8" });
  expect(r.status).toBe(0);
  expect(fs.realpathSync(path.join(example, "node_modules", "keelson"))).toBe(fs.realpathSync(projectRoot));
});

test("one pulumi up: the cluster and the app on it; the app answers from this machine", async () => {
  pulumiOk(["stack", "init", stack], opts);
  writeStack(true);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  const out = JSON.parse(pulumiOk(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts));
  fs.writeFileSync(kubeconfig, out.kubeconfig, { mode: 0o600 });
  expect(out.url).toMatch(new RegExp(`^http://10\\.${o}\\.\\d+\\.\\d+:3\\d{4}$`));
  // agnhost netexec answers /hostname with the pod's name.
  let answer = "";
  await until("the app answers on its NodePort", 120, () => {
    answer = sh("curl", ["-s", "--max-time", "5", `${out.url}/hostname`]).stdout;
    return /^hello-[a-z0-9]+-[a-z0-9]+$/.test(answer);
  });
  const pods = JSON.parse(kubectl("get", "pods", "-l", "app=hello", "-o", "json").stdout).items.map((p: any) => p.metadata.name);
  expect(pods).toContain(answer);
  expect(pods).toHaveLength(2);
  // The add-ons are real Kubernetes objects too.
  expect(kubectl("-n", "kube-system", "get", "deployment", "coredns").status).toBe(0);
  // Without --show-secrets the kubeconfig stays masked.
  expect(JSON.parse(pulumiOk(["stack", "output", "--json", "--stack", stack], opts)).kubeconfig).toBe("[secret]");
});

test("a second up changes nothing", () => {
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});

test("a resource removed from the program is deleted from the cluster", () => {
  expect(kubectl("get", "service", "hello").status).toBe(0);
  writeStack(false);
  const up = pulumiOk(["up", "--yes", "--stack", stack], opts);
  expect(up).toMatch(/1 deleted/);
  const r = kubectl("get", "service", "hello");
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain('services "hello" not found');
  // The rest of the app is untouched.
  expect(kubectl("get", "deployment", "hello").status).toBe(0);
});

test("destroy removes the app, the cluster and every lab host", () => {
  pulumiOk(["destroy", "--yes", "--stack", stack], opts);
  const state = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], opts)).deployment;
  expect(state.resources ?? []).toHaveLength(0);
  expect(listStackLeftovers(stack)).toEqual([]);
});
