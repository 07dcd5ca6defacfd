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

/** Why `text` is not a Calico selector, or undefined when it is one. */
export function selectorProblem(text: string): string | undefined {
  if (text.length > LIMITS.selectorLength) return `a selector of ${text.length} characters; at most ${LIMITS.selectorLength}`;
  if (text.trim() === "") return `${JSON.stringify(text)} is empty; write all() to select everything`;
  try {
    new Parser(text).parseAll();
    return undefined;
  } catch (e) {
    if (e instanceof SelectorError) return `selector ${JSON.stringify(text)}: ${e.message}`;
    throw e;
  }
}

class SelectorError extends Error {}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parseAll(): void {
    this.or();
    this.ws();
    if (this.pos < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s[this.pos])}`);
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

  private or(): void {
    this.and();
    while (this.eat("||")) this.and();
  }

  private and(): void {
    this.unary();
    while (this.eat("&&")) this.unary();
  }

  private unary(): void {
    if (++this.depth > MAX_NESTING) this.fail(`nested more than ${MAX_NESTING} levels`);
    if (this.eat("!")) this.unary();
    else if (this.eat("(")) {
      this.or();
      if (!this.eat(")")) this.fail("expected ')'");
    } else this.term();
    this.depth--;
  }

  private term(): void {
    this.ws();
    const ahead = this.s.slice(this.pos, this.pos + 32);
    const fn = /^(all|global)\s*\(/.exec(ahead);
    if (fn) {
      this.pos += fn[0].length;
      if (!this.eat(")")) this.fail(`${fn[1]}() takes no arguments: expected ')'`);
      return;
    }
    const has = /^has\s*\(/.exec(ahead);
    if (has) {
      this.pos += has[0].length;
      this.key();
      if (!this.eat(")")) this.fail("expected ')' after the label key of has(");
      return;
    }
    this.key();
    if (this.eat("==") || this.eat("!=")) return this.string();
    if (this.eat("contains")) return this.string();
    if (this.eat("starts")) {
      if (!this.eat("with")) this.fail("expected 'with' after 'starts'");
      return this.string();
    }
    if (this.eat("ends")) {
      if (!this.eat("with")) this.fail("expected 'with' after 'ends'");
      return this.string();
    }
    if (this.eat("not")) {
      if (!this.eat("in")) this.fail("expected 'in' after 'not'");
      return this.set();
    }
    if (this.eat("in")) return this.set();
    this.fail("expected an operator (==, !=, in, not in, contains, starts with, ends with)");
  }

  private key(): void {
    this.ws();
    const start = this.pos;
    while (this.pos < this.s.length && KEY.test(this.s[this.pos])) this.pos++;
    if (this.pos === start) this.fail(this.pos >= this.s.length ? "expected a label key, got the end" : `expected a label key, got ${JSON.stringify(this.s[this.pos])}`);
  }

  private string(): void {
    this.ws();
    const q = this.s[this.pos];
    if (q !== "'" && q !== '"') this.fail(this.pos >= this.s.length ? "expected a quoted string, got the end" : "expected a quoted string");
    const end = this.s.indexOf(q, this.pos + 1);
    if (end < 0) this.fail(`unterminated quote ${q}`);
    this.pos = end + 1;
  }

  private set(): void {
    if (!this.eat("{")) this.fail("expected '{'");
    if (this.eat("}")) return;
    do this.string();
    while (this.eat(","));
    if (!this.eat("}")) this.fail("expected ',' or '}'");
  }
}
