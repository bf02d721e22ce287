/**
 * A small evaluator of Terraform (HCL native syntax) expressions, enough to render what the
 * functions are deployed with: `@cdktf/hcl2json` parses the .tf files and hands every expression
 * over as its source text (`"${var.region}"`, `"https://${var.region}-${var.project_id}…"`); this
 * evaluates those texts against a scope (variables, locals, resources, each.key/each.value, …).
 *
 * Supported: literals, string templates (`${…}`, `$${` escapes; not `%{…}` directives), traversals
 * (`a.b`, `a[0]`, `a["k"]`, `a[*].b`), function calls (the common built-ins below), `for`
 * expressions (tuple and object, with `if` and `...` grouping), conditionals, arithmetic,
 * comparison and logic operators, tuple and object constructors. A value nothing here can know
 * (an attribute only the provider computes) is an `Unknown`, which propagates.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export class Unknown {
  constructor(readonly what: string) {}
  toString(): string {
    return `(known after apply: ${this.what})`;
  }
}
export const isUnknown = (v: unknown): v is Unknown => v instanceof Unknown;

export class HclError extends Error {
  constructor(message: string, readonly source?: string) {
    super(source ? `${message} (in ${JSON.stringify(source.length > 160 ? `${source.slice(0, 160)}…` : source)})` : message);
    this.name = 'HclError';
  }
}

/** Resolves the root names of a traversal (`var`, `local`, `each`, a resource type, …). */
export interface Scope {
  lookup(name: string): unknown;
  /** Attribute of an object the scope produced (resources resolve their attributes lazily). */
  attribute?(target: unknown, name: string): unknown;
  /** Directory of `path.module` (file() and templatefile() are relative to it). */
  moduleDir: string;
}

/** An object whose attributes the scope resolves on access (resource instances). */
export interface LazyObject {
  readonly lazy: true;
  get(name: string): unknown;
  keys?(): string[];
  describe: string;
}
export const isLazy = (v: unknown): v is LazyObject => typeof v === 'object' && v !== null && (v as LazyObject).lazy === true;

// ---------------------------------------------------------------------------------------------
// Lexer

type Token =
  | { t: 'num'; v: number }
  | { t: 'str'; parts: (string | Expr)[] }
  | { t: 'id'; v: string }
  | { t: 'op'; v: string }
  | { t: 'eof' };

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '=>', '...', '[*]', '.*', '?', ':', '(', ')', '[', ']', '{', '}', ',', '.', '=', '+', '-', '*', '/', '%', '<', '>', '!'];

class Lexer {
  pos = 0;
  constructor(readonly src: string) {}

  skipSpace(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#' || (c === '/' && this.src[this.pos + 1] === '/')) {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && this.src[this.pos + 1] === '*') {
        const end = this.src.indexOf('*/', this.pos + 2);
        this.pos = end < 0 ? this.src.length : end + 2;
      } else return;
    }
  }

  next(): Token {
    this.skipSpace();
    if (this.pos >= this.src.length) return { t: 'eof' };
    const c = this.src[this.pos]!;
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.src.slice(this.pos))!;
      this.pos += m[0].length;
      return { t: 'num', v: Number(m[0]) };
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos))!;
      this.pos += m[0].length;
      return { t: 'id', v: m[0] };
    }
    if (c === '"') {
      this.pos++;
      return { t: 'str', parts: readTemplate(this, '"') };
    }
    if (c === '<' && this.src.startsWith('<<', this.pos)) {
      const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(this.src.slice(this.pos));
      if (m) {
        this.pos += m[0].length;
        const endRe = new RegExp(`^[ \\t]*${m[2]}[ \\t]*$`, 'm');
        const rest = this.src.slice(this.pos);
        const end = endRe.exec(rest);
        if (!end) throw new HclError('unterminated heredoc', this.src);
        let body = rest.slice(0, end.index);
        this.pos += end.index + end[0].length;
        if (m[1] === '-') {
          const lines = body.split('\n');
          const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length));
          body = lines.map((l) => l.slice(indent)).join('\n');
        }
        return { t: 'str', parts: parseTemplate(body) };
      }
    }
    for (const op of OPS) {
      if (this.src.startsWith(op, this.pos)) {
        this.pos += op.length;
        return { t: 'op', v: op };
      }
    }
    throw new HclError(`unexpected character ${JSON.stringify(c)}`, this.src);
  }
}

/** Reads a quoted template up to its closing quote (the lexer is just past the opening one). */
function readTemplate(lexer: Lexer, close: string, raw = false): (string | Expr)[] {
  const parts: (string | Expr)[] = [];
  let text = '';
  const src = lexer.src;
  while (lexer.pos < src.length) {
    const c = src[lexer.pos]!;
    if (c === close) {
      lexer.pos++;
      if (text) parts.push(text);
      return parts;
    }
    if (c === '\\' && !raw) {
      const e = src[lexer.pos + 1]!;
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
      if (e === 'u') {
        text += String.fromCodePoint(parseInt(src.slice(lexer.pos + 2, lexer.pos + 6), 16));
        lexer.pos += 6;
      } else {
        text += map[e] ?? e;
        lexer.pos += 2;
      }
      continue;
    }
    if (c === '$' && src[lexer.pos + 1] === '$' && src[lexer.pos + 2] === '{') {
      text += '${';
      lexer.pos += 3;
      continue;
    }
    if (c === '%' && src[lexer.pos + 1] === '%' && src[lexer.pos + 2] === '{') {
      text += '%{';
      lexer.pos += 3;
      continue;
    }
    if (c === '$' && src[lexer.pos + 1] === '{') {
      if (text) parts.push(text);
      text = '';
      lexer.pos += 2;
      const parser = new Parser(lexer);
      const expr = parser.expr();
      const end = parser.take();
      if (end.t !== 'op' || end.v !== '}') throw new HclError('expected } to close ${', src);
      parts.push(expr);
      continue;
    }
    if (c === '%' && src[lexer.pos + 1] === '{') throw new HclError('template directives (%{…}) are not supported', src);
    text += c;
    lexer.pos++;
  }
  throw new HclError('unterminated string', src);
}

/**
 * A whole text as a template: hcl2json's attribute strings (their escapes already decoded, so raw),
 * heredocs and template files (where a backslash is just a backslash).
 */
export function parseTemplate(text: string): (string | Expr)[] {
  const lexer = new Lexer(text + '\u0000');
  return readTemplate(lexer, '\u0000', true);
}

// ---------------------------------------------------------------------------------------------
// Parser

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'tpl'; parts: (string | Expr)[] }
  | { k: 'ref'; name: string }
  | { k: 'attr'; obj: Expr; name: string }
  | { k: 'index'; obj: Expr; index: Expr }
  | { k: 'splat'; obj: Expr; rest: (e: Expr) => Expr }
  | { k: 'call'; fn: string; args: Expr[]; expand: boolean }
  | { k: 'tuple'; items: Expr[] }
  | { k: 'object'; items: { key: Expr; value: Expr }[] }
  | { k: 'for'; kind: 'tuple' | 'object'; keyVar?: string; valVar: string; coll: Expr; key?: Expr; value: Expr; cond?: Expr; group: boolean }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr }
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'un'; op: string; e: Expr };

class Parser {
  private peeked: Token | undefined;
  constructor(readonly lexer: Lexer) {}

  peek(): Token {
    return (this.peeked ??= this.lexer.next());
  }
  take(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }
  isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  isId(v: string): boolean {
    const t = this.peek();
    return t.t === 'id' && t.v === v;
  }
  expect(v: string): void {
    const t = this.take();
    if (t.t !== 'op' || t.v !== v) throw new HclError(`expected ${v}, got ${describe(t)}`, this.lexer.src);
  }
  ident(): string {
    const t = this.take();
    if (t.t !== 'id') throw new HclError(`expected a name, got ${describe(t)}`, this.lexer.src);
    return t.v;
  }

  expr(): Expr {
    const test = this.binary(0);
    if (this.isOp('?')) {
      this.take();
      const then = this.expr();
      this.expect(':');
      const otherwise = this.expr();
      return { k: 'cond', test, then, else: otherwise };
    }
    return test;
  }

  private static readonly LEVELS = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];
  binary(level: number): Expr {
    if (level >= Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && Parser.LEVELS[level]!.includes(t.v)) {
        this.take();
        left = { k: 'bin', op: t.v, l: left, r: this.binary(level + 1) };
      } else return left;
    }
  }

  unary(): Expr {
    if (this.isOp('!') || this.isOp('-')) {
      const op = (this.take() as { v: string }).v;
      return { k: 'un', op, e: this.unary() };
    }
    return this.postfix(this.primary());
  }

  postfix(base: Expr): Expr {
    let e = base;
    for (;;) {
      if (this.isOp('.')) {
        this.take();
        const t = this.take();
        if (t.t === 'id') e = { k: 'attr', obj: e, name: t.v };
        else if (t.t === 'num') e = { k: 'index', obj: e, index: { k: 'lit', v: t.v } };
        else throw new HclError(`expected an attribute name after ., got ${describe(t)}`, this.lexer.src);
      } else if (this.isOp('[*]') || this.isOp('.*')) {
        this.take();
        // The rest of the traversal applies to each element.
        const steps: ((x: Expr) => Expr)[] = [];
        for (;;) {
          if (this.isOp('.')) {
            this.take();
            const name = this.ident();
            steps.push((x) => ({ k: 'attr', obj: x, name }));
          } else if (this.isOp('[')) {
            this.take();
            const index = this.expr();
            this.expect(']');
            steps.push((x) => ({ k: 'index', obj: x, index }));
          } else break;
        }
        const obj = e;
        e = { k: 'splat', obj, rest: (x) => steps.reduce((acc, step) => step(acc), x) };
      } else if (this.isOp('[')) {
        this.take();
        const index = this.expr();
        this.expect(']');
        e = { k: 'index', obj: e, index };
      } else return e;
    }
  }

  primary(): Expr {
    const t = this.take();
    if (t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'str') return t.parts.length === 0 ? { k: 'lit', v: '' } : { k: 'tpl', parts: t.parts };
    if (t.t === 'id') {
      if (t.v === 'true') return { k: 'lit', v: true };
      if (t.v === 'false') return { k: 'lit', v: false };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (this.isOp('(')) {
        this.take();
        const args: Expr[] = [];
        let expand = false;
        while (!this.isOp(')')) {
          args.push(this.expr());
          if (this.isOp('...')) {
            this.take();
            expand = true;
          }
          if (this.isOp(',')) this.take();
          else break;
        }
        this.expect(')');
        return { k: 'call', fn: t.v, args, expand };
      }
      return { k: 'ref', name: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (t.t === 'op' && t.v === '[') {
      if (this.isId('for')) return this.forExpr('tuple');
      const items: Expr[] = [];
      while (!this.isOp(']')) {
        items.push(this.expr());
        if (this.isOp(',')) this.take();
        else break;
      }
      this.expect(']');
      return { k: 'tuple', items };
    }
    if (t.t === 'op' && t.v === '{') {
      if (this.isId('for')) return this.forExpr('object');
      const items: { key: Expr; value: Expr }[] = [];
      while (!this.isOp('}')) {
        const keyToken = this.peek();
        let key: Expr;
        if (keyToken.t === 'id' && !['true', 'false', 'null'].includes(keyToken.v)) {
          this.take();
          key = { k: 'lit', v: keyToken.v };
          if (this.isOp('.') || this.isOp('[')) key = this.postfix({ k: 'ref', name: keyToken.v }); // (an expression key)
        } else key = this.expr();
        if (this.isOp('=') || this.isOp(':')) this.take();
        else throw new HclError(`expected = or : in an object, got ${describe(this.peek())}`, this.lexer.src);
        items.push({ key, value: this.expr() });
        if (this.isOp(',')) this.take();
      }
      this.expect('}');
      return { k: 'object', items };
    }
    throw new HclError(`unexpected ${describe(t)}`, this.lexer.src);
  }

  forExpr(kind: 'tuple' | 'object'): Expr {
    this.take(); // for
    const first = this.ident();
    let keyVar: string | undefined;
    let valVar = first;
    if (this.isOp(',')) {
      this.take();
      keyVar = first;
      valVar = this.ident();
    }
    if (!this.isId('in')) throw new HclError('expected "in" in a for expression', this.lexer.src);
    this.take();
    const coll = this.expr();
    this.expect(':');
    let key: Expr | undefined;
    let value: Expr;
    let group = false;
    if (kind === 'object') {
      key = this.expr();
      this.expect('=>');
      value = this.expr();
      if (this.isOp('...')) {
        this.take();
        group = true;
      }
    } else value = this.expr();
    let cond: Expr | undefined;
    if (this.isId('if')) {
      this.take();
      cond = this.expr();
    }
    this.expect(kind === 'object' ? '}' : ']');
    return { k: 'for', kind, ...(keyVar ? { keyVar } : {}), valVar, coll, ...(key ? { key } : {}), value, ...(cond ? { cond } : {}), group };
  }
}

function describe(t: Token): string {
  switch (t.t) {
    case 'eof':
      return 'the end';
    case 'num':
      return String(t.v);
    case 'str':
      return 'a string';
    default:
      return JSON.stringify(t.v);
  }
}

export function parseExpression(src: string): Expr {
  const parser = new Parser(new Lexer(src));
  const e = parser.expr();
  if (parser.peek().t !== 'eof') throw new HclError(`unexpected ${describe(parser.peek())} after the expression`, src);
  return e;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

class ChildScope implements Scope {
  constructor(
    readonly parent: Scope,
    readonly vars: Record<string, unknown>,
  ) {}
  get moduleDir(): string {
    return this.parent.moduleDir;
  }
  lookup(name: string): unknown {
    return name in this.vars ? this.vars[name] : this.parent.lookup(name);
  }
  attribute(target: unknown, name: string): unknown {
    return this.parent.attribute ? this.parent.attribute(target, name) : undefined;
  }
}
export const childScope = (parent: Scope, vars: Record<string, unknown>): Scope => new ChildScope(parent, vars);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !isUnknown(v) && !isLazy(v);

export function getAttr(scope: Scope, target: unknown, name: string): unknown {
  if (isUnknown(target)) return new Unknown(`${target.what}.${name}`);
  if (isLazy(target)) return target.get(name);
  if (isObject(target)) {
    if (name in target) return target[name];
    const viaScope = scope.attribute?.(target, name);
    if (viaScope !== undefined) return viaScope;
    throw new HclError(`no attribute "${name}" (has ${Object.keys(target).join(', ') || 'none'})`);
  }
  if (target === null || target === undefined) throw new HclError(`attribute "${name}" of null`);
  throw new HclError(`attribute "${name}" of a ${Array.isArray(target) ? 'list' : typeof target}`);
}

function getIndex(target: unknown, index: unknown): unknown {
  if (isUnknown(target)) return new Unknown(`${target.what}[${String(index)}]`);
  if (isUnknown(index)) return new Unknown(`[${index.what}]`);
  if (Array.isArray(target)) {
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= target.length) throw new HclError(`index ${String(index)} out of range (length ${target.length})`);
    return target[i];
  }
  if (isLazy(target)) return target.get(String(index));
  if (isObject(target)) {
    const key = String(index);
    if (!(key in target)) throw new HclError(`no key ${JSON.stringify(key)} (has ${Object.keys(target).slice(0, 12).join(', ')})`);
    return target[key];
  }
  throw new HclError(`cannot index ${target === null ? 'null' : typeof target} with ${String(index)}`);
}

export function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isUnknown(v)) return v.toString();
  if (v === null || v === undefined) throw new HclError('cannot interpolate null');
  throw new HclError(`cannot interpolate a ${Array.isArray(v) ? 'list' : 'map'} into a string`);
}

/** Collections for `for`: [key, value] pairs (tuples by index, maps by sorted key, as Terraform does). */
function entries(coll: unknown): [unknown, unknown][] {
  if (Array.isArray(coll)) return coll.map((v, i) => [i, v]);
  if (isLazy(coll)) return (coll.keys?.() ?? []).sort().map((k) => [k, coll.get(k)]);
  if (isObject(coll)) return Object.keys(coll).sort().map((k) => [k, coll[k]]);
  throw new HclError(`cannot iterate over ${coll === null ? 'null' : typeof coll}`);
}

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function evaluate(e: Expr, scope: Scope): unknown {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'tpl': {
      if (e.parts.length === 1 && typeof e.parts[0] !== 'string') return evaluate(e.parts[0]!, scope);
      let out = '';
      let unknown: Unknown | undefined;
      for (const part of e.parts) {
        if (typeof part === 'string') out += part;
        else {
          const v = evaluate(part, scope);
          if (isUnknown(v)) unknown ??= v;
          out += stringify(v);
        }
      }
      return unknown ? new Unknown(`${unknown.what} in "${out}"`) : out;
    }
    case 'ref':
      return scope.lookup(e.name);
    case 'attr':
      return getAttr(scope, evaluate(e.obj, scope), e.name);
    case 'index':
      return getIndex(evaluate(e.obj, scope), evaluate(e.index, scope));
    case 'splat': {
      const base = evaluate(e.obj, scope);
      if (isUnknown(base)) return base;
      const list = Array.isArray(base) ? base : base === null ? [] : isObject(base) || isLazy(base) ? [base] : [base];
      return list.map((item) => evaluate(e.rest({ k: 'lit', v: item }), scope));
    }
    case 'call':
      return callFunction(e, scope);
    case 'tuple':
      return e.items.map((item) => evaluate(item, scope));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const { key, value } of e.items) out[stringify(evaluate(key, scope))] = evaluate(value, scope);
      return out;
    }
    case 'for': {
      const coll = evaluate(e.coll, scope);
      if (isUnknown(coll)) return coll;
      const results: [string | undefined, unknown][] = [];
      for (const [k, v] of entries(coll)) {
        const inner = childScope(scope, { [e.valVar]: v, ...(e.keyVar ? { [e.keyVar]: k } : {}) });
        if (e.cond) {
          const keep = evaluate(e.cond, inner);
          if (isUnknown(keep)) throw new HclError(`a for expression's condition is not known: ${keep.what}`);
          if (keep !== true) continue;
        }
        results.push([e.key ? stringify(evaluate(e.key, inner)) : undefined, evaluate(e.value, inner)]);
      }
      if (e.kind === 'tuple') return results.map(([, v]) => v);
      const out: Record<string, unknown> = {};
      for (const [k, v] of results) {
        if (e.group) ((out[k!] as unknown[] | undefined) ?? (out[k!] = [] as unknown[])).push(v);
        else {
          if (k! in out) throw new HclError(`duplicate key ${JSON.stringify(k)} in a for expression (use ... to group)`);
          out[k!] = v;
        }
      }
      return out;
    }
    case 'cond': {
      const test = evaluate(e.test, scope);
      if (isUnknown(test)) return new Unknown(`condition on ${test.what}`);
      return evaluate(test === true ? e.then : e.else, scope);
    }
    case 'un': {
      const v = evaluate(e.e, scope);
      if (isUnknown(v)) return v;
      return e.op === '!' ? !v : -Number(v);
    }
    case 'bin': {
      if (e.op === '&&' || e.op === '||') {
        const l = evaluate(e.l, scope);
        if (isUnknown(l)) return l;
        if (e.op === '&&' && l !== true) return false;
        if (e.op === '||' && l === true) return true;
        return evaluate(e.r, scope) === true;
      }
      const l = evaluate(e.l, scope);
      const r = evaluate(e.r, scope);
      if (isUnknown(l)) return l;
      if (isUnknown(r)) return r;
      switch (e.op) {
        case '==':
          return equal(l, r);
        case '!=':
          return !equal(l, r);
        case '<':
          return Number(l) < Number(r);
        case '>':
          return Number(l) > Number(r);
        case '<=':
          return Number(l) <= Number(r);
        case '>=':
          return Number(l) >= Number(r);
        case '+':
          return Number(l) + Number(r);
        case '-':
          return Number(l) - Number(r);
        case '*':
          return Number(l) * Number(r);
        case '/':
          return Number(l) / Number(r);
        case '%':
          return Number(l) % Number(r);
      }
    }
  }
  throw new HclError(`cannot evaluate ${(e as { k: string }).k}`);
}

function toList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  throw new HclError(`expected a list, got ${v === null ? 'null' : typeof v}`);
}

function callFunction(e: Extract<Expr, { k: 'call' }>, scope: Scope): unknown {
  // try() and can() evaluate their arguments themselves.
  if (e.fn === 'try') {
    for (const arg of e.args) {
      try {
        return evaluate(arg, scope);
      } catch {
        // next
      }
    }
    throw new HclError('try(): no argument could be evaluated');
  }
  if (e.fn === 'can') {
    try {
      evaluate(e.args[0]!, scope);
      return true;
    } catch {
      return false;
    }
  }
  let args = e.args.map((a) => evaluate(a, scope));
  if (e.expand) args = [...args.slice(0, -1), ...toList(args.at(-1))];
  const unknown = args.find(isUnknown);
  if (unknown && !['lookup', 'merge', 'coalesce', 'toset', 'tolist', 'concat'].includes(e.fn)) return new Unknown(`${e.fn}(${unknown.what})`);
  const [a, b, c] = args;
  const s = (v: unknown) => stringify(v);
  switch (e.fn) {
    case 'file':
      return readFileSync(path.resolve(scope.moduleDir, s(a)), 'utf8');
    case 'fileexists':
      try {
        readFileSync(path.resolve(scope.moduleDir, s(a)));
        return true;
      } catch {
        return false;
      }
    case 'jsondecode':
      return JSON.parse(s(a));
    case 'jsonencode':
      return JSON.stringify(a);
    case 'templatefile':
      return renderTemplate(readFileSync(path.resolve(scope.moduleDir, s(a)), 'utf8'), (b ?? {}) as Record<string, unknown>, scope);
    case 'base64encode':
      return Buffer.from(s(a)).toString('base64');
    case 'base64decode':
      return Buffer.from(s(a), 'base64').toString('utf8');
    case 'lookup': {
      if (isUnknown(a)) return a;
      const map = a as Record<string, unknown>;
      if (isObject(map) && s(b) in map) return map[s(b)];
      if (args.length >= 3) return c;
      throw new HclError(`lookup(): no key ${JSON.stringify(b)}`);
    }
    case 'merge': {
      const out: Record<string, unknown> = {};
      for (const m of args) {
        if (m === null) continue;
        if (isUnknown(m)) return m;
        Object.assign(out, m as Record<string, unknown>);
      }
      return out;
    }
    case 'toset':
    case 'distinct': {
      if (isUnknown(a)) return a;
      const seen: unknown[] = [];
      for (const v of toList(a)) if (!seen.some((x) => equal(x, v))) seen.push(v);
      return e.fn === 'toset' ? seen.sort((x, y) => (String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0)) : seen;
    }
    case 'tolist':
      return isUnknown(a) ? a : toList(a);
    case 'tomap':
    case 'tostring':
    case 'tonumber':
    case 'tobool':
    case 'sensitive':
    case 'nonsensitive':
      return e.fn === 'tostring' ? (a === null ? null : s(a)) : e.fn === 'tonumber' ? Number(a) : e.fn === 'tobool' ? a === true || a === 'true' : a;
    case 'keys':
      return Object.keys(a as object).sort();
    case 'values':
      return Object.keys(a as object).sort().map((k) => (a as Record<string, unknown>)[k]);
    case 'length':
      return typeof a === 'string' ? [...a].length : Array.isArray(a) ? a.length : Object.keys(a as object).length;
    case 'concat': {
      if (args.some(isUnknown)) return args.find(isUnknown);
      return args.flatMap((x) => toList(x));
    }
    case 'flatten': {
      const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
      return flat(a);
    }
    case 'contains':
      return toList(a).some((x) => equal(x, b));
    case 'coalesce':
      return args.find((x) => x !== null && x !== '' && !isUnknown(x)) ?? args.find(isUnknown) ?? null;
    case 'compact':
      return toList(a).filter((x) => x !== null && x !== '');
    case 'min':
      return Math.min(...args.map(Number));
    case 'max':
      return Math.max(...args.map(Number));
    case 'abs':
      return Math.abs(Number(a));
    case 'ceil':
      return Math.ceil(Number(a));
    case 'floor':
      return Math.floor(Number(a));
    case 'join':
      return toList(b).map(s).join(s(a));
    case 'split':
      return s(b).split(s(a));
    case 'replace': {
      const pattern = s(b);
      if (pattern.length > 1 && pattern.startsWith('/') && pattern.endsWith('/')) return s(a).replace(new RegExp(pattern.slice(1, -1), 'g'), s(c));
      return s(a).split(pattern).join(s(c));
    }
    case 'lower':
      return s(a).toLowerCase();
    case 'upper':
      return s(a).toUpperCase();
    case 'title':
      return s(a).replace(/\b\w/g, (m) => m.toUpperCase());
    case 'trimspace':
      return s(a).trim();
    case 'trimprefix':
      return s(a).startsWith(s(b)) ? s(a).slice(s(b).length) : s(a);
    case 'trimsuffix':
      return s(a).endsWith(s(b)) ? s(a).slice(0, -s(b).length) : s(a);
    case 'startswith':
      return s(a).startsWith(s(b));
    case 'endswith':
      return s(a).endsWith(s(b));
    case 'substr': {
      const str = s(a);
      const len = Number(c);
      return len < 0 ? str.slice(Number(b)) : str.substr(Number(b), len);
    }
    case 'format':
    case 'formatlist': {
      let i = 1;
      return s(a).replace(/%([sdvq%])/g, (_m, verb: string) => (verb === '%' ? '%' : verb === 'q' ? JSON.stringify(args[i++]) : stringify(args[i++])));
    }
    case 'element': {
      const list = toList(a);
      return list[Number(b) % list.length];
    }
    case 'zipmap':
      return Object.fromEntries(toList(a).map((k, i) => [s(k), toList(b)[i]]));
    case 'setunion':
      return [...new Set(args.flatMap(toList))];
    case 'one': {
      const list = toList(a);
      if (list.length > 1) throw new HclError('one(): more than one element');
      return list[0] ?? null;
    }
    case 'sha256':
    case 'md5':
    case 'filemd5':
    case 'timestamp':
    case 'uuid':
      return new Unknown(`${e.fn}()`);
  }
  throw new HclError(`function ${e.fn}() is not supported by the rehearsal's renderer`);
}

/** Terraform's templatefile(): `${…}` interpolations over the given variables (and nothing else). */
export function renderTemplate(text: string, vars: Record<string, unknown>, scope: Scope): string {
  const templateScope: Scope = {
    moduleDir: scope.moduleDir,
    lookup: (name) => {
      if (name in vars) return vars[name];
      throw new HclError(`template variable ${name} is not given`);
    },
  };
  const value = evaluate({ k: 'tpl', parts: parseTemplate(text) }, templateScope);
  return stringify(value);
}

/**
 * Evaluates a value as hcl2json gives it: strings are templates (a lone `${expr}` keeps the
 * expression's own type), arrays and objects are evaluated member by member.
 */
export function evaluateValue(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value.replaceAll('$${', '${');
    return evaluate({ k: 'tpl', parts: parseTemplate(value) }, scope);
  }
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, scope));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = evaluateValue(v, scope);
    return out;
  }
  return value;
}
