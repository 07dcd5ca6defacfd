// toolchain/kubernetes-provider.mjs: the wrapper module's go.mod (generated from
// upstream's), the embedded schema, and the pairing of the plugin it builds with
// the @pulumi/kubernetes SDK in package-lock.json.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..");
const versions = JSON.parse(fs.readFileSync(path.join(root, "components", "versions.json"), "utf8"));
const pin = versions.pulumiKubernetesProvider;

// The toolchain scripts are plain ESM that runs before `npm ci`: call them in a
// child node process (as images.test.ts does), passing JSON both ways.
const kpFile = path.join(root, "toolchain", "kubernetes-provider.mjs");
const goFile = path.join(root, "toolchain", "go.mjs");
function call(mod: "kp" | "go", fn: string, ...args: unknown[]): any {
  const code =
    `import * as m from ${JSON.stringify(mod === "kp" ? kpFile : goFile)};\n` +
    `try { process.stdout.write(JSON.stringify({ ok: m[${JSON.stringify(fn)}](...${JSON.stringify(args)}) ?? null })); }\n` +
    `catch (e) { process.stdout.write(JSON.stringify({ error: e.message })); }\n`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`node exited ${r.status}:\n${r.stderr}`);
  const res = JSON.parse(r.stdout);
  if ("error" in res) throw new Error(res.error);
  return res.ok;
}
const kp = {
  kubernetesWrapperGoMod: (text: string, p: unknown): string => call("kp", "kubernetesWrapperGoMod", text, p),
  embeddedSchema: (text: string, v: string): string => call("kp", "embeddedSchema", text, v),
  lockedSdkVersion: (r: string): string => call("kp", "lockedSdkVersion", r),
  installKubernetesPlugin: (home: string, provider: unknown): string => call("kp", "installKubernetesPlugin", home, provider),
};
const go = {
  wrapperGoMod: (text: string, opts: unknown): string => call("go", "wrapperGoMod", text, opts),
};

const UPSTREAM = `module github.com/pulumi/pulumi-kubernetes/provider/v4

go 1.24.7

toolchain go1.24.9

replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => ../sdk

require (
	github.com/pulumi/pulumi-kubernetes/sdk/v4 v4.24.0
	github.com/pulumi/pulumi/pkg/v3 v3.215.0
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
`;

describe("wrapper go.mod", () => {
  test("renames the module, pins the relative sdk replace, requires the provider at the pseudo-version", () => {
    const out: string = kp.kubernetesWrapperGoMod(UPSTREAM, pin);
    expect(out).toMatch(/^module keelson\.local\/toolchain\/pulumi-kubernetes-provider$/m);
    expect(out).not.toMatch(/^module github\.com\/pulumi\/pulumi-kubernetes\/provider\/v4$/m);
    expect(out).toContain(
      `replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => github.com/pulumi/pulumi-kubernetes/sdk/v4 ${pin.sdk}\n`,
    );
    expect(out).not.toContain("=> ../");
    expect(out).toMatch(new RegExp(`^require ${pin.module.replace(/[./]/g, "\\$&")} ${pin.version}$`, "m"));
  });

  test("keeps requirements, other replaces and the go/toolchain lines", () => {
    const out: string = kp.kubernetesWrapperGoMod(UPSTREAM, pin);
    expect(out).toContain("replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e\n");
    expect(out).toContain("\tgithub.com/pulumi/pulumi/pkg/v3 v3.215.0\n");
    expect(out).toContain("go 1.24.7\n");
    expect(out).toContain("toolchain go1.24.9\n");
  });

  test("pins relative replaces inside a replace ( ... ) block too, keeping the others", () => {
    const upstream = `module example.com/up

replace (
	github.com/pulumi/pulumi-kubernetes/sdk/v4 => ../sdk
	example.com/other => example.com/fork v1.2.3
)
`;
    const out: string = kp.kubernetesWrapperGoMod(upstream, pin);
    expect(out).toContain(`\tgithub.com/pulumi/pulumi-kubernetes/sdk/v4 => github.com/pulumi/pulumi-kubernetes/sdk/v4 ${pin.sdk}\n`);
    expect(out).toContain("\texample.com/other => example.com/fork v1.2.3\n");
  });

  test("throws on a relative replace it does not know how to pin", () => {
    const upstream = `${UPSTREAM}\nreplace example.com/tools => ../tools\n`;
    expect(() => kp.kubernetesWrapperGoMod(upstream, pin)).toThrow(/relative replace .*example\.com\/tools => \.\.\/tools/);
  });

  test("throws when the replace it expects to pin is gone (upstream changed)", () => {
    const upstream = UPSTREAM.replace(/^replace github\.com\/pulumi\/pulumi-kubernetes.*$/m, "");
    expect(() => kp.kubernetesWrapperGoMod(upstream, pin)).toThrow(/no relative replace of github\.com\/pulumi\/pulumi-kubernetes\/sdk\/v4/);
  });

  test("generic helper: a replace with a version on the left is pinned too; non-go.mod text is refused", () => {
    const out: string = go.wrapperGoMod("module a\n\nreplace b v1.0.0 => ./b\n", {
      module: "w",
      pins: { b: "v1.0.0" },
      require: [["a", "v0.1.0"]],
    });
    expect(out).toBe("module w\n\nreplace b => b v1.0.0\n\nrequire a v0.1.0\n");
    expect(() => go.wrapperGoMod("hello\n", { module: "w" })).toThrow(/not a go\.mod/);
  });

  test("the real upstream go.mod, when it is in the module cache", () => {
    const gomod = path.join(process.env.GOMODCACHE || path.join(require("node:os").homedir(), "go", "pkg", "mod"),
      "github.com", "pulumi", "pulumi-kubernetes", "provider", `v4@${pin.version}`, "go.mod");
    if (!fs.existsSync(gomod)) return; // not downloaded on this machine yet: the synthetic cases above still hold
    const out: string = kp.kubernetesWrapperGoMod(fs.readFileSync(gomod, "utf8"), pin);
    expect(out).not.toContain("=> ../");
    expect(out).toContain(`=> github.com/pulumi/pulumi-kubernetes/sdk/v4 ${pin.sdk}`);
    // the sdk pin is the version upstream's go.mod requires
    expect(out).toMatch(new RegExp(`^\\s*github\\.com/pulumi/pulumi-kubernetes/sdk/v4 ${pin.sdk.replace(/\./g, "\\.")}$`, "m"));
  });
});

test("embedded schema: version set, everything else unchanged", () => {
  const schema = JSON.stringify({ name: "kubernetes", resources: { "kubernetes:core/v1:ConfigMap": { a: 1 } } }, null, 2);
  const out = JSON.parse(kp.embeddedSchema(schema, pin.plugin));
  expect(out.version).toBe(pin.plugin);
  delete out.version;
  expect(out).toEqual(JSON.parse(schema));
});

test("package-lock's @pulumi/kubernetes is the plugin version Keelson builds", () => {
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  expect(lock.packages["node_modules/@pulumi/kubernetes"].version).toBe(pin.plugin);
  expect(pkg.dependencies["@pulumi/kubernetes"]).toBe(pin.plugin); // exact, not a range
  expect(kp.lockedSdkVersion(root)).toBe(pin.plugin);
});

test("pins: pseudo-version of the provider module, plain semver plugin, sdk tag", () => {
  expect(pin.module).toBe("github.com/pulumi/pulumi-kubernetes/provider/v4");
  expect(pin.version).toMatch(/^v4\.0\.0-\d{14}-[0-9a-f]{12}$/);
  expect(pin.plugin).toMatch(/^\d+\.\d+\.\d+$/);
  expect(pin.sdk).toMatch(/^v4\.\d+\.\d+$/);
});

test("installKubernetesPlugin: a real plugin folder with a link to the binary; idempotent; replaces a stale link", () => {
  const home = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "keelson-k8s-plugin-"));
  try {
    const mk = (name: string) => {
      const dir = path.join(home, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "pulumi-resource-kubernetes"), "#!/bin/sh\n", { mode: 0o755 });
      return { dir, binary: path.join(dir, "pulumi-resource-kubernetes"), version: pin.plugin, pluginDirName: `resource-kubernetes-v${pin.plugin}` };
    };
    const a = mk("a");
    const b = mk("b");
    const pluginDir = kp.installKubernetesPlugin(home, a);
    expect(pluginDir).toBe(path.join(home, "plugins", `resource-kubernetes-v${pin.plugin}`));
    // The engine lists plugins with os.ReadDir and keeps directories only: not a symlink.
    expect(fs.lstatSync(pluginDir).isDirectory()).toBe(true);
    const link = path.join(pluginDir, "pulumi-resource-kubernetes");
    expect(fs.readlinkSync(link)).toBe(a.binary);
    kp.installKubernetesPlugin(home, a);
    expect(fs.readlinkSync(link)).toBe(a.binary);
    kp.installKubernetesPlugin(home, b);
    expect(fs.readlinkSync(link)).toBe(b.binary);
    // an old-style symlinked folder is replaced by a real one
    fs.rmSync(pluginDir, { recursive: true });
    fs.symlinkSync(a.dir, pluginDir);
    kp.installKubernetesPlugin(home, b);
    expect(fs.lstatSync(pluginDir).isDirectory()).toBe(true);
    expect(fs.readlinkSync(link)).toBe(b.binary);
    expect(fs.existsSync(path.join(a.dir, "pulumi-resource-kubernetes"))).toBe(true);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});
