// The lab infrastructure driver and its pure building blocks (see docs/lab.md).
export { LabDriver, LabHost, LabImage, LabNetwork, LabSshKey, hostIdentity } from "./labDriver";
export type { LabDriverArgs } from "./labDriver";
export { cleanupStack, listStackLeftovers } from "./cleanup";
export * from "./naming";
export { networkPlan, hostNetPlan, MGMT_RANGE, CLIENT_LINK } from "./netplan";
export { imageSpec, imageHash, imageDir, BASE_PACKAGES } from "./image";
