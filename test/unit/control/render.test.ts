import { parse } from "yaml";
import { renderKubeconfig } from "../../../components/bootstrap/host/kubeconfig";
import { renderUnit } from "../../../components/bootstrap/host/systemd";
import { admissionConfig, apiServerFlags, auditPolicy, encryptionConfig } from "../../../components/control/render/apiserver";
import { apiServerFiles, type MasterPems } from "../../../components/control/render/bundles";
import { controllerManagerFlags, schedulerFlags } from "../../../components/control/render/controllers";
import { etcdFlags, etcdOwnershipScript, etcdUnit } from "../../../components/control/render/etcd";
import { initialCluster } from "../../../components/control/render/etcdMembership";
import { apiServerEndpoints, validateControlPlaneSpec, type ControlPlaneSpec } from "../../../components/control/render/spec";
import { spec } from "./fixtures";


const pem = { certPem: "C", keyPem: "K" };
const fakePems = new Proxy({}, { get: (_t, k) => (k === "serviceAccount" ? { keyPem: "K", publicKeyPem: "P" } : k === "encryptionKey" ? Buffer.alloc(32).toString("base64") : pem) }) as MasterPems;

const flagMap = (flags: string[]) => Object.fromEntries(flags.map((f) => f.replace(/^--/, "").split(/=(.*)/s).slice(0, 2)));

describe("control plane spec validation", () => {
  it("accepts the reference spec", () => {
    expect(validateControlPlaneSpec({ ...spec })).toBeTruthy();
  });
  it.each([
    [{ podSubnet: "172.21.128.0/17" }, /controlPlane.podSubnet: .*overlaps serviceSubnet/],
    [{ nodeCidrMaskSize: 16 }, /controlPlane.nodeCidrMaskSize/],
    [{ masters: spec.masters.slice(0, 2) }, /controlPlane.masters: 2 masters/],
    [{ kubernetesVersion: "1.36" }, /controlPlane.kubernetesVersion/],
    [{ serviceSubnet: "10.0.0.0/8" }, /controlPlane.serviceSubnet/],
    [{ endpoints: {} }, /controlPlane.endpoints/],
    [{ endpoints: { private: { host: "a b", port: 1 } } }, /controlPlane.endpoints.private.host/],
    [{ clusterName: "My_Cluster" }, /controlPlane.clusterName/],
    [{ masters: [{ ...spec.masters[0], privateIp: "172.30.0.5" }, spec.masters[1], spec.masters[2]] }, /masters\[0\].privateIp: .*inside 172.30.0.0\/16/],
  ])("rejects %j with a field path", (patch, re) => {
    expect(() => validateControlPlaneSpec({ ...spec, ...(patch as Partial<ControlPlaneSpec>) })).toThrow(re);
  });
});

describe("etcd", () => {
  const f = flagMap(etcdFlags(spec, spec.masters[1]));
  it("lists all three members by name and peer URL", () => {
    expect(initialCluster(spec)).toBe(
      "mycluster-master-dal10=https://10.10.0.11:2380,mycluster-master-dal12=https://10.12.0.11:2380,mycluster-master-dal13=https://10.13.0.11:2380",
    );
    expect(f.name).toBe("mycluster-master-dal12");
  });
  it("names members with their zone even when the host name lacks it", () => {
    const m = { name: "m1", zone: "dal10", privateIp: "10.10.0.11" };
    expect(flagMap(etcdFlags({ ...spec, masters: [m] }, m)).name).toBe("m1-dal10");
  });
  it("requires client certificates on client and peer URLs, TLS only", () => {
    expect(f["client-cert-auth"]).toBe("true");
    expect(f["peer-client-cert-auth"]).toBe("true");
    expect(f["listen-client-urls"]).toBe("https://10.12.0.11:2379,https://127.0.0.1:2379");
    expect(f["listen-peer-urls"]).toBe("https://10.12.0.11:2380");
    expect(Object.values(f).join(" ")).not.toMatch(/http:\/\//);
  });
  it("renders a notify unit that restarts forever", () => {
    const u = etcdUnit(spec, spec.masters[0]);
    expect(u).toMatch(/Type=notify/);
    expect(u).toMatch(/Restart=always/);
    expect(u).toMatch(/StartLimitIntervalSec=0/);
    expect(u).toContain("ExecStart=/usr/local/bin/etcd \\\n  --name=mycluster-master-dal10 \\");
  });
  it("runs as its own user owning the data directory (CIS 1.1.11, 1.1.12); its key stays root's and comes through systemd (CIS 1.1.19)", () => {
    const u = etcdUnit(spec, spec.masters[0]);
    expect(u).toMatch(/^User=etcd\nGroup=etcd$/m);
    expect(u).toContain("LoadCredential=member.key:/etc/kubernetes/pki/etcd/member.key");
    const f = flagMap(etcdFlags(spec, spec.masters[0]));
    expect(f["key-file"]).toBe("%d/member.key");
    expect(f["peer-key-file"]).toBe("%d/member.key");
    expect(f["cert-file"]).toBe("/etc/kubernetes/pki/etcd/member.crt");
    const own = etcdOwnershipScript().split("\n");
    expect(own).toContain("install -d -m 0700 -o etcd -g etcd /var/lib/etcd");
    expect(own).toContain("chown -R etcd:etcd /var/lib/etcd");
    // Everything under pki/ is root's (clusters made before had pki/etcd root:etcd and the key etcd's).
    expect(own).toContain("chown root:root /etc/kubernetes/pki/etcd /etc/kubernetes/pki/etcd/member.key");
    expect(own).toContain("chmod 0600 /etc/kubernetes/pki/etcd/member.key");
    // The bundle's directories are root-only (umask 077): etcd must be able to reach its certificates.
    expect(own).toContain("chmod 0755 /etc/kubernetes /etc/kubernetes/pki /etc/kubernetes/pki/etcd");
    expect(own.join("\n")).not.toMatch(/chgrp|chown etcd/);
    // The user is made before the data directory is handed to it.
    expect(own.findIndex((l) => l.includes("useradd"))).toBeLessThan(own.findIndex((l) => l.startsWith("install -d")));
  });
});

describe("kube-apiserver", () => {
  const f = flagMap(apiServerFlags(spec, spec.masters[0]));
  it("has RBAC+Node authz, NodeRestriction, anonymous off", () => {
    expect(f["authorization-mode"]).toBe("Node,RBAC");
    expect(f["enable-admission-plugins"].split(",")).toEqual(["NodeRestriction", "DenyServiceExternalIPs", "EventRateLimit"]);
    expect(f["anonymous-auth"]).toBe("false");
  });
  it("limits the rate of Events per server and per namespace (CIS 1.2.9), in the admission config file it names", () => {
    expect(f["admission-control-config-file"]).toBe("/etc/kubernetes/admission-config.yaml");
    const c = parse(admissionConfig());
    expect(c.kind).toBe("AdmissionConfiguration");
    const erl = c.plugins.find((p: { name: string }) => p.name === "EventRateLimit");
    expect(erl.configuration.apiVersion).toBe("eventratelimit.admission.k8s.io/v1alpha1");
    expect(erl.configuration.limits.map((l: { type: string }) => l.type)).toEqual(["Server", "Namespace"]);
    for (const l of erl.configuration.limits) expect(l.burst).toBeGreaterThanOrEqual(l.qps);
    const files = apiServerFiles(spec, spec.masters[0], fakePems).map((x) => x.path);
    expect(files).toContain("/etc/kubernetes/admission-config.yaml");
  });
  it("verifies kubelets, keeps tokens to their asked lifetime, offers only strong TLS (CIS 1.2.5, 1.2.29, 1.2.30)", () => {
    expect(f["kubelet-certificate-authority"]).toBe("/etc/kubernetes/pki/ca.crt");
    expect(f["service-account-extend-token-expiration"]).toBe("false");
    expect(f["tls-min-version"]).toBe("VersionTLS12");
    const suites = f["tls-cipher-suites"].split(",");
    expect(suites.length).toBeGreaterThan(3);
    for (const c of suites) expect(c).toMatch(/^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305)$/);
  });
  it("drains watches on shutdown so a restart does not wait a minute", () => {
    expect(f["shutdown-watch-termination-grace-period"]).toBe("10s");
  });
  it("talks TLS to every etcd member and uses the spec's service range", () => {
    expect(f["etcd-servers"]).toBe("https://10.10.0.11:2379,https://10.12.0.11:2379,https://10.13.0.11:2379");
    expect(f["etcd-certfile"]).toBeTruthy();
    expect(f["service-cluster-ip-range"]).toBe("172.21.0.0/16");
    expect(f["advertise-address"]).toBe("10.10.0.11");
  });
  it("encrypts secrets and audits with rotation when asked, and not otherwise", () => {
    expect(f["encryption-provider-config"]).toBe("/etc/kubernetes/encryption-config.yaml");
    expect(f["audit-log-path"]).toBe("/var/log/kubernetes/audit/audit.log");
    expect(f["audit-log-maxage"]).toBe("30");
    expect(f["audit-log-maxbackup"]).toBe("10");
    expect(f["audit-log-maxsize"]).toBe("100");
    const off = flagMap(apiServerFlags({ ...spec, apiserver: { encryptionAtRest: false, auditLogging: false, anonymousAuth: false } }, spec.masters[0]));
    expect(off["encryption-provider-config"]).toBeUndefined();
    expect(off["audit-log-path"]).toBeUndefined();
  });
  it("encryption config puts aescbc before identity and checks the key length", () => {
    const key = Buffer.alloc(32, 7).toString("base64");
    const c = parse(encryptionConfig(key));
    expect(c.kind).toBe("EncryptionConfiguration");
    expect(c.resources[0].resources).toEqual(["secrets"]);
    expect(Object.keys(c.resources[0].providers[0])).toEqual(["aescbc"]);
    expect(c.resources[0].providers[0].aescbc.keys[0].secret).toBe(key);
    expect(Object.keys(c.resources[0].providers[1])).toEqual(["identity"]);
    expect(() => encryptionConfig(Buffer.alloc(16).toString("base64"))).toThrow(/32 bytes/);
  });
  it("audit policy never logs Secret bodies", () => {
    const p = parse(auditPolicy());
    const secretRule = p.rules.find((r: any) => r.resources?.some((g: any) => g.resources.includes("secrets")));
    expect(secretRule.level).toBe("Metadata");
    expect(p.rules.indexOf(secretRule)).toBeLessThan(p.rules.findIndex((r: any) => r.level === "RequestResponse"));
  });
});

describe("controller-manager and scheduler", () => {
  it("allocate node CIDRs from the pod subnet, with leader election", () => {
    const f = flagMap(controllerManagerFlags(spec));
    expect(f["allocate-node-cidrs"]).toBe("true");
    expect(f["cluster-cidr"]).toBe("172.30.0.0/16");
    expect(f["node-cidr-mask-size"]).toBe("24");
    expect(f["leader-elect"]).toBe("true");
    expect(f["service-cluster-ip-range"]).toBe("172.21.0.0/16");
    expect(flagMap(schedulerFlags())["leader-elect"]).toBe("true");
  });
});

describe("kubeconfig and units", () => {
  it("embeds credentials base64 and validates the server", () => {
    const k = parse(renderKubeconfig({ clusterName: "c", server: "https://10.0.0.1:6443", caPem: "CA", user: "u", certPem: "CERT", keyPem: "KEY" }));
    expect(Buffer.from(k.users[0].user["client-key-data"], "base64").toString()).toBe("KEY");
    expect(k.clusters[0].cluster.server).toBe("https://10.0.0.1:6443");
    expect(k["current-context"]).toBe("u@c");
    expect(() => renderKubeconfig({ clusterName: "c", server: "10.0.0.1", caPem: "", user: "u", certPem: "", keyPem: "" })).toThrow(/kubeconfig.server/);
  });
  it("quotes arguments with spaces and refuses relative binaries", () => {
    expect(renderUnit({ description: "x", exec: ["/bin/x", "--a=b c"] })).toContain('  "--a=b c"');
    expect(() => renderUnit({ description: "x", exec: ["x"] })).toThrow(/absolute/);
  });
  it("lists every master for workers' master proxy", () => {
    expect(apiServerEndpoints(spec)).toEqual(["https://10.10.0.11:6443", "https://10.12.0.11:6443", "https://10.13.0.11:6443"]);
  });
});
