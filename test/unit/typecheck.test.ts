// `pulumi up` runs the program with ts-node in transpile-only mode (fast), so
// the type check of the whole project happens here instead.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");

jest.setTimeout(5 * 60_000);

test("the project type-checks under strict mode (tsc --noEmit)", () => {
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", path.join(root, "tsconfig.json")], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tsc found type errors:\n${r.stdout}\n${r.stderr}`);
  expect(r.status).toBe(0);
});
