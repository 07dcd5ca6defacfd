// Policy group: secrets. Scans every resource in the stack (Keelson's and any
// other: commands, dynamic resources, the stack's own outputs), both the inputs
// the program passed and the outputs state records.
import type { StackValidationPolicy } from "@pulumi/policy";
import { readProps, selfTest } from "./lib/engineProps";
import { recorded } from "./lib/clusterPolicy";
import { ScannedResource, findPlaintextSecrets } from "./rules/secrets";

const trackingWorks = selfTest();

export const secretPolicies: StackValidationPolicy[] = [
  {
    name: "no-plaintext-secrets",
    description: "No private key, token or kubeconfig appears in a plain (non-secret) input, output or stack output.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      if (!trackingWorks) {
        report(
          "no-plaintext-secrets cannot tell secret from plain values with this @pulumi/policy version (policies/lib/engineProps.ts self-test failed). " +
            "Fix: pin @pulumi/policy to 1.21.0 or update engineProps.ts.",
        );
        return;
      }
      const scanned: ScannedResource[] = [];
      for (const r of args.resources) {
        const rec = recorded(r.urn);
        if (rec) scanned.push({ name: r.name, urn: r.urn, type: r.type, side: "inputs", props: rec.props, secretPaths: rec.secretPaths ?? new Set() });
        const outs = readProps(r.props);
        scanned.push({ name: r.name, urn: r.urn, type: r.type, side: "outputs", props: outs.props, secretPaths: outs.secretPaths ?? new Set() });
      }
      // The same leak usually shows in a resource's inputs and its outputs: report it once per resource and path.
      const seen = new Set<string>();
      for (const v of findPlaintextSecrets(scanned)) {
        const key = `${v.urn} ${v.message.replace(/^(input|output) /, "")}`;
        if (seen.has(key)) continue;
        seen.add(key);
        report(v.message, v.urn);
      }
    },
  },
];
