// The sha256 of a big local file (a Kubernetes or etcd binary), remembered across
// program runs. Every `pulumi preview` and `pulumi up` needs the checksums of the
// binaries it installs (they key the install steps and are checked on the host);
// reading and hashing ~500 MB of binaries took about 8 s of CPU per program run,
// the largest single cost of a no-change `up` on the lab stack.
//
// The memo is keyed like make's and git's index: the file's path, size, mtime,
// ctime and inode. A file rewritten in place changes at least one of them. And a
// stale memo could not install the wrong bits silently: hosts check every
// binary's sha256 before installing it, so it would fail loudly there.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

interface Memo {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  sha256: string;
}

const inProcess = new Map<string, string>();

function identity(st: fs.Stats): Omit<Memo, "sha256"> {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

function sameFile(a: Omit<Memo, "sha256">, b: Omit<Memo, "sha256">): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

/** Where the memo of `file` lives under `memoDir`: one small JSON file per hashed path. */
export function memoFileOf(memoDir: string, file: string): string {
  return path.join(memoDir, `${createHash("sha256").update(path.resolve(file)).digest("hex").slice(0, 32)}.json`);
}

function readMemo(memoFile: string): Memo | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(memoFile, "utf8")) as Partial<Memo>;
    return typeof m.sha256 === "string" && /^[0-9a-f]{64}$/.test(m.sha256) && typeof m.size === "number" ? (m as Memo) : undefined;
  } catch {
    return undefined; // missing or unreadable: hash again
  }
}

function writeMemo(memoFile: string, memo: Memo): void {
  try {
    fs.mkdirSync(path.dirname(memoFile), { recursive: true });
    const tmp = `${memoFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(memo));
    fs.renameSync(tmp, memoFile); // atomic: two programs hashing at once never leave half a memo
  } catch {
    // A read-only cache only costs the next run the hashing.
  }
}

/** The file's sha256 (hex): from the memo under `memoDir` when the file is unchanged since, else computed and remembered. */
export function sha256OfFile(file: string, memoDir: string): string {
  const st = fs.statSync(file);
  const id = identity(st);
  const key = `${path.resolve(file)}:${id.size}:${id.mtimeMs}:${id.ctimeMs}:${id.ino}`;
  const known = inProcess.get(key);
  if (known) return known;
  const memoFile = memoFileOf(memoDir, file);
  const memo = readMemo(memoFile);
  let sha256: string;
  if (memo && sameFile(memo, id)) {
    sha256 = memo.sha256;
  } else {
    sha256 = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    // Only a file that did not change while it was read is remembered.
    if (sameFile(identity(fs.statSync(file)), id)) writeMemo(memoFile, { ...id, sha256 });
  }
  inProcess.set(key, sha256);
  return sha256;
}

/** Forget what this process hashed (the memo files stay): what a fresh program run sees. */
export function forgetDigestsInProcess(): void {
  inProcess.clear();
}
