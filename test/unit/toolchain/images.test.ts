// toolchain/oci.mjs and toolchain/images.mjs are plain ESM that runs before
// `npm ci`; exercise them in a child node process and check what they write
// with an independent tar reader (and the system tar).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";

const toolchain = path.resolve(__dirname, "..", "..", "..", "toolchain");
const oci = path.join(toolchain, "oci.mjs");
const images = path.join(toolchain, "images.mjs");

function runEsm(code: string): string {
  const prelude = `import * as oci from ${JSON.stringify(oci)};\nimport * as images from ${JSON.stringify(images)};\nimport fs from "node:fs";\n`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", prelude + code], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`node exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

const sha = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  uname: string;
  gname: string;
  linkname: string;
  data: Buffer;
}

// An independent ustar reader: the module's own parseTar is not used to check its writer.
function readTar(buf: Buffer): { entries: TarEntry[]; end: number } {
  const str = (b: Buffer) => {
    const n = b.indexOf(0);
    return b.subarray(0, n < 0 ? b.length : n).toString("utf8");
  };
  const octal = (b: Buffer) => {
    // Every numeric field is octal digits then NUL (and for chksum a space).
    const s = str(b);
    expect(s).toMatch(/^[0-7]+$/);
    return parseInt(s, 8);
  };
  const entries: TarEntry[] = [];
  let off = 0;
  for (;;) {
    expect(off + 512).toBeLessThanOrEqual(buf.length);
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    expect(h.subarray(148, 156).toString("latin1")).toBe(sum.toString(8).padStart(6, "0") + "\0 ");
    expect(h.subarray(257, 263).toString("latin1")).toBe("ustar\0");
    expect(h.subarray(263, 265).toString("latin1")).toBe("00");
    const prefix = str(h.subarray(345, 500));
    const size = octal(h.subarray(124, 136));
    entries.push({
      name: (prefix ? prefix + "/" : "") + str(h.subarray(0, 100)),
      type: String.fromCharCode(h[156]),
      mode: octal(h.subarray(100, 108)),
      uid: octal(h.subarray(108, 116)),
      gid: octal(h.subarray(116, 124)),
      mtime: octal(h.subarray(136, 148)),
      size,
      uname: str(h.subarray(265, 297)),
      gname: str(h.subarray(297, 329)),
      linkname: str(h.subarray(157, 257)),
      data: Buffer.from(buf.subarray(off + 512, off + 512 + size)),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  // Two zero blocks end the archive, and nothing follows them.
  expect(buf.length).toBe(off + 1024);
  expect(buf.subarray(off).every((x) => x === 0)).toBe(true);
  return { entries, end: off };
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-images-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Builds a small image in a child process; returns its metadata and the archive path. */
function build(name: string, opts: { ref?: string; payload?: string } = {}) {
  const file = path.join(tmp, `${name}.tar`);
  const spec = {
    ref: opts.ref ?? "registry.k8s.io/pause:3.10.2",
    files: [
      { path: "/pause", data: opts.payload ?? "#!/bin/true\n", mode: 0o755 },
      { path: "/etc/keelson/about", data: "x".repeat(700), mode: 0o644 },
    ],
    config: { User: "65535:65535", Entrypoint: ["/pause"] },
  };
  const out = runEsm(`
    const spec = ${JSON.stringify(spec)};
    for (const f of spec.files) f.data = Buffer.from(f.data);
    const img = oci.buildImage(spec);
    fs.writeFileSync(${JSON.stringify(file)}, img.archive);
    console.log(JSON.stringify({ digest: img.digest, configDigest: img.configDigest, layerDigest: img.layerDigest, diffId: img.diffId, archiveSha256: img.archiveSha256 }));
  `);
  return { file, ...(JSON.parse(out) as { digest: string; configDigest: string; layerDigest: string; diffId: string; archiveSha256: string }) };
}

describe("OCI image archives", () => {
  test("the same inputs give the same bytes and digests; any change gives another digest", () => {
    const a = build("a");
    const b = build("b");
    expect(b.digest).toBe(a.digest);
    expect(b.archiveSha256).toBe(a.archiveSha256);
    expect(fs.readFileSync(b.file).equals(fs.readFileSync(a.file))).toBe(true);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(createHash("sha256").update(fs.readFileSync(a.file)).digest("hex")).toBe(a.archiveSha256);

    const c = build("c", { payload: "#!/bin/false\n" });
    expect(c.digest).not.toBe(a.digest);
    expect(c.diffId).not.toBe(a.diffId);
    const d = build("d", { ref: "registry.k8s.io/pause:3.10.1" });
    expect(d.layerDigest).toBe(a.layerDigest); // same files, same layer
    expect(d.digest).not.toBe(a.digest);
  });

  test("tar headers: ustar, mtime 0, root-owned, sorted, modes kept, readable by tar", () => {
    const a = build("hdr");
    const { entries } = readTar(fs.readFileSync(a.file));
    const names = entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe("blobs/");
    expect(names.slice(-2)).toEqual(["index.json", "oci-layout"]);
    for (const e of entries) {
      expect(e.mtime).toBe(0);
      expect([e.uid, e.gid, e.uname, e.gname]).toEqual([0, 0, "root", "root"]);
      if (e.name.endsWith("/")) expect([e.type, e.mode, e.size]).toEqual(["5", 0o755, 0]);
      else expect([e.type, e.mode]).toEqual(["0", 0o644]);
    }
    // Each blob is named by the sha256 of its content.
    for (const e of entries.filter((x) => x.name.startsWith("blobs/sha256/") && x.type === "0")) {
      expect(sha(e.data)).toBe("sha256:" + path.basename(e.name));
    }

    // The layer: gzip with a zero mtime, a tar of the files with their directories.
    const layerEntry = entries.find((e) => e.name === `blobs/sha256/${a.layerDigest.slice(7)}`)!;
    expect(layerEntry.data.readUInt32LE(4)).toBe(0); // gzip MTIME
    const layerTar = zlib.gunzipSync(layerEntry.data);
    expect(sha(layerTar)).toBe(a.diffId);
    const layer = readTar(layerTar).entries;
    expect(layer.map((e) => [e.name, e.type, e.mode, e.uid, e.gid, e.mtime])).toEqual([
      ["etc/", "5", 0o755, 0, 0, 0],
      ["etc/keelson/", "5", 0o755, 0, 0, 0],
      ["etc/keelson/about", "0", 0o644, 0, 0, 0],
      ["pause", "0", 0o755, 0, 0, 0],
    ]);
    expect(layer[2].data.toString()).toBe("x".repeat(700)); // spans two blocks
    expect(layer[3].data.toString()).toBe("#!/bin/true\n");

    const t = spawnSync("tar", ["-tvf", a.file], { encoding: "utf8" });
    expect(t.status).toBe(0);
    expect(t.stderr).toBe("");
    expect(t.stdout).toMatch(/^drwxr-xr-x root\/root\s+0 1970-01-01 00:00 blobs\/$/m);
    expect(t.stdout).toMatch(/^-rw-r--r-- root\/root\s+\d+ 1970-01-01 00:00 index\.json$/m);
  });

  test("long names use the ustar prefix field; too long ones are refused", () => {
    const name = "a".repeat(90) + "/" + "b".repeat(90);
    const out = runEsm(`
      const buf = oci.tarArchive([{ name: ${JSON.stringify(name)}, data: Buffer.from("hi") }]);
      console.log(buf.toString("base64"));
      try { oci.tarArchive([{ name: "c".repeat(120), data: Buffer.from("") }]); console.log("accepted"); } catch (e) { console.log("refused"); }
    `);
    const [b64, verdict] = out.trim().split("\n");
    const { entries } = readTar(Buffer.from(b64, "base64"));
    expect(entries.map((e) => e.name)).toEqual([name]);
    expect(verdict).toBe("refused");
  });

  test("the module's own tar reader reads its writer back", () => {
    const out = runEsm(`
      const buf = oci.tarArchive([{ name: "z", data: Buffer.from("last") }, { name: "d", type: "dir" }, { name: "d/l", type: "symlink", linkname: "../z" }]);
      console.log(JSON.stringify(oci.parseTar(buf).map((e) => [e.name, e.type, e.mode, e.linkname, e.data.toString()])));
    `);
    expect(JSON.parse(out)).toEqual([
      ["d/", "dir", 0o755, "", ""],
      ["d/l", "symlink", 0o777, "../z", ""],
      ["z", "file", 0o644, "", "last"],
    ]);
  });

  test("index.json names the image for containerd and OCI tools; manifest and config hang together", () => {
    const ref = "registry.k8s.io/coredns/coredns:v1.14.2";
    const a = build("idx", { ref });
    const { entries } = readTar(fs.readFileSync(a.file));
    const blob = (d: string) => entries.find((e) => e.name === `blobs/sha256/${d.slice(7)}`)!.data;
    const index = JSON.parse(entries.find((e) => e.name === "index.json")!.data.toString());
    expect(JSON.parse(entries.find((e) => e.name === "oci-layout")!.data.toString())).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests).toHaveLength(1);
    const m = index.manifests[0];
    expect(m.annotations).toEqual({ "io.containerd.image.name": ref, "org.opencontainers.image.ref.name": ref });
    expect(m.platform).toEqual({ architecture: "amd64", os: "linux" });
    expect(m.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(m.digest).toBe(a.digest);
    const manifestBytes = blob(a.digest);
    expect(sha(manifestBytes)).toBe(a.digest);
    expect(manifestBytes.length).toBe(m.size);

    const manifest = JSON.parse(manifestBytes.toString());
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.config.digest).toBe(a.configDigest);
    expect(manifest.config.size).toBe(blob(a.configDigest).length);
    expect(manifest.layers).toEqual([{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: a.layerDigest, size: blob(a.layerDigest).length }]);

    const config = JSON.parse(blob(a.configDigest).toString());
    expect(config.architecture).toBe("amd64");
    expect(config.os).toBe("linux");
    expect(config.config.Entrypoint).toEqual(["/pause"]);
    expect(config.config.User).toBe("65535:65535");
    expect(config.config.Env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
    expect(config.rootfs).toEqual({ type: "layers", diff_ids: [a.diffId] });
  });

  test("a reference without registry and tag is refused", () => {
    const out = runEsm(`
      for (const ref of ["pause", "pause:3.10.2", "registry.k8s.io/pause", "registry.k8s.io/pause:3.10.2"]) {
        try { oci.buildImage({ ref, files: [{ path: "/p", data: Buffer.from("") }], config: {} }); console.log(ref, "ok"); } catch { console.log(ref, "refused"); }
      }
    `);
    expect(out.trim().split("\n")).toEqual(["pause refused", "pause:3.10.2 refused", "registry.k8s.io/pause refused", "registry.k8s.io/pause:3.10.2 ok"]);
  });
});

describe("wrapper go.mod", () => {
  const upstream = [
    "module github.com/example/thing",
    "",
    "go 1.23.6",
    "",
    "// replace github.com/dgrijalva/jwt-go => github.com/golang-jwt/jwt/v4 v4.2.0",
    "require github.com/a/b v1.0.0",
    "",
    "replace github.com/x/y => github.com/x/y v1.2.3 // pinned",
    "replace github.com/p/q v0.1.0 => github.com/fork/q v0.1.1",
    "replace (",
    "\tgithub.com/m/n => github.com/m/n v0.0.9",
    "\t// a comment inside the block",
    "\tgolang.org/x/net v0.1.0 => golang.org/x/net v0.2.0",
    ")",
    "",
  ].join("\n");

  test("replace directives are read in both forms, comments dropped", () => {
    const out = runEsm(`console.log(JSON.stringify({ r: oci.replaceDirectives(${JSON.stringify(upstream)}), go: oci.goDirective(${JSON.stringify(upstream)}) }));`);
    expect(JSON.parse(out)).toEqual({
      go: "1.23.6",
      r: [
        { from: "github.com/x/y", to: "github.com/x/y v1.2.3" },
        { from: "github.com/p/q v0.1.0", to: "github.com/fork/q v0.1.1" },
        { from: "github.com/m/n", to: "github.com/m/n v0.0.9" },
        { from: "golang.org/x/net v0.1.0", to: "golang.org/x/net v0.2.0" },
      ],
    });
  });

  test("the wrapper requires the pinned module and copies its replace lines", () => {
    const out = runEsm(`
      const replaces = oci.replaceDirectives(${JSON.stringify(upstream)});
      process.stdout.write(oci.wrapperGoMod({ module: "keelson.local/thing-build", require: "github.com/example/thing", version: "v0.26.7", replaces, go: "1.23.6" }));
    `);
    expect(out).toBe(
      [
        "// Generated by toolchain/images.mjs: builds github.com/example/thing v0.26.7 from the Go module proxy.",
        "module keelson.local/thing-build",
        "",
        "go 1.23.6",
        "",
        "require github.com/example/thing v0.26.7",
        "",
        "replace (",
        "\tgithub.com/x/y => github.com/x/y v1.2.3",
        "\tgithub.com/p/q v0.1.0 => github.com/fork/q v0.1.1",
        "\tgithub.com/m/n => github.com/m/n v0.0.9",
        "\tgolang.org/x/net v0.1.0 => golang.org/x/net v0.2.0",
        ")",
        "",
      ].join("\n"),
    );
  });

  test("no replace lines, no replace block; a local-path replace is an error", () => {
    const out = runEsm(`
      process.stdout.write(oci.wrapperGoMod({ module: "keelson.local/x", require: "github.com/flannel-io/flannel", version: "v0.26.7" }));
      try {
        oci.wrapperGoMod({ module: "m", require: "r", version: "v1.0.0", replaces: oci.replaceDirectives("replace k8s.io/api => ./staging/src/k8s.io/api\\n") });
        console.log("ACCEPTED");
      } catch (e) { console.log("ERROR " + e.message); }
    `);
    const [goMod, verdict] = out.split(/\n(?=ERROR|ACCEPTED)/);
    expect(goMod).not.toMatch(/^replace/m);
    expect(goMod.trimEnd().endsWith("require github.com/flannel-io/flannel v0.26.7")).toBe(true);
    expect(goMod).toContain("go 1.26.0\n");
    expect(verdict).toMatch(/^ERROR r replaces k8s\.io\/api with a local path/);
  });
});

describe("toolchain/images.mjs", () => {
  test("pinned versions and refs", () => {
    const out = runEsm(`console.log(JSON.stringify({ refs: images.IMAGE_REFS, flannel: images.FLANNEL_VERSION, ld: images.flannelLdflags(), b: images.FLANNEL_BUILD }));`);
    expect(JSON.parse(out)).toEqual({
      refs: { pause: "registry.k8s.io/pause:3.10.2", coredns: "registry.k8s.io/coredns/coredns:v1.14.2", agnhost: "registry.k8s.io/e2e-test-images/agnhost:2.63.0",
        "metallb-controller": "quay.io/metallb/controller:v0.15.3",
        "metallb-speaker": "quay.io/metallb/speaker:v0.15.3",
        traefik: "docker.io/library/traefik:v3.6.19",
      },
      flannel: "v0.26.7",
      ld: '-s -w -X github.com/flannel-io/flannel/pkg/version.Version=v0.26.7 -extldflags "-static"',
      b: { CGO_ENABLED: "1", tags: "netgo,osusergo" },
    });
  });

  test("Go string constants are read from source (kubeadm's PauseVersion)", () => {
    const src = 'const (\n\t// PauseVersion indicates the default pause image version for kubeadm\n\tPauseVersion = "3.10.2"\n\tCoreDNSVersion = "v1.14.2"\n)\n';
    const out = runEsm(`const s = ${JSON.stringify(src)}; console.log(JSON.stringify([images.goConstant(s, "PauseVersion"), images.goConstant(s, "CoreDNSVersion"), images.goConstant(s, "Nope") ?? null]));`);
    expect(JSON.parse(out)).toEqual(["3.10.2", "v1.14.2", null]);
  });

  test("static ELF detection: a dynamic system binary is not static, an ELF without PT_INTERP is", () => {
    const out = runEsm(`
      const elf = Buffer.alloc(64 + 56);
      elf.writeUInt32BE(0x7f454c46, 0); elf[4] = 2; elf[5] = 1;
      elf.writeBigUInt64LE(64n, 32); elf.writeUInt16LE(56, 54); elf.writeUInt16LE(1, 56);
      elf.writeUInt32LE(1, 64); // PT_LOAD
      const interp = Buffer.from(elf); interp.writeUInt32LE(3, 64); // PT_INTERP
      console.log(JSON.stringify([images.isStaticElf(fs.readFileSync(process.execPath)), images.isStaticElf(elf), images.isStaticElf(interp), images.isStaticElf(Buffer.from("#!/bin/sh\\n"))]));
    `);
    expect(JSON.parse(out)).toEqual([false, true, false, false]);
  });
});
