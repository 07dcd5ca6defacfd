// kubeconfig files: certificate credentials embedded, so one file is all a client needs.
import { stringify } from "yaml";

export interface KubeconfigInput {
  clusterName: string;
  server: string; // https://host:port
  caPem: string;
  user: string;
  certPem: string;
  keyPem: string;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

export function renderKubeconfig(k: KubeconfigInput): string {
  if (!/^https:\/\/[^/\s]+:\d+$/.test(k.server)) throw new Error(`kubeconfig.server: ${JSON.stringify(k.server)} must be https://host:port`);
  const context = `${k.user}@${k.clusterName}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: k.clusterName, cluster: { server: k.server, "certificate-authority-data": b64(k.caPem) } }],
    users: [{ name: k.user, user: { "client-certificate-data": b64(k.certPem), "client-key-data": b64(k.keyPem) } }],
    contexts: [{ name: context, context: { cluster: k.clusterName, user: k.user } }],
    "current-context": context,
  });
}
