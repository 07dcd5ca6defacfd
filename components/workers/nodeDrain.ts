// Drains a worker before its host changes machine or is reloaded: a dynamic
// resource whose `key` is what the worker is (its machine and reload
// generation, render/maintenance.ts). Its host depends on it, so a new key
// drains the node (through a master, over SSH with the stack's key) before the
// host is touched, and a failed drain stops the change with the node's pods
// where they were. Creating one (a new worker, or a cluster made before this
// existed) drains nothing; removing one does nothing (the node's membership
// drains a worker that leaves the cluster).
import * as pulumi from "@pulumi/pulumi";
import { SSH_OPTIONS, asRoot, type SshTarget } from "../bootstrap/host/ssh";
import type { SshConnection } from "../infra/driver";

/** A master to drain through, and the remote command that reads the script on stdin as root. */
interface DrainTarget extends SshTarget {
  remote: string;
}

interface NodeDrainInputs {
  node: string;
  key: string;
  /** render/maintenance.ts's drainScript, run on the first master that answers. */
  script: string;
  masters: DrainTarget[];
  sshOptions: string[];
  privateKey: string;
  timeoutSeconds: number;
}

type NodeDrainState = Omit<NodeDrainInputs, "privateKey">;

const nodeDrainProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: NodeDrainState, news: NodeDrainInputs) {
    // Only a new key is a reason to drain: a new pool neighbour changes the
    // script (whom to wait for) and must not drain anyone.
    return { changes: olds.key !== news.key };
  },
  async create(inputs: NodeDrainInputs) {
    const { privateKey: _, ...state } = inputs;
    return { id: inputs.node, outs: state };
  },
  async update(_id: string, _olds: NodeDrainState, news: NodeDrainInputs) {
    const fs = require("fs") as typeof import("fs");
    const os = require("os") as typeof import("os");
    const path = require("path") as typeof import("path");
    const { spawn } = require("child_process") as typeof import("child_process");
    const run = (args: string[]) =>
      new Promise<{ status: number; out: string }>((resolve) => {
        const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), news.timeoutSeconds * 1000);
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        child.on("error", (e: Error) => (out += e.message));
        child.on("close", (code: number | null) => {
          clearTimeout(timer);
          resolve({ status: code ?? -1, out });
        });
        child.stdin.end(news.script);
      });
    const tail = (s: string) => s.trim().split("\n").slice(-6).join("\n");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-drain-"));
    const keyFile = path.join(dir, "id");
    fs.writeFileSync(keyFile, news.privateKey.endsWith("\n") ? news.privateKey : `${news.privateKey}\n`, { mode: 0o600 });
    try {
      const unreachable: string[] = [];
      for (const m of news.masters) {
        const r = await run(["-i", keyFile, ...news.sshOptions.flatMap((o) => ["-o", o]), "-p", String(m.port), `${m.user}@${m.host}`, m.remote]);
        if (r.status === 0) {
          const { privateKey: _, ...state } = news;
          return { outs: state };
        }
        // 255: ssh itself failed (that master is down or being replaced): try the next.
        if (r.status !== 255) throw new Error(`draining ${news.node} (through master ${m.host}) failed, exit ${r.status}:\n${tail(r.out)}`);
        unreachable.push(`${m.host}: ${tail(r.out)}`);
      }
      throw new Error(`draining ${news.node}: no master answered over SSH (${unreachable.join("; ")})`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  async delete() {
    // A worker that leaves is drained by its membership step, before its host goes.
  },
};

export interface NodeDrainArgs {
  node: string;
  key: string;
  script: string;
  /** Masters to run the drain through, tried in order (their connections; the key is taken from the first). */
  masters: SshConnection[];
  timeoutSeconds: number;
}

export class NodeDrain extends pulumi.dynamic.Resource {
  declare readonly key: pulumi.Output<string>;
  constructor(name: string, args: NodeDrainArgs, opts?: pulumi.CustomResourceOptions) {
    if (args.masters.length === 0) throw new Error(`NodeDrain ${name}: at least one master is needed to drain through`);
    super(
      nodeDrainProvider,
      name,
      {
        node: args.node,
        key: args.key,
        script: args.script,
        timeoutSeconds: args.timeoutSeconds,
        masters: args.masters.map((c) => pulumi.all([c.host, c.port ?? 22, c.user]).apply(([host, port, user]) => ({ host, port, user, remote: asRoot(user, "sh -s") }))),
        privateKey: pulumi.secret(args.masters[0].privateKey),
        sshOptions: [...SSH_OPTIONS],
      },
      opts,
      "keelson:workers",
      "NodeDrain",
    );
  }
}

export const __test = { nodeDrainProvider };
