// The cluster spec: one zod schema that is the source of truth for the shape,
// the defaults and the per-field error messages of `keelson:cluster` in a
// stack config. Rules that relate several fields live in rules.ts; defaults
// that depend on other fields (master flavor, pool hardware, public ALB) are
// filled in by normalize.ts once the whole spec is valid.
import { z } from "zod";
import { cidrProblem, parseCidr, parseIp } from "./ipv4";
import { DEFAULT_KUBERNETES_VERSION } from "../releases";
import { CalicoRuleSchema } from "./calicoRules";
import { kubernetesVersionProblem } from "./kubernetesVersions";
import { LIMITS, SPECIAL_KEYS } from "./limits";
import { selectorProblem } from "./selector";
import { BACKUP_INTERVALS, validateBackupTarget } from "../control/render/backup";
import { DEFAULTS as CONTROL_PLANE_DEFAULTS } from "../control/render/spec";

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = (max: number) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .regex(DNS_LABEL, { error: "must be lowercase letters, digits and '-', start with a letter and not end with '-'" });

export const cidrString = z.string().superRefine((v, ctx) => {
  const p = cidrProblem(v);
  if (p) ctx.addIssue({ code: "custom", message: p });
});

const ipString = z.string().refine((v) => parseIp(v) !== undefined, {
  error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address like 10.88.1.20`,
});

const portable29 = cidrString.refine((v) => parseCidr(v) === undefined || parseCidr(v)!.prefix === 29, {
  error: (iss) => `${String(iss.input)} is not a /29: a cluster's default portable subnet has 8 addresses (3 reserved, 1 ALB, 4 LoadBalancers)`,
});

const slot = z.number().int().min(0).max(255);

/**
 * A map whose entry count is checked before its entries are parsed (a pipe
 * stops at the first schema's problem), so a huge map costs one count.
 */
const boundedRecord = <K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V, max: number) =>
  z
    .custom<Record<string, unknown>>((v) => typeof v !== "object" || v === null || Array.isArray(v) || Object.keys(v).length <= max, {
      error: (iss) => `has ${Object.keys(iss.input as object).length} entries; at most ${max}`,
    })
    .pipe(z.record(key, value));

// Zone names become keys of infrastructure.zones and of the plan's maps.
const zoneName = dnsLabel(32).refine((v) => !SPECIAL_KEYS.has(v), { error: (iss) => `${JSON.stringify(iss.input)} is not allowed as a zone name (JavaScript treats it specially)` });

// Kubernetes label keys: optional DNS-subdomain prefix, '/', name of at most 63 characters.
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return `label key ${JSON.stringify(key)} has more than one '/'`;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key ${JSON.stringify(key)} has a prefix that is not a DNS subdomain`;
  }
  if (!LABEL_NAME.test(name)) {
    return `label key ${JSON.stringify(key)} must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}
const labelValue = z
  .string()
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
    error: (iss) => `label value ${JSON.stringify(iss.input)} must be empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
  });
const labelKey = z.string().superRefine((k, ctx) => {
  const p = labelKeyProblem(k);
  if (p) ctx.addIssue({ code: "custom", message: p });
});

// ---- infrastructure ------------------------------------------------------

const VlanSchema = z.strictObject({
  /** An existing VLAN referenced by id; omit it to have Keelson create the VLAN. */
  id: z.number().int().min(1).optional(),
  /** The primary subnet on this VLAN: node IPs come from here. */
  primarySubnet: cidrString,
});

const PortableSchema = z.strictObject({
  /** Pin the zone's default public portable /29 (else carved from infrastructure.portableRanges.public). */
  public: portable29.optional(),
  /** Pin the zone's default private portable /29 (else carved from infrastructure.portableRanges.private). */
  private: portable29.optional(),
  /** The user's own, larger portable subnets: every usable address goes to LoadBalancers. */
  extra: z.array(z.strictObject({ network: z.enum(["public", "private"]), cidr: cidrString })).max(LIMITS.extraPortableSubnets).default([]),
});

const VlanZoneSchema = z.strictObject({
  /** Pin the zone's allocation slot (default: its position in `zones`). */
  slot: slot.optional(),
  privateVlan: VlanSchema,
  /** Omit for private-only workers. */
  publicVlan: VlanSchema.optional(),
  portable: PortableSchema.default({ extra: [] }),
});

const PortableRanges = z
  .strictObject({ public: cidrString.optional(), private: cidrString.optional() })
  .default({});

const vlanZones = boundedRecord(zoneName, VlanZoneSchema, LIMITS.zones);

const ClassicInfra = z.strictObject({
  kind: z.literal("classic"),
  portableRanges: PortableRanges,
  zones: vlanZones,
});

const LabInfra = z.strictObject({
  kind: z.literal("lab"),
  /** Guard for the one machine the lab runs on. */
  maxHosts: z.number().int().min(1).max(64).default(7),
  portableRanges: PortableRanges,
  zones: vlanZones,
});

const SshInfra = z.strictObject({
  kind: z.literal("ssh"),
  user: z.string().min(1).default("root"),
  port: z.number().int().min(1).max(65535).default(22),
  /** Path of the private key file on the machine running Keelson; its content becomes a Pulumi secret. */
  privateKeyFile: z.string().min(1),
  portableRanges: PortableRanges,
  zones: vlanZones,
  /** Existing hosts by the hostname the plan gives them. */
  hosts: boundedRecord(
    z.string(),
    z.strictObject({ address: ipString, publicAddress: ipString.optional(), port: z.number().int().min(1).max(65535).optional() }),
    LIMITS.workers + 3,
  ),
});

const VpcInfra = z.strictObject({
  kind: z.literal("vpc"),
  vpcName: dnsLabel(63),
  zones: boundedRecord(
    zoneName,
    z.strictObject({ slot: slot.optional(), subnet: cidrString, publicGateway: z.boolean().default(false) }),
    LIMITS.zones,
  ),
});

export const InfrastructureSchema = z.discriminatedUnion("kind", [ClassicInfra, VpcInfra, LabInfra, SshInfra]);

// ---- workers, masters ----------------------------------------------------

// Day-2 counters (IKS's `worker reload` and `worker replace`, declared): the
// number itself means nothing, a new value asks for the operation once more.
const maintenanceCounter = z.number().int().min(0).max(1_000_000);
const WorkerMaintenanceSchema = z.strictObject({ reload: maintenanceCounter.optional(), replace: maintenanceCounter.optional() });

export const WorkerPoolSchema = z.strictObject({
  name: dnsLabel(20),
  flavor: z.string().min(1),
  /** Default: the flavor's hardware. */
  hardware: z.enum(["virtual", "baremetal"]).optional(),
  /** Default: shared for virtual, dedicated for bare metal (always). */
  isolation: z.enum(["shared", "dedicated"]).optional(),
  /** At most the largest poolBlockSize: checked here, before any rule counts the pool's hosts. */
  sizePerZone: z.number().int().min(0).max(LIMITS.sizePerZone),
  /** Default: every cluster zone. */
  zones: z.array(z.string()).min(1).max(LIMITS.zones).optional(),
  labels: boundedRecord(labelKey, labelValue, LIMITS.labels).default({}),
  taints: z
    .array(
      z.strictObject({
        key: labelKey,
        value: labelValue.optional(),
        effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
      }),
    )
    .max(LIMITS.taints)
    .default([]),
  /** Pin the pool's address block (default: its position in `workerPools`). */
  slot: slot.optional(),
  /**
   * Raise it to reload every worker of the pool: drained, bootstrapped again in
   * place (files, units, binaries, images), uncordoned; one at a time.
   */
  reload: maintenanceCounter.default(0),
  /** Raise it to replace every worker of the pool by a new host (drained first), one at a time. */
  replace: maintenanceCounter.default(0),
  /** One worker's own counters, by its host (node) name as `kubectl get nodes` shows it. */
  workers: boundedRecord(dnsLabel(63), WorkerMaintenanceSchema, LIMITS.maintainedWorkers).default({}),
});

const MastersSchema = z.strictObject({ flavor: z.string().min(1).optional() });

// ---- cluster networking --------------------------------------------------

const calicoRules = z.array(CalicoRuleSchema).max(LIMITS.calicoRules).default([]);

export const CalicoPolicySchema = z.strictObject({
  name: dnsLabel(63),
  scope: z.enum(["global", "namespaced"]).default("global"),
  namespace: dnsLabel(63).optional(),
  order: z.number().min(0).optional(),
  preDnat: z.boolean().default(false),
  /** Calico's policy types; by default Ingress, plus Egress with egress rules (Egress alone with only egress rules). */
  types: z.array(z.enum(["Ingress", "Egress"])).min(1).max(2).refine((t) => new Set(t).size === t.length, { error: "lists a type twice" }).optional(),
  selector: z.string().min(1).superRefine((v, ctx) => {
    const p = v === "" ? undefined : selectorProblem(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
  }),
  ingress: calicoRules,
  egress: calicoRules,
});

const CalicoSchema = z.strictObject({
  encapsulation: z.enum(["ipip", "vxlan"]).default("ipip"),
  crossSubnet: z.boolean().default(true),
  natOutgoing: z.boolean().default(true),
  policies: z.array(CalicoPolicySchema).max(LIMITS.calicoPolicies).default([]),
  /** IKS's default host endpoint policies on every worker's public interface (model/iksHostPolicies.ts). */
  defaultHostPolicies: z.boolean().default(true),
  /** Networks that may reach workers' public interfaces for system management (IKS's allow-sys-mgmt). */
  systemManagementNets: z.array(cidrString).max(LIMITS.publicAllowlist).default([]),
});

const NetworkSchema = z.strictObject({
  podSubnet: cidrString.default("172.30.0.0/16"),
  serviceSubnet: cidrString.default("172.21.0.0/16"),
  /** Addresses each worker pool reserves per zone in the primary subnets (a power of two). */
  poolBlockSize: z
    .number()
    .int()
    .refine((n) => [4, 8, 16, 32, 64, 128].includes(n), { error: "must be one of 4, 8, 16, 32, 64, 128" })
    .default(16),
  /** Where this cluster's hosts start in shared primary subnets (another cluster may use the addresses below). */
  hostOffset: z.number().int().min(0).max(LIMITS.hostOffset).default(0),
  calico: CalicoSchema.default({ encapsulation: "ipip", crossSubnet: true, natOutgoing: true, policies: [], defaultHostPolicies: true, systemManagementNets: [] }),
});

const ServiceEndpointsSchema = z.strictObject({
  /** Default: enabled where masters have public addresses (classic/lab/ssh with public VLANs). */
  public: z.boolean().optional(),
  private: z.boolean().default(true),
  publicAllowlist: z.array(cidrString).max(LIMITS.publicAllowlist).default([]),
});

const AlbsSchema = z.strictObject({
  /** Default: enabled, unless the cluster is private-only. */
  public: z.strictObject({ enabled: z.boolean().optional() }).default({}),
  private: z.strictObject({ enabled: z.boolean().default(false) }).default({ enabled: false }),
});

export const LoadBalancerSchema = z.strictObject({
  name: dnsLabel(63),
  namespace: dnsLabel(63).default("default"),
  zone: z.string(),
  network: z.enum(["public", "private"]),
  /** Pin the portable IP (default: the lowest free LoadBalancer address). */
  ip: ipString.optional(),
  /** The pods it sends traffic to (default: `app: <name>`, as `kubectl expose` and `kubectl create deployment` label them). */
  selector: z.record(labelKey, labelValue).optional(),
  /** Default: one TCP port 80 to the pods' port 80. */
  ports: z
    .array(
      z.strictObject({
        name: dnsLabel(15).optional(),
        port: z.number().int().min(1).max(65535),
        /** The pods' port, a number or a named container port (default: `port`). */
        targetPort: z.union([z.number().int().min(1).max(65535), z.string().regex(/^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/, { error: "must be a port name (IANA_SVC_NAME)" })]).optional(),
        protocol: z.enum(["TCP", "UDP"]).default("TCP"),
      }),
    )
    .min(1)
    .max(LIMITS.loadBalancerPorts)
    .default([{ port: 80, protocol: "TCP" }]),
});

const ApiserverSchema = z.strictObject({
  encryptionAtRest: z.boolean().default(true),
  auditLogging: z.boolean().default(true),
  anonymousAuth: z.boolean().default(false),
  /** The audit log's rotation (kube-apiserver --audit-log-max*); the defaults are the CIS benchmark's minimums. */
  auditLog: z
    .strictObject({
      maxAgeDays: z.number().int().min(1).max(3650).default(CONTROL_PLANE_DEFAULTS.audit.maxAgeDays),
      maxBackups: z.number().int().min(1).max(1000).default(CONTROL_PLANE_DEFAULTS.audit.maxBackups),
      maxSizeMiB: z.number().int().min(1).max(100000).default(CONTROL_PLANE_DEFAULTS.audit.maxSizeMiB),
    })
    .default(CONTROL_PLANE_DEFAULTS.audit),
});

/** Encrypted etcd backups (components/control/render/backup.ts); IBM Cloud backs its managed masters up every 8 hours. */
const BackupSchema = z.strictObject({
  enabled: z.boolean().default(true),
  everyHours: z
    .number()
    .int()
    .refine((h) => (BACKUP_INTERVALS as readonly number[]).includes(h), { error: `must be one of ${BACKUP_INTERVALS.join(", ")} (hours, a divisor of 24)` })
    .default(8),
  /** Backups kept, on the masters and in `directory` (21: a week at the default interval). */
  keep: z.number().int().min(1).max(1000).default(21),
  /** Where `keelson backup` collects them on the machine running Pulumi (default: .keelson/backups/<stack>). */
  directory: z.string().min(1).max(4096).refine((d) => !d.includes("\0"), { error: "must not contain a NUL character" }).optional(),
  /**
   * An SSH host every backup is copied to by the master that takes it (off the
   * masters): authorize the stack output `backupTargetPublicKey` there. The host's
   * key is pinned, never trusted on first use.
   */
  target: z
    .strictObject({
      host: z.string().max(253),
      port: z.number().int().default(22),
      user: z.string().max(32).default("root"),
      path: z.string().max(4096),
      hostKey: z.string().max(8300),
    })
    .superRefine((t, ctx) => {
      try {
        validateBackupTarget(t, "target");
      } catch (e) {
        const m = /^target\.(\w+): (.*)$/s.exec((e as Error).message);
        ctx.addIssue({ code: "custom", path: m ? [m[1]] : [], message: m ? m[2] : (e as Error).message });
      }
    })
    .optional(),
});

export const ClusterSpecSchema = z.strictObject({
  name: dnsLabel(20),
  account: z.strictObject({
    id: z.string().regex(/^[a-z0-9][-a-z0-9]{0,63}$/, { error: "must be lowercase letters, digits and '-'" }),
    name: z.string().min(1).optional(),
  }),
  region: dnsLabel(32),
  zones: z.array(zoneName).min(1).max(LIMITS.zones),
  /** Only what Keelson supports (kubernetesVersions.ts). */
  kubernetesVersion: z
    .string()
    .superRefine((v, ctx) => {
      const p = kubernetesVersionProblem(v);
      if (p) ctx.addIssue({ code: "custom", message: p });
    })
    .default(DEFAULT_KUBERNETES_VERSION),
  infrastructure: InfrastructureSchema,
  masters: MastersSchema.default({}),
  workerPools: z.array(WorkerPoolSchema).min(1).max(LIMITS.workerPools),
  network: NetworkSchema.default({
    podSubnet: "172.30.0.0/16",
    serviceSubnet: "172.21.0.0/16",
    poolBlockSize: 16,
    hostOffset: 0,
    calico: { encapsulation: "ipip", crossSubnet: true, natOutgoing: true, policies: [], defaultHostPolicies: true, systemManagementNets: [] },
  }),
  serviceEndpoints: ServiceEndpointsSchema.default({ private: true, publicAllowlist: [] }),
  albs: AlbsSchema.default({ public: {}, private: { enabled: false } }),
  loadBalancers: z.array(LoadBalancerSchema).max(LIMITS.loadBalancers).default([]),
  apiserver: ApiserverSchema.default({ encryptionAtRest: true, auditLogging: true, anonymousAuth: false, auditLog: CONTROL_PLANE_DEFAULTS.audit }),
  backup: BackupSchema.default({ enabled: true, everyHours: 8, keep: 21 }),
});

/** What a user writes. */
export type ClusterSpecInput = z.input<typeof ClusterSpecSchema>;
/** What the schema produces (field defaults filled in, cross-field defaults not yet). */
export type ParsedSpec = z.output<typeof ClusterSpecSchema>;
export type Infrastructure = ParsedSpec["infrastructure"];
export type VlanInfrastructure = Extract<Infrastructure, { kind: "classic" | "lab" | "ssh" }>;
export type VlanZone = VlanInfrastructure["zones"][string];
export type VpcInfrastructure = Extract<Infrastructure, { kind: "vpc" }>;
export type WorkerPoolSpec = ParsedSpec["workerPools"][number];
export type LoadBalancerSpec = ParsedSpec["loadBalancers"][number];
export type CalicoPolicySpec = ParsedSpec["network"]["calico"]["policies"][number];
