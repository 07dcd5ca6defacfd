import { BASE_PACKAGES, imageDir, imageHash, imageSpec } from "../../../components/infra/lab/image";

describe("lab image", () => {
  test("the package list holds what hosts and the bootstrap need", () => {
    for (const p of ["systemd", "systemd-sysv", "openssh-server", "iproute2", "dbus", "iptables", "conntrack", "socat", "containerd"]) {
      expect(BASE_PACKAGES).toContain(p);
    }
  });

  test("the image is named by suite and packages, not by order or mirror", () => {
    const a = imageSpec({ extraPackages: ["jq", "tcpdump"] });
    const b = imageSpec({ extraPackages: ["tcpdump", "jq"], mirror: "http://mirror.example/debian" });
    expect(imageHash(a)).toBe(imageHash(b));
    expect(imageHash(a)).not.toBe(imageHash(imageSpec()));
    expect(imageHash(imageSpec({ suite: "trixie" }))).not.toBe(imageHash(imageSpec()));
    expect(imageDir(a, "/c")).toBe(`/c/lab/images/bookworm-${imageHash(a)}`);
  });

  test("bad image options are refused with the field", () => {
    expect(() => imageSpec({ extraPackages: ["ok", "rm -rf"] })).toThrow(/^lab\.image\.extraPackages\[1\]: "rm -rf" is not a Debian package name/);
    expect(() => imageSpec({ mirror: "ftp://x" })).toThrow(/^lab\.image\.mirror/);
  });
});
