// The bundle (scripts/lib/bundle.mjs: plain ESM, in a child node process) on a
// small cache of its own: what it holds, that an import reproduces the builds
// exactly, and that a bundle that does not match its manifest changes nothing.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const bundle = path.resolve(__dirname, "..", "..", "..", "scripts", "lib", "bundle.mjs");

function esm<T>(expr: string): T {
  const code = `import * as m from ${JSON.stringify(bundle)};\nconst out = await (async () => ${expr})();\nprocess.stdout.write(JSON.stringify(out ?? null));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as T;
}
/** The error message of `expr`, or "ok". */
const failure = (expr: string) => esm<string>(`(() => { try { ${expr}; return "ok"; } catch (e) { return e.message; } })()`);

let work: string;
let cache: string;
const write = (rel: string, text: string, mode = 0o644) => {
  const f = path.join(cache, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text, { mode });
};

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-test-"));
  cache = path.join(work, "cache");
  write("kubernetes/v1.2.3/stamp.json", JSON.stringify({ key: "k8s-key", version: "v1.2.3" }));
  write("kubernetes/v1.2.3/bin/kubelet", "kubelet bits", 0o755);
  write("toolchain/pulumi-v3-abc/COMPLETE", JSON.stringify({ versions: { pulumi: "3" } }));
  write("toolchain/provider-v4/COMPLETE", "done\n");
  write("toolchain/provider-v4/pulumi-resource-x", "x", 0o755);
  write("toolchain/pulumi-v3-abc/bin/pulumi", "pulumi bits", 0o755);
  fs.symlinkSync("pulumi", path.join(cache, "toolchain/pulumi-v3-abc/bin/pulumi-alias"));
  write("lab/images/bookworm-0123/image.json", "{}");
  write("lab/images/bookworm-0123/rootfs/etc/hostname", "lab\n");
  // Not builds: one in progress, a digest memo, a folder without a stamp.
  write("kubernetes/.v1.2.4-build-x/bin/kubelet", "half");
  write("sums/0a.json", "{}");
  write("staged/0b.tar.gz", "tgz");
  write("scratch/notes.txt", "mine");
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

test("the cache's entries: each folder with a stamp (or the lab image's image.json); builds in progress and memos are not", () => {
  expect(esm(`m.cacheEntries(${JSON.stringify(cache)})`)).toEqual(["kubernetes/v1.2.3", "lab/images/bookworm-0123", "toolchain/provider-v4", "toolchain/pulumi-v3-abc"]);
});

test("export then import into an empty cache: the same files, modes, links and stamps; a second import has nothing to do", () => {
  const file = path.join(work, "b.tar.zst");
  const m = esm<any>(`m.exportBundle(${JSON.stringify(file)}, { cache: ${JSON.stringify(cache)} })`);
  expect(m.format).toBe("keelson-bundle/1");
  expect(m.entries.map((e: any) => [e.path, e.stamp?.marker])).toEqual([["kubernetes/v1.2.3", "stamp.json"], ["lab/images/bookworm-0123", "image.json"], ["toolchain/provider-v4", "COMPLETE"], ["toolchain/pulumi-v3-abc", "COMPLETE"]]);
  expect(m.entries[0].stamp).toEqual({ marker: "stamp.json", key: "k8s-key", version: "v1.2.3" });
  expect(m.entries[2].stamp).toEqual({ marker: "COMPLETE", sha256: createHash("sha256").update("done\n").digest("hex") });
  expect(m.files["kubernetes/v1.2.3/bin/kubelet"]).toEqual({ type: "file", size: 12, mode: 0o755, sha256: createHash("sha256").update("kubelet bits").digest("hex") });
  expect(m.files["toolchain/pulumi-v3-abc/bin/pulumi-alias"]).toEqual({ type: "link", target: "pulumi" });
  expect(Object.keys(m.files).some((p) => p.includes("build-x") || p.startsWith("sums") || p.startsWith("staged") || p.startsWith("scratch"))).toBe(false);
  expect(fs.readdirSync(work).filter((f) => f.includes("partial"))).toEqual([]);

  const other = path.join(work, "other");
  const r = esm<any>(`m.importBundle(${JSON.stringify(file)}, { cache: ${JSON.stringify(other)} })`);
  expect(r.imported).toEqual(["kubernetes/v1.2.3", "lab/images/bookworm-0123", "toolchain/provider-v4", "toolchain/pulumi-v3-abc"]);
  for (const e of r.imported) expect(esm(`m.listTree(${JSON.stringify(other)}, ${JSON.stringify(e)})`)).toEqual(esm(`m.listTree(${JSON.stringify(cache)}, ${JSON.stringify(e)})`));
  expect(fs.readdirSync(other).filter((f) => f.startsWith("."))).toEqual([]); // no scratch left
  expect(esm<any>(`m.importBundle(${JSON.stringify(file)}, { cache: ${JSON.stringify(other)} })`).imported).toEqual([]);

  // A build whose folder lost its marker (an interrupted copy, say) is imported again.
  fs.rmSync(path.join(other, "toolchain/provider-v4/COMPLETE"));
  expect(esm<any>(`m.importBundle(${JSON.stringify(file)}, { cache: ${JSON.stringify(other)} })`).imported).toEqual(["toolchain/provider-v4"]);
  // A build the cache holds with another stamp (a newer local build, say) is the one replaced; the others stay.
  fs.writeFileSync(path.join(other, "kubernetes/v1.2.3/stamp.json"), JSON.stringify({ key: "other" }));
  fs.writeFileSync(path.join(other, "kubernetes/v1.2.3/extra"), "x");
  expect(esm<any>(`m.importBundle(${JSON.stringify(file)}, { cache: ${JSON.stringify(other)} })`).imported).toEqual(["kubernetes/v1.2.3"]);
  expect(fs.existsSync(path.join(other, "kubernetes/v1.2.3/extra"))).toBe(false);
});

test("a bundle whose files do not match its manifest is refused, naming the file, and the cache is unchanged", () => {
  const file = path.join(work, "b.tar.zst");
  esm(`m.exportBundle(${JSON.stringify(file)}, { cache: ${JSON.stringify(cache)} })`);
  // Unpack, change one binary, pack again with the original manifest.
  const x = path.join(work, "x");
  fs.mkdirSync(x);
  expect(spawnSync("tar", ["--zstd", "-xf", file, "-C", x]).status).toBe(0);
  fs.writeFileSync(path.join(x, "kubernetes/v1.2.3/bin/kubelet"), "kubelet BITS");
  const bad = path.join(work, "bad.tar.zst");
  expect(spawnSync("tar", ["--zstd", "-cf", bad, "-C", x, "keelson-bundle.json", "kubernetes", "lab", "toolchain"]).status).toBe(0);
  const other = path.join(work, "other");
  expect(failure(`m.importBundle(${JSON.stringify(bad)}, { cache: ${JSON.stringify(other)} })`)).toBe(`bundle ${bad}: kubernetes/v1.2.3/bin/kubelet sha256 differs from the manifest; nothing was imported`);
  expect(fs.existsSync(other) ? fs.readdirSync(other) : []).toEqual([]);

  // A file the manifest does not list is refused too.
  fs.writeFileSync(path.join(x, "kubernetes/v1.2.3/bin/kubelet"), "kubelet bits");
  fs.writeFileSync(path.join(x, "toolchain/pulumi-v3-abc/bin/extra"), "smuggled");
  expect(spawnSync("tar", ["--zstd", "-cf", bad, "-C", x, "keelson-bundle.json", "kubernetes", "lab", "toolchain"]).status).toBe(0);
  expect(failure(`m.importBundle(${JSON.stringify(bad)}, { cache: ${JSON.stringify(other)} })`)).toBe(`bundle ${bad}: toolchain/pulumi-v3-abc/bin/extra not in the manifest; nothing was imported`);
});

test("a manifest of another format, or with an entry outside the cache, is refused before anything is extracted", () => {
  const x = path.join(work, "x");
  fs.mkdirSync(x);
  const pack = (manifest: unknown) => {
    fs.writeFileSync(path.join(x, "keelson-bundle.json"), JSON.stringify(manifest));
    const f = path.join(work, "m.tar.zst");
    expect(spawnSync("tar", ["--zstd", "-cf", f, "-C", x, "keelson-bundle.json"]).status).toBe(0);
    return f;
  };
  const f1 = pack({ format: "keelson-bundle/0", entries: [], files: {} });
  expect(failure(`m.readManifest(${JSON.stringify(f1)})`)).toBe(`bundle ${f1}: format "keelson-bundle/0", expected keelson-bundle/1`);
  for (const p of ["../etc", "/etc", "a/../../b", ".hidden/x"]) {
    const f = pack({ format: "keelson-bundle/1", entries: [{ path: p }], files: {} });
    expect(failure(`m.readManifest(${JSON.stringify(f)})`)).toBe(`bundle ${f}: entry path ${JSON.stringify(p)} is not a plain relative path`);
  }
  expect(failure(`m.readManifest(${JSON.stringify(path.join(work, "none"))})`)).toBe(`bundle ${path.join(work, "none")}: no such file`);
  expect(failure(`m.exportBundle(${JSON.stringify(path.join(work, "e.tar.zst"))}, { cache: ${JSON.stringify(path.join(work, "empty"))} })`)).toContain("holds no finished build");
});
