// Certificates and keys as resources in Pulumi state, through a dynamic provider.
// Created once and kept: a second `pulumi up` reports no change, because the
// diff only looks at what identifies a certificate (its profile fingerprint and
// the signing CA), never at the random key material. Keys are Pulumi secrets.
import * as pulumi from "@pulumi/pulumi";
import type { CertProfile } from "./profiles";
import { profileFingerprint } from "./profiles";
// Imported at the top so Pulumi's closure serializer captures the module by value
// (a relative require inside the provider would not resolve where it runs).
import * as ossl from "./openssl";

type Inputs =
  | { kind: "ca"; commonName: string; validityDays: number }
  | { kind: "cert"; profile: CertProfile; fingerprint: string; caCertPem: string; caKeyPem: string }
  | { kind: "keypair" }
  | { kind: "random"; bytes: number };

/** What identifies the resource: a change here means a new key/certificate. */
function identity(i: Record<string, unknown>): string {
  switch (i.kind) {
    case "ca":
      return JSON.stringify([i.kind, i.commonName, i.validityDays]);
    case "cert": {
      const crypto = require("crypto") as typeof import("crypto");
      const caSha = crypto.createHash("sha256").update(String(i.caCertPem)).digest("hex");
      return JSON.stringify([i.kind, i.fingerprint, caSha]);
    }
    case "random":
      return JSON.stringify([i.kind, i.bytes]);
    default:
      return JSON.stringify([i.kind]);
  }
}

const pkiProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: any, news: any) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (!["ca", "cert", "keypair", "random"].includes(news.kind)) {
      failures.push({ property: "kind", reason: `unknown kind ${JSON.stringify(news.kind)}` });
    }
    return { inputs: news, failures };
  },

  async diff(_id: string, olds: any, news: any) {
    const before = olds.identity as string | undefined;
    const after = identity(news);
    if (before === after) return { changes: false };
    return { changes: true, replaces: ["identity"], deleteBeforeReplace: false };
  },

  async create(inputs: any) {
    const i = inputs as Inputs;
    const id = identity(inputs);
    const crypto = require("crypto") as typeof import("crypto");
    const rid = crypto.randomBytes(8).toString("hex");
    switch (i.kind) {
      case "ca": {
        const { keyPem, certPem } = ossl.createCa(i.commonName, i.validityDays);
        return { id: rid, outs: { kind: i.kind, identity: id, certPem, keyPem, certSha256: ossl.certFingerprint(certPem) } };
      }
      case "cert": {
        const { keyPem, certPem } = ossl.issueCert(i.profile, { keyPem: i.caKeyPem, certPem: i.caCertPem });
        return { id: rid, outs: { kind: i.kind, identity: id, certPem, keyPem, certSha256: ossl.certFingerprint(certPem) } };
      }
      case "keypair": {
        const keyPem = ossl.generateKey();
        return { id: rid, outs: { kind: i.kind, identity: id, keyPem, publicKeyPem: ossl.publicKeyOf(keyPem) } };
      }
      case "random":
        return { id: rid, outs: { kind: i.kind, identity: id, value: crypto.randomBytes(i.bytes).toString("base64") } };
    }
  },
};

const SECRET_OUTPUTS = ["keyPem", "value"];

/** A self-signed certificate authority (key is a secret). */
export class CertificateAuthority extends pulumi.dynamic.Resource {
  declare readonly certPem: pulumi.Output<string>;
  declare readonly keyPem: pulumi.Output<string>;
  declare readonly certSha256: pulumi.Output<string>;
  constructor(name: string, args: { commonName: string; validityDays: number }, opts?: pulumi.CustomResourceOptions) {
    super(
      pkiProvider,
      name,
      { kind: "ca", ...args, certPem: undefined, keyPem: undefined, certSha256: undefined },
      { ...opts, additionalSecretOutputs: SECRET_OUTPUTS },
      "keelson:pki",
      "CertificateAuthority",
    );
  }
}

/** A leaf certificate signed by `ca`, as its profile says. */
export class Certificate extends pulumi.dynamic.Resource {
  declare readonly certPem: pulumi.Output<string>;
  declare readonly keyPem: pulumi.Output<string>;
  declare readonly certSha256: pulumi.Output<string>;
  constructor(
    name: string,
    args: { profile: pulumi.Input<CertProfile>; ca: CertificateAuthority },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      pkiProvider,
      name,
      {
        kind: "cert",
        profile: args.profile,
        fingerprint: pulumi.output(args.profile).apply((p) => profileFingerprint(p as CertProfile)),
        caCertPem: args.ca.certPem,
        caKeyPem: pulumi.secret(args.ca.keyPem),
        certPem: undefined,
        keyPem: undefined,
        certSha256: undefined,
      },
      { ...opts, additionalSecretOutputs: SECRET_OUTPUTS },
      "keelson:pki",
      "Certificate",
    );
  }
}

/** A bare key pair (the service-account token signing key). */
export class KeyPair extends pulumi.dynamic.Resource {
  declare readonly keyPem: pulumi.Output<string>;
  declare readonly publicKeyPem: pulumi.Output<string>;
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(
      pkiProvider,
      name,
      { kind: "keypair", keyPem: undefined, publicKeyPem: undefined },
      { ...opts, additionalSecretOutputs: SECRET_OUTPUTS },
      "keelson:pki",
      "KeyPair",
    );
  }
}

/** Random bytes, base64 (the Secret encryption-at-rest key). Always a secret. */
export class RandomKey extends pulumi.dynamic.Resource {
  declare readonly value: pulumi.Output<string>;
  constructor(name: string, args: { bytes: number }, opts?: pulumi.CustomResourceOptions) {
    super(
      pkiProvider,
      name,
      { kind: "random", bytes: args.bytes, value: undefined },
      { ...opts, additionalSecretOutputs: SECRET_OUTPUTS },
      "keelson:pki",
      "RandomKey",
    );
  }
}

export const __test = { pkiProvider, identity };
