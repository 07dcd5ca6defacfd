// `keelson validate | plan | diagram <stack config file>`: the cluster model
// for users and pipelines, with no Pulumi engine. Exit codes: 0 ok, 1 the spec
// has problems (one `path: reason` line each on stderr), 2 usage.
import * as fs from "node:fs";
import { renderDiagram } from "../model/diagram";
import { planCluster } from "../model/plan";
import type { Problem } from "../model/problems";
import { parseSpec, type ClusterSpec } from "../model/spec";
import { readStackConfig } from "../model/stackConfig";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const USAGE = `usage: keelson <command> <stack config file>

commands:
  validate <file>              check the keelson:cluster spec; one "path: reason" line per problem
  plan <file>                  print the plan (zones, segments, hosts, portable subnets, ALBs, ...) as JSON
  diagram <file> [-o out.svg]  draw the plan as SVG (stdout unless -o)

A stack config file has the form  config: { keelson:cluster: {...} }  (e.g. stacks/Pulumi.lab.yaml).
`;

const defaultIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export function main(argv: string[], io: Io = defaultIo): number {
  const [command, ...rest] = argv;
  if (!command || command === "-h" || command === "--help" || command === "help") {
    (command ? io.out : io.err)(USAGE);
    return command ? 0 : 2;
  }
  if (!["validate", "plan", "diagram"].includes(command)) {
    io.err(`keelson: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  let output: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (command === "diagram" && (rest[i] === "-o" || rest[i] === "--output")) {
      output = rest[++i];
      if (!output) {
        io.err("keelson diagram: -o needs a file name\n");
        return 2;
      }
    } else if (rest[i].startsWith("-")) {
      io.err(`keelson ${command}: unknown option ${rest[i]}\n\n${USAGE}`);
      return 2;
    } else files.push(rest[i]);
  }
  if (files.length !== 1) {
    io.err(`keelson ${command}: expected one stack config file, got ${files.length}\n\n${USAGE}`);
    return 2;
  }
  const file = files[0];
  const spec = load(file, io);
  if (!spec) return 1;
  switch (command) {
    case "validate": {
      const plan = planCluster(spec);
      const masters = plan.hosts.filter((h) => h.role === "master").length;
      io.out(`${file}: ok: cluster ${spec.name} (${spec.infrastructure.kind}), ${spec.zones.length} zone(s), ${masters} masters, ${plan.hosts.length - masters} workers, ${plan.portableSubnets.length} portable subnets\n`);
      return 0;
    }
    case "plan":
      io.out(JSON.stringify(planCluster(spec), null, 2) + "\n");
      return 0;
    default: {
      const svg = renderDiagram(planCluster(spec));
      if (output) {
        fs.writeFileSync(output, svg);
        io.err(`wrote ${output}\n`);
      } else io.out(svg);
      return 0;
    }
  }
}

function load(file: string, io: Io): ClusterSpec | undefined {
  const cfg = readStackConfig(file);
  if (!cfg.ok) return report(file, cfg.errors, io);
  const r = parseSpec(cfg.raw);
  if (!r.ok) return report(file, r.errors, io);
  return r.spec;
}

function report(file: string, errors: Problem[], io: Io): undefined {
  for (const e of errors) io.err(`${e.path}: ${e.message}\n`);
  io.err(`${file}: ${errors.length} problem${errors.length === 1 ? "" : "s"}\n`);
  return undefined;
}
