// The etcd membership script, run for real with bash against a recording
// etcdctl stand-in that plays a cluster: first bootstrap, restart with data,
// a replaced master joining (stale member removed, re-added, state existing),
// a member planned at bootstrap starting late (kept: no remove, no add), a
// membership change etcd refuses at first (retried), and the joined check.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { etcdJoinedCheck, etcdMembershipScript, MEMBERSHIP_ENV } from "../../../components/control/render/etcdMembership";
import { BIN_DIR } from "../../../components/bootstrap/host/paths";
import { ETCD_DATA_DIR } from "../../../components/control/render/paths";
import { spec } from "./fixtures";

const m2 = spec.masters[1];
const url = (ip: string, port: number) => `https://${ip}:${port}`;

/** A fake etcdctl: $STATE/healthy lists healthy endpoints, $STATE/members is `member list -w simple`. */
const FAKE_ETCDCTL = `#!/bin/bash
echo "$*" >> "$STATE/calls"
ep=""; for a in "$@"; do case $a in --endpoints=*) ep=\${a#--endpoints=};; esac; done
args=(); for a in "$@"; do case $a in --*) ;; *) args+=("$a");; esac; done
case "\${args[0]} \${args[1]}" in
  "endpoint health") grep -qxF "$ep" "$STATE/healthy" ;;
  "member list") cat "$STATE/members" ;;
  "member remove"|"member add") if [ -s "$STATE/refuse" ] && [ "$(cat "$STATE/refuse")" -gt 0 ]; then
                echo $(( $(cat "$STATE/refuse") - 1 )) > "$STATE/refuse"; echo "etcdserver: unhealthy cluster" >&2; exit 1; fi ;;&
  "member remove") grep -v "^\${args[2]}, " "$STATE/members" > "$STATE/m.tmp"; mv "$STATE/m.tmp" "$STATE/members" ;;
  "member add") for a in "$@"; do case $a in --peer-urls=*) u=\${a#--peer-urls=};; esac; done
                echo "ffff000000000001, unstarted, , $u, , false" >> "$STATE/members" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

function setup(members: string[], healthy: string[], withData = false) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "etcd-membership-"));
  fs.mkdirSync(path.join(dir, "bin"));
  fs.writeFileSync(path.join(dir, "bin", "etcdctl"), FAKE_ETCDCTL, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "members"), members.map((l) => `${l}\n`).join(""));
  fs.writeFileSync(path.join(dir, "healthy"), healthy.map((l) => `${l}\n`).join(""));
  fs.writeFileSync(path.join(dir, "calls"), "");
  if (withData) fs.mkdirSync(path.join(dir, "data", "member"), { recursive: true });
  const local = (script: string) =>
    script.split(`${BIN_DIR}/etcdctl`).join(path.join(dir, "bin", "etcdctl")).split(MEMBERSHIP_ENV).join(path.join(dir, "env", "membership.env")).split(ETCD_DATA_DIR).join(path.join(dir, "data"));
  const run = (script: string) => spawnSync("bash", ["-c", local(script)], { encoding: "utf8", env: { ...process.env, STATE: dir } });
  const env = () => fs.readFileSync(path.join(dir, "env", "membership.env"), "utf8");
  const calls = () => fs.readFileSync(path.join(dir, "calls"), "utf8");
  const memberList = () => fs.readFileSync(path.join(dir, "members"), "utf8");
  return { dir, run, env, calls, memberList, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const planned = "mycluster-master-dal10=https://10.10.0.11:2380,mycluster-master-dal12=https://10.12.0.11:2380,mycluster-master-dal13=https://10.13.0.11:2380";
const started = (id: string, name: string, ip: string) => `${id}, started, ${name}, ${url(ip, 2380)}, ${url(ip, 2379)}, false`;

describe("etcd membership on a master", () => {
  test("first bootstrap: no healthy peer, the planned members, state new, no membership change", () => {
    const t = setup([], []);
    try {
      const r = t.run(etcdMembershipScript(spec, m2));
      expect(r.status).toBe(0);
      expect(t.env()).toBe(`ETCD_INITIAL_CLUSTER=${planned}\nETCD_INITIAL_CLUSTER_STATE=new\nJOINING=0\n`);
      expect(t.calls()).not.toMatch(/member (add|remove)/);
      // It asked the two other masters, never itself.
      expect(t.calls()).toContain("--endpoints=https://10.10.0.11:2379");
      expect(t.calls()).not.toContain("--endpoints=https://10.12.0.11:2379");
    } finally {
      t.done();
    }
  });

  test("restart with data: nothing asked, nothing changed", () => {
    const t = setup([], [url("10.10.0.11", 2379)], true);
    try {
      expect(t.run(etcdMembershipScript(spec, m2)).status).toBe(0);
      expect(t.calls()).toBe("");
      expect(t.env()).toContain("JOINING=0");
    } finally {
      t.done();
    }
  });

  test("a replaced master: its old member is removed, it is added again and starts as existing", () => {
    const members = [started("aaaa", "mycluster-master-dal10", "10.10.0.11"), started("bbbb", "mycluster-master-dal12", "10.12.0.11"), started("cccc", "mycluster-master-dal13", "10.13.0.11")];
    const t = setup(members, [url("10.10.0.11", 2379), url("10.13.0.11", 2379)]);
    try {
      const r = t.run(etcdMembershipScript(spec, m2));
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(t.calls()).toMatch(/member remove bbbb/);
      expect(t.calls()).toMatch(/member add mycluster-master-dal12 --peer-urls=https:\/\/10\.12\.0\.11:2380/);
      expect(t.env()).toBe(
        "ETCD_INITIAL_CLUSTER=mycluster-master-dal10=https://10.10.0.11:2380,mycluster-master-dal13=https://10.13.0.11:2380,mycluster-master-dal12=https://10.12.0.11:2380\nETCD_INITIAL_CLUSTER_STATE=existing\nJOINING=1\n",
      );
      expect(t.memberList()).not.toContain("bbbb");
    } finally {
      t.done();
    }
  });

  // etcd names the planned members after --initial-cluster, so the late one is listed
  // "unstarted" under its own name; a member added by `member add` has no name yet.
  for (const [label, line] of [
    ["named, as planned at bootstrap", "bbbb, unstarted, mycluster-master-dal12, https://10.12.0.11:2380, , false"],
    ["nameless, as added by an earlier try", "bbbb, unstarted, , https://10.12.0.11:2380, , false"],
  ]) {
    test(`a never-started member at this host's peer URL (${label}) is its own slot: neither removed nor added again`, () => {
      const members = [started("aaaa", "mycluster-master-dal10", "10.10.0.11"), line, started("cccc", "mycluster-master-dal13", "10.13.0.11")];
      const t = setup(members, [url("10.13.0.11", 2379)]);
      try {
        const r = t.run(etcdMembershipScript(spec, m2));
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(t.calls()).not.toMatch(/member (add|remove)/);
        expect(t.memberList()).toContain("bbbb");
        expect(t.env()).toContain("ETCD_INITIAL_CLUSTER_STATE=existing");
        expect(t.env()).toContain("mycluster-master-dal12=https://10.12.0.11:2380");
      } finally {
        t.done();
      }
    });
  }

  test("a never-started member under this name at another peer URL is stale: removed, and this host added", () => {
    const members = [started("aaaa", "mycluster-master-dal10", "10.10.0.11"), "bbbb, unstarted, mycluster-master-dal12, https://10.99.0.11:2380, , false", started("cccc", "mycluster-master-dal13", "10.13.0.11")];
    const t = setup(members, [url("10.10.0.11", 2379)]);
    try {
      expect(t.run(etcdMembershipScript(spec, m2)).status).toBe(0);
      expect(t.calls()).toMatch(/member remove bbbb/);
      expect(t.calls()).toMatch(/member add mycluster-master-dal12 --peer-urls=https:\/\/10\.12\.0\.11:2380/);
    } finally {
      t.done();
    }
  });

  test("a membership change etcd refuses at first (a cluster seconds old) is retried until accepted", () => {
    const members = [started("aaaa", "mycluster-master-dal10", "10.10.0.11"), started("bbbb", "mycluster-master-dal12", "10.12.0.11"), started("cccc", "mycluster-master-dal13", "10.13.0.11")];
    const t = setup(members, [url("10.10.0.11", 2379)]);
    try {
      fs.writeFileSync(path.join(t.dir, "refuse"), "2\n");
      const r = t.run(etcdMembershipScript(spec, m2));
      expect(r.status).toBe(0);
      expect(t.calls().match(/member remove bbbb/g)?.length).toBe(3); // refused twice, then accepted
      expect(t.calls()).toMatch(/member add mycluster-master-dal12/);
      expect(t.env()).toContain("JOINING=1");
    } finally {
      t.done();
    }
  });

  test("the joined check waits only after a join, and fails loudly when the member never catches up", () => {
    const t = setup([], []);
    try {
      fs.mkdirSync(path.join(t.dir, "env"));
      fs.writeFileSync(path.join(t.dir, "env", "membership.env"), "JOINING=0\n");
      expect(t.run(etcdJoinedCheck(2)).status).toBe(0);
      fs.writeFileSync(path.join(t.dir, "env", "membership.env"), "JOINING=1\n");
      const stuck = t.run(etcdJoinedCheck(2).replace(/journalctl[^|]*\|\| true/, "true"));
      expect(stuck.status).toBe(1);
      expect(stuck.stderr).toContain("etcd joining the cluster not ready after 2s");
      fs.writeFileSync(path.join(t.dir, "healthy"), "https://127.0.0.1:2379\n");
      expect(t.run(etcdJoinedCheck(2)).stdout).toContain("etcd joined and caught up");
    } finally {
      t.done();
    }
  });

  test("the script is valid bash", () => {
    execFileSync("bash", ["-n", "-c", etcdMembershipScript(spec, m2)]);
  });
});
