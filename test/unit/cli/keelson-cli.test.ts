// `keelson validate | plan | diagram`: exit codes, `path: reason` lines, the
// plan JSON's documented fields, and the real launcher (bin/keelson.js).
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../components/cli/main";

const ROOT = path.join(__dirname, "..", "..", "..");
const LAB = path.join(ROOT, "stacks", "Pulumi.lab.yaml");

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function tmpFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keelson-cli-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe("keelson CLI", () => {
  test.each(["lab", "classic", "vpc"])("validate %s example: exit 0", (name) => {
    const r = run("validate", path.join(ROOT, "stacks", `Pulumi.${name}.yaml`));
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/: ok: cluster /);
  });

  test("validate a broken spec: exit 1, one `path: reason` line per problem, all of them", () => {
    const text = fs.readFileSync(LAB, "utf8").replace("flavor: lab.v1x1", "flavor: lab.huge").replace("encapsulation: vxlan", "encapsulation: ipip").replace("sizePerZone: 1\n      - name: metal", "sizePerZone: -1\n      - name: metal");
    const r = run("validate", tmpFile("Pulumi.broken.yaml", text));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toEqual([
      "workerPools[0].sizePerZone: must be at least 0",
      "workerPools[0].flavor: unknown flavor lab.huge; known lab flavors: lab.v1x1, lab.v2x2, lab.bm2x2",
      "network.calico.encapsulation: lab hosts cannot use IP-in-IP (the lab kernel has no ipip support); use vxlan",
      expect.stringMatching(/Pulumi\.broken\.yaml: 3 problems$/),
    ]);
  });

  test("plan prints JSON with zones, hosts and portable subnets in the documented shape", () => {
    const r = run("plan", LAB);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out);
    expect(plan.zones.map((z: { name: string }) => z.name)).toEqual(["lab-z1", "lab-z2", "lab-z3"]);
    expect(plan.hosts).toHaveLength(7);
    for (const h of plan.hosts) expect(Object.keys(h)).toEqual(expect.arrayContaining(["name", "role", "zone", "pool", "privateIp", "publicIp"]));
    expect(plan.hosts[0]).toMatchObject({ name: "lab-master-1", role: "master", zone: "lab-z1", pool: null, privateIp: "10.88.1.4", publicIp: "10.89.1.4" });
    expect(plan.portableSubnets[0]).toMatchObject({ zone: "lab-z1", network: "private", cidr: "10.90.0.0/29", reserved: ["10.90.0.0", "10.90.0.1", "10.90.0.7"], alb: "10.90.0.2", loadBalancers: ["10.90.0.3", "10.90.0.4", "10.90.0.5", "10.90.0.6"] });
  });

  test("diagram writes SVG to stdout or to -o", () => {
    const r = run("diagram", LAB);
    expect(r.code).toBe(0);
    expect(r.out.startsWith("<svg ")).toBe(true);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keelson-svg-")), "lab.svg");
    const w = run("diagram", LAB, "-o", out);
    expect(w.code).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toBe(r.out);
  });

  test("file-level problems: missing file, not YAML, no keelson:cluster", () => {
    const missing = run("validate", "/nonexistent/Pulumi.x.yaml");
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^\/nonexistent\/Pulumi\.x\.yaml: cannot read: ENOENT/);
    const notYaml = run("validate", tmpFile("a.yaml", "config: [unclosed"));
    expect(notYaml.code).toBe(1);
    expect(notYaml.err).toMatch(/a\.yaml: not valid YAML: /);
    const noKey = run("validate", tmpFile("b.yaml", "config:\n  keelson:other: 1\n"));
    expect(noKey.code).toBe(1);
    expect(noKey.err.split("\n")[0]).toBe("config.keelson:cluster: required: the cluster spec");
  });

  test("hostile files end quickly in `path: reason` lines: a /0 portable subnet, a huge pool, __proto__, duplicate keys, a 3 MB list", () => {
    const lab = fs.readFileSync(LAB, "utf8");
    const cases: [string, string, string][] = [
      ["a /0 portable subnet", lab.replace("publicVlan: {id: 1201, primarySubnet: 10.89.1.0/24}", "publicVlan: {id: 1201, primarySubnet: 10.89.1.0/24}\n          portable: {extra: [{network: private, cidr: 0.0.0.0/0}]}"), "infrastructure.zones.lab-z1.portable.extra[0].cidr: a user portable subnet is a /20 to /29 (got /0)"],
      ["a huge pool", lab.replace("sizePerZone: 1\n      - name: metal", "sizePerZone: 1000000000\n      - name: metal"), "workerPools[0].sizePerZone: must be at most 128"],
      ["__proto__ as a label", lab.replace("keelson.io/pool-kind: metal", "__proto__: metal"), 'workerPools[1].labels.__proto__: "__proto__" is not allowed as a key (JavaScript treats it specially)'],
      ["a key written twice", lab.replace("    region: lab\n", "    region: lab\n    region: us-south\n"), 'config["keelson:cluster"].region: duplicate key "region" in the YAML (the file would mean only the last one)'],
      ["a 3 MB list", `config: {keelson:cluster: {zones: [${Array.from({ length: 1_500_000 }, () => "1").join(",")}]}}\n`, "more than 60000 YAML tokens; no stack config needs that many"],
    ];
    for (const [what, text, line] of cases) {
      const t0 = Date.now();
      const r = run("validate", tmpFile("Pulumi.hostile.yaml", text));
      expect([what, r.code, Date.now() - t0 < 2000]).toEqual([what, 1, true]);
      expect(r.err).toContain(line);
    }
  });

  test("usage errors exit 2", () => {
    expect(run().code).toBe(2);
    expect(run("deploy", LAB).code).toBe(2);
    expect(run("validate").code).toBe(2);
    expect(run("validate", LAB, LAB).code).toBe(2);
    expect(run("diagram", LAB, "-o").code).toBe(2);
    expect(run("--help").code).toBe(0);
  });

  test("bin/keelson.js runs the CLI without a build step (exit codes pass through)", () => {
    const ok = execFileSync(process.execPath, [path.join(ROOT, "bin", "keelson.js"), "validate", LAB], { cwd: os.tmpdir(), encoding: "utf8" });
    expect(ok).toMatch(/ok: cluster lab \(lab\), 3 zone\(s\), 3 masters, 4 workers/);
    const bad = spawnSync(process.execPath, [path.join(ROOT, "bin", "keelson.js"), "validate", tmpFile("c.yaml", "config:\n  keelson:cluster: {}\n")], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("name: required (string)");
  }, 30000);
});
