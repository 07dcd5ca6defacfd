// The host library's unit renderer: daemons, oneshot steps and .path units. The
// full texts pinned here are on hosts already; a changed byte restarts a daemon.
import { credential, renderPathUnit, renderUnit, unitFile } from "../../../components/bootstrap/host/systemd";
import { allowlistFiles } from "../../../components/control/render/publicEndpoint";
import { cniPathUnit, cniServiceUnit } from "../../../components/workers/render/podNetwork";
import { spec } from "../control/fixtures";

describe("renderUnit", () => {
  test("a daemon restarts forever, one argument per line", () => {
    expect(renderUnit({ description: "d", after: ["a.service"], exec: ["/bin/d", "--x=1", "--y=2"], restartSec: 3 })).toBe(
      [
        "[Unit]",
        "Description=d",
        "After=a.service",
        "StartLimitIntervalSec=0",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=/bin/d \\",
        "  --x=1 \\",
        "  --y=2",
        "Restart=always",
        "RestartSec=3",
        "LimitNOFILE=65536",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
  });
  test("a oneshot step has no restart, no start limit and no LimitNOFILE unless asked", () => {
    const u = renderUnit({ type: "oneshot", remainAfterExit: true, description: "s", before: ["b.service"], exec: ["/bin/sh", "/x y.sh"] });
    expect(u).toBe(
      ["[Unit]", "Description=s", "Before=b.service", "", "[Service]", "Type=oneshot", "RemainAfterExit=yes", 'ExecStart=/bin/sh "/x y.sh"', "", "[Install]", "WantedBy=multi-user.target", ""].join("\n"),
    );
    expect(renderUnit({ type: "oneshot", description: "s", exec: ["/bin/s"], limitNoFile: 1024 })).toContain("ExecStart=/bin/s\nLimitNOFILE=1024\n");
  });
  test("wantedBy: [] leaves out [Install]; other targets are named", () => {
    expect(renderUnit({ type: "oneshot", description: "s", exec: ["/bin/s"], wantedBy: [] })).toBe("[Unit]\nDescription=s\n\n[Service]\nType=oneshot\nExecStart=/bin/s\n");
    expect(renderUnit({ description: "d", exec: ["/bin/d"], wantedBy: ["sysinit.target"] })).toMatch(/\[Install\]\nWantedBy=sysinit.target\n$/);
  });
  test("a path unit watches absolute paths and may name its unit", () => {
    expect(renderPathUnit({ description: "p", pathChanged: ["/run/x"], unit: "y.service", wantedBy: [] })).toBe("[Unit]\nDescription=p\n\n[Path]\nPathChanged=/run/x\nUnit=y.service\n");
    expect(() => renderPathUnit({ description: "p" })).toThrow(/no path/);
    expect(() => renderPathUnit({ description: "p", pathExists: ["run/x"] })).toThrow(/absolute/);
  });
});

describe("unit files and credentials", () => {
  it("a unit file is in /etc/systemd/system, 0600 (CIS 1.1.1-1.1.8, 4.1.1)", () => {
    expect(unitFile("x.service", "[Unit]\n")).toEqual({ path: "/etc/systemd/system/x.service", mode: "0600", content: "[Unit]\n" });
  });
  it("credentials become LoadCredential= lines, named in arguments through %d; a bad one is refused", () => {
    const u = renderUnit({ description: "d", user: "etcd", credentials: { "member.key": "/etc/k/member.key" }, exec: ["/bin/d", `--key=${credential("member.key")}`] });
    expect(u).toContain("User=etcd\nGroup=etcd\nLoadCredential=member.key:/etc/k/member.key\n");
    expect(u).toContain("--key=%d/member.key");
    expect(() => renderUnit({ description: "d", credentials: { "a b": "/x" }, exec: ["/bin/d"] })).toThrow(/credential/);
    expect(() => renderUnit({ description: "d", credentials: { k: "relative/path" }, exec: ["/bin/d"] })).toThrow(/credential/);
  });
});

describe("the oneshot and path units on hosts keep their text", () => {
  test("the public endpoint allow-list", () => {
    const m = { name: "m1", zone: "z1", privateIp: "10.10.0.11", publicIp: "203.0.113.11" };
    expect(allowlistFiles(spec, m).find((f) => f.path.endsWith(".service"))!.content).toBe(
      [
        "[Unit]",
        "Description=Keelson: the public service endpoint's source allow-list",
        "After=network-online.target",
        "Before=kube-apiserver.service",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        "ExecStart=/usr/local/lib/keelson/public-endpoint-allowlist.sh",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
  });
  test("keelson-cni.path and keelson-cni.service", () => {
    expect(cniPathUnit()).toBe(
      [
        "[Unit]",
        "Description=Render the CNI config when flannel writes this node's subnet",
        "",
        "[Path]",
        "PathExists=/run/flannel/subnet.env",
        "PathChanged=/run/flannel/subnet.env",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
    expect(cniServiceUnit()).toBe(
      ["[Unit]", "Description=Render the CNI config from flannel's subnet file", "", "[Service]", "Type=oneshot", "ExecStart=/bin/bash /usr/local/lib/keelson/cni-config.sh", ""].join("\n"),
    );
  });
});
