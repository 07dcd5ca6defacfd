// Worker nodes on the lab, through the real stack program (index.ts) and a copy
// of the lab stack's spec (3 zones, 3 masters, a virtual pool in every zone and
// a bare-metal pool in one) with address ranges of its own:
//  - every worker Ready with its zone, region, pool, flavor and hardware labels;
//  - CoreDNS one replica per zone; a Deployment with one replica per zone runs;
//  - from a pod: a Service's ClusterIP answers, `kubernetes.default.svc.cluster.local`
//    and the Service's name resolve; pods in different zones reach each other by pod IP;
//    `kubectl logs` and `kubectl exec` work;
//  - a second `up` changes nothing;
//  - one master stopped: nodes stay Ready (the master proxy moves them) and new pods schedule;
//  - a restore from a backup keeps every node Ready and the same pods running;
//  - a pool grown from 1 to 2 per zone adds only the new nodes, and shrunk back removes
//    (drains and deletes) only those.
//  - one worker reloaded and another replaced through the spec's counters: only they
//    change, each drained before its kubelet restarts, the second after the first is back.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { cleanupStack } from "../../components/infra/lab/cleanup";
import { stackNames } from "../../components/infra/lab/naming";
import { planCluster } from "../../components/model/plan";
import { parseSpec } from "../../components/model/spec";
import { labSpecCopy } from "./lib/labSpec";
import { crashHost } from "../../components/infra/lab/crash";
import { publicAnswerer } from "../../components/infra/lab/probe";
import { restoreBackup, takeBackup } from "../../components/cli/backup";
import { whilePolling } from "./lib/apiPoller";
import { watchPods, type WatchedPod } from "./lib/podWatch";
import { pulumiOk, removeStack, uniqueStackName } from "./lib/pulumi";
import { sh, ssh as sshAs, until } from "./lib/shell";

const fixture = path.join(__dirname, "fixtures", "workers-lab");
const stack = uniqueStackName("wk");
const opts = { cwd: fixture };
const names = stackNames(stack);
// 10.<o>.x private, 10.<o+1>.x public, 10.<o+2>/10.<o+3> portable: apart from the
// other engine tests (10.20-79, 10.100-181) and the lab stack (10.88-91).
const o = 184 + 4 * (process.pid % 16);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-wk-"));
const kubeconfig = path.join(work, "kubeconfig");
const keyFile = path.join(work, "id");
const stackFile = path.join(fixture, `Pulumi.${stack}.yaml`);
const cache = process.env.KEELSON_CACHE || path.join(os.homedir(), ".cache", "keelson");
const kubectlBin = path.join(cache, "kubernetes", "v1.36.3", "bin", "kubectl");
const AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.63.0";

jest.setTimeout(40 * 60_000);

/** The lab stack's own spec, with this run's address ranges and room for the grown pool. */
function labSpec(defaultPoolSize: number, masterFlavor?: string, privateLb = true, privateAlbs = false): Record<string, any> {
  const spec = labSpecCopy("wk", o);
  spec.albs.private.enabled = privateAlbs;
  spec.infrastructure.maxHosts = 12;
  // The lab stack's public LoadBalancer `echo` (lab-z1), and a private one in another zone for the same pods.
  if (privateLb) spec.loadBalancers.push({ name: "echo-private", namespace: "default", zone: "lab-z2", network: "private", selector: { app: "echo" } });
  spec.workerPools.find((p: { name: string }) => p.name === "default").sizePerZone = defaultPoolSize;
  if (masterFlavor) spec.masters.flavor = masterFlavor;
  if (Object.keys(defaultPoolWorkers).length > 0) spec.workerPools.find((p: { name: string }) => p.name === "default").workers = defaultPoolWorkers;
  return spec;
}
/** Per-worker reload/replace counters of the default pool. */
let defaultPoolWorkers: Record<string, { reload?: number; replace?: number }> = {};
/** The masters' flavor once a test changed it: every later spec keeps it (else the masters move back). */
let mastersFlavor: string | undefined;
let withPrivateLb = true;
let withPrivateAlbs = false;
const writeSpec = (size: number) => fs.writeFileSync(stackFile, stringify({ config: { "keelson:cluster": labSpec(size, mastersFlavor, withPrivateLb, withPrivateAlbs) } }));

/** The plan of the spec as written now: the addresses Keelson promised. */
function currentPlan() {
  const r = parseSpec(labSpec(1, undefined, withPrivateLb, withPrivateAlbs));
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return planCluster(r.spec);
}
/** `curl http://<ip>/hostname` from the lab's internet client: the answering pod's name, or "" with the exit code. */
const fromInternet = (ip: string) => {
  const r = sh("ip", ["netns", "exec", names.clientNs, "curl", "-s", "--max-time", "4", `http://${ip}/hostname`]);
  return r.status === 0 ? r.stdout.trim() : `exit ${r.status}`;
};
/** Master 3 (lab-z3), a host on the private network: private portable IPs must answer it, from any zone. */
const PRIVATE_HOST = `10.${o}.3.4`;
const fromPrivateHost = (ip: string) => {
  const r = ssh(PRIVATE_HOST, `curl -s --max-time 4 http://${ip}/hostname || echo "exit $?"`);
  return r.stdout.trim();
};
const lbIp = (name: string, ns = "default") => kubectl("get", "service", name, "-n", ns, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout.trim();

const ssh = (ip: string, script: string) => sshAs(keyFile, ip, script);
const kubectl = (...args: string[]) => sh(kubectlBin, ["--kubeconfig", kubeconfig, "--request-timeout=20s", ...args]);
function kubectlOk(...args: string[]): string {
  const r = kubectl(...args);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
const apply = (manifest: object[]) => {
  const r = sh(kubectlBin, ["--kubeconfig", kubeconfig, "apply", "-f", "-"], 60_000, manifest.map((m) => stringify(m)).join("---\n"));
  if (r.status !== 0) throw new Error(`kubectl apply: ${r.stderr}`);
};


interface Node {
  name: string;
  labels: Record<string, string>;
  ready: boolean;
}
function nodes(): Node[] {
  return JSON.parse(kubectlOk("get", "nodes", "-o", "json")).items.map((n: any) => ({
    name: n.metadata.name,
    labels: n.metadata.labels,
    ready: n.status.conditions.some((c: any) => c.type === "Ready" && c.status === "True"),
  }));
}
interface Pod {
  name: string;
  node: string;
  ip: string;
  phase: string;
  ready: boolean;
}
function pods(selector: string, ns = "default"): Pod[] {
  return JSON.parse(kubectlOk("get", "pods", "-n", ns, "-l", selector, "-o", "json")).items.map((p: any) => ({
    name: p.metadata.name,
    node: p.spec.nodeName,
    ip: p.status.podIP,
    phase: p.status.phase,
    ready: (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"),
  }));
}
const zoneOf = (node: string) => nodes().find((n) => n.name === node)?.labels["topology.kubernetes.io/zone"];

/** Resource operations a preview plans, for custom resources (components only record props). */
function plannedOps(): { op: string; urn: string }[] {
  const out = JSON.parse(pulumiOk(["preview", "--json", "--stack", stack], opts));
  // urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>
  const typeOf = (urn: string) => urn.split("::")[2].split("$").pop()!;
  return (out.steps ?? [])
    .map((s: any) => ({ op: s.op as string, urn: s.urn as string }))
    .filter((s: { urn: string }) => !typeOf(s.urn).startsWith("keelson:") && typeOf(s.urn) !== "pulumi:pulumi:Stack");
}

afterAll(() => {
  removeStack(stack, opts);
  cleanupStack(stack);
  fs.rmSync(stackFile, { force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

let publicEndpoint = "";
const workerNames = ["wk-default-lab-z1-1", "wk-default-lab-z2-1", "wk-default-lab-z3-1", "wk-metal-lab-z1-1"];
const grown = ["wk-default-lab-z1-2", "wk-default-lab-z2-2", "wk-default-lab-z3-2"];

test("pulumi up builds the lab stack's cluster: hosts, control plane, worker nodes, CoreDNS", () => {
  pulumiOk(["stack", "init", stack], opts);
  writeSpec(1);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  const out = JSON.parse(pulumiOk(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts));
  fs.writeFileSync(kubeconfig, out.kubeconfig, { mode: 0o600 });
  fs.writeFileSync(keyFile, out.sshPrivateKey, { mode: 0o600 });
  expect([...out.nodes].sort()).toEqual([...workerNames].sort());
  publicEndpoint = out.publicEndpoint;
  expect(publicEndpoint).toBe(`https://10.${o + 1}.1.4:6443`);
});

test("the public service endpoint answers the allow-listed internet client and resets anyone else", () => {
  // The lab spec allows 192.0.2.0/30, the internet client's link.
  const fromClient = sh("ip", ["netns", "exec", names.clientNs, "curl", "-sk", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", `${publicEndpoint}/readyz`]);
  expect(fromClient.stdout).toBe("401"); // reached kube-apiserver, which refuses anonymous requests
  // A worker's public IP is on the same public VLAN as master 1's, but not allow-listed.
  const worker = `10.${o}.1.16`;
  const fromWorker = ssh(worker, `curl -sk --max-time 5 --interface 10.${o + 1}.1.16 -o /dev/null -w '%{http_code}' ${publicEndpoint}/readyz; echo " exit=$?"`);
  expect(fromWorker.stdout.trim()).toMatch(/^000 exit=(7|35|56)$/);
  // The private endpoint stays open to the machine running pulumi (and nodes).
  expect(kubectlOk("get", "--raw", "/readyz").trim()).toBe("ok");
});

test("every worker is Ready, with its zone, region, pool, flavor and hardware labels", () => {
  const byName = new Map(nodes().map((n) => [n.name, n]));
  expect([...byName.keys()].sort()).toEqual([...workerNames].sort());
  for (const name of workerNames) {
    const n = byName.get(name)!;
    const zone = name.includes("-z1-") ? "lab-z1" : name.includes("-z2-") ? "lab-z2" : "lab-z3";
    const metal = name.includes("-metal-");
    expect({ name, ready: n.ready }).toEqual({ name, ready: true });
    expect(n.labels).toMatchObject({
      "topology.kubernetes.io/zone": zone,
      "topology.kubernetes.io/region": "lab",
      "keelson.dev/worker-pool": metal ? "metal" : "default",
      "node.kubernetes.io/instance-type": metal ? "lab.bm2x2" : "lab.v1x1",
      "keelson.dev/hardware": metal ? "baremetal" : "virtual",
      "kubernetes.io/hostname": name,
    });
    if (metal) expect(n.labels["keelson.io/pool-kind"]).toBe("metal");
  }
});

test("CoreDNS runs one replica per zone", () => {
  const dns = pods("k8s-app=kube-dns", "kube-system");
  expect(dns).toHaveLength(3);
  expect(dns.every((p) => p.ready)).toBe(true);
  expect(new Set(dns.map((p) => zoneOf(p.node)))).toEqual(new Set(["lab-z1", "lab-z2", "lab-z3"]));
});

test("a Deployment with one replica per zone runs, behind a Service", async () => {
  const labels = { app: "web" };
  apply([
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } }],
            containers: [{ name: "web", image: AGNHOST, imagePullPolicy: "IfNotPresent", args: ["netexec", "--http-port=8080"], ports: [{ containerPort: 8080 }] }],
          },
        },
      },
    },
    { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
  ]);
  await until("3 web pods ready", 240, () => {
    const p = pods("app=web");
    return p.length === 3 && p.every((x) => x.ready);
  });
  expect(new Set(pods("app=web").map((p) => zoneOf(p.node)))).toEqual(new Set(["lab-z1", "lab-z2", "lab-z3"]));
});

test("from a pod: the Service's ClusterIP answers; cluster names and the Service's name resolve (kubectl exec)", () => {
  const [client] = pods("app=web");
  const clusterIp = kubectlOk("get", "service", "web", "-o", "jsonpath={.spec.clusterIP}").trim();
  for (const target of [`${clusterIp}:80`, "web:80", "web.default.svc.cluster.local:80", "kubernetes.default.svc.cluster.local:443"]) {
    const r = kubectl("exec", client.name, "--", "/agnhost", "connect", target, "--timeout=5s");
    expect({ target, status: r.status, err: r.stderr.trim() }).toEqual({ target, status: 0, err: "" });
  }
  // A name that does not exist does not resolve: the checks above could fail.
  const bad = kubectl("exec", client.name, "--", "/agnhost", "connect", "no-such-service.default.svc.cluster.local:80", "--timeout=5s");
  expect(bad.status).not.toBe(0);
});

test("pods in different zones reach each other by pod IP", () => {
  const web = pods("app=web");
  for (const from of web) {
    for (const to of web.filter((p) => p.name !== from.name)) {
      const r = kubectl("exec", from.name, "--", "/agnhost", "connect", `${to.ip}:8080`, "--timeout=5s");
      expect({ from: zoneOf(from.node), to: zoneOf(to.node), status: r.status }).toEqual({ from: zoneOf(from.node), to: zoneOf(to.node), status: 0 });
    }
  }
  // An answer, not only a connection: asked over HTTP from its node, pod A dials pod B
  // (another zone) with netexec's /dial, and B answers with its own name.
  const [a, b] = web;
  const nodeIp = kubectlOk("get", "node", a.node, "-o", 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}').trim();
  const r = ssh(nodeIp, `curl -s --max-time 15 'http://${a.ip}:8080/dial?request=hostname&protocol=http&host=${b.ip}&port=8080&tries=1'`);
  expect(zoneOf(a.node)).not.toBe(zoneOf(b.node));
  expect(JSON.parse(r.stdout).responses).toEqual([b.name]);
});

test("kubectl logs shows a pod's output", () => {
  const [p] = pods("app=web");
  expect(kubectlOk("logs", p.name)).toMatch(/Started HTTP server on port 8080/);
});

test("the spec's LoadBalancers answer on the plan's portable IPs: public from the internet, private from private hosts only", async () => {
  const plan = currentPlan();
  const pub = plan.loadBalancers.find((l) => l.name === "echo")!;
  const priv = plan.loadBalancers.find((l) => l.name === "echo-private")!;
  expect(pub.ip.startsWith(`10.${o + 3}.`)).toBe(true); // the public portable range
  expect(priv.ip.startsWith(`10.${o + 2}.`)).toBe(true); // the private one
  // Keelson made the Services; the app behind them is the user's.
  const labels = { app: "echo" };
  apply([
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "echo", namespace: "default" },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: "echo", image: AGNHOST, imagePullPolicy: "IfNotPresent", args: ["netexec", "--http-port=80"] }] } },
      },
    },
  ]);
  await until("2 echo pods ready", 180, () => {
    const p = pods("app=echo");
    return p.length === 2 && p.every((x) => x.ready);
  });
  expect(lbIp("echo")).toBe(pub.ip);
  expect(lbIp("echo-private")).toBe(priv.ip);
  const echoPods = pods("app=echo").map((p) => p.name);
  await until("the public LoadBalancer answers the internet client", 60, () => echoPods.includes(fromInternet(pub.ip)));
  expect(echoPods).toContain(fromPrivateHost(priv.ip));
  // The private address is not reachable from the internet; an unused portable address answers nothing.
  expect(fromInternet(priv.ip)).toMatch(/^exit /);
  const unused = plan.portableSubnets.find((p) => p.zone === "lab-z3" && p.network === "public")!.loadBalancers[3];
  expect(fromInternet(unused)).toMatch(/^exit /);
});

test("a LoadBalancer Service made with kubectl gets an address of its zone's pool (IKS annotations), and frees it when deleted", async () => {
  const plan = currentPlan();
  const z3 = plan.portableSubnets.find((p) => p.zone === "lab-z3" && p.network === "public")!;
  const assigned = () => Number(kubectl("get", "ipaddresspool", "public-lab-z3", "-n", "metallb-system", "-o", "jsonpath={.status.assignedIPv4}").stdout.trim() || "0");
  const before = assigned();
  const svc = (name: string, annotations: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default", annotations },
    spec: { type: "LoadBalancer", selector: { app: "echo" }, ports: [{ port: 80 }] },
  });
  apply([svc("user-lb", { "service.kubernetes.io/ibm-load-balancer-cloud-provider-zone": "lab-z3" })]);
  await until("user-lb has an address", 60, () => lbIp("user-lb") !== "");
  const ip = lbIp("user-lb");
  expect(z3.loadBalancers).toContain(ip);
  expect(kubectlOk("get", "service", "user-lb", "-o", "jsonpath={.metadata.annotations.metallb\\.io/address-pool}")).toBe("public-lab-z3");
  await until("it answers the internet client", 60, () => fromInternet(ip) !== "" && !fromInternet(ip).startsWith("exit"));
  await until("the pool counts it", 30, () => assigned() === before + 1);
  kubectlOk("delete", "service", "user-lb");
  await until("the pool frees it", 30, () => assigned() === before);
  // Freed: another Service may now ask for exactly that address.
  apply([svc("user-lb-2", { "service.kubernetes.io/ibm-load-balancer-cloud-provider-zone": "lab-z3", "metallb.io/loadBalancerIPs": ip })]);
  await until("user-lb-2 has the freed address", 60, () => lbIp("user-lb-2") === ip);
  kubectlOk("delete", "service", "user-lb-2");
  // A zone the cluster does not have is refused at once, naming the annotation.
  const bad = sh(kubectlBin, ["--kubeconfig", kubeconfig, "apply", "-f", "-"], 30_000, stringify(svc("user-lb-bad", { "service.kubernetes.io/ibm-load-balancer-cloud-provider-zone": "lab-z9" })));
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toMatch(/no public portable addresses in zone lab-z9 \(service.kubernetes.io\/ibm-load-balancer-cloud-provider-zone\)/);
});

/** GET https://<host>/hostname through an ALB address, checking the certificate against the test's CA. */
function throughAlb(where: "internet" | "private", albIp: string, host: string, tls = true): string {
  const url = `${tls ? "https" : "http"}://${host}/hostname`;
  // The internet client is a namespace of this machine and reads the CA here; the private host is a lab host with a copy of its own.
  const ca = where === "internet" ? path.join(work, "tls.crt") : PRIVATE_HOST_CA;
  const args = ["-s", "--max-time", "4", "--cacert", ca, "--resolve", `${host}:${tls ? 443 : 80}:${albIp}`, url];
  const r = where === "internet" ? sh("ip", ["netns", "exec", names.clientNs, "curl", ...args]) : ssh(PRIVATE_HOST, `curl ${args.map((a) => `'${a}'`).join(" ")}`);
  return r.status === 0 ? r.stdout.trim() : `exit ${r.status}`;
}
const PRIVATE_HOST_CA = "/root/keelson-test-ca.crt";
const ALB_HOSTS = ["web.lab.example", "echo.lab.example", "intranet.lab.example"];

test("an Ingress with two hosts, TLS from a Secret, answers through every zone's public ALB IP from the internet", async () => {
  const plan = currentPlan();
  const pub = plan.albs.filter((a) => a.network === "public" && a.enabled);
  expect(pub.map((a) => a.zone).sort()).toEqual(["lab-z1", "lab-z2", "lab-z3"]);
  // A certificate for the hosts, from a CA of the test's own.
  const crt = path.join(work, "tls.crt");
  const key = path.join(work, "tls.key");
  const made = sh("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=lab.example", "-addext", `subjectAltName=${ALB_HOSTS.map((h) => `DNS:${h}`).join(",")}`]);
  expect(made.status).toBe(0);
  const copied = ssh(PRIVATE_HOST, `cat > ${PRIVATE_HOST_CA} <<'EOF'\n${fs.readFileSync(crt, "utf8").trim()}\nEOF`);
  expect(copied.status).toBe(0);
  kubectlOk("create", "secret", "tls", "lab-tls", `--cert=${crt}`, `--key=${key}`);
  apply([
    { apiVersion: "v1", kind: "Service", metadata: { name: "echo-internal", namespace: "default" }, spec: { selector: { app: "echo" }, ports: [{ port: 80 }] } },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      // No ingressClassName: public-iks-k8s-nginx is the cluster's default class, as on IKS.
      metadata: { name: "shop", namespace: "default" },
      spec: {
        tls: [{ hosts: ALB_HOSTS.slice(0, 2), secretName: "lab-tls" }],
        rules: [
          { host: "web.lab.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } },
          { host: "echo.lab.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "echo-internal", port: { number: 80 } } } }] } },
        ],
      },
    },
  ]);
  expect(kubectlOk("get", "ingress", "shop", "-o", "jsonpath={.spec.ingressClassName}")).toBe("public-iks-k8s-nginx");
  const web = pods("app=web").map((p) => p.name);
  const echo = pods("app=echo").map((p) => p.name);
  for (const alb of pub) {
    try {
      await until(`web.lab.example through ${alb.name}`, 120, () => web.includes(throughAlb("internet", alb.ip!, "web.lab.example")));
    } catch (e) {
      throw new Error(`${(e as Error).message} (last answer: ${throughAlb("internet", alb.ip!, "web.lab.example")}; web pods: ${web.join(" ")})\n${albReport(alb.name, alb.ip!)}`);
    }
    // Waited for too, as web is: echo-internal was made just now, and until the ALB has
    // its endpoints it does not route the host (its 404). CI on 499e387 asked once and
    // got that 404, right after web.lab.example answered through the same ALB.
    try {
      await until(`echo.lab.example through ${alb.name}`, 120, () => echo.includes(throughAlb("internet", alb.ip!, "echo.lab.example")));
    } catch (e) {
      throw new Error(`${(e as Error).message} (last answer: ${throughAlb("internet", alb.ip!, "echo.lab.example")}; echo pods: ${echo.join(" ")})\n${albReport(alb.name, alb.ip!)}`);
    }
  }
  // The Ingress reports the public ALBs' addresses; the private ALBs are off and answer nothing.
  await until("the Ingress status lists the ALBs", 60, () => kubectlOk("get", "ingress", "shop", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}").trim().split(" ").sort().join(",") === pub.map((a) => a.ip).sort().join(","));
  for (const alb of plan.albs.filter((a) => a.network === "private")) expect(throughAlb("private", alb.ip!, "web.lab.example")).toMatch(/^exit /);
});

test("the private ALBs, enabled in the spec, serve private-iks-k8s-nginx Ingresses to private hosts only", async () => {
  withPrivateAlbs = true;
  writeSpec(1);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  const priv = currentPlan().albs.filter((a) => a.network === "private");
  expect(priv.every((a) => a.enabled)).toBe(true);
  apply([
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "intranet", namespace: "default" },
      spec: {
        ingressClassName: "private-iks-k8s-nginx",
        tls: [{ hosts: ["intranet.lab.example"], secretName: "lab-tls" }],
        rules: [{ host: "intranet.lab.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
      },
    },
  ]);
  const web = pods("app=web").map((p) => p.name);
  for (const alb of priv) {
    await until(`intranet.lab.example through ${alb.name}`, 120, () => web.includes(throughAlb("private", alb.ip!, "intranet.lab.example")));
    expect(throughAlb("internet", alb.ip!, "intranet.lab.example")).toMatch(/^exit /);
  }
  // Each ALB serves its own class only: the public ALBs do not serve the private Ingress.
  const pubAlb = currentPlan().albs.find((a) => a.network === "public")!;
  expect(throughAlb("internet", pubAlb.ip!, "intranet.lab.example")).not.toMatch(new RegExp(`^(${web.join("|")})$`));
});

/** One part of a failure report: a title and the last 25 lines a command printed. */
function reportSection(title: string, r: { stdout: string; stderr: string }): string {
  return `--- ${title}\n${(r.stdout + r.stderr).trim().split("\n").slice(-25).join("\n")}`;
}

/** What an ALB that does not answer looks like: its pods, Service, endpoints, MetalLB's view, the router's entry, its logs. */
function albReport(name: string, ip: string): string {
  const out: string[] = [];
  const add = (title: string, r: { stdout: string; stderr: string }) => out.push(reportSection(title, r));
  add("ALB pods", kubectl("get", "pods", "-n", "kube-system", "-l", `keelson.io/alb=${name}`, "-o", "wide"));
  add("ALB Service", kubectl("get", "service", "-n", "kube-system", name, "-o", "wide"));
  add("ALB endpoints", kubectl("get", "endpointslices", "-n", "kube-system", "-l", `kubernetes.io/service-name=${name}`, "-o", "custom-columns=ADDR:.endpoints[*].addresses,READY:.endpoints[*].conditions.ready"));
  add("servicel2statuses", kubectl("get", "servicel2statuses", "-n", "metallb-system", "-o", "custom-columns=SVC:.status.serviceName,NODE:.status.node"));
  add("nodes", kubectl("get", "nodes"));
  add(`public router's neighbour for ${ip}`, sh("ip", ["netns", "exec", names.publicNs, "ip", "neigh", "show", ip]));
  add("events", kubectl("get", "events", "-n", "kube-system", "--sort-by=.lastTimestamp"));
  add("ALB logs", kubectl("logs", "-n", "kube-system", "-l", `keelson.io/alb=${name}`, "--tail=15", "--prefix"));
  return out.join("\n");
}

/** What a failed failover looked like: who reports the IP, what the public router has for it, what the zone's speakers said. */
function failoverReport(victim: string, ip: string): string {
  const out: string[] = [];
  const add = (title: string, r: { stdout: string; stderr: string }) => out.push(reportSection(title, r));
  add("servicel2statuses", kubectl("get", "servicel2statuses", "-n", "metallb-system", "-o", "custom-columns=SVC:.status.serviceName,NODE:.status.node"));
  add("nodes", kubectl("get", "nodes", "-o", "wide"));
  add("echo endpoints", kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=echo", "-o", "yaml"));
  add(`public router's neighbour for ${ip}`, sh("ip", ["netns", "exec", names.publicNs, "ip", "neigh", "show", ip]));
  add("curl from the internet", sh("ip", ["netns", "exec", names.clientNs, "curl", "-sv", "--max-time", "4", `http://${ip}/hostname`]));
  const speakers = JSON.parse(kubectl("get", "pods", "-n", "metallb-system", "-l", "component=speaker", "-o", "json").stdout || "{\"items\":[]}").items as any[];
  for (const sp of speakers.filter((x) => x.spec.nodeName !== victim && zoneOf(x.spec.nodeName) === zoneOf(victim))) {
    add(`speaker on ${sp.spec.nodeName}`, kubectl("logs", "-n", "metallb-system", sp.metadata.name, "-c", "speaker", "--since=5m"));
  }
  return out.join("\n");
}

test("the node holding a LoadBalancer IP dies: another node of its zone takes the IP over", async () => {
  const pub = currentPlan().loadBalancers.find((l) => l.name === "echo")!;
  // Echo spread over the nodes first: pods on a dead node stay endpoints until its
  // node goes NotReady, so the IP must be able to answer from pods elsewhere. A rolling
  // update counts the old pods in the spread, so the final spread need not be one per
  // node: what matters is a ready pod off the victim.
  kubectlOk("patch", "deployment", "echo", "--type=merge", "-p", JSON.stringify({
    spec: { replicas: workerNames.length, template: { spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "echo" } } }] } } },
  }));
  await until("echo rolled out to every replica", 240, () => {
    const d = JSON.parse(kubectlOk("get", "deployment", "echo", "-o", "json"));
    const st = d.status ?? {};
    return st.observedGeneration >= d.metadata.generation && st.updatedReplicas === workerNames.length && st.availableReplicas === workerNames.length && (st.replicas ?? 0) === workerNames.length;
  });
  // Each speaker reports the services it announces; a dead one cannot take its report back.
  const holders = () =>
    (JSON.parse(kubectlOk("get", "servicel2statuses", "-n", "metallb-system", "-o", "json")).items as any[])
      .filter((i) => i.status?.serviceName === "echo" && i.status?.serviceNamespace === "default")
      .map((i) => i.status.node as string);
  await until("one announcing node", 60, () => holders().length === 1);
  const [victim] = holders();
  await until(`a ready echo pod on a node other than ${victim}`, 60, () => pods("app=echo").some((x) => x.ready && x.node !== victim));
  expect(zoneOf(victim)).toBe("lab-z1");
  // Who answers for the IP, as the network sees it: the MAC the public router
  // resolved it to, mapped to the node that owns that MAC. (MetalLB's own report
  // cannot show the takeover: ServiceL2Status.status.node is immutable in v0.15.3,
  // so the new announcer's patch of the dead node's object is refused until that
  // object's speaker pod is gone; docs/services.md.)
  const answerer = publicAnswerer(stack, workerNames);
  const answering = () => answerer(pub.ip);
  await until(`the public router reaches ${pub.ip} at ${victim}, the node MetalLB elected`, 30, () => !fromInternet(pub.ip).startsWith("exit") && answering() === victim);
  const t0 = Date.now();
  crashHost(stack, victim); // failed hardware
  // Answered again, with another node of the zone holding the IP (not the dying host's last packets).
  let successor: string | undefined;
  try {
    await until("the IP answers again from another node", 180, () => {
      const who = fromInternet(pub.ip);
      successor = answering();
      return successor !== undefined && successor !== victim && who !== "" && !who.startsWith("exit");
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${failoverReport(victim, pub.ip)}`);
  }
  const seconds = (Date.now() - t0) / 1000;
  console.log(`LoadBalancer failover: ${pub.ip} answered again through ${successor} ${seconds.toFixed(1)} s after ${victim} died`);
  expect(zoneOf(successor!)).toBe("lab-z1");
  // The dead worker comes back with refresh + up; echo goes back to its two replicas.
  pulumiOk(["refresh", "--yes", "--stack", stack], opts);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  await until("every node Ready again", 180, () => nodes().every((n) => n.ready));
  kubectlOk("patch", "deployment", "echo", "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/replicas", value: 2 }, { op: "remove", path: "/spec/template/spec/topologySpreadConstraints" }]));
});

test("a second pulumi up reports no changes", () => {
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});

test("no private key or kubeconfig is plaintext in state (kubelet, kube-proxy, flannel keys, the backup identity included)", () => {
  const state = pulumiOk(["stack", "export", "--stack", stack], opts);
  expect(state).toContain("kubelet-wk-default-lab-z1-1"); // the node certificates are in this state
  expect(state).not.toMatch(/BEGIN (EC |OPENSSH )?PRIVATE KEY/);
  expect(state).not.toMatch(/client-key-data/);
  expect(state).toContain("control-plane-backup-key"); // the backups' key pair is in this state...
  // ...and its identity only encrypted. The pattern is a whole identity (bech32 after the prefix):
  // the bare prefix is in state anyway, inside the BackupKey provider's serialized code.
  expect(state).not.toMatch(/AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}/);
  // Key files travel base64-encoded in the bundles: "-----BEGIN EC PRIVATE KEY" / "-----BEGIN PRIVATE KEY" in base64.
  expect(state).not.toMatch(/LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS|LS0tLS1CRUdJTiBQUklWQVRFIEtFWS/);
});

test("a restore from a backup: nodes Ready and renewing their leases, the same pods running, what came after the backup gone", async () => {
  const out = JSON.parse(pulumiOk(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts));
  const before = pods("app=web").map((p) => p.name).sort();
  const lines: string[] = [];
  const b = takeBackup(out.backup, out.sshPrivateKey, work, (l) => lines.push(l));
  kubectlOk("create", "configmap", "after-backup", "--from-literal=a=b");
  restoreBackup(out.backup, out.sshPrivateKey, out.backupIdentity, path.join(b.directory, b.taken), (l) => lines.push(l));
  const restored = new Date();
  expect(kubectl("get", "configmap", "after-backup").stderr).toMatch(/NotFound/);
  // Every kubelet writes to the restored store: its node lease is renewed after the restore.
  await until("every node lease renewed after the restore", 180, () => {
    const leases = JSON.parse(kubectlOk("get", "leases", "-n", "kube-node-lease", "-o", "json")).items as { metadata: { name: string }; spec: { renewTime?: string } }[];
    return workerNames.every((n) => {
      const l = leases.find((x) => x.metadata.name === n);
      return !!l?.spec.renewTime && new Date(l.spec.renewTime) > restored;
    });
  });
  expect(nodes().every((n) => n.ready)).toBe(true);
  await until("the web pods ready after the restore", 120, () => pods("app=web").every((p) => p.ready));
  expect(pods("app=web").map((p) => p.name).sort()).toEqual(before);
});

test("with one master stopped, nodes stay Ready and new pods still schedule", async () => {
  const victim = "wk-master-2";
  crashHost(stack, victim); // failed hardware
  // Longer than the node monitor grace period (40 s): a node whose kubelet could not
  // reach any apiserver would be NotReady by then.
  await new Promise((r) => setTimeout(r, 60_000));
  const all = nodes();
  expect(all.filter((n) => !n.ready).map((n) => n.name)).toEqual([]);
  // A write may fail for a while after a crash: each apiserver's etcd client keeps the dead
  // member in its balance until gRPC keepalive drops it (docs/control-plane.md, not fixed).
  // Retried as a user would; the time it took is printed.
  const t0 = Date.now();
  let lastError = "";
  await until("a write through the API during the outage", 120, () => {
    const r = kubectl("scale", "deployment/web", "--replicas=5");
    lastError = r.stderr.trim();
    return r.status === 0;
  }).catch((e) => { throw new Error(`${e} (last error: ${lastError})`); });
  console.log(`one master crashed: a write landed ${((Date.now() - t0) / 1000).toFixed(1)} s after the first try (which came 60 s after the crash)`);
  await until("5 web pods ready during the outage", 180, () => {
    const p = pods("app=web");
    return p.length === 5 && p.every((x) => x.ready);
  });
  pulumiOk(["refresh", "--yes", "--stack", stack], opts);
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  kubectlOk("scale", "deployment/web", "--replicas=3");
});

/**
 * The one change off the nodes themselves: each master's approver of kubelet serving
 * certificates learns the nodes the plan gained or dropped (its allow-list), before they join.
 */
const approverStep = (urn: string) => urn.endsWith("-kubelet-serving-approver");

test("growing the default pool from 1 to 2 per zone adds only the new nodes (and tells the masters' approver)", async () => {
  writeSpec(2);
  const ops = plannedOps();
  const changed = ops.filter((s) => s.op !== "same" && !approverStep(s.urn));
  expect(changed.length).toBeGreaterThan(0);
  expect(ops.filter((s) => s.op !== "same" && approverStep(s.urn)).length).toBe(3);
  for (const s of changed) expect({ urn: s.urn, op: s.op, onNewNode: grown.some((n) => s.urn.includes(n)) }).toEqual({ urn: s.urn, op: "create", onNewNode: true });
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  await until("7 nodes Ready", 120, () => {
    const n = nodes();
    return n.length === 7 && n.every((x) => x.ready);
  });
});

test("shrinking it back drains and removes only the nodes it drops (and tells the masters' approver)", async () => {
  writeSpec(1);
  const ops = plannedOps();
  const changed = ops.filter((s) => s.op !== "same" && !approverStep(s.urn));
  expect(changed.length).toBeGreaterThan(0);
  expect(ops.filter((s) => s.op !== "same" && approverStep(s.urn)).length).toBe(3);
  for (const s of changed) expect({ urn: s.urn, op: s.op, onDroppedNode: grown.some((n) => s.urn.includes(n)) }).toEqual({ urn: s.urn, op: "delete", onDroppedNode: true });
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  expect(nodes().map((n) => n.name).sort()).toEqual([...workerNames].sort());
  const web = pods("app=web");
  expect(web.filter((p) => grown.includes(p.node))).toEqual([]);
});

test("a LoadBalancer removed and the private ALBs disabled in the spec are removed from the cluster; the namespace stays", () => {
  withPrivateLb = false;
  withPrivateAlbs = false;
  writeSpec(1);
  const changed = plannedOps().filter((s) => s.op !== "same");
  const privAlbs = currentPlan().albs.filter((a) => a.network === "private").map((a) => a.name);
  const expected = ["delete wk-metallb-lb-service-default-echo-private", ...privAlbs.flatMap((n) => [`delete wk-albs-deployment-kube-system-${n}`, `delete wk-albs-service-kube-system-${n}`])];
  // The public ALBs' status addresses do not change (only private ALBs are listed for the private class).
  expect(changed.map((s) => `${s.op} ${s.urn.split("::").pop()}`).sort()).toEqual(expected.sort());
  pulumiOk(["up", "--yes", "--stack", stack], opts);
  expect(kubectl("get", "service", "echo-private").stderr).toMatch(/NotFound/);
  for (const n of privAlbs) expect(kubectl("get", "deployment", n, "-n", "kube-system").stderr).toMatch(/NotFound/);
  expect(lbIp("echo")).toBe(currentPlan().loadBalancers.find((l) => l.name === "echo")!.ip);
  expect(kubectlOk("get", "namespace", "default", "-o", "name").trim()).toBe("namespace/default");
});

test("a new masters' flavor replaces every master host, one at a time: same etcd cluster, every object kept, the API answering", async () => {
  const masterIps = [1, 2, 3].map((z) => `10.${o}.${z}.4`);
  const etcdctl = `/usr/local/bin/etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key`;
  const clusterId = () => /"cluster_id":(\d+)/.exec(ssh(masterIps[1], `${etcdctl} --endpoints=https://127.0.0.1:2379 endpoint status -w json`).stdout)?.[1];
  const hostKeys = () => masterIps.map((ip) => ssh(ip, "cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.trim());
  // 1,000 objects through the API.
  const items = Array.from({ length: 1000 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `keep-${i}`, namespace: "default", labels: { keep: "day2" } }, data: { i: String(i) } }));
  const created = sh(kubectlBin, ["--kubeconfig", kubeconfig, "create", "-f", "-"], 300_000, JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  expect(created.stderr).toBe("");
  const count = () => JSON.parse(kubectlOk("get", "configmaps", "-l", "keep=day2", "-o", "json")).items.length;
  expect(count()).toBe(1000);
  const idBefore = clusterId();
  const keysBefore = hostKeys();
  expect(idBefore).toMatch(/^\d+$/);

  // A client polling once a second through any master, as every node's master proxy does.
  mastersFlavor = "lab.v1x1";
  writeSpec(1);
  const { ok, failed, result: up } = await whilePolling({ kubectl: kubectlBin, kubeconfig, servers: masterIps.map((ip) => `https://${ip}:6443`), object: "configmap keep-7", dir: work }, () =>
    pulumiOk(["up", "--yes", "--stack", stack], opts),
  );
  console.log(`masters replaced: the API answered ${ok} polls and failed ${failed} during the change`);

  // One LabHost update per master, each a new machine (new host key), in order.
  expect(up).toMatch(/3 updated/);
  const order = ["lab-master-1", "lab-master-2", "lab-master-3"].map((m) => up.indexOf(`lab-host-wk-${m.slice(4)} updated`));
  expect(order.every((i) => i > 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  const keysAfter = hostKeys();
  keysAfter.forEach((k, i) => expect(k).not.toBe(keysBefore[i]));
  for (const ip of masterIps) expect(ssh(ip, "grep -o 'lab.v1x1' /etc/keelson/host.json | head -1").stdout.trim()).toBe("lab.v1x1");
  // The same cluster, three healthy members, every object.
  expect(clusterId()).toBe(idBefore);
  const health = ssh(masterIps[0], `${etcdctl} --endpoints=${masterIps.map((ip) => `https://${ip}:2379`).join(",")} endpoint health`);
  expect(health.status).toBe(0);
  expect((health.stdout + health.stderr).match(/is healthy/g)).toHaveLength(3);
  expect(ssh(masterIps[0], `${etcdctl} --endpoints=https://127.0.0.1:2379 member list`).stdout.trim().split("\n")).toHaveLength(3);
  expect(count()).toBe(1000);
  expect(failed).toBeLessThanOrEqual(3);
  expect(ok).toBeGreaterThan(30);
  expect(nodes().every((n) => n.ready)).toBe(true);
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});

test("one worker reloaded and another replaced: each drained first, one after the other, and only they change", async () => {
  const reloaded = "wk-default-lab-z1-1";
  const replaced = "wk-default-lab-z3-1";
  const ipOf = (n: string) => currentPlan().hosts.find((h) => h.name === n)!.privateIp;
  const hostKey = (n: string) => ssh(ipOf(n), "cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.trim();
  // The kubelet's last start, in seconds (lab hosts share the machine's clock).
  const kubeletStart = (n: string) => Number(ssh(ipOf(n), `date -d "$(systemctl show -p ActiveEnterTimestamp --value kubelet)" +%s`).stdout.trim());
  apply([
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "roll", namespace: "default" },
      spec: {
        replicas: 8,
        selector: { matchLabels: { app: "roll" } },
        template: {
          metadata: { labels: { app: "roll" } },
          spec: {
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "roll" } } }],
            containers: [{ name: "roll", image: AGNHOST, imagePullPolicy: "IfNotPresent", args: ["netexec", "--http-port=8080"] }],
          },
        },
      },
    },
  ]);
  await until("8 roll pods ready", 180, () => {
    const p = pods("app=roll");
    return p.length === 8 && p.every((x) => x.ready);
  });
  const before = pods("app=roll");
  const onReloaded = before.filter((p) => p.node === reloaded).map((p) => p.name);
  const onReplaced = before.filter((p) => p.node === replaced).map((p) => p.name);
  expect(onReloaded.length).toBeGreaterThan(0);
  expect(onReplaced.length).toBeGreaterThan(0);
  const keysBefore = new Map(workerNames.map((n) => [n, hostKey(n)]));
  const startsBefore = new Map(workerNames.map((n) => [n, kubeletStart(n)]));
  const t0 = Math.floor(Date.now() / 1000);

  defaultPoolWorkers = { [reloaded]: { reload: 1 }, [replaced]: { replace: 1 } };
  writeSpec(1);
  const changed = plannedOps().filter((s) => s.op !== "same");
  expect(changed.length).toBeGreaterThan(0);
  for (const s of changed) expect({ urn: s.urn, onTheTwo: [reloaded, replaced].some((n) => s.urn.includes(n)) }).toEqual({ urn: s.urn, onTheTwo: true });
  const started = Date.now();
  const watch = watchPods({ kubectl: kubectlBin, kubeconfig, selector: "app=roll", dir: work });
  let seen: WatchedPod[];
  try {
    pulumiOk(["up", "--yes", "--stack", stack], opts);
  } finally {
    seen = await watch.stop();
  }
  console.log(`reload of ${reloaded} then replace of ${replaced}, in turn: ${((Date.now() - started) / 1000).toFixed(0)} s`);

  // Only those two changed: the others keep their machine and their kubelet.
  for (const n of workerNames.filter((w) => w !== reloaded && w !== replaced)) {
    expect({ n, key: hostKey(n), kubelet: kubeletStart(n) }).toEqual({ n, key: keysBefore.get(n), kubelet: startsBefore.get(n) });
  }
  expect(hostKey(reloaded)).toBe(keysBefore.get(reloaded)); // same machine
  expect(hostKey(replaced)).not.toBe(keysBefore.get(replaced)); // a new one
  const reloadedAt = kubeletStart(reloaded);
  const replacedAt = kubeletStart(replaced);
  expect(reloadedAt).toBeGreaterThanOrEqual(t0);
  expect(replacedAt).toBeGreaterThanOrEqual(t0);

  // Drained first: the pods were evicted (and their replacements made) before each
  // node's kubelet started again, and the replaced node's turn came after the
  // reloaded one was back (its pods were evicted after the reload's kubelet start).
  // Counted from a watch on the pods during the change, not from the pods left at the
  // end (a replacement made during the reload may land on the node replaced next and
  // be evicted again there: CI on 6acf8ac came up one short that way) nor from the
  // ReplicaSet's events (CI on 4d2a3df: the recorder folds more than ten similar
  // events into one). A kubelet restarted before its node's pods were evicted still
  // fails this: their replacements come after it.
  const after = JSON.parse(kubectlOk("get", "pods", "-l", "app=roll", "-o", "json")).items as { metadata: { name: string } }[];
  const names = after.map((p) => p.metadata.name);
  for (const gone of [...onReloaded, ...onReplaced]) expect(names).not.toContain(gone);
  for (const p of before) expect(seen.map((s) => s.name)).toContain(p.name); // the watch saw the pods there before
  const made = seen.map((p) => p.created).filter((t) => t >= t0);
  console.log(`roll pods: ${onReloaded.length} on ${reloaded} and ${onReplaced.length} on ${replaced} before; made during the change: ${made.length} (${made.filter((t) => t <= reloadedAt).length} before the reload's kubelet start, ${made.filter((t) => t >= reloadedAt && t <= replacedAt).length} between it and the replaced node's)`);
  expect(made.filter((t) => t <= reloadedAt).length).toBeGreaterThanOrEqual(onReloaded.length);
  expect(made.filter((t) => t >= reloadedAt && t <= replacedAt).length).toBeGreaterThanOrEqual(onReplaced.length);
  await until("8 roll pods ready again", 180, () => {
    const p = pods("app=roll");
    return p.length === 8 && p.every((x) => x.ready);
  });

  // Both back in service: Ready, schedulable, with the key their drain waited for.
  const nodeObjs = JSON.parse(kubectlOk("get", "nodes", "-o", "json")).items as { metadata: { name: string; annotations?: Record<string, string> }; spec: { unschedulable?: boolean } }[];
  expect(nodeObjs.filter((n) => n.spec.unschedulable).map((n) => n.metadata.name)).toEqual([]);
  for (const n of nodeObjs) expect(n.metadata.annotations?.["keelson.dev/maintenance"]).toMatch(/^[0-9a-f]{16}$/);
  expect(nodes().every((n) => n.ready)).toBe(true);
  kubectlOk("delete", "deployment", "roll");
  pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", stack], opts);
});
