// parseSpec never throws, whatever it is given: random damage to valid specs
// (seeded) always ends in either a valid spec that plans, or a list of
// `path: reason` problems.
import { parseSpec } from "../../../components/model/spec";
import { planCluster } from "../../../components/model/plan";
import { classicSpec, labSpec, privateOnlySpec, sshSpec, vpcSpec } from "./fixtures";
import { int, pick, rng, type Rng } from "./gen";

const VALUES: unknown[] = [null, 0, -1, 1.5, 70000, "", "x", "10.0.0.0/8", "10.88.1.0/24", "lab-z1", "203.0.113.5", true, [], {}, ["lab-z1"], ["lab-z1", "lab-z2"], ["dal10", "dal10"], { id: 1 }];

function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [prefix, ...v.flatMap((x, i) => paths(x, [...prefix, i]))];
  if (v && typeof v === "object") return [prefix, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...prefix, k]))];
  return [prefix];
}

function damage(spec: Record<string, any>, r: Rng): void {
  const all = paths(spec).filter((p) => p.length > 0);
  for (let n = int(r, 1, 3); n > 0; n--) {
    const p = pick(r, all);
    let parent: any = spec;
    for (const k of p.slice(0, -1)) parent = parent?.[k];
    if (parent === null || typeof parent !== "object") continue;
    const last = p[p.length - 1];
    if (r() < 0.2 && !Array.isArray(parent)) delete parent[last];
    else parent[last] = structuredClone(pick(r, VALUES));
  }
}

describe("parseSpec on damaged specs", () => {
  const bases = [labSpec, classicSpec, privateOnlySpec, vpcSpec, sshSpec];
  test.each(Array.from({ length: 40 }, (_, i) => i))("seed %i: 25 damaged specs each", (seed) => {
    const r = rng(seed + 7000);
    for (let k = 0; k < 25; k++) {
      const spec = pick(r, bases)();
      damage(spec, r);
      const result = parseSpec(spec);
      if (result.ok) {
        expect(() => planCluster(result.spec)).not.toThrow();
      } else {
        expect(result.errors.length).toBeGreaterThan(0);
        for (const e of result.errors) {
          expect(e.path).toMatch(/\S/);
          expect(e.message).toMatch(/\S/);
        }
      }
    }
  });
});
