// The Go halves of the toolchain (language host, command provider, kubelet serving approver) carry their
// own `go test` suites; run them as part of the unit tests.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const toolchain = path.resolve(__dirname, "..", "..", "..", "toolchain");

jest.setTimeout(5 * 60_000);

for (const mod of ["language-host", "command-provider", "kubelet-serving-approver"]) {
  test(`go test ./... in toolchain/${mod}`, () => {
    const r = spawnSync("go", ["test", "-count=1", "./..."], {
      cwd: path.join(toolchain, mod),
      env: { ...process.env, GOFLAGS: "-mod=mod" },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`go test failed in ${mod}:\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toMatch(/^ok\s/m);
  });
}
