import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  artifactSetKey,
  checksumManifest,
  downloadScript,
  installScript,
  unpackAndInstallScript,
  releaseChecksumUrl,
  releaseUrl,
  validateRefs,
  type BinaryRef,
} from "../../../components/bootstrap/artifactPlan";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const refs: BinaryRef[] = [
  { name: "kube-apiserver", product: "kubernetes", version: "v1.36.3", sha256: sha("a") },
  { name: "etcd", product: "etcd", version: "v3.5.21", sha256: sha("b") },
];

describe("release URLs", () => {
  it("point at dl.k8s.io and the etcd GitHub release", () => {
    expect(releaseUrl(refs[0])).toBe("https://dl.k8s.io/release/v1.36.3/bin/linux/amd64/kube-apiserver");
    expect(releaseChecksumUrl(refs[0], "arm64")).toBe("https://dl.k8s.io/release/v1.36.3/bin/linux/arm64/kube-apiserver.sha256");
    expect(releaseUrl(refs[1])).toBe("https://github.com/etcd-io/etcd/releases/download/v3.5.21/etcd-v3.5.21-linux-amd64.tar.gz");
  });
  it("download script verifies the etcd tarball and every binary before install", () => {
    const s = downloadScript(refs, "/var/lib/keelson/artifacts/x", { etcdTarballSha256: sha("t") });
    expect(s).toContain(`echo '${sha("t")}  etcd-v3.5.21.tar.gz' | sha256sum --quiet -c`);
    expect(s.indexOf("sha256sum --quiet -c SHA256SUMS")).toBeLessThan(s.indexOf("install -m 0755 kube-apiserver"));
    expect(() => downloadScript(refs, "/d")).toThrow(/etcdTarballSha256/);
  });
  it("one tarball per etcd release: each server lands under its version, checked against that release's sum", () => {
    const two: BinaryRef[] = [
      { name: "etcd-v3.5.36", file: "etcd", product: "etcd", version: "v3.5.36", sha256: sha("x") },
      { name: "etcd-v3.6.17", file: "etcd", product: "etcd", version: "v3.6.17", sha256: sha("y") },
      { name: "etcdutl", product: "etcd", version: "v3.6.17", sha256: sha("z") },
    ];
    const s = downloadScript(two, "/d", { etcdTarballSha256: { "v3.5.36": sha("t5"), "v3.6.17": sha("t6") } });
    expect(s).toContain(`echo '${sha("t5")}  etcd-v3.5.36.tar.gz' | sha256sum --quiet -c`);
    expect(s).toContain(`echo '${sha("t6")}  etcd-v3.6.17.tar.gz' | sha256sum --quiet -c`);
    expect(s).toContain("cp etcd-v3.5.36-linux-amd64/etcd etcd-v3.5.36");
    expect(s).toContain("cp etcd-v3.6.17-linux-amd64/etcdutl etcdutl");
    expect(() => downloadScript(two, "/d", { etcdTarballSha256: { "v3.6.17": sha("t6") } })).toThrow(/artifacts.etcdTarballSha256.v3.5.36: required/);
  });
  it("kube-router: taken out of its release tarball, then checked against the binary's own pinned sum before install", () => {
    const kr: BinaryRef = { name: "kube-router", product: "kube-router", version: "v2.1.0", sha256: sha("k") };
    expect(releaseUrl(kr, "arm64")).toBe("https://github.com/cloudnativelabs/kube-router/releases/download/v2.1.0/kube-router_2.1.0_linux_arm64.tar.gz");
    const lines = downloadScript([kr], "/d").split("\n");
    const fetch = lines.findIndex((l) => l === `curl -fsSL --retry 5 ${releaseUrl(kr)} | tar -xzf - kube-router`);
    expect(fetch).toBeGreaterThan(0);
    expect(lines).toContain(`${sha("k")}  kube-router`);
    expect(lines.indexOf("sha256sum --quiet -c SHA256SUMS")).toBeGreaterThan(fetch);
    expect(lines.indexOf("sha256sum --quiet -c SHA256SUMS")).toBeLessThan(lines.indexOf("install -m 0755 kube-router /usr/local/bin/kube-router"));
  });
  it("refuses refs without a real checksum", () => {
    expect(() => validateRefs([{ ...refs[0], sha256: "abc" }])).toThrow(/artifacts\[0\].sha256/);
    expect(() => validateRefs([refs[0], refs[0]])).toThrow(/listed twice/);
  });
  it("set key depends on names and sums, not order", () => {
    expect(artifactSetKey(refs)).toBe(artifactSetKey([...refs].reverse()));
    expect(artifactSetKey([{ ...refs[0], sha256: sha("c") }, refs[1]])).not.toBe(artifactSetKey(refs));
  });
});

describe("install script (run for real against a fake bin dir)", () => {
  it("installs only when every checksum matches", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "art-"));
    try {
      fs.writeFileSync(path.join(dir, "kube-apiserver"), "a");
      fs.writeFileSync(path.join(dir, "etcd"), "tampered");
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      const script = installScript(refs, dir).replace(/\/usr\/local\/bin/g, bin);
      const bad = spawnSync("sh", ["-c", script], { encoding: "utf8" });
      expect(bad.status).not.toBe(0);
      expect(fs.readdirSync(bin)).toEqual([]);
      fs.writeFileSync(path.join(dir, "etcd"), "b");
      const good = spawnSync("sh", ["-c", script], { encoding: "utf8" });
      expect(good.status).toBe(0);
      expect(fs.readdirSync(bin).sort()).toEqual(["etcd", "kube-apiserver"]);
      expect(fs.statSync(path.join(bin, "etcd")).mode & 0o777).toBe(0o755);
      expect(checksumManifest(refs)).toBe(`${sha("a")}  kube-apiserver\n${sha("b")}  etcd\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("unpacks the pushed tarball, and a re-run after the tarball is gone installs from the folder", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "art-"));
    try {
      const src = path.join(root, "src");
      fs.mkdirSync(src);
      fs.writeFileSync(path.join(src, "kube-apiserver"), "a");
      fs.writeFileSync(path.join(src, "etcd"), "b");
      const dir = path.join(root, "set");
      expect(spawnSync("tar", ["-C", src, "-czf", `${dir}.tar.gz`, "kube-apiserver", "etcd"]).status).toBe(0);
      const bin = path.join(root, "bin");
      fs.mkdirSync(bin);
      const script = unpackAndInstallScript(refs, dir).replace(/\/usr\/local\/bin/g, bin);
      const first = spawnSync("sh", ["-c", script], { encoding: "utf8" });
      expect(first.stderr).toBe("");
      expect(first.status).toBe(0);
      expect(fs.existsSync(`${dir}.tar.gz`)).toBe(false);
      // As when an `up` is killed before Pulumi recorded the create: it runs again.
      fs.rmSync(bin, { recursive: true });
      fs.mkdirSync(bin);
      const again = spawnSync("sh", ["-c", script], { encoding: "utf8" });
      expect(again.status).toBe(0);
      expect(fs.readdirSync(bin).sort()).toEqual(["etcd", "kube-apiserver"]);
      // The folder is still checked: a changed binary is not installed.
      fs.writeFileSync(path.join(dir, "etcd"), "tampered");
      expect(spawnSync("sh", ["-c", script], { encoding: "utf8" }).status).not.toBe(0);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
