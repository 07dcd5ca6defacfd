// The Kubernetes provider plugin the offline toolchain builds from its Go module
// (toolchain/kubernetes-provider.mjs), on the real engine: found at the version
// the @pulumi/kubernetes SDK asks for, its schema is the one the SDK was
// generated from, and a preview of a provider plus a ConfigMap runs the plugin's
// CheckConfig/Check (no cluster: preview only; the lab tests apply objects).
import * as fs from "node:fs";
import * as path from "node:path";
import { pulumi, pulumiOk, projectRoot, uniqueStackName } from "./lib/pulumi";

const fixture = path.join(__dirname, "fixtures", "kubernetes-provider");
const stack = uniqueStackName("k8sprov");
const opts = { cwd: fixture };
const sdkDir = path.join(projectRoot, "node_modules", "@pulumi", "kubernetes");
const sdkVersion: string = JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")).version;
const toolchain = process.env.KEELSON_PULUMI !== "system";

// The first run builds the plugin (about 15 minutes on 2 cores).
jest.setTimeout(30 * 60_000);

afterAll(() => {
  pulumi(["stack", "rm", "--yes", "--force", stack], opts);
});

(toolchain ? test : test.skip)("the plugin is installed at the SDK's version", () => {
  const list = pulumiOk(["plugin", "ls", "--json"]);
  const plugins: { name: string; kind: string; version: string }[] = JSON.parse(list);
  expect(plugins).toContainEqual(expect.objectContaining({ name: "kubernetes", kind: "resource", version: sdkVersion }));
});

(toolchain ? test : test.skip)("its schema has every resource type the SDK has, at the SDK's version", () => {
  const schema = JSON.parse(pulumiOk(["package", "get-schema", `kubernetes@${sdkVersion}`]));
  expect(schema.name).toBe("kubernetes");
  expect(schema.version).toBe(sdkVersion);
  const tokens = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules") walk(p);
      } else if (e.name.endsWith(".js")) {
        for (const m of fs.readFileSync(p, "utf8").matchAll(/__pulumiType = ['"]([^'"]+)['"]/g)) tokens.add(m[1]);
      }
    }
  };
  walk(sdkDir);
  expect(tokens.size).toBeGreaterThan(400);
  // The provider resource's class says just "kubernetes"; it is the schema's `provider`.
  expect(tokens.has("kubernetes")).toBe(true);
  expect(Object.keys(schema.provider.inputProperties)).toContain("kubeconfig");
  const missing = [...tokens].filter((t) => t !== "kubernetes" && !(t in schema.resources));
  expect(missing).toEqual([]);
});

test("preview: the engine starts the plugin and it checks a provider and a ConfigMap", () => {
  pulumiOk(["stack", "init", stack], opts);
  const out = pulumiOk(["preview", "--diff", "--stack", stack], opts);
  expect(out).toContain("+ pulumi:providers:kubernetes: (create)");
  expect(out).toContain("+ kubernetes:core/v1:ConfigMap: (create)");
  // Check filled in apiVersion/kind: the plugin, not the SDK, answered.
  expect(out).toMatch(/apiVersion\s*: "v1"/);
  expect(out).toMatch(/kind\s*: "ConfigMap"/);
  expect(out).toMatch(new RegExp(`version\\s*: "${sdkVersion.replace(/\./g, "\\.")}"`));
  expect(out).not.toMatch(/plugin not found|no resource plugin/i);
});
