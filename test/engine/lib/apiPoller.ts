// A client reading one object once a second through any of the given API servers
// (the first that answers), as every node's master proxy does, while a change runs.
// A separate bash loop, because the engine runs in spawnSync and blocks this process.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface PollCounts {
  ok: number;
  failed: number;
}

export function pollApi(opts: { kubectl: string; kubeconfig: string; servers: string[]; object: string; dir: string }): { stop: () => Promise<PollCounts> } {
  const stopFile = path.join(opts.dir, `poll-${process.pid}-${Date.now()}.stop`);
  const log = `${stopFile}.log`;
  const poller = spawn(
    "bash",
    [
      "-c",
      [
        "ok=0; failed=0",
        `while [ ! -f ${stopFile} ]; do`,
        "  good=0",
        `  for s in ${opts.servers.join(" ")}; do`,
        `    if ${opts.kubectl} --kubeconfig ${opts.kubeconfig} --request-timeout=3s --server $s get ${opts.object} >/dev/null 2>&1; then good=1; break; fi`,
        "  done",
        "  if [ $good = 1 ]; then ok=$((ok+1)); else failed=$((failed+1)); fi",
        "  sleep 1",
        "done",
        `echo "$ok $failed" > ${log}`,
      ].join("\n"),
    ],
    { stdio: "ignore" },
  );
  const closed = new Promise<void>((r) => poller.on("close", () => r()));
  return {
    stop: async () => {
      fs.writeFileSync(stopFile, "");
      await closed;
      const [ok, failed] = fs.readFileSync(log, "utf8").trim().split(" ").map(Number);
      return { ok, failed };
    },
  };
}

/**
 * Runs `change` (a blocking `pulumi up`) with a poller around it: the poller is
 * stopped either way, then the change's error, if any, is thrown.
 */
export async function whilePolling<T>(opts: Parameters<typeof pollApi>[0], change: () => T): Promise<PollCounts & { result: T }> {
  const poller = pollApi(opts);
  let result: T | undefined;
  let error: unknown;
  try {
    result = change();
  } catch (e) {
    error = e;
  }
  const counts = await poller.stop();
  if (error) throw error;
  return { ...counts, result: result as T };
}
