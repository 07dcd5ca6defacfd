// A build into the Keelson cache that is found, not redone, when its inputs have
// not changed: the folder holds stamp.json with the inputs' key; a build runs in
// a temporary sibling folder renamed into place only when complete, so an
// interrupted build never leaves a folder that looks done.
//
// Plain Node.js with no npm dependencies: it runs before `npm ci`.
import fs from "node:fs";
import path from "node:path";

/**
 * `dir` is found when its stamp.json has `key` and every path of `outputs`
 * (relative to dir) exists. Otherwise `build(work)` fills the temporary folder
 * `work` and returns what stamp.json records beside the key.
 * Returns { dir, built }.
 */
export async function ensureCached({ dir, key, outputs, build }) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(dir, "stamp.json"), "utf8"));
  } catch {
    stamp = undefined;
  }
  if (stamp?.key === key && outputs.every((o) => fs.existsSync(path.join(dir, o)))) return { dir, built: false };
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(dir), `.${path.basename(dir)}-build-`));
  fs.chmodSync(work, 0o755);
  try {
    const extra = await build(work);
    fs.writeFileSync(path.join(work, "stamp.json"), JSON.stringify({ key, ...extra, builtAt: new Date().toISOString() }, null, 2) + "\n");
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(work, dir);
    return { dir, built: true };
  } catch (e) {
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  }
}
