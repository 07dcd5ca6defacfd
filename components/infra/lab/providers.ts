// Dynamic providers behind the lab resources. Pulumi serializes these objects
// into state and runs them in its dynamic-provider process, so they only use
// Node built-ins (required inside the functions) and the scripts carried in
// their own inputs: no Keelson module is needed at provider run time.
import * as pulumi from "@pulumi/pulumi";

export interface ScriptResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a script on `bash -s` (stdin), without blocking the provider's event loop. */
export function runScript(script: string, args: string[] = [], timeoutMs = 10 * 60_000): Promise<ScriptResult> {
  const { spawn } = require("child_process") as typeof import("child_process");
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-s", "--", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code: number | null) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.end(script);
  });
}

/** Runs a script and parses the JSON object on its last stdout line; throws with its stderr on failure. */
export async function runJson(what: string, script: string, args: string[] = [], timeoutMs?: number): Promise<Record<string, unknown>> {
  const r = await runScript(script, args, timeoutMs);
  if (r.status !== 0) {
    throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr.trim().split("\n").slice(-25).join("\n")}`);
  }
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return last.startsWith("{") ? JSON.parse(last) : {};
  } catch {
    throw new Error(`${what}: unexpected output ${JSON.stringify(last)}`);
  }
}

function changed(olds: Record<string, unknown>, news: Record<string, unknown>, keys: string[]): string[] {
  return keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

// ---------------------------------------------------------------- image

export interface ImageInputs {
  dir: string;
  suite: string;
  mirror: string;
  packages: string[];
  manifest: string;
  buildScript: string;
}

export const imageProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ImageInputs) {
    // Shared by every stack on the machine: reused when present, built (under a lock) when not.
    await runJson(`lab image ${inputs.dir}`, inputs.buildScript, [inputs.dir, inputs.suite, inputs.mirror, inputs.packages.join(","), inputs.manifest], 30 * 60_000);
    return { id: inputs.dir, outs: { ...inputs, rootfs: `${inputs.dir}/rootfs` } };
  },
  async read(id: string, props: ImageInputs & { rootfs: string }) {
    const fs = require("fs") as typeof import("fs");
    const present = fs.existsSync(`${props.dir}/image.json`) && fs.existsSync(`${props.rootfs}/lib/systemd/systemd`);
    return present ? { id, props } : { id: "", props };
  },
  async diff(_id: string, olds: ImageInputs, news: ImageInputs) {
    const c = changed(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, ["dir", "suite", "packages", "mirror", "buildScript"]);
    return { changes: c.length > 0, replaces: c.filter((k) => k === "dir" || k === "suite" || k === "packages") };
  },
  async update(_id: string, _olds: ImageInputs, news: ImageInputs) {
    await runJson(`lab image ${news.dir}`, news.buildScript, [news.dir, news.suite, news.mirror, news.packages.join(","), news.manifest], 30 * 60_000);
    return { outs: { ...news, rootfs: `${news.dir}/rootfs` } };
  },
  async delete() {
    // Deliberately kept: the image is a cache shared by every lab stack of the
    // machine (docs/lab.md says how to prune it).
  },
};

// ---------------------------------------------------------------- ssh key

export const sshKeyProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { comment: string }) {
    const fs = require("fs") as typeof import("fs");
    const os = require("os") as typeof import("os");
    const path = require("path") as typeof import("path");
    const { spawnSync } = require("child_process") as typeof import("child_process");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-key-"));
    try {
      fs.chmodSync(dir, 0o700);
      const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", inputs.comment, "-f", path.join(dir, "id")], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
      const privateKey = fs.readFileSync(path.join(dir, "id"), "utf8");
      const publicKey = fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim();
      return { id: publicKey.split(" ")[1].slice(-16), outs: { ...inputs, publicKey, privateKey } };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  async diff(_id: string, olds: { comment: string }, news: { comment: string }) {
    return { changes: olds.comment !== news.comment, replaces: olds.comment !== news.comment ? ["comment"] : [] };
  },
};

// ---------------------------------------------------------------- network

export interface NetworkInputs {
  stack: string;
  clusterName: string;
  spec: string; // NetworkSpec as JSON
  upScript: string;
  downScript: string;
  statusScript: string;
}

export const networkProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NetworkInputs) {
    await runJson(`lab network of stack ${inputs.stack}`, inputs.upScript);
    return { id: `${inputs.stack}/${inputs.clusterName}`, outs: { ...inputs, ready: true, missing: [] } };
  },
  async read(id: string, props: NetworkInputs) {
    const s = await runJson(`lab network status of stack ${props.stack}`, props.statusScript);
    return { id, props: { ...props, ready: s.ready === true, missing: s.missing ?? [] } };
  },
  async diff(_id: string, olds: NetworkInputs & { ready?: boolean }, news: NetworkInputs) {
    const c = changed(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, ["spec", "upScript", "downScript", "statusScript", "stack", "clusterName"]);
    // A refresh that found pieces missing makes `up` converge the network again.
    if (olds.ready === false) c.push("ready");
    return { changes: c.length > 0, replaces: c.filter((k) => k === "stack" || k === "clusterName") };
  },
  async update(_id: string, _olds: NetworkInputs, news: NetworkInputs) {
    await runJson(`lab network of stack ${news.stack}`, news.upScript);
    return { outs: { ...news, ready: true, missing: [] } };
  },
  async delete(_id: string, props: NetworkInputs) {
    await runJson(`removing lab network of stack ${props.stack}`, props.downScript);
  },
};

// ---------------------------------------------------------------- host

export interface HostInputs {
  stack: string;
  name: string;
  spec: string; // HostSpec as JSON
  imageRootfs: string;
  authorizedKey: string;
  /** The fields a host cannot change without being replaced (zone, role, flavor, addresses, VLANs), as JSON. */
  identity: string;
  upScript: string;
  purgeScript: string;
  statusScript: string;
}

/** Inputs that make it another host altogether: a new Pulumi resource. */
export const HOST_REPLACE_KEYS = ["stack", "name"];

/**
 * Inputs whose change needs a new machine (a new disk, identity or address), as
 * on a cloud. The lab reprovisions such a host inside an update (old host purged,
 * new one booted from an empty disk: a new host key, so every step on it runs
 * again) rather than as a Pulumi replacement: a replacement of a host that must
 * go before its successor starts (same name, same address) is a
 * delete-before-replace, and the engine then deletes everything that depends on
 * the host first (the whole control plane, every node's drain, the add-ons),
 * all at once. Updates keep the graph's order, so masters can roll.
 */
export const HOST_REPROVISION_KEYS = ["imageRootfs", "identity"];

export const hostProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: HostInputs) {
    // A host of this name may have been left behind by a run that was killed:
    // start from nothing, never from an unknown disk.
    if (!inputs.upScript) throw new Error(`lab host ${inputs.name}: no boot script (imageRootfs=${JSON.stringify(inputs.imageRootfs)}, authorizedKey=${inputs.authorizedKey ? "set" : "missing"})`);
    await runJson(`removing leftovers of lab host ${inputs.name}`, inputs.purgeScript);
    const r = await runJson(`lab host ${inputs.name}`, inputs.upScript);
    if (typeof r.hostKey !== "string") throw new Error(`lab host ${inputs.name}: the boot script did not report the host key`);
    return { id: `${inputs.stack}/${inputs.name}`, outs: { ...inputs, state: "running", hostKey: r.hostKey } };
  },
  async read(id: string, props: HostInputs & { state?: string }) {
    const s = await runJson(`lab host status ${props.name}`, props.statusScript);
    // Its disk is gone: the host no longer exists (refresh drops it, up creates it).
    if (s.state === "absent") return { id: "", props };
    return { id, props: { ...props, state: s.state } };
  },
  async diff(_id: string, olds: HostInputs & { state?: string }, news: HostInputs) {
    const c = changed(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, [
      "stack", "name", "imageRootfs", "identity", "spec", "authorizedKey", "upScript", "purgeScript", "statusScript",
    ]);
    // Stopped or killed outside Pulumi (seen by refresh): `up` starts it again, disk intact.
    if (olds.state && olds.state !== "running") c.push("state");
    const replaces = c.filter((k) => HOST_REPLACE_KEYS.includes(k));
    // Same name, same addresses: the old host must be gone before the new one starts.
    return { changes: c.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
  },
  async update(_id: string, olds: HostInputs, news: HostInputs) {
    if (HOST_REPROVISION_KEYS.some((k) => olds[k as keyof HostInputs] !== news[k as keyof HostInputs])) {
      // A new machine: nothing of the old disk survives.
      await runJson(`removing lab host ${olds.name} to reprovision it`, olds.purgeScript);
      await runJson(`removing leftovers of lab host ${news.name}`, news.purgeScript);
    }
    const r = await runJson(`lab host ${news.name}`, news.upScript);
    return { outs: { ...news, state: "running", hostKey: r.hostKey } };
  },
  async delete(_id: string, props: HostInputs) {
    await runJson(`removing lab host ${props.name}`, props.purgeScript);
  },
};
