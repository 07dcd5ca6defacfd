// Keelson as a Pulumi component provider (provider/PulumiPlugin.yaml): what
// `pulumi package add` gives Python, Go, .NET and YAML programs. One resource,
// keelson:index:Cluster: its inputs are a cluster spec's top-level fields (the
// schema is derived from model/schema.ts by ./schema.ts), its construct runs the
// same spec validation and builds the same `Cluster` component a TypeScript
// program gets, on the driver the spec's infrastructure.kind names.
import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";
import { z } from "zod";
import { Cluster } from "../cluster/cluster";
import { driverFor } from "../infra/drivers";
import { ClusterSpecSchema } from "../model/schema";
import { parseSpecOrThrow } from "../model/spec";
import { TOKENS } from "../types";
import { packageSchema, type ComponentOutput, type JsonSchema, type PulumiObjectType } from "./schema";

export const PACKAGE = TOKENS.Cluster.split(":")[0];

const HOST_TYPE: PulumiObjectType = {
  type: "object",
  description: "One host of the cluster.",
  properties: {
    name: { type: "string" },
    role: { type: "string", description: "master or worker" },
    zone: { type: "string" },
    pool: { type: "string", description: "the worker pool (none for masters)" },
    privateIp: { type: "string" },
    publicIp: { type: "string" },
  },
  required: ["name", "privateIp", "role", "zone"],
};

const OUTPUTS: ComponentOutput[] = [
  { name: "hosts", type: { type: "array", items: { $ref: `#/types/${PACKAGE}:index:ClusterHost` } }, description: "Every host with its role, zone and IPs.", required: true },
  { name: "portableSubnets", type: { type: "array", items: { type: "string" } }, description: "Every portable subnet (CIDR).", required: true },
  { name: "apiServerEndpoints", type: { type: "array", items: { type: "string" } }, description: "Every master's apiserver (https://<ip>:6443).", required: true },
  { name: "privateEndpoint", type: { type: "string" }, description: "The private service endpoint, when the spec enables it." },
  { name: "publicEndpoint", type: { type: "string" }, description: "The public service endpoint, when the spec enables it." },
  { name: "nodes", type: { type: "array", items: { type: "string" } }, description: "The worker nodes' names (with a driver; empty for the model alone).", required: true },
  { name: "kubeconfig", type: { type: "string" }, description: "The admin kubeconfig (with a driver: the spec's infrastructure has hosts).", secret: true },
];

/**
 * zod's JSON Schema of the spec as written. The spec's bounded maps (labels,
 * zones, hosts) are a size check piped into a record: the check has no JSON
 * Schema, so each is described by the record it pipes into.
 */
function specJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const convert = (s: z.ZodType): Record<string, unknown> =>
    z.toJSONSchema(s, {
      io: "input",
      unrepresentable: "any",
      override: (ctx) => {
        const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; in?: { _zod: { def: { type: string } } }; out?: z.ZodType } } })._zod.def;
        if (def.type === "pipe" && def.in?._zod.def.type === "custom" && def.out) {
          const { $schema: _drop, ...out } = convert(def.out);
          Object.assign(ctx.jsonSchema, out);
        }
      },
    }) as Record<string, unknown>;
  return convert(schema);
}

/** The package schema (JSON), from the spec's zod schema. */
export function keelsonSchema(version: string): string {
  const spec = specJsonSchema(ClusterSpecSchema) as JsonSchema;
  return JSON.stringify(
    packageSchema({
      pkg: PACKAGE,
      version,
      description: "IKS-style Kubernetes clusters on real hosts, built from real binaries",
      spec,
      outputs: OUTPUTS,
      outputTypes: { ClusterHost: HOST_TYPE },
    }),
  );
}

/**
 * The inputs as plain data. The plan (hosts, addresses, subnets) is made from
 * the spec when the component is constructed, so every field must be known
 * then: a value that is another resource's output is refused with its path.
 */
export function plainSpec(inputs: pulumi.Inputs): unknown {
  const walk = (v: unknown, at: string): unknown => {
    if (pulumi.Output.isInstance(v) || (v && typeof (v as { then?: unknown }).then === "function")) {
      throw new Error(`${TOKENS.Cluster}: ${at || "the spec"} is not known while the cluster is planned (an output of another resource?); give it as a plain value`);
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, at ? `${at}.${k}` : k)]));
    return v;
  };
  return walk(inputs, "");
}

export class KeelsonProvider implements provider.Provider {
  constructor(readonly version: string) {}

  async getSchema(): Promise<string> {
    return keelsonSchema(this.version);
  }

  async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
    if (type !== TOKENS.Cluster) throw new Error(`unknown resource type ${type}; this provider has ${TOKENS.Cluster}`);
    const spec = parseSpecOrThrow(plainSpec(inputs), name);
    const driver = driverFor(spec, { stack: pulumi.getStack() });
    if (!driver) pulumi.log.warn(`infrastructure.kind ${spec.infrastructure.kind}: no driver yet; building the model only (no hosts)`);
    const cluster = new Cluster(name, { spec, driver }, options);
    return {
      urn: cluster.urn,
      state: {
        hosts: cluster.hosts.map((h) => ({ ...h, pool: h.pool ?? undefined, publicIp: h.publicIp ?? undefined })),
        portableSubnets: cluster.plannedPortableSubnets.map((p) => p.cidr),
        apiServerEndpoints: cluster.apiServerEndpoints,
        privateEndpoint: cluster.privateEndpoint,
        publicEndpoint: cluster.publicEndpoint,
        nodes: cluster.nodeNames,
        ...(driver ? { kubeconfig: cluster.kubeconfig } : {}),
      },
    };
  }
}

/** The plugin's entry (provider/index.js): serve the provider to the engine. */
export function serve(args: string[], version: string): Promise<void> {
  return provider.main(new KeelsonProvider(version), args);
}
