// Real certificates from the real openssl CLI, checked with `openssl verify` and
// Node's X509 parser: what kube-apiserver and etcd will see.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createCa, issueCert, certFingerprint, generateKey, publicKeyOf } from "../../../components/pki/openssl";
import { clusterCertProfiles, etcdMemberProfile } from "../../../components/pki/profiles";
import { __test } from "../../../components/pki/provider";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pki-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const masters = [
  { name: "m1", zone: "z1", privateIp: "10.1.0.11" },
  { name: "m2", zone: "z2", privateIp: "10.2.0.11" },
  { name: "m3", zone: "z3", privateIp: "10.3.0.11" },
];
const profiles = clusterCertProfiles({ clusterName: "c", serviceSubnet: "172.21.0.0/16", masters, extraApiServerSans: [] });

function write(name: string, content: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  return f;
}

describe("openssl PKI", () => {
  const ca = createCa("kubernetes", 3650);
  const etcdCa = createCa("etcd-ca", 3650);

  it("CA is a self-signed CA certificate", () => {
    const x = new crypto.X509Certificate(ca.certPem);
    expect(x.ca).toBe(true);
    expect(x.subject).toContain("CN=kubernetes");
    expect(x.verify(x.publicKey)).toBe(true);
  });

  it("apiserver cert verifies against the CA, with serverAuth and every SAN", () => {
    const p = profiles.find((p) => p.name === "apiserver")!;
    const leaf = issueCert(p, ca);
    const caFile = write("ca.crt", ca.certPem);
    const leafFile = write("apiserver.crt", leaf.certPem);
    expect(execFileSync("openssl", ["verify", "-CAfile", caFile, "-purpose", "sslserver", leafFile], { encoding: "utf8" })).toMatch(/OK/);
    const x = new crypto.X509Certificate(leaf.certPem);
    expect(x.ca).toBe(false);
    for (const ip of ["10.1.0.11", "10.2.0.11", "10.3.0.11", "172.21.0.1", "127.0.0.1"]) expect(x.subjectAltName).toContain(`IP Address:${ip}`);
    expect(x.subjectAltName).toContain("DNS:kubernetes.default.svc.cluster.local");
    expect(x.checkPrivateKey(crypto.createPrivateKey(leaf.keyPem))).toBe(true);
  });

  it("admin cert is a client cert in O=system:masters and is not valid for serving", () => {
    const p = profiles.find((p) => p.name === "admin")!;
    const leaf = issueCert(p, ca);
    const caFile = write("ca2.crt", ca.certPem);
    const f = write("admin.crt", leaf.certPem);
    expect(execFileSync("openssl", ["verify", "-CAfile", caFile, "-purpose", "sslclient", f], { encoding: "utf8" })).toMatch(/OK/);
    expect(() => execFileSync("openssl", ["verify", "-CAfile", caFile, "-purpose", "sslserver", f], { stdio: "pipe" })).toThrow();
    const text = execFileSync("openssl", ["x509", "-noout", "-subject", "-in", f], { encoding: "utf8" });
    expect(text).toMatch(/O\s*=\s*system:masters/);
    expect(text).toMatch(/CN\s*=\s*kubernetes-admin/);
  });

  it("a cert from the etcd CA does not verify against the cluster CA", () => {
    const leaf = issueCert(etcdMemberProfile(masters[0]), etcdCa);
    const f = write("etcd.crt", leaf.certPem);
    expect(() => execFileSync("openssl", ["verify", "-CAfile", write("ca3.crt", ca.certPem), f], { stdio: "pipe" })).toThrow();
    expect(execFileSync("openssl", ["verify", "-CAfile", write("etcdca.crt", etcdCa.certPem), f], { encoding: "utf8" })).toMatch(/OK/);
  });

  it("key pairs match and fingerprints are stable per certificate", () => {
    const k = generateKey();
    const pub = publicKeyOf(k);
    expect(crypto.createPublicKey(pub).export({ type: "spki", format: "der" })).toEqual(
      crypto.createPublicKey(crypto.createPrivateKey(k)).export({ type: "spki", format: "der" }),
    );
    expect(certFingerprint(ca.certPem)).toBe(certFingerprint(ca.certPem));
    expect(certFingerprint(ca.certPem)).not.toBe(certFingerprint(etcdCa.certPem));
  });
});

describe("PKI dynamic provider", () => {
  const { pkiProvider } = __test;

  it("creates once; diff says no change for the same inputs, replace for a new profile or CA", async () => {
    const ca = await pkiProvider.create!({ kind: "ca", commonName: "kubernetes", validityDays: 10 });
    expect(ca.outs.keyPem).toMatch(/BEGIN PRIVATE KEY/);
    const p = profiles.find((p) => p.name === "scheduler")!;
    const { profileFingerprint } = await import("../../../components/pki/profiles");
    const inputs = { kind: "cert", profile: p, fingerprint: profileFingerprint(p), caCertPem: ca.outs.certPem, caKeyPem: ca.outs.keyPem };
    const leaf = await pkiProvider.create!(inputs);
    const same = await pkiProvider.diff!(leaf.id, leaf.outs, inputs);
    expect(same.changes).toBe(false);
    const p2 = { ...p, organizations: ["x"] };
    const changed = await pkiProvider.diff!(leaf.id, leaf.outs, { ...inputs, profile: p2, fingerprint: profileFingerprint(p2) });
    expect(changed.changes).toBe(true);
    expect(changed.replaces).toEqual(["identity"]);
    const ca2 = await pkiProvider.create!({ kind: "ca", commonName: "kubernetes", validityDays: 10 });
    const newCa = await pkiProvider.diff!(leaf.id, leaf.outs, { ...inputs, caCertPem: ca2.outs.certPem, caKeyPem: ca2.outs.keyPem });
    expect(newCa.changes).toBe(true);
  });

  it("random keys have the asked length", async () => {
    const r = await pkiProvider.create!({ kind: "random", bytes: 32 });
    expect(Buffer.from(r.outs.value, "base64").length).toBe(32);
  });
});
