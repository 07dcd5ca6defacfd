// The Pulumi package schema of `keelson:index:Cluster` for other Pulumi
// languages (Python, Go, .NET, YAML: docs/multi-language.md), derived from the
// one definition of a cluster spec, the zod schema in model/schema.ts, through
// zod's JSON Schema: the component's inputs are the spec's top-level fields,
// typed all the way down. No Pulumi calls here.
//
// Pulumi schemas have no unions for these SDKs to use, so:
// - a union of objects (infrastructure: classic | vpc | lab | ssh, chosen by
//   `kind`) becomes one object type with every member's fields, optional
//   unless every member requires them; the spec's own validation (run by the
//   component on its inputs) still refuses a field the chosen kind does not take;
// - a union of different scalars (a port as 80 or "80:90") becomes Any.
// Refinements (CIDRs, DNS labels, limits) are not schema: the validator checks them.

/** JSON Schema as zod 4's toJSONSchema writes it (the subset the spec uses). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
}

/** A Pulumi schema type reference or inline type. */
export interface PulumiType {
  type?: "string" | "number" | "integer" | "boolean" | "array" | "object";
  $ref?: string;
  items?: PulumiType;
  additionalProperties?: PulumiType;
  description?: string;
  secret?: boolean;
}

export interface PulumiObjectType {
  type: "object";
  description?: string;
  properties: Record<string, PulumiType>;
  required?: string[];
}

export interface ComponentOutput {
  name: string;
  type: PulumiType;
  description: string;
  secret?: boolean;
  required?: boolean;
}

export interface PackageSchema {
  name: string;
  version: string;
  description: string;
  resources: Record<string, unknown>;
  types: Record<string, PulumiObjectType>;
  language: Record<string, unknown>;
}

const ANY: PulumiType = { $ref: "pulumi.json#/Any" };
const pascal = (s: string) => s.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());
const singular = (s: string) => (s.endsWith("ies") ? `${s.slice(0, -3)}y` : s.endsWith("s") && !s.endsWith("ss") ? s.slice(0, -1) : s);

/** The members of a union, or undefined; `X | null` is just X. */
function unionMembers(s: JsonSchema): JsonSchema[] | undefined {
  const members = s.oneOf ?? s.anyOf;
  return members?.filter((m) => m.type !== "null");
}

function scalarType(t: string): PulumiType["type"] | undefined {
  return t === "string" || t === "number" || t === "integer" || t === "boolean" ? t : undefined;
}

function allowedValues(s: JsonSchema): string | undefined {
  const values = s.enum ?? (s.const !== undefined ? [s.const] : undefined);
  return values ? `one of: ${values.map((v) => JSON.stringify(v)).join(", ")}` : undefined;
}

/** Converts JSON Schema to Pulumi types, naming object types after where they sit in the spec. */
export class SchemaBuilder {
  readonly types: Record<string, PulumiObjectType> = {};

  constructor(readonly pkg: string) {}

  private typeToken(name: string): string {
    return `${this.pkg}:index:${name}`;
  }

  /** The Pulumi type of `s`, found at `name` (a PascalCase path). Bounded by the schema's own depth. */
  convert(s: JsonSchema, name: string, depth = 0): PulumiType {
    if (depth > 32) return ANY;
    const members = unionMembers(s);
    if (members && members.length === 1) return this.convert({ ...members[0], description: s.description ?? members[0].description }, name, depth + 1);
    if (members && members.length > 1) {
      if (members.every((m) => m.type === "object" && m.properties)) return this.object(mergeObjects(members, s.description), name, depth);
      const scalars = new Set(members.map((m) => (typeof m.type === "string" ? m.type : "?")));
      if (scalars.size === 1) return this.convert({ ...members[0], enum: members.flatMap((m) => m.enum ?? (m.const !== undefined ? [m.const] : [])) }, name, depth + 1);
      return { ...ANY, description: describe(s) };
    }
    const t = Array.isArray(s.type) ? s.type.find((x) => x !== "null") : s.type;
    if (t === "object" && s.properties) return this.object(s, name, depth);
    if (t === "object") {
      const values = typeof s.additionalProperties === "object" ? this.convert(s.additionalProperties, `${name}Value`, depth + 1) : ANY;
      return { type: "object", additionalProperties: values, ...(describe(s) ? { description: describe(s) } : {}) };
    }
    if (t === "array") return { type: "array", items: s.items ? this.convert(s.items, singular(name), depth + 1) : ANY, ...(describe(s) ? { description: describe(s) } : {}) };
    const scalar = t ? scalarType(t) : s.const !== undefined ? scalarType(typeof s.const) : undefined;
    if (scalar) return { type: scalar, ...(describe(s) ? { description: describe(s) } : {}) };
    return { ...ANY, ...(describe(s) ? { description: describe(s) } : {}) };
  }

  /** The properties of an object schema as Pulumi properties, with its required ones. */
  properties(s: JsonSchema, name: string, depth: number): { properties: Record<string, PulumiType>; required: string[] } {
    const properties: Record<string, PulumiType> = {};
    for (const [key, value] of Object.entries(s.properties ?? {})) properties[key] = this.convert(value, `${name}${pascal(key)}`, depth + 1);
    // A field with a default is optional to whoever writes the spec.
    const required = (s.required ?? []).filter((k) => s.properties?.[k] && s.properties[k].default === undefined).sort();
    return { properties, required };
  }

  /** Object types by their content: the same shape met twice (ingress and egress rules) is one type. */
  private readonly byShape = new Map<string, string>();

  private object(s: JsonSchema, name: string, depth: number): PulumiType {
    const { properties, required } = this.properties(s, name, depth);
    const shape = JSON.stringify({ properties, required });
    let token = this.byShape.get(shape);
    if (!token) {
      token = name;
      for (let n = 2; this.types[token]; n++) token = `${name}${n}`;
      this.types[token] = { type: "object", ...(s.description ? { description: s.description } : {}), properties, ...(required.length ? { required } : {}) };
      this.byShape.set(shape, token);
    }
    return { $ref: `#/types/${this.typeToken(token)}`, ...(describe(s) && describe(s) !== s.description ? { description: describe(s) } : {}) };
  }
}

function describe(s: JsonSchema): string | undefined {
  const parts = [s.description, allowedValues(s), s.default !== undefined ? `default: ${JSON.stringify(s.default)}` : undefined].filter(Boolean);
  return parts.length ? parts.join("; ") : undefined;
}

/** One object with every member's properties; required only where every member requires it. */
export function mergeObjects(members: JsonSchema[], description?: string): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const m of members) {
    for (const [k, v] of Object.entries(m.properties ?? {})) {
      const seen = properties[k];
      if (!seen) properties[k] = v;
      else if (seen.const !== undefined || v.const !== undefined || seen.enum || v.enum) {
        // The discriminator (`kind`): every member's value.
        const values = [...(seen.enum ?? (seen.const !== undefined ? [seen.const] : [])), ...(v.enum ?? (v.const !== undefined ? [v.const] : []))];
        properties[k] = { type: seen.type ?? v.type, enum: [...new Set(values)] };
      }
    }
  }
  const required = Object.keys(properties).filter((k) => members.every((m) => m.required?.includes(k)));
  return { type: "object", properties, required, ...(description ? { description } : {}) };
}

/**
 * The package schema: one component, `<pkg>:index:Cluster`, whose inputs are the
 * cluster spec's top-level fields and whose outputs are `outputs`.
 */
export function packageSchema(args: {
  pkg: string;
  version: string;
  description: string;
  spec: JsonSchema;
  outputs: ComponentOutput[];
  /** Object types the outputs refer to (`#/types/<pkg>:index:<name>`). */
  outputTypes?: Record<string, PulumiObjectType>;
}): PackageSchema {
  const b = new SchemaBuilder(args.pkg);
  const { properties: inputProperties, required: requiredInputs } = b.properties(args.spec, "Cluster", 0);
  const properties: Record<string, PulumiType> = {};
  for (const o of args.outputs) properties[o.name] = { ...o.type, description: o.description, ...(o.secret ? { secret: true } : {}) };
  for (const [name, t] of Object.entries(args.outputTypes ?? {})) {
    if (b.types[name]) throw new Error(`internal: output type ${name} is also an input type`);
    b.types[name] = t;
  }
  return {
    name: args.pkg,
    version: args.version,
    description: args.description,
    resources: {
      [`${args.pkg}:index:Cluster`]: {
        isComponent: true,
        description: "An IKS-style Kubernetes cluster: the spec's fields are its inputs (docs/reference.md), validated before anything is created.",
        inputProperties,
        requiredInputs,
        properties,
        required: args.outputs.filter((o) => o.required).map((o) => o.name).sort(),
      },
    },
    types: Object.fromEntries(Object.entries(b.types).map(([name, t]) => [`${args.pkg}:index:${name}`, t])),
    language: { nodejs: { respectSchemaVersion: true } },
  };
}
