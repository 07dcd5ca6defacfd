// Failed hardware on a lab host (see scripts/crash-host.sh): every process of the
// host killed at the same instant and its NICs dark. For engine tests and
// benchmarks that show what a cluster survives; never used by a stack.
import { spawnSync } from "child_process";
import * as path from "path";
import { LAB_ROOT, validateHostName, validateStack } from "./naming";
import { SCRIPTS_DIR } from "./render";

const script = path.join(SCRIPTS_DIR, "crash-host.sh");

export function crashHost(stack: string, host: string, labRoot = LAB_ROOT): void {
  const r = spawnSync("bash", [script, validateStack(stack), validateHostName(host)], { encoding: "utf8", timeout: 60_000, env: { ...process.env, LAB_ROOT: labRoot } });
  if (r.status !== 0) throw new Error(`crashing lab host ${host} of stack ${stack} failed (exit ${r.status}): ${r.stderr}${r.stdout}`);
}
