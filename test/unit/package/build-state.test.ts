// Whether dist/ is the build of the sources beside it (bin/build-state.js):
// what decides if the `keelson` CLI runs the compiled package or the sources,
// and whether the runner rebuilds. On a copy of the inputs in a temp folder.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { sourceDigest, buildState, STAMP } = require("../../../bin/build-state.js") as {
  sourceDigest(root: string): string | undefined;
  buildState(root: string): "current" | "stale" | "missing";
  STAMP: string;
};

function checkout(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-build-state-"));
  fs.mkdirSync(path.join(root, "components", "model"), { recursive: true });
  fs.writeFileSync(path.join(root, "components", "index.ts"), "export * from './model/a';\n");
  fs.writeFileSync(path.join(root, "components", "model", "a.ts"), "export const a = 1;\n");
  fs.writeFileSync(path.join(root, "tsconfig.json"), "{}\n");
  return root;
}

function build(root: string): void {
  fs.mkdirSync(path.join(root, "dist", "components"), { recursive: true });
  fs.writeFileSync(path.join(root, "dist", "components", "index.js"), "");
  fs.writeFileSync(path.join(root, STAMP), sourceDigest(root) + "\n");
}

test("no build is missing; a stamped build is current; editing, adding or removing a source makes it stale", () => {
  const root = checkout();
  expect(buildState(root)).toBe("missing");
  build(root);
  expect(buildState(root)).toBe("current");
  fs.writeFileSync(path.join(root, "components", "model", "a.ts"), "export const a = 2;\n");
  expect(buildState(root)).toBe("stale");
  build(root);
  fs.writeFileSync(path.join(root, "components", "model", "b.ts"), "");
  expect(buildState(root)).toBe("stale");
  fs.rmSync(path.join(root, "components", "model", "b.ts"));
  expect(buildState(root)).toBe("current");
  fs.writeFileSync(path.join(root, "tsconfig.build.json"), "{}\n");
  expect(buildState(root)).toBe("stale");
});

test("a build that did not finish (no stamp) is missing; an installed package (dist only, no sources) is current", () => {
  const root = checkout();
  build(root);
  fs.rmSync(path.join(root, STAMP));
  expect(buildState(root)).toBe("missing");
  fs.rmSync(path.join(root, "components"), { recursive: true });
  expect(sourceDigest(root)).toBeUndefined();
  expect(buildState(root)).toBe("current");
});

test("the digest covers paths as well as contents", () => {
  const root = checkout();
  const before = sourceDigest(root);
  fs.renameSync(path.join(root, "components", "model", "a.ts"), path.join(root, "components", "model", "c.ts"));
  expect(sourceDigest(root)).not.toBe(before);
});
