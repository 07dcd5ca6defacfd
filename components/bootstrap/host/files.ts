// Files a host should hold, and the shell script that writes them.
// Files travel inside a remote command's stdin (a Pulumi secret when any file
// is), never on the command line, so keys never appear in process lists or logs.
import { createHash } from "crypto";

export interface HostFile {
  path: string; // absolute
  mode: string; // octal, e.g. "0600"
  content: string;
}

export function validateFiles(files: HostFile[]): void {
  const seen = new Set<string>();
  files.forEach((f, i) => {
    if (!f.path.startsWith("/") || f.path.includes("..") || /[\s'"$`\\]/.test(f.path)) {
      throw new Error(`files[${i}].path: ${JSON.stringify(f.path)} must be an absolute path without spaces, quotes or ..`);
    }
    if (!/^0[0-7]{3}$/.test(f.mode)) throw new Error(`files[${i}].mode: ${JSON.stringify(f.mode)} is not an octal mode like 0644`);
    if (seen.has(f.path)) throw new Error(`files[${i}].path: ${f.path} appears twice`);
    seen.add(f.path);
  });
}

/**
 * A POSIX sh script that writes every file atomically (temp file + rename in the
 * same directory, so a killed run never leaves a half-written config) and prints
 * only the paths it changed (a file whose content is the same gets its mode set,
 * and is not counted). Content is base64 so any byte survives the heredoc.
 */
export function renderFileBundle(files: HostFile[]): string {
  validateFiles(files);
  const lines = ["set -eu", "umask 077"];
  files.forEach((f, i) => {
    const b64 = Buffer.from(f.content, "utf8").toString("base64").replace(/(.{76})/g, "$1\n");
    const dir = f.path.replace(/\/[^/]+$/, "") || "/";
    lines.push(
      `mkdir -p ${dir}`,
      `base64 -d > ${f.path}.keelson-new <<'KEELSON_EOF_${i}'`,
      b64,
      `KEELSON_EOF_${i}`,
      `chmod ${f.mode} ${f.path}.keelson-new`,
      // Unchanged content keeps its file, but takes the mode asked for (a mode is part of what a file should be).
      `if cmp -s ${f.path}.keelson-new ${f.path}; then rm -f ${f.path}.keelson-new; chmod ${f.mode} ${f.path}; else mv -f ${f.path}.keelson-new ${f.path}; echo "wrote ${f.path}"; fi`,
    );
  });
  return lines.join("\n") + "\n";
}

/** A short content hash: what triggers a unit restart when its inputs change. */
export function filesHash(files: HostFile[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    h.update(f.path).update("\0").update(f.mode).update("\0").update(f.content).update("\0");
  }
  return h.digest("hex").slice(0, 16);
}
