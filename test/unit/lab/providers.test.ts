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

  test("a host is replaced when its identity or image changes, updated in place otherwise", async () => {
    const diff = hostProvider.diff!;
    expect(await diff("id", { ...base, state: "running" } as never, base as never)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(await diff("id", base as never, { ...base, identity: '{"zone":"z2"}' } as never)).toMatchObject({ changes: true, replaces: ["identity"], deleteBeforeReplace: true });
    expect(await diff("id", base as never, { ...base, imageRootfs: "/img/b/rootfs" } as never)).toMatchObject({ replaces: ["imageRootfs"] });
    expect(await diff("id", base as never, { ...base, authorizedKey: "k2" } as never)).toMatchObject({ changes: true, replaces: [] });
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
