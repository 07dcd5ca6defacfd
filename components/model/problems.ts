// A problem with a spec: the field path (as a user would write it, e.g.
// `workerPools[1].zones[0]` or `infrastructure.zones.lab-z1.privateVlan.id`)
// and the reason.

export interface Problem {
  path: string;
  message: string;
}

const PLAIN_KEY = /^[A-Za-z_][-A-Za-z0-9_]*$/;

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (PLAIN_KEY.test(String(s))) out += out === "" ? String(s) : `.${String(s)}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out === "" ? "(spec)" : out;
}

export function problem(segments: readonly PropertyKey[], message: string): Problem {
  return { path: formatPath(segments), message };
}
