import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { forgetDigestsInProcess, memoFileOf, sha256OfFile } from "../../../components/bootstrap/fileDigest";

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-digest-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the sha256 of a file, remembered in the memo folder", () => {
  const f = path.join(dir, "kubelet");
  fs.writeFileSync(f, "binary one");
  expect(sha256OfFile(f, path.join(dir, "sums"))).toBe(sha("binary one"));
  const memo = JSON.parse(fs.readFileSync(memoFileOf(path.join(dir, "sums"), f), "utf8"));
  expect(memo.sha256).toBe(sha("binary one"));
  expect(memo.size).toBe(10);
});

test("a memo is trusted only for the same file: a rewritten file is hashed again", () => {
  const f = path.join(dir, "etcd");
  const sums = path.join(dir, "sums");
  fs.writeFileSync(f, "v1");
  expect(sha256OfFile(f, sums)).toBe(sha("v1"));
  fs.writeFileSync(f, "v2 longer");
  expect(sha256OfFile(f, sums)).toBe(sha("v2 longer"));
  // Same size, older mtime forced back: the ctime still differs from the memo's.
  const st = fs.statSync(f);
  fs.writeFileSync(f, "v3 longer");
  fs.utimesSync(f, st.atime, st.mtime);
  expect(sha256OfFile(f, sums)).toBe(sha("v3 longer"));
});

test("a memo from an earlier run is used as is (this is what saves the hashing)", () => {
  const f = path.join(dir, "kube-apiserver");
  const sums = path.join(dir, "sums");
  fs.writeFileSync(f, "real bits");
  sha256OfFile(f, sums);
  // Plant a different (well-formed) digest in the memo: the next program run
  // (this process, forgetting) must read it rather than hash the file.
  const memoFile = memoFileOf(sums, f);
  const planted = "a".repeat(64);
  fs.writeFileSync(memoFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(memoFile, "utf8")), sha256: planted }));
  forgetDigestsInProcess();
  expect(sha256OfFile(f, sums)).toBe(planted);
});

test("a corrupt or unwritable memo never fails the hashing", () => {
  const f = path.join(dir, "kubectl");
  fs.writeFileSync(f, "bits");
  const sums = path.join(dir, "sums");
  fs.mkdirSync(sums);
  fs.writeFileSync(memoFileOf(sums, f), "{not json");
  expect(sha256OfFile(f, sums)).toBe(sha("bits"));
  const blocked = path.join(dir, "a-file-not-a-folder");
  fs.writeFileSync(blocked, "");
  fs.writeFileSync(f, "other bits");
  expect(sha256OfFile(f, blocked)).toBe(sha("other bits"));
});
