// Calico policy rules (projectcalico.org/v3 Rule), validated field by field
// so that a rule Calico would refuse, or read differently from what was meant
// (an unknown key is ignored by nothing here: it is an error), is reported
// with its path before anything is built. Only the fields of Calico's Rule
// type are accepted; addresses are IPv4, as everywhere in Keelson.
import { z } from "zod";
import { cidrProblem } from "./ipv4";
import { LIMITS } from "./limits";
import { selectorProblem } from "./selector";

const selector = z.string().superRefine((v, ctx) => {
  const p = selectorProblem(v);
  if (p) ctx.addIssue({ code: "custom", message: p });
});

const net = z.string().superRefine((v, ctx) => {
  const p = cidrProblem(v);
  if (p) ctx.addIssue({ code: "custom", message: p });
});

const PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

/** A port: a number, "min:max", or a named (container) port. */
export function portProblem(v: unknown): string | undefined {
  const range = `must be a port 1-65535, a range "min:max" or a port name`;
  if (typeof v === "number") return Number.isInteger(v) && v >= 1 && v <= 65535 ? undefined : `${v} ${range}`;
  if (typeof v !== "string") return `expected a port, got ${v === null ? "null" : typeof v}`;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(v);
  if (m) {
    const [lo, hi] = [Number(m[1]), Number(m[2])];
    if (lo < 1 || hi > 65535) return `port range ${JSON.stringify(v)}: ports are 1-65535`;
    if (lo > hi) return `port range ${JSON.stringify(v)}: the first port is larger than the second`;
    return undefined;
  }
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= 1 && n <= 65535 && !/^0/.test(v) ? undefined : `${JSON.stringify(v)} ${range}`;
  }
  return PORT_NAME.test(v) && /[a-z]/.test(v) ? undefined : `${JSON.stringify(v)} ${range}`;
}

const port = z.unknown().superRefine((v, ctx) => {
  const p = portProblem(v);
  if (p) ctx.addIssue({ code: "custom", message: p });
}) as z.ZodType<number | string>;

const list = <T extends z.ZodType>(item: T) => z.array(item).max(LIMITS.calicoListItems);

export const PROTOCOLS = ["TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "UDPLite"] as const;
// A protocol by name or by IP protocol number.
const protocol = z.union([z.enum(PROTOCOLS), z.number().int().min(1).max(255)], {
  error: () => `must be one of ${PROTOCOLS.join(", ")} or a protocol number 1-255`,
});

const icmp = z.strictObject({ type: z.number().int().min(0).max(254).optional(), code: z.number().int().min(0).max(255).optional() });

const EntityRule = z.strictObject({
  nets: list(net).optional(),
  notNets: list(net).optional(),
  selector: selector.optional(),
  notSelector: selector.optional(),
  namespaceSelector: selector.optional(),
  ports: list(port).optional(),
  notPorts: list(port).optional(),
  serviceAccounts: z.strictObject({ names: list(z.string().min(1)).optional(), selector: selector.optional() }).optional(),
  services: z.strictObject({ name: z.string().min(1), namespace: z.string().min(1).optional() }).optional(),
});

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"] as const;

// Protocols that have ports (Calico refuses ports on any other).
const PORTED = new Set<unknown>(["TCP", "UDP", "SCTP", 6, 17, 132]);

export const CalicoRuleSchema = z
  .strictObject({
    action: z.enum(["Allow", "Deny", "Log", "Pass"]),
    protocol: protocol.optional(),
    notProtocol: protocol.optional(),
    ipVersion: z.union([z.literal(4), z.literal(6)], { error: () => "must be 4 or 6" }).optional(),
    icmp: icmp.optional(),
    notICMP: icmp.optional(),
    source: EntityRule.optional(),
    destination: EntityRule.optional(),
    http: z
      .strictObject({
        methods: list(z.enum(HTTP_METHODS)).optional(),
        paths: list(z.union([z.strictObject({ exact: z.string().min(1) }), z.strictObject({ prefix: z.string().min(1) })], { error: () => "must be {exact: <path>} or {prefix: <path>}" })).optional(),
      })
      .optional(),
    metadata: z.strictObject({ annotations: z.record(z.string(), z.string()).optional() }).optional(),
  })
  .superRefine((r, ctx) => {
    for (const side of ["source", "destination"] as const) {
      for (const f of ["ports", "notPorts"] as const) {
        if (r[side]?.[f] && r[side]![f]!.length > 0 && !PORTED.has(r.protocol)) {
          ctx.addIssue({ code: "custom", path: [side, f], message: `ports need protocol TCP, UDP or SCTP (the rule's protocol is ${r.protocol === undefined ? "not set" : String(r.protocol)})` });
        }
      }
    }
    for (const f of ["icmp", "notICMP"] as const) {
      if (r[f] && r.protocol !== "ICMP" && r.protocol !== "ICMPv6" && r.protocol !== 1 && r.protocol !== 58) {
        ctx.addIssue({ code: "custom", path: [f], message: `needs protocol ICMP or ICMPv6 (the rule's protocol is ${r.protocol === undefined ? "not set" : String(r.protocol)})` });
      }
    }
    if (r.icmp?.code !== undefined && r.icmp.type === undefined) ctx.addIssue({ code: "custom", path: ["icmp", "code"], message: "an ICMP code needs its type" });
    if (r.ipVersion === 6 && (r.source?.nets || r.destination?.nets)) {
      ctx.addIssue({ code: "custom", path: ["ipVersion"], message: "IPv6 rules cannot match the IPv4 nets of this rule" });
    }
  });

export type CalicoRule = z.output<typeof CalicoRuleSchema>;
