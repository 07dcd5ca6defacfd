// The shell functions cleanup relies on, run for real (no root needed).
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CGROUP_CONTROLLERS } from "../../../components/infra/lab/naming";

const lib = path.join(__dirname, "../../../components/infra/lab/scripts/lab-lib.sh");

function bash(program: string, ...args: string[]) {
  const r = spawnSync("bash", ["-c", `. ${lib}; ${program}`, "_", ...args], { encoding: "utf8" });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr };
}

describe("lab-lib.sh", () => {
  test("joins and cleans the same cgroup controllers the host supervisor joins (naming.ts)", () => {
    // cleanup-stack.sh sources lab-lib.sh with no TypeScript around it, so the shell keeps its own list.
    expect(bash('echo "$CGROUP_CONTROLLERS"').out.trim().split(/\s+/)).toEqual([...CGROUP_CONTROLLERS]);
  });

  test("pids_mentioning finds exactly the processes whose command line holds the path, never its own grep", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-lib-")) + "/hosts.x";
    // $0 of this bash is a path below dir: what a supervisor looks like.
    const child = spawn("bash", ["-c", "sleep 30; exit 0", `${dir}/m1/supervisor.sh`], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(bash('pids_mentioning "$1"', `${dir}/`).out.split("\n")).toEqual([String(child.pid)]);
      // Regex characters in the path are literal: "hosts.x" does not match "hostsyx".
      expect(bash('pids_mentioning "$1"', `${dir.replace("hosts.x", "hostsyx")}/`).out).toBe("");
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("host_alive needs the recorded PID to be that host's supervisor", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-alive-"));
    fs.writeFileSync(path.join(dir, "supervisor.pid"), String(process.pid)); // alive, but not a supervisor
    expect(bash('host_alive "$1"', dir).status).toBe(1);
    fs.writeFileSync(path.join(dir, "supervisor.pid"), "999999999");
    expect(bash('host_alive "$1"', dir).status).toBe(1);
    fs.rmSync(path.join(dir, "supervisor.pid"));
    expect(bash('host_alive "$1"', dir).status).toBe(1);
  });

  test("ssh_answers is false where nothing listens", () => {
    expect(bash('ssh_answers 127.0.0.1 && echo yes || echo no').out).toBe(bash("true").out + "no");
  });
});
