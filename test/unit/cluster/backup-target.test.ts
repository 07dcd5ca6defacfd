// backup.target from the spec to the control plane layer: defaults filled, the
// fields the masters' shell lines use checked by the schema (broken-specs.test.ts
// has the refusals).
import { controlPlaneInputs } from "../../../components/cluster/layers";
import { parseSpec } from "../../../components/model/spec";
import { labSpec } from "../model/fixtures";

import type { ProvisionedHost } from "../../../components/infra/driver";

/** Only what the projection reads of a master: its addresses. */
const masters = [{ spec: { privateIp: "10.1.0.11", publicIp: "10.2.0.11" } }] as unknown as ProvisionedHost[];
const hostKey = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA${"B".repeat(44)}`;

test("a spec's backup target reaches the control plane with port 22 and user root by default", () => {
  const s = labSpec();
  s.backup = { target: { host: "backups.example.com", path: "/srv/keelson/lab", hostKey } };
  const r = parseSpec(s);
  expect(r.ok ? [] : r.errors).toEqual([]);
  if (!r.ok) return;
  expect(controlPlaneInputs(r.spec, masters, 6443).backup?.target).toEqual({ host: "backups.example.com", port: 22, user: "root", path: "/srv/keelson/lab", hostKey });
});

test("no target, none passed on; backups off, no target either", () => {
  const r = parseSpec(labSpec());
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  expect(controlPlaneInputs(r.spec, masters, 6443).backup).not.toHaveProperty("target");
  const off = labSpec();
  off.backup = { enabled: false, target: { host: "b", path: "/srv/k", hostKey } };
  const r2 = parseSpec(off);
  if (!r2.ok) throw new Error(JSON.stringify(r2.errors));
  expect(controlPlaneInputs(r2.spec, masters, 6443).backup).toBeUndefined();
});
