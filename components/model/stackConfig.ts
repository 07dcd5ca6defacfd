// Reading `keelson:cluster` out of a Pulumi stack config file
// (`config: { keelson:cluster: {...} }`), with file-level problems in the
// same `path: reason` form as spec problems.
//
// Bounded work: the YAML library spends microseconds per node and checks
// duplicate keys pairwise (quadratic: a 20,000-key map took seconds), so the
// text is measured first (bytes, then YAML tokens, counted by the lexer and
// stopping at the limit), and duplicate keys are found here, once per key.
import * as fs from "node:fs";
import { CST, isMap, isScalar, isSeq, Lexer, parseDocument } from "yaml";
import { formatPath, type Problem } from "./problems";

export const CLUSTER_CONFIG_KEY = "keelson:cluster";

/** A stack config file is a few KB; a 2,000-host ssh spec (the most hosts a spec may have) is about 110 KB and 27,000 tokens. */
export const STACK_CONFIG_LIMITS = { bytes: 4 * 1024 * 1024, tokens: 60_000, depth: 64 } as const;

export type StackConfigResult = { ok: true; raw: unknown } | { ok: false; errors: Problem[] };

export function readStackConfig(file: string): StackConfigResult {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > STACK_CONFIG_LIMITS.bytes) return { ok: false, errors: [{ path: file, message: `${size} bytes; a stack config file is at most ${STACK_CONFIG_LIMITS.bytes}` }] };
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    return { ok: false, errors: [{ path: file, message: `cannot read: ${(e as Error).message}` }] };
  }
  return parseStackConfig(text, file);
}

export function parseStackConfig(text: string, file = "(stack config)"): StackConfigResult {
  const fail = (message: string, path = file): StackConfigResult => ({ ok: false, errors: [{ path, message }] });
  if (text.length > STACK_CONFIG_LIMITS.bytes) return fail(`${text.length} characters; a stack config file is at most ${STACK_CONFIG_LIMITS.bytes}`);
  // Nesting too: the library composes recursively, and a line of 50,000 "- "
  // or "[" would exhaust its stack only after a long walk.
  let tokens = 0;
  let flowDepth = 0;
  let onLine = 0;
  for (const tok of new Lexer().lex(text)) {
    if (++tokens > STACK_CONFIG_LIMITS.tokens) return fail(`more than ${STACK_CONFIG_LIMITS.tokens} YAML tokens; no stack config needs that many`);
    const type = CST.tokenType(tok);
    if (type === "flow-seq-start" || type === "flow-map-start") flowDepth++;
    else if (type === "flow-seq-end" || type === "flow-map-end") flowDepth--;
    else if (type === "newline") onLine = 0;
    else if (type === "seq-item-ind" || type === "explicit-key-ind" || type === "map-value-ind") onLine++;
    if (flowDepth > STACK_CONFIG_LIMITS.depth || onLine > STACK_CONFIG_LIMITS.depth) return fail(`nested more than ${STACK_CONFIG_LIMITS.depth} levels deep; no stack config is`);
  }
  let doc: unknown;
  try {
    const d = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
    if (d.errors.length > 0) return fail(`not valid YAML: ${d.errors[0].message.split("\n")[0]}`);
    const dup = firstDuplicateKey(d.contents);
    if (dup) return fail(`duplicate key ${JSON.stringify(dup.key)} in the YAML (the file would mean only the last one)`, dup.path);
    doc = d.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Alias bombs, or nesting deep enough to exhaust the library's stack.
    return fail(`not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof doc !== "object" || doc === null || !("config" in doc) || typeof (doc as { config: unknown }).config !== "object" || (doc as { config: unknown }).config === null) {
    return { ok: false, errors: [{ path: "config", message: `required: a stack config file has the form config: { ${CLUSTER_CONFIG_KEY}: {...} }` }] };
  }
  const config = (doc as { config: Record<string, unknown> }).config;
  if (!(CLUSTER_CONFIG_KEY in config)) {
    return { ok: false, errors: [{ path: `config.${CLUSTER_CONFIG_KEY}`, message: "required: the cluster spec" }] };
  }
  return { ok: true, raw: config[CLUSTER_CONFIG_KEY] };
}

/** The first key written twice in one map, with the map's path (iterative: no recursion on deep input). */
function firstDuplicateKey(root: unknown): { key: string; path: string } | undefined {
  const stack: { node: unknown; path: PropertyKey[] }[] = [{ node: root, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const item of node.items) {
        const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
        if (seen.has(key)) return { key, path: formatPath([...path, key]) };
        seen.add(key);
        stack.push({ node: item.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    }
  }
  return undefined;
}
