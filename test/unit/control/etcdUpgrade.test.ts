// The etcd upgrade guard, run for real (sh) against a stand-in etcd that reports
// a version, with the host's paths moved into a temporary root.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BIN_DIR } from "../../../components/bootstrap/host/paths";
import { ETCD_DATA_DIR } from "../../../components/control/render/paths";
import { etcdUpgradableFrom, etcdUpgradeGuard } from "../../../components/control/render/etcdUpgrade";
import { unpackAndInstallScript } from "../../../components/bootstrap/artifactPlan";

function host(opts: { installed?: string; data: boolean }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-etcd-guard-"));
  fs.mkdirSync(path.join(root, "bin"));
  if (opts.installed !== undefined) {
    fs.writeFileSync(path.join(root, "bin", "etcd"), `#!/bin/sh\n[ "$1" = --version ] && printf 'etcd Version: ${opts.installed}\\nGit SHA: x\\n'\n`, { mode: 0o755 });
  }
  if (opts.data) fs.mkdirSync(path.join(root, "etcd", "member"), { recursive: true });
  const run = (script: string) =>
    spawnSync("sh", ["-c", `set -eu\n${script.split(BIN_DIR).join(path.join(root, "bin")).split(ETCD_DATA_DIR).join(path.join(root, "etcd"))}\necho passed`], { encoding: "utf8" });
  return { root, run };
}

describe("etcd upgrade guard", () => {
  test("one minor release at a time: the same minor or the one before", () => {
    expect(etcdUpgradableFrom("v3.6.17")).toEqual(["3.6", "3.5"]);
    expect(() => etcdUpgradableFrom("3.6")).toThrow(/must look like v3.6.17/);
  });

  test.each([
    ["a member on 3.5 upgrades", "3.5.21", true],
    ["a member on another 3.6 patch moves", "3.6.13", true],
    ["a member on Debian's 3.4 is refused", "3.4.23", false],
    ["a downgrade from 3.7 is refused", "3.7.0", false],
    ["an etcd that reports no version is refused", "", false],
  ])("%s", (_what, installed, ok) => {
    const h = host({ installed, data: true });
    const r = h.run(etcdUpgradeGuard("v3.6.17"));
    expect(r.status).toBe(ok ? 0 : 1);
    if (ok) {
      expect(r.stdout).toContain("passed");
    } else {
      expect(r.stdout).not.toContain("passed");
      expect(r.stderr).toContain(`etcd 3.6.17 cannot replace etcd ${installed || "of unknown version"} on this master`);
      expect(r.stderr).toContain("3.6 or 3.5 to 3.6.17");
      expect(r.stderr).toContain("Nothing was changed");
    }
  });

  test("a host without member data (new or replaced master) takes the release whatever is installed", () => {
    expect(host({ installed: "3.4.23", data: false }).run(etcdUpgradeGuard("v3.6.17")).status).toBe(0);
    expect(host({ data: false }).run(etcdUpgradeGuard("v3.6.17")).status).toBe(0);
  });

  test("in the install script it runs before anything is unpacked or replaced", () => {
    const h = host({ installed: "3.4.23", data: true });
    const ref = { name: "etcd", product: "etcd" as const, version: "v3.6.17", sha256: "a".repeat(64) };
    const staging = path.join(h.root, "staging");
    const r = h.run(unpackAndInstallScript([ref], staging, etcdUpgradeGuard("v3.6.17")));
    expect(r.status).toBe(1);
    expect(fs.existsSync(staging)).toBe(false);
    expect(fs.readFileSync(path.join(h.root, "bin", "etcd"), "utf8")).toContain("3.4.23");
  });
});
