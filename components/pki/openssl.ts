// Key and certificate generation with the `openssl` CLI (present wherever
// Keelson runs; Node's crypto can make keys but not X.509 certificates).
// No Pulumi here: the dynamic provider calls these, tests call them directly.
// Keys never touch disk outside a 0700 temporary directory removed at once.
//
// Everything is required inside the functions on purpose: the dynamic provider
// that calls them is serialized by Pulumi, and builtin requires serialize cleanly.
import type { CertProfile } from "./profiles";

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

function withTmp<T>(fn: (dir: string) => T): T {
  const fs = require("fs") as typeof import("fs");
  const os = require("os") as typeof import("os");
  const path = require("path") as typeof import("path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-pki-"));
  fs.chmodSync(dir, 0o700);
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args: string[], input?: string): string {
  const cp = require("child_process") as typeof import("child_process");
  const r = cp.spawnSync("openssl", args, { input, encoding: "utf8" });
  if (r.error) throw new Error(`openssl not runnable: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

/** An EC P-256 private key in PKCS#8 PEM. */
export function generateKey(): string {
  return openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
}

export function publicKeyOf(keyPem: string): string {
  return openssl(["pkey", "-pubout"], keyPem);
}

/** Escapes a subject value for openssl's /CN=.../O=... syntax. */
function subj(cn: string, orgs: string[]): string {
  const esc = (v: string) => v.replace(/[\\/+,=]/g, (c) => `\\${c}`);
  return orgs.map((o) => `/O=${esc(o)}`).join("") + `/CN=${esc(cn)}`;
}

function randomSerial(): string {
  const crypto = require("crypto") as typeof import("crypto");
  const b = crypto.randomBytes(16);
  b[0] &= 0x7f; // positive
  return "0x" + b.toString("hex");
}

export function createCa(commonName: string, validityDays: number): KeyAndCert {
  const fs = require("fs") as typeof import("fs");
  const path = require("path") as typeof import("path");
  return withTmp((dir) => {
    const keyPem = generateKey();
    const keyFile = path.join(dir, "ca.key");
    fs.writeFileSync(keyFile, keyPem, { mode: 0o600 });
    const certPem = openssl([
      "req", "-x509", "-new", "-key", keyFile, "-subj", subj(commonName, []),
      "-days", String(validityDays), "-sha256", "-set_serial", randomSerial(),
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign,cRLSign",
      "-addext", "subjectKeyIdentifier=hash",
    ]);
    return { keyPem, certPem };
  });
}

/** The x509v3 extensions section for a leaf certificate. */
export function extensionsFor(p: CertProfile): string {
  const eku = p.usages.map((u) => (u === "server" ? "serverAuth" : "clientAuth")).join(",");
  const lines = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${eku}`,
    "authorityKeyIdentifier=keyid",
  ];
  const sans = [...p.dnsNames.map((d) => `DNS:${d}`), ...p.ipAddresses.map((i) => `IP:${i}`)];
  if (sans.length > 0) lines.push(`subjectAltName=${sans.join(",")}`);
  return lines.join("\n") + "\n";
}

export function issueCert(p: CertProfile, ca: KeyAndCert): KeyAndCert {
  const fs = require("fs") as typeof import("fs");
  const path = require("path") as typeof import("path");
  return withTmp((dir) => {
    const keyPem = generateKey();
    const f = (n: string) => path.join(dir, n);
    fs.writeFileSync(f("leaf.key"), keyPem, { mode: 0o600 });
    fs.writeFileSync(f("ca.key"), ca.keyPem, { mode: 0o600 });
    fs.writeFileSync(f("ca.crt"), ca.certPem);
    fs.writeFileSync(f("ext.cnf"), extensionsFor(p));
    const csr = openssl(["req", "-new", "-key", f("leaf.key"), "-subj", subj(p.commonName, p.organizations)]);
    fs.writeFileSync(f("leaf.csr"), csr);
    const certPem = openssl([
      "x509", "-req", "-in", f("leaf.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"),
      "-set_serial", randomSerial(), "-days", String(p.validityDays), "-sha256", "-extfile", f("ext.cnf"),
    ]);
    return { keyPem, certPem };
  });
}

/** sha256 fingerprint of a PEM certificate (hex, no colons): a stable identity for diffs. */
export function certFingerprint(certPem: string): string {
  const crypto = require("crypto") as typeof import("crypto");
  return new crypto.X509Certificate(certPem).fingerprint256.replace(/:/g, "").toLowerCase();
}
