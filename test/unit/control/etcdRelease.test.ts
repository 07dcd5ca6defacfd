// The etcd release steps, run for real (sh) against stand-ins: etcd-<v> binaries
// that report their version, an etcdctl that reports the running member's
// version, a systemctl whose restart starts what the link points at, and a
// kubectl that answers etcd's /version (the cluster version). Host paths are moved into a temporary root.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BIN_DIR } from "../../../components/bootstrap/host/paths";
import { ETCD_DATA_DIR } from "../../../components/control/render/paths";
import { etcdReleaseScript, etcdReleases } from "../../../components/control/render/etcdRelease";
import { spec } from "./fixtures";

const RELEASES = ["v3.5.36", "v3.6.17"];

const FAKE_ETCDCTL = `#!/bin/sh
echo "etcdctl $*" >> "$STATE/calls"
case "$*" in
  *"endpoint status -w fields"*) [ -s "$STATE/running" ] || exit 1; echo "\\"Version\\" : \\"$(cat "$STATE/running")\\"" ;;
  *"endpoint health"*) [ ! -f "$STATE/unhealthy" ] ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;
const FAKE_SYSTEMCTL = `#!/bin/sh
echo "systemctl $*" >> "$STATE/calls"
[ "$*" = "restart etcd" ] && "$BIN/etcd" --version | sed -n 's/^etcd Version: //p' > "$STATE/running"
exit 0
`;
/** kubectl as etcd's HTTPS client: get --raw /version. */
const FAKE_KUBECTL = `#!/bin/sh
echo "kubectl $*" >> "$STATE/calls"
case "$*" in *"--server=https://127.0.0.1:2379"*"get --raw /version") ;; *) exit 2 ;; esac
printf '{"etcdserver":"%s","etcdcluster":"%s"}' "$(cat "$STATE/running")" "$(cat "$STATE/cluster")"
`;
const fakeEtcd = (v: string) => `#!/bin/sh\n[ "$1" = --version ] && printf 'etcd Version: ${v}\\nGit SHA: x\\n'\n`;

function host(opts: { plain?: string; link?: string; running?: string; cluster?: string; data?: boolean }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-etcd-release-"));
  const bin = path.join(root, "bin");
  const fakes = path.join(root, "fakes");
  fs.mkdirSync(bin);
  fs.mkdirSync(fakes);
  for (const v of RELEASES) fs.writeFileSync(path.join(bin, `etcd-${v}`), fakeEtcd(v.slice(1)), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "etcdctl"), FAKE_ETCDCTL, { mode: 0o755 });
  fs.writeFileSync(path.join(fakes, "systemctl"), FAKE_SYSTEMCTL, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "kubectl"), FAKE_KUBECTL, { mode: 0o755 });
  fs.writeFileSync(path.join(fakes, "journalctl"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  if (opts.plain) fs.writeFileSync(path.join(bin, "etcd"), fakeEtcd(opts.plain), { mode: 0o755 });
  if (opts.link) fs.symlinkSync(`etcd-${opts.link}`, path.join(bin, "etcd"));
  if (opts.data ?? true) fs.mkdirSync(path.join(root, "etcd", "member"), { recursive: true });
  fs.writeFileSync(path.join(root, "running"), opts.running ?? "");
  fs.writeFileSync(path.join(root, "cluster"), opts.cluster ?? "3.4.0");
  fs.writeFileSync(path.join(root, "calls"), "");
  const run = (step: string) => {
    const script = etcdReleaseScript(spec, RELEASES, step).split(BIN_DIR).join(bin).split(ETCD_DATA_DIR).join(path.join(root, "etcd"));
    return spawnSync("sh", ["-c", script], { encoding: "utf8", env: { ...process.env, PATH: `${fakes}:${process.env.PATH}`, STATE: root, BIN: bin } });
  };
  const linked = () => fs.readlinkSync(path.join(bin, "etcd"));
  const restarts = () => fs.readFileSync(path.join(root, "calls"), "utf8").split("\n").filter((l) => l === "systemctl restart etcd").length;
  return { root, bin, run, linked, restarts, set: (f: string, v: string) => fs.writeFileSync(path.join(root, f), v) };
}

describe("etcd releases", () => {
  test("each release one minor above the one before, the pinned one last", () => {
    expect(etcdReleases("v3.6.17", ["v3.5.36"])).toEqual(["v3.5.36", "v3.6.17"]);
    expect(etcdReleases("v3.6.17", [])).toEqual(["v3.6.17"]);
    expect(() => etcdReleases("v3.6.17", ["v3.4.23"])).toThrow(/v3.4.23 then v3.6.17: each release must be one minor above/);
    expect(() => etcdReleases("v3.6.17", ["3.5.36"])).toThrow(/must look like v3.6.17/);
    expect(() => etcdReleaseScript(spec, RELEASES, "v3.4.23")).toThrow(/not one of/);
  });

  test("a new member (no data) starts on the pinned release, whatever the step", () => {
    const h = host({ data: false });
    const r = h.run("v3.5.36");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(h.linked()).toBe("etcd-v3.6.17");
    expect(h.run("v3.6.17").status).toBe(0);
    expect(h.linked()).toBe("etcd-v3.6.17");
    expect(h.restarts()).toBe(0);
  });

  test("a member on Debian's 3.4.23 (a plain file) moves to 3.5, then, once the cluster is 3.5, to 3.6", () => {
    const h = host({ plain: "3.4.23", running: "3.4.23", cluster: "3.4.0" });
    const to35 = h.run("v3.5.36");
    expect(to35.stderr).toBe("");
    expect(to35.status).toBe(0);
    expect(to35.stdout).toContain("the installed etcd 3.4.23 is kept as");
    expect(fs.readFileSync(path.join(h.bin, "etcd-v3.4.23"), "utf8")).toContain("3.4.23");
    expect(h.linked()).toBe("etcd-v3.5.36");
    expect(fs.readFileSync(path.join(h.root, "running"), "utf8").trim()).toBe("3.5.36");
    expect(to35.stdout).toContain("member moved from 3.4.23 to 3.5.36");
    // The whole cluster was checked healthy before and after (all three members' endpoints).
    const calls = fs.readFileSync(path.join(h.root, "calls"), "utf8");
    expect(calls).toMatch(/--endpoints=https:\/\/[^,]+:2379,https:\/\/[^,]+:2379,https:\/\/[^,]+:2379 .*endpoint health/);

    h.set("cluster", "3.5.0"); // every member moved to 3.5
    const to36 = h.run("v3.6.17");
    expect(fs.readFileSync(path.join(h.root, "calls"), "utf8")).toContain("get --raw /version");
    expect(to36.status).toBe(0);
    expect(h.linked()).toBe("etcd-v3.6.17");
    expect(fs.readFileSync(path.join(h.root, "running"), "utf8").trim()).toBe("3.6.17");
    expect(h.restarts()).toBe(2);
  });

  test("a member on the pinned release is left alone (every later up)", () => {
    const h = host({ link: "v3.6.17", running: "3.6.17", cluster: "3.6.0" });
    for (const v of RELEASES) {
      const r = h.run(v);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`nothing to do for ${v.slice(1)}`);
    }
    expect(h.restarts()).toBe(0);
  });

  test("a new patch of the same minor moves without waiting for the cluster version", () => {
    const h = host({ link: "v3.6.17", running: "3.6.10", cluster: "3.6.0" });
    fs.writeFileSync(path.join(h.bin, "etcd-v3.6.17"), fakeEtcd("3.6.17"), { mode: 0o755 });
    const r = h.run("v3.6.17");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("member moved from 3.6.10 to 3.6.17");
  });

  test("refused, with nothing changed: a downgrade, and a member two minors behind", () => {
    const newer = host({ link: "v3.6.17", running: "3.7.1", cluster: "3.7.0" });
    const down = newer.run("v3.6.17");
    expect(down.status).toBe(1);
    expect(down.stderr).toContain("this member runs 3.7.1, newer than 3.6.17: etcd does not downgrade");
    expect(newer.restarts()).toBe(0);

    const old = host({ plain: "3.3.27", running: "3.3.27", cluster: "3.3.0" });
    const skip = old.run("v3.5.36");
    expect(skip.status).toBe(1);
    expect(skip.stderr).toContain("this member runs 3.3.27 and cannot move to 3.5.36: etcd upgrades one minor release at a time (3.5.36 -> 3.6.17)");
    expect(old.restarts()).toBe(0);
  });
});
