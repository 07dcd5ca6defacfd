// Keelson's CrossGuard policy pack. Enable it with
//   npm run pulumi -- preview -s lab --policy-pack policies
// (docs/policies.md lists the rules and the config a team can change).
//
// @pulumi/policy reads the pack's version from `${process.cwd()}/package.json`,
// and the language host may start us in the *program's* directory rather than
// this one, so move here first.
process.chdir(__dirname);

import { PolicyPack } from "@pulumi/policy";
import { installSecretTracking } from "./lib/engineProps";
import { inventoryPolicy, rulesActivePolicy } from "./lib/clusterPolicy";
import { masterPolicies } from "./masters";
import { workerPolicies } from "./workers";
import { networkingPolicies } from "./networking";
import { securityPolicies } from "./security";
import { secretPolicies } from "./secrets";
import { versionPolicies } from "./versions";

installSecretTracking();

new PolicyPack("keelson", {
  policies: [
    inventoryPolicy,
    rulesActivePolicy,
    ...masterPolicies,
    ...workerPolicies,
    ...networkingPolicies,
    ...securityPolicies,
    ...secretPolicies,
    ...versionPolicies,
  ],
});
