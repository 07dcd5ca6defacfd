// The image bundle a node gets: OCI archives built by toolchain/images.mjs (or
// a user's air-gapped mirror laid out the same way), pushed over SSH as one
// file and imported into the node's containerd, verified by digest.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { ProvisionedHost } from "../infra/driver";
import { cacheRoot } from "./artifacts";
import { hostCommand, hostCopy } from "./host/hostCommand";
import { imageBundleDir, imageSetKey, importScript, validateImages, type ImageArchive } from "./imagePlan";

/** Where toolchain/images.mjs puts the bundle (or an air-gapped mirror, with KEELSON_IMAGES_DIR). */
export function defaultImagesDir(): string {
  return process.env.KEELSON_IMAGES_DIR ?? path.join(cacheRoot(), "images");
}

export class ImageBundle {
  readonly images: ImageArchive[];
  /** Add-on manifests shipped with the images, by name (file names in `dir`). */
  readonly manifests: Record<string, string>;

  /** `dir` holds images.json and the archives it names (toolchain/images.mjs writes both). */
  constructor(readonly dir: string) {
    const index = path.join(dir, "images.json");
    if (!fs.existsSync(index)) {
      throw new Error(`images: ${index} is missing. Build the images first: node toolchain/images.mjs (or point KEELSON_IMAGES_DIR at a folder holding images.json and its archives)`);
    }
    const parsed = JSON.parse(fs.readFileSync(index, "utf8")) as { images?: ImageArchive[]; manifests?: Record<string, string> };
    this.manifests = parsed.manifests ?? {};
    // Archives are named relative to `dir` in the bundle (images.json may hold absolute paths).
    this.images = (parsed.images ?? []).map((im) => ({ ...im, archive: path.basename(im.archive) }));
    validateImages(this.images);
    for (const im of this.images) {
      if (!fs.existsSync(path.join(dir, im.archive))) throw new Error(`images: ${im.name}: ${path.join(dir, im.archive)} is missing`);
    }
  }

  ref(name: string): string {
    const im = this.images.find((i) => i.name === name);
    if (!im) throw new Error(`images: no image named ${name} in ${this.dir} (have: ${this.images.map((i) => i.name).join(", ")})`);
    return im.ref;
  }

  /** The text of an add-on manifest the bundle carries (MetalLB's, say). */
  manifest(name: string): string {
    const file = this.manifests[name];
    if (!file || !/^[A-Za-z0-9._-]+$/.test(file)) {
      throw new Error(`images: ${path.join(this.dir, "images.json")} names no ${name} manifest (rebuild the bundle: node toolchain/images.mjs)`);
    }
    return fs.readFileSync(path.join(this.dir, file), "utf8");
  }

  /** One tar of every archive, built once next to them (atomic rename). */
  stage(): string {
    const file = path.join(cacheRoot(), "staged", `images-${imageSetKey(this.images)}.tar`);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const partial = `${file}.tmp-${process.pid}`;
      const r = spawnSync("tar", ["-C", this.dir, "-cf", partial, ...this.images.map((i) => i.archive)], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`images: tar failed for ${file}: ${r.stderr}`);
      fs.renameSync(partial, file);
    }
    return file;
  }

  /** Pushes the bundle to `host` and imports it; depend on the result to use the images. */
  install(name: string, host: ProvisionedHost, snapshotter: string, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const dir = imageBundleDir(this.images);
    // The push needs only the host; the import also waits for what the caller says (its containerd).
    const copy = hostCopy(`${name}-push`, host, { source: new pulumi.asset.FileAsset(this.stage()), remotePath: `${dir}.tar` }, { parent: opts.parent });
    return hostCommand(`${name}-import`, host, { create: importScript(this.images, snapshotter), triggers: [imageSetKey(this.images)] }, { ...opts, dependsOn: [copy, ...((opts.dependsOn as pulumi.Resource[] | undefined) ?? [])] });
  }
}
