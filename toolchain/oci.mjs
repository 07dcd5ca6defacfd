// Pure helpers for toolchain/images.mjs: a deterministic tar writer (and reader),
// the OCI image layout (layer, config, manifest, index.json, oci-layout) and the
// wrapper go.mod the Go images and flanneld are built from. No I/O beyond what
// callers pass in, no npm dependencies: unit tests import this module directly.
// See docs/images.md.
import { createHash } from "node:crypto";
import zlib from "node:zlib";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
};

/** The annotations containerd's importer (1.6+) and OCI tools read the image name from. */
export const REF_ANNOTATIONS = ["io.containerd.image.name", "org.opencontainers.image.ref.name"];

/** What an image built FROM scratch gets as PATH (what BuildKit puts in such a config). */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function sha256(buf) {
  return "sha256:" + createHash("sha256").update(buf).digest("hex");
}

// ---------------------------------------------------------------------------
// tar (POSIX ustar)

const BLOCK = 512;
const TYPE_FLAGS = { file: "0", symlink: "2", dir: "5" };

function writeString(block, offset, length, value) {
  const b = Buffer.from(value, "utf8");
  if (b.length > length) throw new Error(`tar: ${JSON.stringify(value)} does not fit in ${length} bytes`);
  b.copy(block, offset);
}

/** Octal field: zero-padded digits and a NUL, as GNU tar and Go's archive/tar write them. */
function writeOctal(block, offset, length, value) {
  const s = value.toString(8).padStart(length - 1, "0");
  if (s.length > length - 1) throw new Error(`tar: ${value} does not fit in a ${length}-byte octal field`);
  writeString(block, offset, length, s + "\0");
}

/** ustar keeps names up to 100 bytes, or 255 split at a "/" into prefix (155) + name (100). */
export function splitTarName(name) {
  if (Buffer.byteLength(name) <= 100) return { prefix: "", name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== "/") continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return { prefix, name: rest };
  }
  throw new Error(`tar: name too long for ustar: ${name}`);
}

export function tarHeader(entry) {
  const type = entry.type || "file";
  if (!(type in TYPE_FLAGS)) throw new Error(`tar: unsupported entry type ${type}`);
  let full = entry.name.replace(/^\/+/, "");
  if (type === "dir" && !full.endsWith("/")) full += "/";
  const size = type === "file" ? entry.data.length : 0;
  const { prefix, name } = splitTarName(full);
  const h = Buffer.alloc(BLOCK, 0);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, entry.mode ?? { dir: 0o755, symlink: 0o777, file: 0o644 }[type]);
  writeOctal(h, 108, 8, entry.uid ?? 0);
  writeOctal(h, 116, 8, entry.gid ?? 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, entry.mtime ?? 0);
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  writeString(h, 156, 1, TYPE_FLAGS[type]);
  writeString(h, 157, 100, entry.linkname || "");
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 265, 32, entry.uname ?? "root");
  writeString(h, 297, 32, entry.gname ?? "root");
  writeOctal(h, 329, 8, 0);
  writeOctal(h, 337, 8, 0);
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/**
 * A tar archive of `entries` ({ name, type: "file"|"dir"|"symlink", data, mode,
 * linkname }), deterministic: entries sorted by name, mtime 0, uid/gid 0
 * (root/root) unless an entry says otherwise, ended by two zero blocks.
 */
export function tarArchive(entries) {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const seen = new Set();
  const parts = [];
  for (const e of sorted) {
    if (seen.has(e.name)) throw new Error(`tar: duplicate entry ${e.name}`);
    seen.add(e.name);
    parts.push(tarHeader(e));
    if ((e.type || "file") === "file") {
      const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
      parts.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0));
  return Buffer.concat(parts);
}

function readString(block, offset, length) {
  const raw = block.subarray(offset, offset + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? length : nul).toString("utf8");
}

function readOctal(block, offset, length) {
  const s = readString(block, offset, length).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Reads a ustar archive back (checksums verified): [{ name, type, mode, uid, gid, mtime, size, uname, gname, linkname, data }]. */
export function parseTar(buf) {
  const out = [];
  const types = Object.fromEntries(Object.entries(TYPE_FLAGS).map(([k, v]) => [v, k]));
  let off = 0;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const stored = readOctal(h, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== stored) throw new Error(`tar: bad header checksum at offset ${off}`);
    const prefix = readString(h, 345, 155);
    const name = (prefix ? prefix + "/" : "") + readString(h, 0, 100);
    const size = readOctal(h, 124, 12);
    const flag = String.fromCharCode(h[156] || 0x30);
    off += BLOCK;
    out.push({
      name,
      type: types[flag] || flag,
      mode: readOctal(h, 100, 8),
      uid: readOctal(h, 108, 8),
      gid: readOctal(h, 116, 8),
      size,
      mtime: readOctal(h, 136, 12),
      magic: h.subarray(257, 265).toString("latin1"),
      uname: readString(h, 265, 32),
      gname: readString(h, 297, 32),
      linkname: readString(h, 157, 100),
      data: Buffer.from(buf.subarray(off, off + size)),
    });
    off += Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}

/** gzip with a fixed header (mtime 0, no name) at level 9: same bytes in, same bytes out. */
export function gzipDeterministic(buf) {
  return zlib.gzipSync(buf, { level: 9 });
}

// ---------------------------------------------------------------------------
// OCI image layout

function jsonBlob(value) {
  // Fixed key order (as constructed) and no whitespace: the digest depends only on content.
  const data = Buffer.from(JSON.stringify(value));
  return { data, digest: sha256(data), size: data.length };
}

/** The root filesystem layer: files ({ path, data, mode }) and the directories above them. */
export function layerEntries(files) {
  const entries = [];
  const dirs = new Set();
  for (const f of files) {
    const p = f.path.replace(/^\/+/, "");
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    if (f.type === "symlink") entries.push({ name: p, type: "symlink", linkname: f.linkname, mode: 0o777 });
    else entries.push({ name: p, type: "file", data: f.data, mode: f.mode ?? 0o644 });
  }
  for (const d of dirs) entries.push({ name: d + "/", type: "dir", mode: 0o755 });
  return entries;
}

/**
 * A single-layer linux image as an OCI image layout.
 *   ref:      full reference, e.g. registry.k8s.io/pause:3.10.2
 *   files:    [{ path: "/pause", data: Buffer, mode: 0o755 }]
 *   config:   { Entrypoint, Cmd?, WorkingDir?, User?, Env?, ExposedPorts?, Labels? }
 *   platform: { architecture: "amd64", os: "linux" }
 * Returns the blobs, index.json, the manifest digest (what `ctr images ls`
 * shows), and `archive`: the whole layout as one tar for `ctr images import`.
 */
export function buildImage({ ref, files, config, platform = { architecture: "amd64", os: "linux" }, annotations = {} }) {
  if (!ref || !/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+:[\w][\w.-]{0,127}$/.test(ref)) {
    throw new Error(`image reference must be registry/repository:tag, got ${JSON.stringify(ref)}`);
  }
  const layerTar = tarArchive(layerEntries(files));
  const diffId = sha256(layerTar);
  const layerGz = gzipDeterministic(layerTar);
  const layer = { data: layerGz, digest: sha256(layerGz), size: layerGz.length };

  const imageConfig = { Env: [`PATH=${DEFAULT_PATH}`], ...config };
  for (const k of Object.keys(imageConfig)) if (imageConfig[k] === undefined) delete imageConfig[k];
  const configBlob = jsonBlob({
    architecture: platform.architecture,
    os: platform.os,
    config: imageConfig,
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created_by: "keelson toolchain/images.mjs", comment: ref }],
  });
  const manifestBlob = jsonBlob({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.config, digest: configBlob.digest, size: configBlob.size },
    layers: [{ mediaType: MEDIA_TYPES.layerGzip, digest: layer.digest, size: layer.size }],
    ...(Object.keys(annotations).length ? { annotations } : {}),
  });
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [
      {
        mediaType: MEDIA_TYPES.manifest,
        digest: manifestBlob.digest,
        size: manifestBlob.size,
        platform: { architecture: platform.architecture, os: platform.os },
        annotations: Object.fromEntries(REF_ANNOTATIONS.map((a) => [a, ref])),
      },
    ],
  };
  const indexJson = Buffer.from(JSON.stringify(index, null, 2) + "\n");
  const ociLayout = Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const blobs = [layer, configBlob, manifestBlob];
  const entries = [
    { name: "blobs/", type: "dir" },
    { name: "blobs/sha256/", type: "dir" },
    ...blobs.map((b) => ({ name: `blobs/sha256/${b.digest.slice(7)}`, data: b.data, mode: 0o644 })),
    { name: "index.json", data: indexJson, mode: 0o644 },
    { name: "oci-layout", data: ociLayout, mode: 0o644 },
  ];
  const archive = tarArchive(entries);
  return {
    ref,
    digest: manifestBlob.digest,
    configDigest: configBlob.digest,
    layerDigest: layer.digest,
    diffId,
    index,
    blobs,
    archive,
    archiveSha256: createHash("sha256").update(archive).digest("hex"),
  };
}

// ---------------------------------------------------------------------------
// wrapper go.mod

/**
 * The replace directives of a go.mod (single-line and block form, comments
 * dropped) as [{ from, to }] where each side is "path" or "path version".
 */
export function replaceDirectives(goModText) {
  const out = [];
  let inBlock = false;
  for (const raw of goModText.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (!line) continue;
    let body;
    if (inBlock) {
      if (line === ")") {
        inBlock = false;
        continue;
      }
      body = line;
    } else if (/^replace\s*\($/.test(line)) {
      inBlock = true;
      continue;
    } else if (/^replace\s+/.test(line)) {
      body = line.replace(/^replace\s+/, "");
    } else {
      continue;
    }
    const m = /^(\S+(?:\s+\S+)?)\s+=>\s+(\S+(?:\s+\S+)?)$/.exec(body);
    if (!m) throw new Error(`cannot parse replace directive: ${raw.trim()}`);
    out.push({ from: m[1], to: m[2] });
  }
  return out;
}

/** The `go` directive of a go.mod ("1.23.6"), or undefined. */
export function goDirective(goModText) {
  return /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(goModText)?.[1];
}

/**
 * go.mod of a small module that only requires `require` at `version`, so its
 * commands build exactly as the upstream module pins its dependencies. A
 * consumer ignores the upstream's replace lines, so they are copied; a local
 * path (./x, ../x) cannot be, and is an error.
 */
export function wrapperGoMod({ module, require, version, replaces = [], go = "1.26.0", generator = "toolchain/images.mjs" }) {
  for (const r of replaces) {
    if (/^\.{1,2}(\/|$)|^\//.test(r.to)) throw new Error(`${require} replaces ${r.from} with a local path (${r.to}); cannot build it from the module proxy`);
  }
  const lines = [
    `// Generated by ${generator}: builds ${require} ${version} from the Go module proxy.`,
    `module ${module}`,
    "",
    `go ${go}`,
    "",
    `require ${require} ${version}`,
    "",
  ];
  if (replaces.length) {
    lines.push("replace (", ...replaces.map((r) => `\t${r.from} => ${r.to}`), ")", "");
  }
  return lines.join("\n");
}
