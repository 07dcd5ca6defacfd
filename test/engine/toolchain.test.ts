// The offline toolchain, proven on the real engine: a dynamic-provider
// resource, a @pulumi/command local.Command and a secret output are created,
// updated and destroyed, and the secret never appears in plaintext in state.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pulumiOk, removeStack, uniqueStackName } from "./lib/pulumi";

const fixture = path.join(__dirname, "fixtures", "smoke");
const stack = uniqueStackName("smoke");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-smoke-"));
const marker = path.join(work, "marker");
const opts = { cwd: fixture };

jest.setTimeout(15 * 60_000);

afterAll(() => {
  // Best effort: never leave a test stack behind, even when an assertion failed.
  removeStack(stack, opts);
  fs.rmSync(work, { recursive: true, force: true });
});

test("the engine reports its version", () => {
  expect(pulumiOk(["version"]).trim()).toMatch(/^v3\.\d+\.\d+$/);
});

test("create, update and destroy through the real engine", () => {
  pulumiOk(["stack", "init", stack], opts);
  pulumiOk(["config", "set", "marker", marker, "--stack", stack], opts);

  // Create.
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  expect(fs.readFileSync(`${marker}.dynamic`, "utf8")).toBe("hello");
  expect(fs.readFileSync(`${marker}.command`, "utf8")).toBe("hello");
  let outputs = JSON.parse(pulumiOk(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts));
  expect(outputs).toEqual({ fileContent: "hello", commandStdout: "created:hello", secretValue: "s3cr3t-hello-value" });
  // Without --show-secrets the secret stays masked.
  const masked = JSON.parse(pulumiOk(["stack", "output", "--json", "--stack", stack], opts));
  expect(masked.secretValue).toBe("[secret]");

  // Nothing changed: a second up must be a no-op.
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);

  // Update.
  pulumiOk(["config", "set", "greeting", "bye", "--stack", stack], opts);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  expect(fs.readFileSync(`${marker}.dynamic`, "utf8")).toBe("bye");
  expect(fs.readFileSync(`${marker}.command`, "utf8")).toBe("bye");
  outputs = JSON.parse(pulumiOk(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts));
  expect(outputs).toEqual({ fileContent: "bye", commandStdout: "updated:bye", secretValue: "s3cr3t-bye-value" });

  // The exported state holds the secret only as ciphertext.
  const state = pulumiOk(["stack", "export", "--stack", stack], opts);
  expect(state).not.toContain("s3cr3t-bye-value");
  expect(state).not.toContain("s3cr3t-hello-value");
  const deployment = JSON.parse(state).deployment;
  const stackRes = deployment.resources.find((r: { type: string }) => r.type === "pulumi:pulumi:Stack");
  expect(stackRes.outputs.secretValue).toMatchObject({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: expect.any(String) });

  // Destroy removes what the resources made.
  pulumiOk(["destroy", "--yes", "--stack", stack], opts);
  expect(fs.existsSync(`${marker}.dynamic`)).toBe(false);
  expect(fs.existsSync(`${marker}.command`)).toBe(false);
  const after = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], opts)).deployment;
  expect(after.resources ?? []).toHaveLength(0);
});
