// The cluster's PKI as Pulumi resources: three CAs, the control-plane leaf
// certificates, one etcd member certificate per master, the service-account
// signing key and the encryption-at-rest key. Created once, kept in state.
import * as pulumi from "@pulumi/pulumi";
import { CA_PROFILES, clusterCertProfiles, etcdMemberProfile, type CaName, type CertProfile, type PkiInput } from "./profiles";
import { Certificate, CertificateAuthority, KeyPair, RandomKey } from "./provider";

export interface PemPair {
  certPem: pulumi.Output<string>;
  keyPem: pulumi.Output<string>;
}

export class ClusterPki extends pulumi.ComponentResource {
  readonly cas: Record<CaName, CertificateAuthority>;
  readonly certs: Record<string, Certificate>;
  readonly etcdMembers: Record<string, Certificate>; // by master name
  readonly serviceAccount: KeyPair;
  readonly encryptionKey: RandomKey;
  private readonly prefix: string;

  constructor(name: string, input: PkiInput, opts?: pulumi.ComponentResourceOptions) {
    super("keelson:pki:ClusterPki", name, { clusterName: input.clusterName, masters: input.masters.map((m) => m.name) }, opts);
    // Profiles are validated here, before any resource exists.
    const profiles = clusterCertProfiles(input);
    const child = { parent: this };
    this.prefix = name;
    this.cas = {
      "kubernetes-ca": new CertificateAuthority(`${name}-kubernetes-ca`, CA_PROFILES["kubernetes-ca"], child),
      "etcd-ca": new CertificateAuthority(`${name}-etcd-ca`, CA_PROFILES["etcd-ca"], child),
      "front-proxy-ca": new CertificateAuthority(`${name}-front-proxy-ca`, CA_PROFILES["front-proxy-ca"], child),
    };
    this.certs = {};
    for (const p of profiles) this.certs[p.name] = this.issue(p);
    this.etcdMembers = {};
    for (const m of input.masters) this.etcdMembers[m.name] = this.issue(etcdMemberProfile(m, input.leafValidityDays ?? 365));
    this.serviceAccount = new KeyPair(`${name}-service-account`, child);
    this.encryptionKey = new RandomKey(`${name}-encryption-key`, { bytes: 32 }, child);
    this.registerOutputs({});
  }

  /** Issues one more certificate from this PKI (the workers use it for kubelets). */
  issue(profile: CertProfile, opts?: pulumi.CustomResourceOptions): Certificate {
    return new Certificate(`${this.prefix}-${profile.name}`, { profile, ca: this.cas[profile.ca] }, { parent: this, ...opts });
  }

  pair(name: string): PemPair {
    const c = this.certs[name];
    if (!c) throw new Error(`pki: no certificate named ${name}`);
    return { certPem: c.certPem, keyPem: c.keyPem };
  }
}
