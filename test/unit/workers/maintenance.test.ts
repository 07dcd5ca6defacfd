// The drain before a worker changes machine or is reloaded, and its return to
// service, run for real with sh against a kubectl stand-in that keeps each
// node's annotations, cordon and readiness in files: a worker waits for the
// pool's earlier workers to carry their planned key (Ready, schedulable), and
// gives up with their state named; a node that is not one yet is not drained;
// a failed drain fails the script; only a node Keelson cordoned is uncordoned.
// And the keys: a worker's changes exactly with its machine or its reload
// generation, and its turn comes after its pool's earlier workers only.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BIN_DIR } from "../../../components/bootstrap/host/paths";
import { maintenanceGeneration } from "../../../components/model/plan";
import { hostIdentity } from "../../../components/infra/lab/labDriver";
import { __test as drainTest } from "../../../components/workers/nodeDrain";
import {
  DRAINED_ANNOTATION,
  MAINTENANCE_ANNOTATION,
  drainScript,
  drainTimeoutSeconds,
  maintenanceKey,
  poolTurns,
  returnScript,
} from "../../../components/workers/render/maintenance";

/** kubectl stand-in: $STATE/<node>.{key,unsched,ready,drained}; a node exists when its .ready file does. */
const FAKE_KUBECTL = `#!/bin/sh
shift 2 # --kubeconfig <file>
echo "$*" >> "$STATE/calls"
f() { cat "$STATE/$1" 2>/dev/null || printf '%s' "$2"; }
case "$1 $2" in
  "get node")
    n=$3; [ -f "$STATE/$n.ready" ] || { echo "Error from server (NotFound): nodes \\"$n\\" not found" >&2; exit 1; }
    case "$*" in
      *${MAINTENANCE_ANNOTATION}*) printf '%s|%s|%s' "$(f $n.key '<no value>')" "$(f $n.unsched '<no value>')" "$(f $n.ready '')" ;;
      *${DRAINED_ANNOTATION}*) printf '%s' "$(f $n.drained '<no value>')" ;;
      *) exit 2 ;;
    esac ;;
  "annotate node")
    n=$3; case "$4" in
      ${DRAINED_ANNOTATION}=*) printf '%s' "\${4#*=}" > "$STATE/$n.drained" ;;
      ${DRAINED_ANNOTATION}-) rm -f "$STATE/$n.drained" ;;
      ${MAINTENANCE_ANNOTATION}=*) printf '%s' "\${4#*=}" > "$STATE/$n.key" ;;
      *) exit 2 ;;
    esac ;;
  "drain "*) printf true > "$STATE/$2.unsched"; exit "$(f drain-exit 0)" ;;
  "uncordon "*) printf false > "$STATE/$2.unsched" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

// The drain polls every 5 s.
jest.setTimeout(30_000);

const KEY_A = "aaaaaaaaaaaaaaaa";
const KEY_B = "bbbbbbbbbbbbbbbb";
const KEY_C = "cccccccccccccccc";

function setup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-drain-"));
  const state = path.join(root, "state");
  fs.mkdirSync(state);
  const kubectl = path.join(root, "kubectl");
  fs.writeFileSync(kubectl, FAKE_KUBECTL, { mode: 0o755 });
  const node = (name: string, o: { key?: string; unsched?: string; ready?: string; drained?: string }) => {
    for (const [k, v] of Object.entries({ ready: "True", ...o })) if (v !== undefined) fs.writeFileSync(path.join(state, `${name}.${k}`), v);
  };
  const read = (file: string) => (fs.existsSync(path.join(state, file)) ? fs.readFileSync(path.join(state, file), "utf8") : undefined);
  const local = (script: string) => script.split(`${BIN_DIR}/kubectl`).join(kubectl);
  const run = (script: string) => spawnSync("sh", ["-s"], { input: local(script), encoding: "utf8", env: { ...process.env, STATE: state }, timeout: 60_000 });
  const runAsync = (script: string) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn("sh", ["-s"], { env: { ...process.env, STATE: state } });
      let stdout = "";
      let stderr = "";
      c.stdout.on("data", (d: Buffer) => (stdout += d));
      c.stderr.on("data", (d: Buffer) => (stderr += d));
      c.on("close", (status) => resolve({ status, stdout, stderr }));
      c.stdin.end(local(script));
    });
  const calls = () => (read("calls") ?? "").trim().split("\n").filter(Boolean);
  return { root, node, read, run, runAsync, calls, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

let t: ReturnType<typeof setup>;
beforeEach(() => (t = setup()));
afterEach(() => t.cleanup());

describe("drain", () => {
  test("a worker that is not a node yet is not drained", () => {
    const r = t.run(drainScript({ node: "w-1", key: KEY_A }, []));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("w-1: not a node (yet): nothing to drain");
    expect(t.calls().some((c) => c.startsWith("drain"))).toBe(false);
  });

  test("a node is marked as Keelson's drain, then drained by evictions that wait for its pods", () => {
    t.node("w-1", { key: KEY_A });
    const r = t.run(drainScript({ node: "w-1", key: KEY_B }, []));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(t.read("w-1.drained")).toBe(KEY_B);
    expect(t.read("w-1.unsched")).toBe("true");
    const drain = t.calls().find((c) => c.startsWith("drain"))!;
    expect(drain).toBe("drain w-1 --ignore-daemonsets --delete-emptydir-data --force --timeout=600s");
    expect(drain).not.toContain("--disable-eviction");
  });

  test("it waits for the pool's earlier workers to be back with their planned key, then drains", async () => {
    t.node("w-1", { key: KEY_A, unsched: "true" }); // still in its own turn
    t.node("w-3", { key: KEY_A });
    const running = t.runAsync(drainScript({ node: "w-3", key: KEY_C }, [{ node: "w-1", key: KEY_B }, { node: "w-2", key: KEY_B }], { waitPerWorker: 30, drain: 60 }));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(t.calls().some((c) => c.startsWith("drain"))).toBe(false);
    // w-1 comes back with its new key; w-2 is not a node yet (being created): not waited for.
    t.node("w-1", { key: KEY_B, unsched: "false" });
    const r = await running;
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(t.calls().filter((c) => c.startsWith("drain"))).toEqual(["drain w-3 --ignore-daemonsets --delete-emptydir-data --force --timeout=60s"]);
  });

  test("an earlier worker that never comes back stops the drain, naming it and its state", () => {
    t.node("w-1", { key: KEY_B, unsched: "true" }); // the right key, but cordoned
    t.node("w-2", { key: KEY_A });
    const r = t.run(drainScript({ node: "w-2", key: KEY_C }, [{ node: "w-1", key: KEY_B }], { waitPerWorker: 1, drain: 60 }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`w-2: w-1, before it in the pool, is not back after 1s (key|unschedulable|Ready: ${KEY_B}|true|True; want ${KEY_B}|false|True)`);
    expect(t.calls().some((c) => c.startsWith("drain") || c.startsWith("annotate"))).toBe(false);
  });

  test("an earlier worker NotReady is waited for too", () => {
    t.node("w-1", { key: KEY_B, ready: "False" });
    t.node("w-2", { key: KEY_A });
    const r = t.run(drainScript({ node: "w-2", key: KEY_C }, [{ node: "w-1", key: KEY_B }], { waitPerWorker: 1, drain: 60 }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Ready: ${KEY_B}|<no value>|False`);
  });

  test("a drain that does not finish fails the script and says why it may have", () => {
    t.node("w-1", { key: KEY_A });
    fs.writeFileSync(path.join(t.root, "state", "drain-exit"), "1");
    const r = t.run(drainScript({ node: "w-1", key: KEY_B }, []));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("w-1: the drain did not finish in 600s (a PodDisruptionBudget may allow no eviction now); the node stays cordoned and the next up tries again");
  });

  test("names and keys that would need quoting are refused", () => {
    expect(() => drainScript({ node: "w-1; rm -rf /", key: KEY_A }, [])).toThrow('"w-1; rm -rf /" is not a node name');
    expect(() => drainScript({ node: "w-1", key: KEY_A }, [{ node: "w-0", key: "$(reboot)" }])).toThrow('"$(reboot)" is not a maintenance key');
  });
});

describe("return to service", () => {
  test("a node Keelson drained is uncordoned and its key recorded", () => {
    t.node("w-1", { key: KEY_A, unsched: "true", drained: KEY_B });
    const r = t.run(returnScript({ node: "w-1", key: KEY_B }));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(t.read("w-1.unsched")).toBe("false");
    expect(t.read("w-1.drained")).toBeUndefined();
    expect(t.read("w-1.key")).toBe(KEY_B);
  });

  test("a node a user cordoned stays cordoned; the key is recorded", () => {
    t.node("w-1", { unsched: "true" });
    const r = t.run(returnScript({ node: "w-1", key: KEY_B }));
    expect(r.status).toBe(0);
    expect(t.calls().some((c) => c.startsWith("uncordon"))).toBe(false);
    expect(t.read("w-1.unsched")).toBe("true");
    expect(t.read("w-1.key")).toBe(KEY_B);
  });

  test("after a return, the next worker's drain no longer waits", () => {
    t.node("w-1", { key: KEY_A, unsched: "true", drained: KEY_B });
    t.node("w-2", { key: KEY_A });
    expect(t.run(returnScript({ node: "w-1", key: KEY_B })).status).toBe(0);
    const r = t.run(drainScript({ node: "w-2", key: KEY_C }, [{ node: "w-1", key: KEY_B }], { waitPerWorker: 1, drain: 60 }));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("keys and turns", () => {
  const workers = [
    { node: "c-default-z1-1", pool: "default", machineKey: "m1", reload: "" },
    { node: "c-metal-z1-1", pool: "metal", machineKey: "m2", reload: "" },
    { node: "c-default-z2-1", pool: "default", machineKey: "m3", reload: "" },
    { node: "c-default-z3-1", pool: "default", machineKey: "m4", reload: "" },
  ];

  test("a worker waits for its own pool's earlier workers, in the plan's order", () => {
    const turns = poolTurns(workers);
    expect(turns.get("c-default-z1-1")!.earlier).toEqual([]);
    expect(turns.get("c-metal-z1-1")!.earlier).toEqual([]);
    expect(turns.get("c-default-z3-1")!.earlier.map((w) => w.node)).toEqual(["c-default-z1-1", "c-default-z2-1"]);
    expect(turns.get("c-default-z3-1")!.earlier[0].key).toBe(turns.get("c-default-z1-1")!.self.key);
  });

  test("a key changes with the machine or the reload generation, and with nothing else", () => {
    const k = maintenanceKey("m1", "");
    expect(k).toMatch(/^[0-9a-f]{16}$/);
    expect(maintenanceKey("m1", "")).toBe(k);
    expect(maintenanceKey("m1", "0.1")).not.toBe(k);
    expect(maintenanceKey("m1 replaced", "")).not.toBe(k);
    // Keys are per worker: another worker's change does not touch this one's.
    const before = poolTurns(workers);
    const after = poolTurns(workers.map((w) => (w.node === "c-default-z2-1" ? { ...w, reload: "0.1" } : w)));
    expect(after.get("c-default-z2-1")!.self.key).not.toBe(before.get("c-default-z2-1")!.self.key);
    for (const n of ["c-default-z1-1", "c-metal-z1-1", "c-default-z3-1"]) expect(after.get(n)!.self.key).toBe(before.get(n)!.self.key);
  });

  test("counters become a generation only once raised, so clusters that never asked keep their hosts' identity", () => {
    expect(maintenanceGeneration(0, undefined)).toBe("");
    expect(maintenanceGeneration(0, 0)).toBe("");
    expect(maintenanceGeneration(0, 1)).toBe("0.1");
    expect(maintenanceGeneration(2, undefined)).toBe("2.0");
    const spec = { name: "h", role: "worker" as const, zone: "z1", pool: "default", flavor: "lab.v1x1", hardware: "virtual" as const, cpu: 1, memoryMiB: 1024, privateSegment: "z1-private", privateIp: "10.0.0.4", labels: {}, taints: [] };
    expect(hostIdentity(spec)).toBe('{"zone":"z1","role":"worker","flavor":"lab.v1x1","hardware":"virtual","privateSegment":"z1-private","privateIp":"10.0.0.4","publicSegment":null,"publicIp":null}');
    expect(hostIdentity({ ...spec, replacement: "0.1" })).not.toBe(hostIdentity(spec));
  });

  test("a drain's time budget grows with the workers it may wait for", () => {
    expect(drainTimeoutSeconds(0)).toBe(660);
    expect(drainTimeoutSeconds(2)).toBe(2 * 900 + 660);
  });
});

describe("the NodeDrain provider", () => {
  const p = drainTest.nodeDrainProvider;
  const inputs = { node: "w-1", key: KEY_A, script: "true", masters: [], sshOptions: [], privateKey: "PRIVATE", timeoutSeconds: 10 };

  test("only a new key is a change (a new neighbour's script is not)", async () => {
    const { privateKey: _, ...state } = inputs;
    expect(await p.diff!("w-1", state, { ...inputs, script: "echo other" })).toEqual({ changes: false });
    expect(await p.diff!("w-1", state, { ...inputs, key: KEY_B })).toEqual({ changes: true });
  });

  test("creating one drains nothing and keeps no key material", async () => {
    const r = await p.create!(inputs);
    expect(r.outs).not.toHaveProperty("privateKey");
    expect(JSON.stringify(r.outs)).not.toContain("PRIVATE");
  });

  test("with no master answering, the update fails naming them", async () => {
    const unreachable = { ...inputs, key: KEY_B, masters: [{ host: "127.0.0.1", port: 1, user: "root", remote: "sh -s" }], sshOptions: ["BatchMode=yes", "ConnectTimeout=2", "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"] };
    await expect(p.update!("w-1", inputs, unreachable)).rejects.toThrow(/draining w-1: no master answered over SSH \(127\.0\.0\.1: /);
  });
});
