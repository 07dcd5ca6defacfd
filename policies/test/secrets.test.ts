// no-plaintext-secrets, the pure part: what looks like a secret, and that a
// value the engine marked secret is never reported.
import { findPlaintextSecrets, secretShape, ScannedResource } from "../rules/secrets";
import { BOOTSTRAP_TOKEN, KUBECONFIG } from "../../test/engine/fixtures/policy/cluster";

const PEM = ["-----BEGIN EC PRIVATE KEY-----", "MHcCAQEEIBb3", "-----END EC PRIVATE KEY-----"].join("\n");
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

describe("secretShape", () => {
  test.each([
    [PEM, "a PEM private key"],
    ["-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "a PEM private key"],
    ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==", "a PEM private key"],
    [KUBECONFIG, "a kubeconfig with credentials"],
    ['{"apiVersion":"v1","kind":"Config","users":[{"name":"a","user":{"token":"0123456789abcdef"}}]}', "a kubeconfig with credentials"],
    ["Authorization: Bearer 0123456789abcdefABCDEF", "a bearer token"],
    [JWT, "a JSON Web Token"],
    [BOOTSTRAP_TOKEN, "a Kubernetes bootstrap token"],
    [`kubeadm join --token ${BOOTSTRAP_TOKEN}`, "a Kubernetes bootstrap token"],
    ["AGE-SECRET-KEY-1E0EYSNDK5GJ3QXDFL769FAEKP8EL0L4TF9C3A6S9LVRX9K4K5KYQZE8Q56", "an age identity (private key)"],
  ])("%s is %s", (value, what) => {
    expect(secretShape(value)).toBe(what);
  });
  test.each([
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "apiVersion: v1\nkind: Config\nclusters: []\nusers: []",
    "lab-default-lab1-0.lab.keelson.internal",
    "10.88.0.0/16",
    "1.36.3",
    "sha256:0123456789abcdef0123456789abcdef",
    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p", // an age recipient: the public half
  ])("%s is harmless", (value) => {
    expect(secretShape(value)).toBeUndefined();
  });
});

function resource(props: Record<string, unknown>, secretPaths: string[] = [], extra: Partial<ScannedResource> = {}): ScannedResource {
  return { name: "r", urn: "urn:pulumi:s::p::t::r", type: "command:local:Command", side: "inputs", props, secretPaths: new Set(secretPaths), ...extra };
}

describe("findPlaintextSecrets", () => {
  test("a plain private key in a nested input is reported with its path and the fix", () => {
    const v = findPlaintextSecrets([resource({ connection: { host: "10.88.0.10", privateKey: PEM } })]);
    expect(v).toEqual([
      {
        urn: "urn:pulumi:s::p::t::r",
        message: expect.stringMatching(/^input "connection\.privateKey" of command:local:Command "r" holds a PEM private key in plaintext.*Fix: wrap it with pulumi\.secret\(\)/),
      },
    ]);
  });
  test("the same value under a secret path is not reported", () => {
    expect(findPlaintextSecrets([resource({ connection: { host: "h", privateKey: PEM } }, ["connection.privateKey"])])).toEqual([]);
    expect(findPlaintextSecrets([resource({ connection: { host: "h", privateKey: PEM } }, ["connection"])])).toEqual([]);
  });
  test("array elements and stack outputs are named as such", () => {
    const v = findPlaintextSecrets([
      resource({ files: ["a", KUBECONFIG] }, [], { side: "outputs" }),
      resource({ kubeconfig: KUBECONFIG }, [], { type: "pulumi:pulumi:Stack", side: "outputs" }),
    ]);
    expect(v.map((x) => x.message.split(" holds")[0])).toEqual(['output "files[1]" of command:local:Command "r"', 'stack output "kubeconfig"']);
  });
  test("a kubeconfig already parsed into an object is reported", () => {
    const kc = { apiVersion: "v1", kind: "Config", users: [{ name: "admin", user: { "client-key-data": "TFMwdExTMUNSVWRKVGlC" } }] };
    expect(findPlaintextSecrets([resource({ kubeconfig: kc })]).map((v) => v.message)).toEqual([expect.stringContaining('"kubeconfig" of command:local:Command "r" holds a kubeconfig with credentials')]);
    expect(findPlaintextSecrets([resource({ kubeconfig: kc }, ["kubeconfig"])])).toEqual([]);
  });
  test("harmless props pass", () => {
    expect(findPlaintextSecrets([resource({ create: "systemctl restart kubelet", environment: { NODE: "lab-1" }, certificate: "-----BEGIN CERTIFICATE-----" })])).toEqual([]);
  });
});
