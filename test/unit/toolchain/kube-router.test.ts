// toolchain/kube-router.mjs is plain ESM that runs before `npm ci`: its wrapper
// go.mod and ldflags are checked in a child node process.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const script = path.resolve(__dirname, "..", "..", "..", "toolchain", "kube-router.mjs");

function call(expr: string): { out?: string; error?: string } {
  const code = `import * as m from ${JSON.stringify(script)};\ntry { process.stdout.write(String(${expr})); } catch (e) { process.stderr.write(e.message); process.exit(3); }`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  return r.status === 0 ? { out: r.stdout } : { error: r.stderr };
}

test("the wrapper requires kube-router at the pinned release and every raised dependency, in one require block", () => {
  const { out } = call("m.kubeRouterWrapperGoMod()");
  expect(out).toMatch(/^module keelson\.local\/kube-router-build$/m);
  expect(out).toMatch(/^\tgithub\.com\/cloudnativelabs\/kube-router\/v2 v2\.1\.0$/m);
  for (const [mod, version] of [
    ["golang.org/x/net", "v0.62.0"],
    ["google.golang.org/grpc", "v1.83.2"],
    ["github.com/osrg/gobgp/v3", "v3.35.0"],
    ["github.com/docker/docker", "v25.0.13+incompatible"],
  ]) {
    expect(out).toContain(`\t${mod} ${version}\n`);
  }
  expect(out!.match(/^require \($/gm)).toHaveLength(1);
});

test("a version that is not a v2 release is refused", () => {
  expect(call(`m.kubeRouterWrapperGoMod("2.1.0")`).error).toMatch(/kubeRouter must look like v2\.1\.0/);
});

test("the binary is stamped with its version, as kube-router's Makefile does", () => {
  expect(call("m.kubeRouterLdflags()").out).toContain("-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=v2.1.0");
});
