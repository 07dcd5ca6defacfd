// Where things live on every host Keelson manages, master or worker. What only
// one role uses stays with it: components/control/render/paths.ts (a master's
// PKI, etcd data, kubeconfigs) and components/workers/render/paths.ts.
export const BIN_DIR = "/usr/local/bin";
export const UNIT_DIR = "/etc/systemd/system";
/** Release artifacts (binaries, by content key) as copied to the host. */
export const ARTIFACT_DIR = "/var/lib/keelson/artifacts";
/** Container image bundles (by content key) as copied to the host. */
export const IMAGE_DIR = "/var/lib/keelson/images";
