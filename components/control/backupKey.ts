// The key etcd backups are encrypted to: an age X25519 key pair made once by
// `age-keygen` on the machine running Pulumi and kept in state. Masters only
// ever get the recipient (public key): a stolen master or backup file does not
// decrypt a backup. The identity (private key) is a Pulumi secret, exported by
// the stack for `keelson restore` and for the user to keep somewhere safe.
import * as pulumi from "@pulumi/pulumi";

const backupKeyProvider: pulumi.dynamic.ResourceProvider = {
  async diff() {
    // Nothing identifies a key but itself: it is never replaced by an update.
    return { changes: false };
  },

  async create() {
    const cp = require("child_process") as typeof import("child_process");
    const crypto = require("crypto") as typeof import("crypto");
    const gen = cp.spawnSync("age-keygen", [], { encoding: "utf8" });
    if (gen.error || gen.status !== 0) {
      throw new Error(`age-keygen failed (${gen.error?.message ?? gen.stderr.trim()}): the backup key needs Debian's age package on the machine running Pulumi`);
    }
    const identity = gen.stdout.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"));
    if (!identity) throw new Error("age-keygen printed no AGE-SECRET-KEY-1 line");
    const pub = cp.spawnSync("age-keygen", ["-y"], { input: identity + "\n", encoding: "utf8" });
    const recipient = pub.stdout.trim();
    if (pub.status !== 0 || !recipient.startsWith("age1")) throw new Error(`age-keygen -y failed: ${pub.stderr.trim()}`);
    return { id: crypto.randomBytes(8).toString("hex"), outs: { identity, recipient } };
  },
};

export class BackupKey extends pulumi.dynamic.Resource {
  /** AGE-SECRET-KEY-1...: decrypts the backups (a secret). */
  declare readonly identity: pulumi.Output<string>;
  /** age1...: what masters encrypt to. */
  declare readonly recipient: pulumi.Output<string>;
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(backupKeyProvider, name, { identity: undefined, recipient: undefined }, { ...opts, additionalSecretOutputs: ["identity"] }, "keelson:backup", "BackupKey");
  }
}

/**
 * The masters' SSH key to the backup target (render/backup.ts, BackupTarget): an
 * ed25519 key made once by `ssh-keygen` on the machine running Pulumi, kept in
 * state. Its own key, not the one Pulumi reaches the hosts with: the target only
 * ever authorizes the public half, and a master holds no key that opens another
 * host. The private half reaches the masters as a secret file (0600, root's).
 */
const backupTargetKeyProvider: pulumi.dynamic.ResourceProvider = {
  async diff() {
    return { changes: false };
  },

  async create(inputs: { comment: string }) {
    const cp = require("child_process") as typeof import("child_process");
    const crypto = require("crypto") as typeof import("crypto");
    const fs = require("fs") as typeof import("fs");
    const os = require("os") as typeof import("os");
    const path = require("path") as typeof import("path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-target-key-"));
    try {
      const file = path.join(dir, "id");
      const gen = cp.spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", inputs.comment, "-f", file], { encoding: "utf8" });
      if (gen.error || gen.status !== 0) throw new Error(`ssh-keygen failed (${gen.error?.message ?? gen.stderr.trim()}): the backup target key needs Debian's openssh-client on the machine running Pulumi`);
      return { id: crypto.randomBytes(8).toString("hex"), outs: { comment: inputs.comment, privateKey: fs.readFileSync(file, "utf8"), publicKey: fs.readFileSync(`${file}.pub`, "utf8").trim() } };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export class BackupTargetKey extends pulumi.dynamic.Resource {
  /** OpenSSH private key (a secret): on the masters only. */
  declare readonly privateKey: pulumi.Output<string>;
  /** "ssh-ed25519 AAAA... <comment>": authorize it on the backup target. */
  declare readonly publicKey: pulumi.Output<string>;
  constructor(name: string, args: { comment: string }, opts?: pulumi.CustomResourceOptions) {
    super(backupTargetKeyProvider, name, { comment: args.comment, privateKey: undefined, publicKey: undefined }, { ...opts, additionalSecretOutputs: ["privateKey"] }, "keelson:backup", "BackupTargetKey");
  }
}

export const __test = { backupKeyProvider, backupTargetKeyProvider };
