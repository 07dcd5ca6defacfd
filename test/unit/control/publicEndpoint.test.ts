import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { allowlistFiles, allowlistScript } from "../../../components/control/render/publicEndpoint";
import { validateControlPlaneSpec } from "../../../components/control/render/spec";
import { spec } from "./fixtures";

const master = { name: "m1", zone: "z1", privateIp: "10.10.0.11", publicIp: "203.0.113.11" };
const withPublic = (allow: string[], publicEndpoint = true) => ({
  ...spec,
  endpoints: { private: { host: "10.10.0.11", port: 6443 }, ...(publicEndpoint ? { public: { host: "203.0.113.11", port: 6443 } } : {}) },
  publicAllowlist: allow,
});

/** Runs the script against a fake iptables that records its arguments (and reports no chain yet). */
function run(script: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-fw-"));
  try {
    const log = path.join(dir, "log");
    fs.writeFileSync(path.join(dir, "iptables"), `#!/bin/sh\necho "$*" >> ${log}\ncase "$*" in *" -C "*|*" -D "*) exit 1;; esac\n`, { mode: 0o755 });
    execFileSync("sh", ["-c", script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    return fs.readFileSync(log, "utf8").trim().split("\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("public endpoint allow-list on masters", () => {
  test("only the listed sources reach the apiserver on the public IP; the rest get a TCP reset", () => {
    const calls = run(allowlistScript(withPublic(["192.0.2.0/30", "198.51.100.0/24"]), master));
    expect(calls).toEqual([
      "-w -N KEELSON-PUBLIC-API",
      "-w -A KEELSON-PUBLIC-API -s 192.0.2.0/30 -j RETURN",
      "-w -A KEELSON-PUBLIC-API -s 198.51.100.0/24 -j RETURN",
      "-w -A KEELSON-PUBLIC-API -p tcp -j REJECT --reject-with tcp-reset",
      "-w -C INPUT -d 203.0.113.11/32 -p tcp --dport 6443 -j KEELSON-PUBLIC-API",
      "-w -I INPUT 1 -d 203.0.113.11/32 -p tcp --dport 6443 -j KEELSON-PUBLIC-API",
    ]);
  });
  test("public endpoint disabled: nobody reaches the apiserver on the public IP", () => {
    const calls = run(allowlistScript(withPublic(["192.0.2.0/30"], false), master));
    expect(calls.filter((c) => c.includes("RETURN"))).toEqual([]);
    expect(calls).toContain("-w -A KEELSON-PUBLIC-API -p tcp -j REJECT --reject-with tcp-reset");
  });
  test("public endpoint with no allow-list, or a master with no public IP: the filter is removed", () => {
    for (const script of [allowlistScript(withPublic([]), master), allowlistScript(withPublic(["192.0.2.0/30"]), { ...master, publicIp: undefined })]) {
      const calls = run(script);
      expect(calls.some((c) => c.includes("REJECT") || c.includes(" -N "))).toBe(false);
      expect(calls[0]).toMatch(/^-w -D INPUT /);
    }
  });
  test("a unit runs it at boot, before the apiserver", () => {
    const unit = allowlistFiles(withPublic(["192.0.2.0/30"]), master).find((f) => f.path.endsWith(".service"))!;
    expect(unit.content).toContain("Before=kube-apiserver.service");
    expect(unit.content).toContain("WantedBy=multi-user.target");
  });
  test("a malformed CIDR is refused with its field", () => {
    expect(() => validateControlPlaneSpec(withPublic(["192.0.2.1/30"]))).toThrow(/^controlPlane\.publicAllowlist\[0\]: .*host bits/);
  });
});
