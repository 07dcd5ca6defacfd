// Container images without a registry (pure, unit-tested): the images a node
// needs travel as OCI archives in one bundle, are checked by sha256, imported
// into containerd's k8s.io namespace (where the kubelet's CRI looks), and then
// verified by manifest digest, so a node runs exactly the image that was built.
import { createHash } from "crypto";
import { IMAGE_DIR } from "./host/paths";

export interface ImageArchive {
  /** Short name: pause, coredns. */
  name: string;
  /** What pods and containerd call it: registry.k8s.io/pause:3.10. */
  ref: string;
  /** The archive's file name inside the bundle (e.g. pause.tar). */
  archive: string;
  /** sha256:<hex> of the image manifest: what `ctr images ls` must show. */
  digest: string;
  /** sha256 hex of the archive file itself. */
  archiveSha256: string;
}

const SHA = /^[0-9a-f]{64}$/;

export function validateImages(images: ImageArchive[]): void {
  const names = new Set<string>();
  images.forEach((im, i) => {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(im.name)) throw new Error(`images[${i}].name: ${JSON.stringify(im.name)} is not a plain name`);
    if (names.has(im.name)) throw new Error(`images[${i}].name: ${im.name} listed twice`);
    names.add(im.name);
    if (!/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._\/-]+:[A-Za-z0-9._-]+$/.test(im.ref)) throw new Error(`images[${i}].ref: ${JSON.stringify(im.ref)} is not a tagged image reference`);
    if (!/^[A-Za-z0-9._-]+\.tar$/.test(im.archive)) throw new Error(`images[${i}].archive: ${JSON.stringify(im.archive)} is not a .tar file name`);
    if (!/^sha256:[0-9a-f]{64}$/.test(im.digest)) throw new Error(`images[${i}].digest: ${JSON.stringify(im.digest)} is not sha256:<hex>`);
    if (!SHA.test(im.archiveSha256)) throw new Error(`images[${i}].archiveSha256: not a hex sha256`);
  });
}

/** Names exactly this set of images (their digests): the bundle's directory on the node. */
export function imageSetKey(images: ImageArchive[]): string {
  const h = createHash("sha256");
  for (const im of [...images].sort((a, b) => a.name.localeCompare(b.name))) h.update(`${im.ref} ${im.digest} ${im.archiveSha256}\n`);
  return h.digest("hex").slice(0, 16);
}

export function imageBundleDir(images: ImageArchive[]): string {
  return `${IMAGE_DIR}/${imageSetKey(images)}`;
}

/**
 * Unpacks the bundle, checks every archive's sha256, imports each into
 * containerd (k8s.io namespace, unpacked for `snapshotter`), then checks that
 * containerd holds each reference at exactly the expected manifest digest.
 * Idempotent: importing the same archive again changes nothing.
 */
export function importScript(images: ImageArchive[], snapshotter: string): string {
  validateImages(images);
  const dir = imageBundleDir(images);
  return [
    "set -eu",
    `mkdir -p ${dir}`,
    `tar -C ${dir} -xf ${dir}.tar`,
    `cd ${dir}`,
    "cat > SHA256SUMS <<'EOF'",
    ...images.map((im) => `${im.archiveSha256}  ${im.archive}`),
    "EOF",
    "sha256sum --quiet -c SHA256SUMS",
    // containerd may still be starting after its restart.
    "i=0; until ctr version >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 30 ] || { echo 'containerd is not answering' >&2; exit 1; }; sleep 1; done",
    ...images.flatMap((im) => [
      `ctr -n k8s.io images import --snapshotter ${snapshotter} ${im.archive} >/dev/null`,
      `got=$(ctr -n k8s.io images ls | awk -v r='${im.ref}' '$1 == r { print $3 }')`,
      `if [ "$got" != '${im.digest}' ]; then echo "image ${im.ref}: containerd holds digest '$got', expected ${im.digest}" >&2; exit 1; fi`,
    ]),
    `rm -f ${dir}.tar`,
    `echo imported ${images.map((im) => `${im.ref}@${im.digest.slice(0, 19)}`).join(" ")}`,
  ].join("\n");
}
