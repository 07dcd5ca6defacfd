// Every pod a selector matched while a change ran, with when the API server made it
// and when it was first seen terminating: a `kubectl get -w` in a separate bash loop
// (the engine runs in spawnSync and blocks this process), restarted if the server
// ends the watch. Pods deleted before the end are in it, unlike a list taken after,
// and nothing is folded together, unlike the ReplicaSet's events (the event
// recorder combines more than ten similar events into one).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface WatchedPod {
  name: string;
  node: string;
  /** The pod's creationTimestamp, in seconds. */
  created: number;
}

export function watchPods(opts: { kubectl: string; kubeconfig: string; selector: string; namespace?: string; dir: string }): { stop: () => Promise<WatchedPod[]> } {
  const stopFile = path.join(opts.dir, `podwatch-${process.pid}-${Date.now()}.stop`);
  const log = `${stopFile}.log`;
  const jsonpath = `jsonpath={.metadata.name} {.spec.nodeName} {.metadata.creationTimestamp}{"\\n"}`;
  const watcher = spawn(
    "bash",
    [
      "-c",
      [
        `while [ ! -f ${stopFile} ]; do`,
        `  ${opts.kubectl} --kubeconfig ${opts.kubeconfig} -n ${opts.namespace ?? "default"} get pods -l '${opts.selector}' -w -o '${jsonpath}' >> ${log} 2>/dev/null &`,
        "  w=$!",
        `  while kill -0 $w 2>/dev/null && [ ! -f ${stopFile} ]; do sleep 1; done`,
        "  kill $w 2>/dev/null; wait $w 2>/dev/null",
        "done",
      ].join("\n"),
    ],
    { stdio: "ignore" },
  );
  const closed = new Promise<void>((r) => watcher.on("close", () => r()));
  return {
    stop: async () => {
      fs.writeFileSync(stopFile, "");
      await closed;
      const seen = new Map<string, WatchedPod>();
      for (const line of fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n") : []) {
        // A pod not yet scheduled prints an empty node: name, "", timestamp.
        const m = /^(\S+) (\S*) (\S+)$/.exec(line.trim());
        if (!m) continue;
        const created = Math.floor(Date.parse(m[3]) / 1000);
        const prev = seen.get(m[1]);
        seen.set(m[1], { name: m[1], node: m[2] || prev?.node || "", created });
      }
      return [...seen.values()];
    },
  };
}
