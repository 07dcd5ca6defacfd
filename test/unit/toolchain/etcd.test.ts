// toolchain/etcd.mjs is plain ESM that runs before `npm ci`: its go.mod rewrite
// is checked in a child node process, on the shape of etcd's own go.mod files.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const etcd = path.resolve(__dirname, "..", "..", "..", "toolchain", "etcd.mjs");

function wrapper(upstream: string, mod: string, version: string): { out?: string; error?: string } {
  const code = `import { etcdWrapperGoMod } from ${JSON.stringify(etcd)};\ntry { process.stdout.write(etcdWrapperGoMod(${JSON.stringify(upstream)}, ${JSON.stringify(mod)}, ${JSON.stringify(version)})); } catch (e) { process.stderr.write(e.message); process.exit(3); }`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  return r.status === 0 ? { out: r.stdout } : { error: r.stderr };
}

// As etcdutl/v3 v3.6.17's go.mod has it (abridged requirements).
const ETCDUTL = `module go.etcd.io/etcd/etcdutl/v3

go 1.26.0

toolchain go1.26.11

replace (
	go.etcd.io/etcd/api/v3 => ../api
	go.etcd.io/etcd/client/pkg/v3 => ../client/pkg
	go.etcd.io/etcd/client/v3 => ../client/v3
	go.etcd.io/etcd/pkg/v3 => ../pkg
	go.etcd.io/etcd/server/v3 => ../server
)

// Bad imports are sometimes causing attempts to pull that code.
replace (
	go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY
	go.etcd.io/etcd/v3 => ./FORBIDDEN_DEPENDENCY
)

require (
	github.com/coreos/go-semver v0.3.1
	go.etcd.io/etcd/api/v3 v3.6.17
	go.etcd.io/etcd/client/pkg/v3 v3.6.17
	go.etcd.io/etcd/client/v3 v3.6.17
	go.etcd.io/etcd/pkg/v3 v3.6.17
	go.etcd.io/etcd/server/v3 v3.6.17
)
`;

test("every sibling is pinned to the release, the guards and the toolchain line go, requirements stay", () => {
  const { out, error } = wrapper(ETCDUTL, "go.etcd.io/etcd/etcdutl/v3", "v3.6.17");
  expect(error).toBeUndefined();
  expect(out).toMatch(/^module keelson.local\/etcd-etcdutl-build$/m);
  for (const s of ["api/v3", "client/pkg/v3", "client/v3", "pkg/v3", "server/v3"]) {
    expect(out).toContain(`go.etcd.io/etcd/${s} => go.etcd.io/etcd/${s} v3.6.17`);
  }
  expect(out).not.toMatch(/=> \.\.?\//);
  expect(out).not.toContain("FORBIDDEN_DEPENDENCY");
  expect(out).not.toMatch(/^toolchain /m);
  expect(out).toMatch(/^go 1\.26\.0$/m);
  expect(out).toContain("github.com/coreos/go-semver v0.3.1");
  expect(out).toMatch(/^require go\.etcd\.io\/etcd\/etcdutl\/v3 v3\.6\.17$/m);
});

test("each sibling is pinned to the version the go.mod requires of it (3.5: client/v2 is v2.305.x)", () => {
  const v35 = ETCDUTL.replace("go.etcd.io/etcd/pkg/v3 => ../pkg", "go.etcd.io/etcd/client/v2 => ../client/v2").replace("go.etcd.io/etcd/pkg/v3 v3.6.17", "go.etcd.io/etcd/client/v2 v2.305.36");
  const { out } = wrapper(v35, "go.etcd.io/etcd/etcdutl/v3", "v3.6.17");
  expect(out).toContain("go.etcd.io/etcd/client/v2 => go.etcd.io/etcd/client/v2 v2.305.36");
});

test("a relative replace of a module the go.mod does not require is an error, not a guess", () => {
  const { error } = wrapper(ETCDUTL.replace("go.etcd.io/etcd/pkg/v3 => ../pkg", "go.etcd.io/etcd/tools/v3 => ../tools"), "go.etcd.io/etcd/etcdutl/v3", "v3.6.17");
  expect(error).toMatch(/replaces go.etcd.io\/etcd\/tools\/v3 with a relative path but does not require it/);
});
