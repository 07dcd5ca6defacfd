// Keelson's pinned versions (components/versions.json), for the toolchain
// scripts: plain Node.js, read before `npm ci`.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const VERSIONS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "components", "versions.json");
export const VERSIONS = JSON.parse(fs.readFileSync(VERSIONS_FILE, "utf8"));
