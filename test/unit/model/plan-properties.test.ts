// Property tests: planning is deterministic, and stable under change (growing
// a pool, adding a pool, adding zones or LoadBalancers never renumbers what
// exists; shrinking a pool frees only what it removes). Seeded, so a failure
// names the seed that reproduces it.
import { parseSpec, type ClusterSpec } from "../../../components/model/spec";
import { planCluster, type Plan } from "../../../components/model/plan";
import { addZones, genPool, genSpec, int, kindOf, rng, ZONES } from "./gen";

const SEEDS = Array.from({ length: 60 }, (_, i) => 1000 + i);

function valid(raw: unknown, seed: number): ClusterSpec {
  const r = parseSpec(raw);
  if (!r.ok) throw new Error(`seed ${seed}: generated spec is invalid:\n${r.errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`);
  return r.spec;
}

const workerIndex = (p: Plan) => new Map(p.hosts.filter((h) => h.role === "worker").map((h) => [h.name, h]));
const portableIndex = (p: Plan) => new Map(p.portableSubnets.map((s) => [`${s.zone}/${s.network}/${s.cidr}`, s]));
const lbIndex = (p: Plan) => new Map(p.loadBalancers.map((l) => [`${l.namespace}/${l.name}`, l]));

/** Everything in `before` is still in `after`, with the same addresses. */
function expectPreserved(before: Plan, after: Plan, opts: { masters: boolean }): void {
  const w = workerIndex(after);
  for (const h of workerIndex(before).values()) {
    expect(w.get(h.name)).toEqual(h);
  }
  const ps = portableIndex(after);
  for (const [k, s] of portableIndex(before)) {
    expect(ps.get(k)?.cidr).toEqual(s.cidr);
    expect(ps.get(k)?.alb).toEqual(s.alb);
    expect(ps.get(k)?.reserved).toEqual(s.reserved);
  }
  const lbs = lbIndex(after);
  for (const [k, l] of lbIndex(before)) expect(lbs.get(k)).toEqual(l);
  for (const a of before.albs) expect(after.albs.find((x) => x.name === a.name)?.ip).toEqual(a.ip);
  if (opts.masters) expect(after.hosts.filter((h) => h.role === "master")).toEqual(before.hosts.filter((h) => h.role === "master"));
}

/** No two hosts share an address; no two portable addresses are shared. */
function expectNoCollisions(plan: Plan): void {
  const ips = plan.hosts.flatMap((h) => [h.privateIp, ...(h.publicIp ? [h.publicIp] : [])]);
  expect(new Set(ips).size).toBe(ips.length);
  const names = plan.hosts.map((h) => h.name);
  expect(new Set(names).size).toBe(names.length);
  const portable = plan.portableSubnets.flatMap((s) => s.addresses.map((a) => a.ip));
  expect(new Set(portable).size).toBe(portable.length);
  const lbIps = plan.loadBalancers.map((l) => l.ip);
  expect(new Set(lbIps).size).toBe(lbIps.length);
}

describe("plan properties (seeded random specs)", () => {
  test.each(SEEDS)("seed %i: deterministic, collision-free, and independent of key order", (seed) => {
    const raw = genSpec(rng(seed));
    const a = planCluster(valid(raw, seed));
    const b = planCluster(valid(structuredClone(raw), seed));
    expect(b).toEqual(a);
    // The same spec with object keys written in reverse order plans the same.
    const reversed = JSON.parse(JSON.stringify(raw), (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v));
    expect(planCluster(valid(reversed, seed))).toEqual(a);
    expectNoCollisions(a);
    // Every host's addresses are inside its zone's segments.
    for (const h of a.hosts) {
      const seg = a.segments.find((s) => s.name === h.privateSegment)!;
      expect(seg.zone).toBe(h.zone);
    }
  });

  test.each(SEEDS)("seed %i: growing a pool renumbers nothing", (seed) => {
    const r = rng(seed);
    const raw = genSpec(r) as Record<string, any>;
    const before = planCluster(valid(raw, seed));
    const grown = structuredClone(raw);
    const i = int(r, 0, grown.workerPools.length - 1);
    grown.workerPools[i].sizePerZone = Math.min(16, grown.workerPools[i].sizePerZone + int(r, 1, 6));
    const after = planCluster(valid(grown, seed));
    expectPreserved(before, after, { masters: true });
    expect(after.hosts.length).toBeGreaterThan(before.hosts.length);
    expectNoCollisions(after);
  });

  test.each(SEEDS)("seed %i: adding a pool and LoadBalancers renumbers nothing", (seed) => {
    const r = rng(seed);
    const raw = genSpec(r) as Record<string, any>;
    const before = planCluster(valid(raw, seed));
    const grown = structuredClone(raw);
    const kind = kindOf(raw);
    grown.workerPools.push({ ...genPool(r, kind, raw.zones, grown.workerPools.length), sizePerZone: int(r, 1, 4) });
    if (kind !== "vpc") {
      // One more LoadBalancer where there is room left.
      const z = raw.zones[0];
      if (grown.loadBalancers.filter((l: any) => l.zone === z && l.network === "private").length < 4) {
        grown.loadBalancers.push({ name: "added", zone: z, network: "private" });
      }
    }
    const after = planCluster(valid(grown, seed));
    expectPreserved(before, after, { masters: true });
    expectNoCollisions(after);
  });

  test.each(SEEDS)("seed %i: going from one zone to three renumbers no worker, portable subnet or LoadBalancer", (seed) => {
    const r = rng(seed);
    const raw = genSpec(r, { zoneCount: 1 });
    const before = planCluster(valid(raw, seed));
    const after = planCluster(valid(addZones(raw), seed));
    expectPreserved(before, after, { masters: false });
    expect(after.zones.map((z) => z.name)).toEqual(ZONES[kindOf(raw)].zones);
    // The first master keeps its place; the others are re-spread, one per zone.
    expect(after.hosts.find((h) => h.name === "gen-master-1")).toEqual(before.hosts.find((h) => h.name === "gen-master-1"));
    expect(new Set(after.hosts.filter((h) => h.role === "master").map((h) => h.zone)).size).toBe(3);
    expectNoCollisions(after);
  });

  test.each(SEEDS)("seed %i: shrinking a pool frees exactly the hosts it removes", (seed) => {
    const r = rng(seed);
    const raw = genSpec(r) as Record<string, any>;
    const i = raw.workerPools.findIndex((p: any) => p.sizePerZone > 0);
    const before = planCluster(valid(raw, seed));
    const shrunk = structuredClone(raw);
    const newSize = int(r, 0, raw.workerPools[i].sizePerZone - 1);
    shrunk.workerPools[i].sizePerZone = newSize;
    if (shrunk.workerPools.every((p: any) => p.sizePerZone === 0)) return; // would be invalid (no workers); covered by the rules tests
    const after = planCluster(valid(shrunk, seed));
    const kept = [...workerIndex(before).values()].filter((h) => h.pool !== raw.workerPools[i].name || h.index <= newSize);
    expect([...workerIndex(after).values()].sort((a, b) => a.name.localeCompare(b.name))).toEqual(kept.sort((a, b) => a.name.localeCompare(b.name)));
    expectPreserved(after, before, { masters: true }); // and nothing else moved
  });
});
