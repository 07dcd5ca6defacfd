// The multi-language schema of keelson:index:Cluster (components/plugin): derived
// from the spec's zod schema, plain data all the way (no unions), and the
// component's inputs are refused with their path when they are not plain values.
import * as pulumi from "@pulumi/pulumi";
import { keelsonSchema, plainSpec } from "../../../components/plugin/provider";
import { mergeObjects, packageSchema, SchemaBuilder, type JsonSchema } from "../../../components/plugin/schema";

const schema = JSON.parse(keelsonSchema("1.2.3"));
const cluster = schema.resources["keelson:index:Cluster"];
const type = (name: string) => schema.types[`keelson:index:${name}`];

test("the component's inputs are the spec's top-level fields; those without defaults are required", () => {
  expect(schema).toMatchObject({ name: "keelson", version: "1.2.3" });
  expect(cluster.isComponent).toBe(true);
  expect(Object.keys(cluster.inputProperties).sort()).toEqual(
    ["account", "albs", "apiserver", "backup", "infrastructure", "kubernetesVersion", "loadBalancers", "masters", "name", "network", "region", "serviceEndpoints", "workerPools", "zones"].sort(),
  );
  expect(cluster.requiredInputs).toEqual(["account", "infrastructure", "name", "region", "workerPools", "zones"]);
  expect(cluster.inputProperties.zones).toMatchObject({ type: "array", items: { type: "string" } });
  expect(cluster.inputProperties.workerPools).toMatchObject({ type: "array", items: { $ref: "#/types/keelson:index:ClusterWorkerPool" } });
  expect(type("ClusterWorkerPool").properties.sizePerZone.type).toBe("integer");
  expect(type("ClusterWorkerPool").required).toEqual(["flavor", "name", "sizePerZone"]);
  expect(type("ClusterWorkerPool").properties.labels).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
});

test("the infrastructure union is one object type: every kind's fields, the kind's values listed, only shared fields required", () => {
  const infra = type("ClusterInfrastructure");
  expect(infra.properties.kind).toMatchObject({ type: "string" });
  expect(infra.properties.kind.description).toContain('"classic", "vpc", "lab", "ssh"');
  for (const f of ["portableRanges", "vpcName", "maxHosts", "user", "port", "privateKeyFile", "hosts"]) expect(infra.properties).toHaveProperty(f);
  expect(infra.required).toEqual(["kind", "zones"]);
});

test("no unions anywhere: every property is a scalar, an array, a map, a reference to a declared type, or Any", () => {
  const refs: string[] = [];
  const check = (t: any, at: string): void => {
    expect(t.oneOf).toBeUndefined();
    if (t.$ref) {
      if (t.$ref !== "pulumi.json#/Any") refs.push(t.$ref.replace("#/types/", ""));
      return;
    }
    expect(["string", "number", "integer", "boolean", "array", "object"]).toContain(t.type);
    if (t.type === "array") check(t.items, `${at}[]`);
    if (t.type === "object") check(t.additionalProperties, `${at}{}`);
  };
  for (const [k, t] of Object.entries(cluster.inputProperties)) check(t, k);
  for (const [k, t] of Object.entries(cluster.properties)) check(t, k);
  for (const [name, t] of Object.entries<any>(schema.types)) for (const [k, p] of Object.entries(t.properties)) check(p, `${name}.${k}`);
  for (const r of refs) expect(schema.types).toHaveProperty([r]);
});

test("outputs: hosts typed, the kubeconfig a secret", () => {
  expect(cluster.properties.hosts).toMatchObject({ type: "array", items: { $ref: "#/types/keelson:index:ClusterHost" } });
  expect(type("ClusterHost").required).toEqual(["name", "privateIp", "role", "zone"]);
  expect(cluster.properties.kubeconfig).toMatchObject({ type: "string", secret: true });
  expect(cluster.required).toEqual(["apiServerEndpoints", "hosts", "nodes", "portableSubnets"]);
});

test("the builder: one type per shape, named by where it first appears; scalar unions are Any; X | null is X", () => {
  const b = new SchemaBuilder("p");
  const rule: JsonSchema = { type: "object", properties: { port: { anyOf: [{ type: "integer" }, { type: "string" }] } } };
  const s: JsonSchema = { type: "object", properties: { ingress: { type: "array", items: rule }, egress: { type: "array", items: rule }, note: { anyOf: [{ type: "string" }, { type: "null" }] } } };
  const { properties } = b.properties(s, "Policy", 0);
  expect(properties.ingress).toEqual({ type: "array", items: { $ref: "#/types/p:index:PolicyIngress" } });
  expect(properties.egress).toEqual(properties.ingress);
  expect(properties.note).toEqual({ type: "string" });
  expect(b.types.PolicyIngress.properties.port.$ref).toBe("pulumi.json#/Any");
  expect(mergeObjects([{ type: "object", properties: { a: { const: "x" } }, required: ["a"] }, { type: "object", properties: { a: { const: "y" }, b: { type: "string" } }, required: ["a", "b"] }])).toEqual({
    type: "object",
    properties: { a: { type: undefined, enum: ["x", "y"] }, b: { type: "string" } },
    required: ["a"],
  });
  expect(() => packageSchema({ pkg: "p", version: "1.0.0", description: "", spec: { type: "object", properties: { x: { type: "object", properties: { a: { type: "string" } } } } }, outputs: [], outputTypes: { ClusterX: { type: "object", properties: {} } } })).toThrow("internal: output type ClusterX is also an input type");
});

test("inputs must be plain values: an output of another resource is refused with its path", () => {
  expect(plainSpec({ name: "a", workerPools: [{ name: "p", sizePerZone: 2 }] })).toEqual({ name: "a", workerPools: [{ name: "p", sizePerZone: 2 }] });
  expect(() => plainSpec({ name: "a", workerPools: [{ name: pulumi.output("p") }] })).toThrow("keelson:index:Cluster: workerPools[0].name is not known while the cluster is planned");
});
