// parseSpec never throws and never runs away, whatever it is given: random
// damage to valid specs (the unit fixtures and the example stacks, seeded)
// always ends, quickly, in either a valid spec that plans, or a list of
// `path: reason` problems. The damage includes the inputs that once ran the
// validator out of memory (huge pool sizes, huge portable subnets), the
// special keys JavaScript treats specially, non-finite numbers and large lists.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseSpec } from "../../../components/model/spec";
import { planCluster } from "../../../components/model/plan";
import { parseStackConfig, readStackConfig } from "../../../components/model/stackConfig";
import { classicSpec, labSpec, privateOnlySpec, sshSpec, vpcSpec } from "./fixtures";
import { int, pick, rng, type Rng } from "./gen";
import { ROOT } from "./load";

const STACKS = fs.readdirSync(path.join(ROOT, "stacks")).filter((f) => f.endsWith(".yaml")).map((f) => path.join(ROOT, "stacks", f));
const stackBases = STACKS.map((file) => () => {
  const r = readStackConfig(file);
  if (!r.ok) throw new Error(`${file}: ${JSON.stringify(r.errors)}`);
  return r.raw as Record<string, any>;
});
const bases = [labSpec, classicSpec, privateOnlySpec, vpcSpec, sshSpec, ...stackBases];

const HUGE: unknown[] = [1e9, 2 ** 32, Number.MAX_SAFE_INTEGER, 1e308, Infinity, -Infinity, NaN, -0, 255, 256, 128, 129, 65536];
const SUBNETS = ["0.0.0.0/0", "10.0.0.0/1", "10.0.0.0/8", "0.0.0.0/8", "10.88.0.0/12", "192.168.0.0/16", "203.0.113.0/24", "10.90.0.0/20", "10.91.0.8/29"];
const STRINGS = ["", " ", "x", "lab-z1", "dal10", "us-south-1", "us-south", "eu-de", "1.36.3", "1.35.0", "01.36.3", "v1.36.3", "app == 'web", "has(x", "all()", "a".repeat(5000), "__proto__", "constructor", "prototype", "TCP", "30000:32767", "32767:30000"];
const VALUES: unknown[] = [null, 0, -1, 1.5, 70000, true, [], {}, ["lab-z1"], ["lab-z1", "lab-z2"], ["dal10", "dal10"], { id: 1 }, ...HUGE, ...SUBNETS, ...STRINGS, { action: "Allow", protocol: "TCP", destination: { ports: [80] } }, { network: "public", cidr: "0.0.0.0/0" }];
const SPECIAL = ["__proto__", "constructor", "prototype"];

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
    const roll = r();
    if (roll < 0.15 && !Array.isArray(parent)) delete parent[last];
    else if (roll < 0.22 && !Array.isArray(parent)) {
      // Rename the key to one JavaScript treats specially (an own property, as JSON and YAML make it).
      const value = parent[last];
      delete parent[last];
      Object.defineProperty(parent, pick(r, SPECIAL), { value, enumerable: true, writable: true, configurable: true });
    } else if (roll < 0.27) {
      // A long list of the same thing.
      parent[last] = Array.from({ length: pick(r, [20, 300, 3000]) }, () => structuredClone(parent[last]));
    } else parent[last] = structuredClone(pick(r, VALUES));
  }
}

function expectWellFormed(result: ReturnType<typeof parseSpec>): void {
  if (result.ok) {
    const t0 = performance.now();
    expect(() => planCluster(result.spec)).not.toThrow();
    expect(performance.now() - t0).toBeLessThan(1000);
  } else {
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) {
      expect(e.path).toMatch(/\S/);
      expect(e.message).toMatch(/\S/);
    }
  }
}

describe("parseSpec on damaged specs", () => {
  test.each(Array.from({ length: 40 }, (_, i) => i))("seed %i: 25 damaged specs each", (seed) => {
    const r = rng(seed + 7000);
    for (let k = 0; k < 25; k++) {
      const spec = pick(r, bases)();
      damage(spec, r);
      const t0 = performance.now();
      let result!: ReturnType<typeof parseSpec>;
      expect(() => (result = parseSpec(spec))).not.toThrow();
      expect(performance.now() - t0).toBeLessThan(1000);
      expectWellFormed(result);
    }
  });
});

describe("the example stacks' text, damaged", () => {
  const texts = STACKS.map((f) => fs.readFileSync(f, "utf8"));
  const PIECES = ["", " ", "\n", ":", "- ", "[", "]", "{", "}", ",", "'", '"', "*a", "&a ", "!!binary ", ".inf", ".nan", "__proto__: 1\n", "999999999999", "0.0.0.0/0", "\t"];
  test.each(Array.from({ length: 10 }, (_, i) => i))("seed %i: 20 damaged files each", (seed) => {
    const r = rng(seed + 9100);
    for (let k = 0; k < 20; k++) {
      let text = pick(r, texts);
      for (let n = int(r, 1, 4); n > 0; n--) {
        const at = int(r, 0, text.length);
        text = text.slice(0, at) + pick(r, PIECES) + text.slice(at + int(r, 0, 3));
      }
      const t0 = performance.now();
      const cfg = parseStackConfig(text, "f.yaml");
      if (cfg.ok) expectWellFormed(parseSpec(cfg.raw));
      else for (const e of cfg.errors) expect(e.path).toMatch(/\S/);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});
