// An SVG picture of a plan, meant to be read at a glance: one column per zone;
// the public VLAN at the top and the private VLAN at the bottom, each with a
// bus line down the side of the column; hosts in between, tied to the buses
// they have addresses on; portable subnets next to their VLAN with every
// address coloured by its use. Pure string building, no dependencies.
import type { Plan, PlannedHost, PlannedPortableSubnet, PlannedSegment } from "./plan";

const ZONE_W = 430;
const GAP = 24;
const MARGIN = 20;
const BUS_INSET = 16;
const INNER_INSET = 36;
const HOST_H = 60;
const BAND_H = 40;

const COLORS = {
  public: { stroke: "#b2182b", fill: "#fde0dc", text: "#67001f" },
  private: { stroke: "#2166ac", fill: "#dbe9f6", text: "#053061" },
  master: { stroke: "#6a3d9a", fill: "#efe6f7" },
  virtual: { stroke: "#1b7837", fill: "#e5f5e0" },
  baremetal: { stroke: "#8c510a", fill: "#f6e8c3" },
  reserved: "#bdbdbd",
  alb: "#fdae61",
  albOff: "#fee0b6",
  lbUsed: "#2166ac",
  lbFree: "#d1e5f0",
};

const FONT = 'font-family="DejaVu Sans, Verdana, Arial, sans-serif"';

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function text(x: number, y: number, s: string, o: { size?: number; weight?: string; fill?: string; anchor?: string } = {}): string {
  return `<text x="${x}" y="${y}" font-size="${o.size ?? 12}"${o.weight ? ` font-weight="${o.weight}"` : ""} fill="${o.fill ?? "#222"}"${o.anchor ? ` text-anchor="${o.anchor}"` : ""}>${esc(s)}</text>`;
}

function rect(x: number, y: number, w: number, h: number, stroke: string, fill: string, o: { rx?: number; dash?: boolean; width?: number } = {}): string {
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${o.rx ?? 4}" fill="${fill}" stroke="${stroke}" stroke-width="${o.width ?? 1.5}"${o.dash ? ' stroke-dasharray="5,3"' : ""}/>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width = 2): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${stroke}" stroke-width="${width}"/>`;
}

const lastOctet = (ip: string) => `.${ip.split(".")[3]}`;

/** Height of one portable subnet box. */
function portableHeight(p: PlannedPortableSubnet): number {
  return 22 + (p.size <= 8 ? 38 : 16) + portableDetails(p, false).length * 15 + 6;
}

function portableDetails(p: PlannedPortableSubnet, albEnabled: boolean): string[] {
  const out: string[] = [];
  const alb = p.addresses.find((a) => a.use === "alb");
  if (alb) out.push(`ALB ${alb.ip}: ${alb.holder} (${albEnabled ? "enabled" : "disabled"})`);
  for (const a of p.addresses) if (a.use === "loadBalancer" && a.holder) out.push(`LB ${a.ip}: ${a.holder}`);
  return out;
}

function drawPortable(p: PlannedPortableSubnet, x: number, y: number, w: number, albEnabled: boolean): string {
  const c = COLORS[p.network];
  const parts: string[] = [];
  const h = portableHeight(p);
  parts.push(rect(x, y, w, h, c.stroke, "#ffffff", { dash: p.userProvided }));
  const free = p.addresses.filter((a) => a.use === "loadBalancer" && !a.holder).length;
  parts.push(text(x + 8, y + 16, `${p.userProvided ? "User" : "Portable"} ${p.network} ${p.cidr}`, { weight: "bold", fill: c.text }));
  parts.push(text(x + w - 8, y + 16, `${free} of ${p.loadBalancers.length} LB free`, { size: 11, fill: "#555", anchor: "end" }));
  let cy = y + 22;
  if (p.size <= 8) {
    const cw = (w - 16) / p.addresses.length;
    p.addresses.forEach((a, i) => {
      const cx = x + 8 + i * cw;
      const fill = a.use === "alb" ? (albEnabled ? COLORS.alb : COLORS.albOff) : a.use === "loadBalancer" ? (a.holder ? COLORS.lbUsed : COLORS.lbFree) : COLORS.reserved;
      const fg = a.use === "loadBalancer" && a.holder ? "#ffffff" : "#222";
      const label = { network: "net", gateway: "gw", broadcast: "bcast", alb: "ALB", loadBalancer: a.holder ? "LB" : "free" }[a.use];
      parts.push(`<rect x="${cx + 1}" y="${cy}" width="${cw - 2}" height="32" rx="2" fill="${fill}"/>`);
      parts.push(text(cx + cw / 2, cy + 13, lastOctet(a.ip), { size: 11, fill: fg, anchor: "middle", weight: "bold" }));
      parts.push(text(cx + cw / 2, cy + 27, label, { size: 10, fill: fg, anchor: "middle" }));
    });
    cy += 38;
  } else {
    parts.push(text(x + 8, cy + 11, `reserved ${p.reserved.map(lastOctet).join(", ")} ; the rest for LoadBalancers`, { size: 11, fill: "#444" }));
    cy += 16;
  }
  for (const d of portableDetails(p, albEnabled)) {
    parts.push(text(x + 8, cy + 11, d, { size: 11, fill: "#333" }));
    cy += 15;
  }
  return parts.join("\n");
}

function drawHost(h: PlannedHost, x: number, y: number, w: number): string {
  const c = h.role === "master" ? COLORS.master : COLORS[h.hardware];
  const title = h.role === "master" ? `master ${h.index + 1}` : `${h.pool} #${h.index}${h.hardware === "baremetal" ? " (bare metal)" : ""}`;
  return [
    rect(x, y, w, HOST_H, c.stroke, c.fill, { width: 2 }),
    text(x + 8, y + 17, h.name, { weight: "bold" }),
    text(x + w - 8, y + 17, title, { size: 11, fill: c.stroke, anchor: "end", weight: "bold" }),
    text(x + 8, y + 33, `${h.flavor} · ${h.cpu} CPU · ${h.memoryMiB / 1024} GiB${h.role === "worker" ? ` · ${h.isolation}` : ""}`, { size: 11, fill: "#444" }),
    text(x + 8, y + 50, `private ${h.privateIp}`, { size: 12, fill: COLORS.private.text }),
    h.publicIp ? text(x + w - 8, y + 50, `public ${h.publicIp}`, { size: 12, fill: COLORS.public.text, anchor: "end" }) : text(x + w - 8, y + 50, "no public IP", { size: 11, fill: "#777", anchor: "end" }),
  ].join("\n");
}

function bandLabel(s: PlannedSegment): string {
  if (s.kind === "vpc-subnet") return `VPC subnet ${s.primaryCidr}${s.publicGateway ? " · public gateway" : ""}`;
  return `${s.network === "public" ? "Public" : "Private"} VLAN ${s.vlanId ?? "(created by Keelson)"}`;
}

export function renderDiagram(plan: Plan): string {
  const zoneLayouts = plan.zones.map((z) => {
    const pub = plan.segments.find((s) => s.zone === z.name && s.network === "public");
    const priv = plan.segments.find((s) => s.zone === z.name && s.network === "private")!;
    const hosts = plan.hosts.filter((h) => h.zone === z.name);
    const pubPortables = plan.portableSubnets.filter((p) => p.zone === z.name && p.network === "public");
    const privPortables = plan.portableSubnets.filter((p) => p.zone === z.name && p.network === "private");
    const height =
      34 + // zone title
      (pub ? BAND_H : 26) +
      plan.albs.filter((a) => a.zone === z.name && a.ip === null).length * 16 +
      pubPortables.reduce((n, p) => n + portableHeight(p) + 10, 0) +
      16 +
      hosts.length * (HOST_H + 10) +
      10 +
      privPortables.reduce((n, p) => n + portableHeight(p) + 10, 0) +
      BAND_H +
      12;
    return { z, pub, priv, hosts, pubPortables, privPortables, height };
  });
  const zoneH = Math.max(...zoneLayouts.map((l) => l.height));
  const headerH = 96;
  const legendH = 64;
  const width = MARGIN * 2 + plan.zones.length * ZONE_W + (plan.zones.length - 1) * GAP;
  const minWidth = 1100; // room for the header and the legend
  const totalW = Math.max(width, minWidth);
  const height = headerH + zoneH + legendH + MARGIN;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${height}" viewBox="0 0 ${totalW} ${height}" ${FONT}>`);
  out.push(`<rect x="0" y="0" width="${totalW}" height="${height}" fill="#ffffff"/>`);
  const c = plan.cluster;
  out.push(text(MARGIN, 28, `Cluster ${c.name}`, { size: 20, weight: "bold" }));
  out.push(text(MARGIN, 48, `account ${c.accountId} · region ${c.region} · ${c.infrastructure} infrastructure · Kubernetes ${c.kubernetesVersion}${c.privateOnly ? " · private-only workers" : ""}`, { size: 13, fill: "#333" }));
  const endpoints = [c.serviceEndpoints.public ? "public" : "", c.serviceEndpoints.private ? "private" : ""].filter(Boolean).join(" + ");
  out.push(text(MARGIN, 66, `pods ${c.podSubnet} · services ${c.serviceSubnet} · Calico ${c.calico.encapsulation}${c.calico.crossSubnet ? " (cross-subnet)" : ""}${c.calico.natOutgoing ? ", NAT outgoing" : ""} · service endpoints: ${endpoints} · ${plan.calicoPolicies.length} Calico polic${plan.calicoPolicies.length === 1 ? "y" : "ies"}`, { size: 12, fill: "#333" }));
  out.push(text(MARGIN, 83, `${plan.hosts.filter((h) => h.role === "master").length} masters, ${plan.hosts.filter((h) => h.role === "worker").length} workers; every worker's master proxy balances across the masters' private IPs`, { size: 12, fill: "#555" }));

  zoneLayouts.forEach((l, i) => {
    const x = MARGIN + i * (ZONE_W + GAP);
    const top = headerH;
    out.push(rect(x, top, ZONE_W, zoneH, "#555555", "#fafafa", { rx: 8, width: 1.5 }));
    out.push(text(x + 12, top + 22, `Zone ${l.z.name}`, { size: 15, weight: "bold" }));
    out.push(text(x + ZONE_W - 12, top + 22, `slot ${l.z.slot}`, { size: 11, fill: "#666", anchor: "end" }));
    const innerX = x + INNER_INSET;
    const innerW = ZONE_W - 2 * INNER_INSET;
    const pubBusX = x + BUS_INSET;
    const privBusX = x + ZONE_W - BUS_INSET;
    let y = top + 34;
    // Public band (or a note that there is none).
    const pubTop = y;
    if (l.pub) {
      out.push(rect(x + 8, y, ZONE_W - 16, BAND_H - 6, COLORS.public.stroke, COLORS.public.fill));
      out.push(text(x + 18, y + 14, bandLabel(l.pub), { weight: "bold", fill: COLORS.public.text }));
      out.push(text(x + 18, y + 28, `primary ${l.pub.primaryCidr} · gateway ${l.pub.gatewayIp}`, { size: 11, fill: COLORS.public.text }));
      y += BAND_H;
    } else {
      out.push(text(x + 18, y + 14, l.priv.kind === "vpc-subnet" ? "no public VLAN: VPC workers have private IPs only" : "no public VLAN: private-only workers", { size: 11, fill: "#777" }));
      y += 26;
    }
    const body: string[] = [];
    for (const a of plan.albs.filter((alb) => alb.zone === l.z.name && alb.ip === null)) {
      out.push(text(x + 18, y + 10, `ALB ${a.name}: ${a.enabled ? "enabled" : "disabled"} (VPC LB)`, { size: 11, fill: "#555" }));
      y += 16;
    }
    const stubs: string[] = [];
    for (const p of l.pubPortables) {
      body.push(drawPortable(p, innerX, y, innerW, plan.albs.find((a) => a.zone === p.zone && a.network === p.network)?.enabled ?? false));
      stubs.push(line(pubBusX, y + 14, innerX, y + 14, COLORS.public.stroke));
      y += portableHeight(p) + 10;
    }
    y += 16;
    let lastPubStub = pubTop + BAND_H - 6;
    const hostStubYs: number[] = [];
    for (const h of l.hosts) {
      body.push(drawHost(h, innerX, y, innerW));
      if (h.publicIp) {
        stubs.push(line(pubBusX, y + 45, innerX, y + 45, COLORS.public.stroke));
        lastPubStub = y + 45;
      }
      stubs.push(line(innerX + innerW, y + 45, privBusX, y + 45, COLORS.private.stroke));
      hostStubYs.push(y + 45);
      y += HOST_H + 10;
    }
    y += 10;
    const privBandY = top + zoneH - BAND_H - 6;
    // Private portables sit just above the private band.
    let py = privBandY - 10 - l.privPortables.reduce((n, p) => n + portableHeight(p) + 10, 0);
    let firstPrivStub = hostStubYs[0] ?? py + 14;
    for (const p of l.privPortables) {
      body.push(drawPortable(p, innerX, py, innerW, plan.albs.find((a) => a.zone === p.zone && a.network === p.network)?.enabled ?? false));
      stubs.push(line(innerX + innerW, py + 14, privBusX, py + 14, COLORS.private.stroke));
      firstPrivStub = Math.min(firstPrivStub, py + 14);
      py += portableHeight(p) + 10;
    }
    out.push(rect(x + 8, privBandY, ZONE_W - 16, BAND_H - 6, COLORS.private.stroke, COLORS.private.fill));
    out.push(text(x + 18, privBandY + 14, bandLabel(l.priv), { weight: "bold", fill: COLORS.private.text }));
    out.push(text(x + 18, privBandY + 28, `primary ${l.priv.primaryCidr} · gateway ${l.priv.gatewayIp}`, { size: 11, fill: COLORS.private.text }));
    // Buses first so boxes draw over them.
    if (l.pub) out.push(line(pubBusX, pubTop + BAND_H - 6, pubBusX, lastPubStub, COLORS.public.stroke, 3));
    out.push(line(privBusX, firstPrivStub, privBusX, privBandY, COLORS.private.stroke, 3));
    out.push(...stubs, ...body);
  });

  // Legend.
  const ly = headerH + zoneH + 20;
  const items: [string, string, string][] = [
    ["master", COLORS.master.fill, COLORS.master.stroke],
    ["virtual worker", COLORS.virtual.fill, COLORS.virtual.stroke],
    ["bare-metal worker", COLORS.baremetal.fill, COLORS.baremetal.stroke],
    ["reserved address", COLORS.reserved, COLORS.reserved],
    ["ALB (enabled)", COLORS.alb, COLORS.alb],
    ["ALB (disabled)", COLORS.albOff, COLORS.albOff],
    ["LoadBalancer (used)", COLORS.lbUsed, COLORS.lbUsed],
    ["LoadBalancer (free)", COLORS.lbFree, COLORS.lbFree],
  ];
  let lx = MARGIN;
  for (const [label, fill, stroke] of items) {
    out.push(rect(lx, ly, 16, 16, stroke, fill, { rx: 2 }));
    out.push(text(lx + 22, ly + 13, label, { size: 12 }));
    lx += 30 + label.length * 7;
  }
  out.push(text(MARGIN, ly + 38, "Red line: public VLAN; blue line: private VLAN; a dashed box is a user-provided portable subnet. Portable IPs are permanent: growing the cluster never renumbers them.", { size: 11, fill: "#555" }));
  out.push("</svg>");
  return out.join("\n") + "\n";
}
