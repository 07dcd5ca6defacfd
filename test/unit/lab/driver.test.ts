// The lab driver fed the real `lab` example stack through the cluster model:
// every VLAN and host the model plans is accepted by the lab's own checks.
// (The resource wiring is proven on the real engine in test/engine/lab.test.ts:
// dynamic providers' closure serialization does not run under jest mocks.)
import { LabDriver } from "../../../components/infra/lab";
import { networkPlan } from "../../../components/infra/lab/netplan";
import { renderHostUp } from "../../../components/infra/lab/render";
import { planCluster } from "../../../components/model/plan";
import { toHostSpecs, toNetworkSpec } from "../../../components/model/to-driver";
import { loadExample } from "../model/load";

const plan = planCluster(loadExample("lab"));
const netSpec = toNetworkSpec(plan);
const hostSpecs = toHostSpecs(plan);

test("the lab example's plan passes the lab's own checks for every VLAN and host", () => {
  const net = networkPlan("lab", netSpec);
  expect(net.segments).toHaveLength(netSpec.segments.length);
  for (const h of hostSpecs) {
    expect(() => renderHostUp({ stack: "lab", spec: h, network: net, imageRootfs: "/img", authorizedKey: "ssh-ed25519 AAAA" })).not.toThrow();
  }
});

test("bad driver options fail with the field", () => {
  expect(() => new LabDriver({ stack: "a/b" })).toThrow(/^lab\.stack: "a\/b"/);
  expect(() => new LabDriver({ stack: "s", labRoot: "relative" })).toThrow(/^lab\.labRoot/);
  expect(() => new LabDriver({ stack: "s", image: { extraPackages: ["$(x)"] } })).toThrow(/^lab\.image\.extraPackages\[0\]/);
});
