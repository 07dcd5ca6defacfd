import { hostProvider, networkProvider, runJson, runScript } from "../../../components/infra/lab/providers";

const base = { stack: "s", name: "m1", spec: "{}", identity: '{"zone":"z1"}', imageRootfs: "/img/a/rootfs", authorizedKey: "k", upScript: "u", purgeScript: "p", statusScript: "t" };

describe("lab providers", () => {
  test("runScript feeds bash on stdin and passes arguments", async () => {
    const r = await runScript('echo "$1-$2"; echo err >&2; exit 3', ["a", "b c"]);
    expect(r).toEqual({ status: 3, stdout: "a-b c\n", stderr: "err\n" });
  });

  test("runJson parses the last line and reports stderr on failure", async () => {
    await expect(runJson("x", 'echo noise; echo \'{"ok":1}\'')).resolves.toEqual({ ok: 1 });
    await expect(runJson("lab host m1", "echo boom >&2; exit 4")).rejects.toThrow(/^lab host m1 failed \(exit 4\):\nboom/);
  });

  test("a host is a new resource only under another name; identity or image changes are updates that reprovision it", async () => {
    const diff = hostProvider.diff!;
    expect(await diff("id", { ...base, state: "running" } as never, base as never)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(await diff("id", base as never, { ...base, identity: '{"zone":"z2"}' } as never)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(await diff("id", base as never, { ...base, imageRootfs: "/img/b/rootfs" } as never)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(await diff("id", base as never, { ...base, name: "m2" } as never)).toMatchObject({ replaces: ["name"], deleteBeforeReplace: true });
    expect(await diff("id", base as never, { ...base, authorizedKey: "k2" } as never)).toMatchObject({ changes: true, replaces: [] });
  });

  test("an update with a new identity purges the old host before booting the new one; other updates keep the disk", async () => {
    const log = require("path").join(require("os").tmpdir(), `keelson-reprovision-${process.pid}`);
    const step = (what: string, json = "{}") => `echo ${what} >> ${log}; echo '${json}'`;
    const olds = { ...base, purgeScript: step("purge-old"), upScript: step("up-old") };
    const news = { ...olds, identity: '{"zone":"z1","flavor":"b"}', purgeScript: step("purge-new"), upScript: step("up-new", '{"hostKey":"ssh-ed25519 NEW"}') };
    const fs = require("fs");
    try {
      fs.rmSync(log, { force: true });
      await expect(hostProvider.update!("id", olds as never, news as never)).resolves.toMatchObject({ outs: { hostKey: "ssh-ed25519 NEW" } });
      expect(fs.readFileSync(log, "utf8")).toBe("purge-old\npurge-new\nup-new\n");
      fs.rmSync(log, { force: true });
      await hostProvider.update!("id", olds as never, { ...news, identity: olds.identity } as never);
      expect(fs.readFileSync(log, "utf8")).toBe("up-new\n");
    } finally {
      fs.rmSync(log, { force: true });
    }
  });

  test("a host that refresh found stopped makes up update it", async () => {
    expect(await hostProvider.diff!("id", { ...base, state: "stopped" } as never, base as never)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test("a network that refresh found incomplete makes up converge it", async () => {
    const n = { stack: "s", clusterName: "c", spec: "{}", upScript: "u", downScript: "d", statusScript: "t" };
    expect(await networkProvider.diff!("id", { ...n, ready: true } as never, n as never)).toMatchObject({ changes: false });
    expect(await networkProvider.diff!("id", { ...n, ready: false } as never, n as never)).toMatchObject({ changes: true, replaces: [] });
    expect(await networkProvider.diff!("id", n as never, { ...n, clusterName: "d" } as never)).toMatchObject({ replaces: ["clusterName"] });
  });

  test("a host whose disk is gone is reported absent by read (refresh drops it)", async () => {
    const r = await hostProvider.read!("s/m1", { ...base, statusScript: `echo '{"state":"absent"}'` } as never);
    expect(r.id).toBe("");
    const s = await hostProvider.read!("s/m1", { ...base, statusScript: `echo '{"state":"stopped"}'` } as never);
    expect(s).toMatchObject({ id: "s/m1", props: { state: "stopped" } });
  });
});
