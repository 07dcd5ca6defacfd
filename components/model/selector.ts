// Calico selector expressions (projectcalico.org/v3 `selector`,
// `namespaceSelector`, ...), parsed so that a typo is a spec problem and not
// a policy Calico refuses after the cluster is built. The grammar is Calico's:
//   expr   := or
//   or     := and ("||" and)*
//   and    := unary ("&&" unary)*
//   unary  := "!" unary | "(" expr ")" | term
//   term   := "all()" | "global()" | "has(" key ")"
//           | key ("==" | "!=") string
//           | key ("in" | "not in") "{" [string ("," string)*] "}"
//           | key ("contains" | "starts with" | "ends with") string
// Strings are in single or double quotes, without escapes. Bounded: the text
// is at most LIMITS.selectorLength characters and nests at most MAX_NESTING.
import { LIMITS } from "./limits";

const MAX_NESTING = 64;
const KEY = /[A-Za-z0-9_.\/-]/;

/** A parsed selector: what components/model/networkPolicy.ts translates. */
export type SelectorNode =
  | { kind: "all" }
  | { kind: "global" }
  | { kind: "has"; key: string }
  | { kind: "compare"; key: string; op: "==" | "!=" | "contains" | "starts with" | "ends with"; value: string }
  | { kind: "set"; key: string; op: "in" | "not in"; values: string[] }
  | { kind: "not"; expr: SelectorNode }
  | { kind: "and"; exprs: SelectorNode[] }
  | { kind: "or"; exprs: SelectorNode[] };

/** Why `text` is not a Calico selector, or undefined when it is one. */
export function selectorProblem(text: string): string | undefined {
  const r = parseSelector(text);
  return "problem" in r ? r.problem : undefined;
}

/** `text` parsed, or why it is not a Calico selector. */
export function parseSelector(text: string): { node: SelectorNode } | { problem: string } {
  if (text.length > LIMITS.selectorLength) return { problem: `a selector of ${text.length} characters; at most ${LIMITS.selectorLength}` };
  if (text.trim() === "") return { problem: `${JSON.stringify(text)} is empty; write all() to select everything` };
  try {
    return { node: new Parser(text).parseAll() };
  } catch (e) {
    if (e instanceof SelectorError) return { problem: `selector ${JSON.stringify(text)}: ${e.message}` };
    throw e;
  }
}

class SelectorError extends Error {}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parseAll(): SelectorNode {
    const node = this.or();
    this.ws();
    if (this.pos < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s[this.pos])}`);
    return node;
  }

  private fail(what: string): never {
    throw new SelectorError(`${what} at position ${this.pos + 1}`);
  }

  private ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }

  /** Consume `tok` (after whitespace) if it is next; words must not run into a key character. */
  private eat(tok: string): boolean {
    this.ws();
    if (!this.s.startsWith(tok, this.pos)) return false;
    if (/^[a-z]/.test(tok) && KEY.test(this.s[this.pos + tok.length] ?? "")) return false;
    this.pos += tok.length;
    return true;
  }

  private or(): SelectorNode {
    const exprs = [this.and()];
    while (this.eat("||")) exprs.push(this.and());
    return exprs.length === 1 ? exprs[0] : { kind: "or", exprs };
  }

  private and(): SelectorNode {
    const exprs = [this.unary()];
    while (this.eat("&&")) exprs.push(this.unary());
    return exprs.length === 1 ? exprs[0] : { kind: "and", exprs };
  }

  private unary(): SelectorNode {
    if (++this.depth > MAX_NESTING) this.fail(`nested more than ${MAX_NESTING} levels`);
    let node: SelectorNode;
    if (this.eat("!")) node = { kind: "not", expr: this.unary() };
    else if (this.eat("(")) {
      node = this.or();
      if (!this.eat(")")) this.fail("expected ')'");
    } else node = this.term();
    this.depth--;
    return node;
  }

  private term(): SelectorNode {
    this.ws();
    const ahead = this.s.slice(this.pos, this.pos + 32);
    const fn = /^(all|global)\s*\(/.exec(ahead);
    if (fn) {
      this.pos += fn[0].length;
      if (!this.eat(")")) this.fail(`${fn[1]}() takes no arguments: expected ')'`);
      return { kind: fn[1] as "all" | "global" };
    }
    const has = /^has\s*\(/.exec(ahead);
    if (has) {
      this.pos += has[0].length;
      const key = this.key();
      if (!this.eat(")")) this.fail("expected ')' after the label key of has(");
      return { kind: "has", key };
    }
    const key = this.key();
    for (const op of ["==", "!=", "contains"] as const) if (this.eat(op)) return { kind: "compare", key, op, value: this.string() };
    if (this.eat("starts")) {
      if (!this.eat("with")) this.fail("expected 'with' after 'starts'");
      return { kind: "compare", key, op: "starts with", value: this.string() };
    }
    if (this.eat("ends")) {
      if (!this.eat("with")) this.fail("expected 'with' after 'ends'");
      return { kind: "compare", key, op: "ends with", value: this.string() };
    }
    if (this.eat("not")) {
      if (!this.eat("in")) this.fail("expected 'in' after 'not'");
      return { kind: "set", key, op: "not in", values: this.set() };
    }
    if (this.eat("in")) return { kind: "set", key, op: "in", values: this.set() };
    this.fail("expected an operator (==, !=, in, not in, contains, starts with, ends with)");
  }

  private key(): string {
    this.ws();
    const start = this.pos;
    while (this.pos < this.s.length && KEY.test(this.s[this.pos])) this.pos++;
    if (this.pos === start) this.fail(this.pos >= this.s.length ? "expected a label key, got the end" : `expected a label key, got ${JSON.stringify(this.s[this.pos])}`);
    return this.s.slice(start, this.pos);
  }

  private string(): string {
    this.ws();
    const q = this.s[this.pos];
    if (q !== "'" && q !== '"') this.fail(this.pos >= this.s.length ? "expected a quoted string, got the end" : "expected a quoted string");
    const end = this.s.indexOf(q, this.pos + 1);
    if (end < 0) this.fail(`unterminated quote ${q}`);
    const value = this.s.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private set(): string[] {
    if (!this.eat("{")) this.fail("expected '{'");
    const values: string[] = [];
    if (this.eat("}")) return values;
    do values.push(this.string());
    while (this.eat(","));
    if (!this.eat("}")) this.fail("expected ',' or '}'");
    return values;
  }
}
