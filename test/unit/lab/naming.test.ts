import { spawnSync } from "child_process";
import * as path from "path";
import { bridgeName, hostNames, routerLinkNames, stackNames, stackTag, validateHostName, validateStack } from "../../../components/infra/lab/naming";

const lib = path.join(__dirname, "../../../components/infra/lab/scripts/lab-lib.sh");

describe("lab naming", () => {
  test("interface names fit the kernel's 15 characters, whatever the names", () => {
    const long = "a".repeat(63);
    const s = stackNames("x".repeat(100));
    const h = hostNames("x".repeat(100), long);
    for (const n of [s.mgmtLink, bridgeName(long), routerLinkNames(long).fabric, routerLinkNames(long).router, h.privateVeth, h.publicVeth]) {
      expect(n.length).toBeLessThanOrEqual(15);
    }
  });

  test("every namespace of a stack starts with its prefix, and stacks differ", () => {
    const a = stackNames("lab");
    const b = stackNames("lab-2");
    for (const ns of [a.fabricNs, a.routerNs, a.publicNs, a.clientNs, hostNames("lab", "m1").netns]) expect(ns.startsWith(a.netnsPrefix)).toBe(true);
    expect(a.netnsPrefix).not.toBe(b.netnsPrefix);
    expect(b.fabricNs.startsWith(a.netnsPrefix)).toBe(false);
    // A host can never be named like an infrastructure namespace.
    expect(() => hostNames("lab", "-fabric")).toThrow(/DNS label/);
  });

  test("the shell computes the same stack tag as TypeScript (cleanup finds by it)", () => {
    for (const stack of ["lab", "lab-2", "my.stack_1"]) {
      const r = spawnSync("bash", ["-c", `. ${lib}; stack_tag "$1"`, "_", stack], { encoding: "utf8" });
      expect(r.stdout.trim()).toBe(stackTag(stack));
    }
  });

  test("directories and cgroups carry the stack and host names", () => {
    const h = hostNames("lab", "m1", "/srv/lab");
    expect(h.dir).toBe("/srv/lab/lab/hosts/m1");
    expect(h.upper).toBe("/srv/lab/lab/hosts/m1/upper");
    expect(h.cgroup).toBe("keelson/lab/m1");
  });

  test("bad names are refused with the field", () => {
    expect(() => validateStack("a/b")).toThrow(/^stack: "a\/b"/);
    expect(() => validateStack("")).toThrow(/stack/);
    expect(() => validateHostName("Master_1", "hosts[0].name")).toThrow(/^hosts\[0\]\.name: "Master_1" is not a DNS label/);
  });
});
