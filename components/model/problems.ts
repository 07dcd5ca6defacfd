// A problem with a spec: the field path (as a user would write it, e.g.
// `workerPools[1].zones[0]` or `infrastructure.zones.lab-z1.privateVlan.id`)
// and the reason.

export interface Problem {
  path: string;
  message: string;
}

const PLAIN_KEY = /^[A-Za-z_][-A-Za-z0-9_]*$/;

// A key longer than this is shown cut, so that a 3 MB key makes a short line.
const MAX_SHOWN_KEY = 80;

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of segments) {
    const s = typeof seg === "string" && seg.length > MAX_SHOWN_KEY ? `${seg.slice(0, MAX_SHOWN_KEY)}… (${seg.length} characters)` : seg;
    if (typeof s === "number") out += `[${s}]`;
    else if (PLAIN_KEY.test(String(s))) out += out === "" ? String(s) : `.${String(s)}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out === "" ? "(spec)" : out;
}

export function problem(segments: readonly PropertyKey[], message: string): Problem {
  return { path: formatPath(segments), message };
}

/** A message cut to a readable length (one that quotes a huge input value would be as huge). */
export function clipMessage(message: string, max = 1000): string {
  return message.length <= max ? message : `${message.slice(0, max)}… (${message.length} characters)`;
}
