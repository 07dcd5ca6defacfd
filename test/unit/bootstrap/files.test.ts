// The file bundle is real shell: run it in a temp dir and check what it wrote.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { filesHash, renderFileBundle, validateFiles } from "../../../components/bootstrap/host/files";

describe("file bundle", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes files with modes, atomically, and reports only changes", () => {
    const files = [
      { path: `${dir}/a/key.pem`, mode: "0600", content: "-----BEGIN KEY-----\n$HOME `x` 'q' EOF\n" },
      { path: `${dir}/b/unit.service`, mode: "0644", content: "x".repeat(500) },
    ];
    const run = () => spawnSync("sh", ["-s"], { input: renderFileBundle(files), encoding: "utf8" });
    const r1 = run();
    expect(r1.status).toBe(0);
    expect(r1.stdout).toContain(`wrote ${dir}/a/key.pem`);
    expect(fs.readFileSync(`${dir}/a/key.pem`, "utf8")).toBe(files[0].content);
    expect(fs.statSync(`${dir}/a/key.pem`).mode & 0o777).toBe(0o600);
    expect(fs.statSync(`${dir}/b/unit.service`).mode & 0o777).toBe(0o644);
    const r2 = run();
    expect(r2.status).toBe(0);
    expect(r2.stdout).toBe("");
    expect(fs.readdirSync(`${dir}/a`)).toEqual(["key.pem"]);
    // A file with the same content but another mode (a unit written 0644 before) takes the mode, and is not reported.
    fs.chmodSync(`${dir}/a/key.pem`, 0o644);
    const r3 = run();
    expect(r3.stdout).toBe("");
    expect(fs.statSync(`${dir}/a/key.pem`).mode & 0o777).toBe(0o600);
  });

  it("rejects unsafe paths and modes", () => {
    expect(() => validateFiles([{ path: "relative", mode: "0644", content: "" }])).toThrow(/files\[0\].path/);
    expect(() => validateFiles([{ path: "/a b", mode: "0644", content: "" }])).toThrow(/files\[0\].path/);
    expect(() => validateFiles([{ path: "/a", mode: "644", content: "" }])).toThrow(/files\[0\].mode/);
  });

  it("hash changes with content and not with order", () => {
    const a = { path: "/x", mode: "0644", content: "1" };
    const b = { path: "/y", mode: "0644", content: "2" };
    expect(filesHash([a, b])).toBe(filesHash([b, a]));
    expect(filesHash([a, { ...b, content: "3" }])).not.toBe(filesHash([a, b]));
  });
});
