/**
 * Plumbing shared by the provider sandboxes (twilio.ts, plivo.ts, vonage.ts, telnyx.ts, vapi.ts,
 * somos.ts). Each sandbox keeps what is its provider's own — routes, authentication, error
 * bodies, headers, control endpoints beyond the common ones — and takes from here:
 *
 * - FaultStore: injected faults, matched by method and path regex, `times`, listed with `remaining`;
 * - SandboxHttp: run() is the life of an API request (body, latency, fault before or after the
 *   effect, transient failure, the answer or a dropped connection); serve() starts the node:http
 *   server with the common /__sandbox/ controls (health, faults, requests, purchases) and the
 *   sandbox's own (actionRoute, seedOwnedRoute, configRoute…); FailureDice for the failure rate;
 * - Sleeper: setTimeout sleeps that close() cuts short; serialQueue: work one request at a time;
 * - RequestLog; readStateFile / stateSaver (atomic tmp + rename);
 * - readBody / readText (size limit), jsonSender, safeEqual, basicCredentials;
 * - cliArgs, commonCliOptions, runIfMain: the CLI.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRng, hashString } from './inventory-kit.js';

/** A provider answer before it is written out. */
export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Options every sandbox takes. */
export interface SandboxBaseOptions {
  host?: string; // default 127.0.0.1
  port?: number; // default 0 (random)
  /** Added before every API response (default 0). */
  latencyMs?: number;
  /** Keeps the sandbox's state across restarts: loaded at start, saved after each change. */
  stateFile?: string;
}

/**
 * In-process look-ups into a provider sandbox's customer accounts, for the Vapi sandbox to check —
 * as Vapi does against the real providers — that the credentials it is given work and that their
 * account holds the number being imported (the dev stack wires them: scripts/local/stack.ts).
 */
export interface AccountLookup {
  /** The account these credentials open, or undefined when the provider would refuse them. */
  accountFor(credentials: Record<string, string | undefined>): string | undefined;
  /** Whether that account holds the number (E.164) now. */
  holds(account: string, phoneNumber: string): boolean;
}

/** Options of the sandboxes that sell from a seeded inventory and can fail transiently. */
export interface SandboxFailureOptions {
  /** 0..1: fraction of API requests answered 503 WITHOUT taking effect (default 0). */
  transientFailureRate?: number;
  /** Makes failure injection + inventory deterministic (inventory uses 0 when unset). */
  seed?: number;
}

// ---------------------------------------------------------------------------------------------
// Faults

/** What a fault has in every sandbox; each sandbox adds the fields of its error answer. */
export interface FaultRule {
  method?: string;
  /** Regex source matched against the URL path. */
  pathPattern?: string;
  /** How many requests the fault hits; default 1. Infinity (or -1 / null over HTTP) = until cleared. */
  times?: number;
  status: number;
  /**
   * true: the request takes effect (e.g. the number IS bought) and then the fault is answered —
   * simulates an ambiguous failure. false: rejected before any effect.
   */
  afterEffect?: boolean;
  /** Delay before answering (ms); with afterEffect and a big delay this simulates a client timeout after the provider acted. */
  delayMs?: number;
  /** Destroy the connection instead of answering (network failure); combine with afterEffect for an ambiguous reset. */
  dropConnection?: boolean;
  /**
   * With afterEffect: the provider acts only after this long (a slow provider that completes late).
   * A status below 400 then answers the effect's own result, as the provider would.
   */
  actsAfterMs?: number;
}

/** The fault model of the Twilio, Plivo and Vonage sandboxes (`code` / `message` fill the provider's error body). */
export interface InjectedFault extends FaultRule {
  code?: number;
  message?: string;
  /** Retry-After header value (seconds). Always sent for 429 (default 1). */
  retryAfterSeconds?: number;
}

/** What FaultStore needs of a fault (`times` null, like negative, = until cleared). */
export type StorableFault = Omit<FaultRule, 'times'> & { times?: number | null };

export class FaultStore<F extends StorableFault> {
  private entries: Array<{ fault: F; remaining: number; re: RegExp | undefined }> = [];

  /** times: default 1; null or negative = until cleared. */
  inject(f: F): void {
    if (!Number.isInteger(f.status) || f.status < 100 || f.status > 599) throw new Error(`Invalid fault status ${f.status}`);
    const times = f.times === undefined ? 1 : f.times === null || f.times < 0 ? Infinity : f.times;
    this.entries.push({ fault: { ...f }, remaining: times, re: f.pathPattern ? new RegExp(f.pathPattern) : undefined });
  }

  clear(): void {
    this.entries = [];
  }

  /** Pending faults; `remaining` null = until cleared. */
  list(): Array<F & { remaining: number | null }> {
    return this.entries.map((s) => ({ ...s.fault, remaining: Number.isFinite(s.remaining) ? s.remaining : null }));
  }

  /** The first pending fault matching the request, counted as used. */
  take(method: string, pathname: string): F | undefined {
    for (const s of this.entries) {
      if (s.remaining <= 0) continue;
      if (s.fault.method && s.fault.method.toUpperCase() !== method) continue;
      if (s.re && !s.re.test(pathname)) continue;
      s.remaining -= 1;
      this.entries = this.entries.filter((x) => x.remaining > 0);
      return s.fault;
    }
    return undefined;
  }
}

/** Retry-After of a fault's answer: the fault's own, else 1 for a 429; none otherwise. */
export function retryAfterHeaders(f: { status: number; retryAfterSeconds?: number }): Record<string, string> {
  const headers: Record<string, string> = {};
  if (f.retryAfterSeconds !== undefined || f.status === 429) headers['Retry-After'] = String(f.retryAfterSeconds ?? 1);
  return headers;
}

/**
 * Decides which API requests fail transiently: seeded (deterministic) when a seed is given, else
 * Math.random. A rate is met exactly rather than on average: each block of 100 calls fails
 * floor(rate × 100) of them, the remainder carried to the next block (1.5 % fails 1, 2, 1, 2…),
 * at positions the dice draw. An
 * independent draw per call wanders: seed 0's first 5,300 draws at 5 % fail 5.9 % of calls, and a
 * benchmark would measure that seed's luck instead of the rate it was given.
 */
export class FailureDice {
  static readonly BLOCK = 100;
  private rng: () => number;
  private block: boolean[] = [];
  private position = 0;
  private blockRate = 0;
  private carry = 0;

  constructor(
    private readonly seed: number | undefined,
    private readonly label: string,
  ) {
    this.rng = this.newRng();
  }

  private newRng(): () => number {
    return this.seed === undefined ? Math.random : createRng(hashString(`${this.seed}|${this.label}`));
  }

  /** true for a fraction `rate` (0..1) of the calls; draws nothing when the rate is 0. */
  roll(rate: number): boolean {
    if (!(rate > 0)) return false;
    if (rate !== this.blockRate) {
      this.blockRate = rate; // a new rate starts a fresh block
      this.carry = 0;
      this.position = this.block.length;
    }
    if (this.position >= this.block.length) this.deal();
    return this.block[this.position++] as boolean;
  }

  /** The next block: its share of failures, at positions drawn by a partial Fisher–Yates shuffle. */
  private deal(): void {
    const size = FailureDice.BLOCK;
    const exact = Math.min(1, this.blockRate) * size + this.carry;
    const failures = Math.min(size, Math.floor(exact + 1e-9));
    this.carry = Math.max(0, exact - failures);
    const order = Array.from({ length: size }, (_, i) => i);
    this.block = new Array<boolean>(size).fill(false);
    for (let i = 0; i < failures; i++) {
      const j = i + Math.floor(this.rng() * (size - i));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
      this.block[order[i] as number] = true;
    }
    this.position = 0;
  }

  /** Back to the first draw of the seed. */
  reset(): void {
    this.rng = this.newRng();
    this.block = [];
    this.position = 0;
    this.blockRate = 0;
    this.carry = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Timing, ordering, logging, persistence

/** setTimeout sleeps the sandbox can cut short: flush() resolves the pending ones now; after close() every sleep resolves at once. */
export class Sleeper {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  closed = false;

  readonly sleep = (ms: number): Promise<void> =>
    ms <= 0 || this.closed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const entry = {
            timer: setTimeout(() => {
              this.pending.delete(entry);
              resolve();
            }, ms),
            resolve,
          };
          this.pending.add(entry);
        });

  flush(): void {
    for (const t of this.pending) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.pending.clear();
  }

  close(): void {
    this.closed = true;
    this.flush();
  }
}

/** Runs work one piece at a time, in call order (so check-then-buy is atomic); a failure does not block what follows. */
export function serialQueue(): <T>(fn: () => T | Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => T | Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };
}

export class RequestLog<E extends object> {
  private entries: E[] = [];

  record(entry: E): void {
    this.entries.push(entry);
  }

  /** Copies of the entries, oldest first. */
  list(): E[] {
    return this.entries.map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries = [];
  }
}

/** The parsed state file, when one is configured and exists. */
export function readStateFile<T>(file: string | undefined): T | undefined {
  return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** A function writing snapshot() to the state file atomically (tmp + rename); does nothing without a file. */
export function stateSaver(file: string | undefined, snapshot: () => unknown): () => void {
  return () => {
    if (!file) return;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file + '.tmp', JSON.stringify(snapshot()));
    renameSync(file + '.tmp', file);
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface BodyLimit {
  maxBytes: number;
  /** The error the read rejects with when the body is larger (the sandbox's own 413). */
  tooLarge: () => Error;
}

export function readBody(req: IncomingMessage, limit: BodyLimit): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit.maxBytes) {
        reject(limit.tooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readText(req: IncomingMessage, limit: BodyLimit): Promise<string> {
  return (await readBody(req, limit)).toString('utf8');
}

export type Send = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;

/**
 * A JSON `send` with the sandbox's Content-Type (and headers on every answer, e.g. a request id).
 * 204 or an undefined body answers without a body; nothing is written to a finished response.
 */
export function jsonSender(contentType: string, everyAnswer?: () => Record<string, string>): Send {
  return (res, status, body, headers = {}) => {
    if (res.writableEnded || res.destroyed) return;
    const common = everyAnswer ? { ...everyAnswer(), ...headers } : headers;
    if (status === 204 || body === undefined) {
      res.writeHead(status, common);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...common, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** Listens on host (default 127.0.0.1) and port (default 0: random); /__sandbox/* goes to `control`, the rest to `api`. */
async function listen(o: {
  host?: string | undefined;
  port?: number | undefined;
  /** For the log: "[name] request failed". */
  name: string;
  api: RequestHandler;
  control: RequestHandler;
  /** Answers 500 when a handler throws. */
  internalError: (res: ServerResponse) => void;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const handler = url.pathname.startsWith('/__sandbox/') ? o.control : o.api;
    handler(req, res, url).catch((err: unknown) => {
      console.error(`[${o.name}] request failed`, err);
      o.internalError(res);
    });
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Constant-time comparison of a given secret with the expected one (false when there is none). */
export function safeEqual(given: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** user:password of an `Authorization: Basic` header (no ':' = all user, empty password). */
export function basicCredentials(header: string | undefined): { user: string; pass: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return { user: i < 0 ? decoded : decoded.slice(0, i), pass: i < 0 ? '' : decoded.slice(i + 1) };
}

// ---------------------------------------------------------------------------------------------
// /__sandbox/ controls

export interface ControlRequest {
  method: string;
  /** The path without trailing slashes. */
  path: string;
  url: URL;
  /** The regex match of a route whose path is a RegExp. */
  match: RegExpExecArray | null;
  /** The JSON object body ({} when empty). */
  json(): Promise<Record<string, unknown>>;
}

export interface ControlReply {
  status: number;
  body?: unknown;
}

export interface ControlRoute {
  method: string;
  path: string | RegExp;
  run(c: ControlRequest): ControlReply | Promise<ControlReply>;
}

/**
 * The /__sandbox/ handler: the first route of the method whose path matches answers; none is a
 * 404 {error}, a thrown error a 400 {error}.
 */
function controlHandler(send: Send, limit: BodyLimit, routes: readonly ControlRoute[]): RequestHandler {
  return async (req, res, url) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const p = url.pathname.replace(/\/+$/, '');
    const json = async (): Promise<Record<string, unknown>> => {
      const raw = await readText(req, limit);
      if (!raw) return {};
      const v: unknown = JSON.parse(raw);
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('JSON object expected');
      return v as Record<string, unknown>;
    };
    try {
      for (const route of routes) {
        if (route.method !== method) continue;
        const match = typeof route.path === 'string' ? null : route.path.exec(p);
        if (typeof route.path === 'string' ? route.path !== p : !match) continue;
        const reply = await route.run({ method, path: p, url, match, json });
        return send(res, reply.status, reply.body);
      }
      return send(res, 404, { error: `No sandbox control ${method} ${url.pathname}` });
    } catch (err) {
      return send(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}

/** A control that does `act` and answers 204 (no body). */
export function actionRoute(method: string, path: string, act: () => void): ControlRoute {
  return {
    method,
    path,
    run: () => {
      act();
      return { status: 204 };
    },
  };
}

/** POST /__sandbox/owned {<accountField>, phoneNumber}: 201 with what `seed` returns. */
export function seedOwnedRoute(accountField: string, seed: (account: string, phoneNumber: string) => unknown): ControlRoute {
  return {
    method: 'POST',
    path: '/__sandbox/owned',
    run: async (c) => {
      const body = await c.json();
      return { status: 201, body: seed(jsonText(body[accountField]), jsonText(body.phoneNumber)) };
    },
  };
}

/** POST /__sandbox/config: `apply` the JSON body, then 200 with the `current` configuration. */
export function configRoute(apply: (body: Record<string, unknown>) => void, current: () => unknown): ControlRoute {
  return {
    method: 'POST',
    path: '/__sandbox/config',
    run: async (c) => {
      apply(await c.json());
      return { status: 200, body: current() };
    },
  };
}

/**
 * A member of a JSON body as text: a string as it is, '' when absent (undefined or null), a number or
 * boolean as String() writes it, anything else (an object, a list) as its JSON.
 */
export function jsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}

/** The members of `keys` that are numbers in a JSON body (configuration changes). */
export function numberFields<K extends string>(body: Record<string, unknown>, keys: readonly K[]): { [P in K]?: number } {
  const out: { [P in K]?: number } = {};
  for (const k of keys) {
    const v = body[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

/** `change`, then `save` (for changes made outside the API, which saves its own). */
export function thenSave<A extends unknown[], R>(save: () => void, change: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    const r = change(...args);
    save();
    return r;
  };
}

// ---------------------------------------------------------------------------------------------
// Number aging: a released number is not for sale again at once

/** How long a released number stays out of stock by default: 30 days of sandbox time. */
export const DEFAULT_AGING_MS = 30 * 24 * 60 * 60 * 1000;

/** Options of the sandboxes that sell numbers and take them back. */
export interface AgingOptions {
  /**
   * How long (sandbox time) a released number stays out of stock — neither found by a search nor
   * sold — as real providers "age" released numbers before selling them again. Default 30 days; 0:
   * back in stock at once.
   */
  agingMs?: number;
  /** The sandbox clock's base (default Date.now); advanceClock() moves the sandbox ahead of it. */
  now?: () => number;
}

/** The numbers released within the aging period, on the sandbox's own clock (which tests move ahead). */
export class AgingPool {
  private readonly released = new Map<string, number>();
  private offsetMs = 0;
  readonly agingMs: number;

  constructor(options: AgingOptions = {}) {
    this.agingMs = Math.max(0, options.agingMs ?? DEFAULT_AGING_MS);
    this.base = options.now ?? Date.now;
  }

  private readonly base: () => number;

  /** Sandbox time (ms since the epoch). */
  now(): number {
    return this.base() + this.offsetMs;
  }

  /** Moves the sandbox clock ahead (aging numbers come back once their period has passed). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`Cannot move the sandbox clock by ${ms} ms`);
    this.offsetMs += ms;
  }

  /** A number (by the sandbox's own key for it) was released now. */
  release(key: string): void {
    if (this.agingMs > 0) this.released.set(key, this.now());
  }

  /** Whether a released number is still aging (out of stock). */
  isAging(key: string): boolean {
    const at = this.released.get(key);
    if (at === undefined) return false;
    if (this.now() - at < this.agingMs) return true;
    this.released.delete(key);
    return false;
  }

  snapshot(): { released: Record<string, number>; offsetMs: number } {
    return { released: Object.fromEntries(this.released), offsetMs: this.offsetMs };
  }

  restore(state: { released?: Record<string, number>; offsetMs?: number } | undefined): void {
    if (!state) return;
    this.offsetMs = state.offsetMs ?? 0;
    for (const [key, at] of Object.entries(state.released ?? {})) this.released.set(key, at);
  }

  /** Forgets released numbers and moves the clock back to its base. */
  clear(): void {
    this.released.clear();
    this.offsetMs = 0;
  }
}

/** POST /__sandbox/clock {advanceMs}: moves the sandbox clock ahead; 200 with {now, agingMs}. */
export function clockRoute(aging: AgingPool, save: () => void): ControlRoute {
  return {
    method: 'POST',
    path: '/__sandbox/clock',
    run: async (c) => {
      const body = await c.json();
      if (body.advanceMs !== undefined) aging.advance(Number(body.advanceMs));
      save();
      return { status: 200, body: { now: new Date(aging.now()).toISOString(), agingMs: aging.agingMs } };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The API: the life of a request, and the server

/** What of a sandbox every request needs: its faults, its request log and its latency. */
export interface SandboxCore<F extends StorableFault, E extends object> {
  readonly faults: FaultStore<F>;
  readonly log: RequestLog<E>;
  /** Added before every API answer. */
  readonly latencyMs: number;
}

/** One API request. */
export interface ApiCall<B> {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The path faults are matched against. */
  faultPath: string;
  /** Logs the request with the status answered (0 = connection dropped). */
  record: (status: number) => void;
  /** Sees the body as soon as it is read. */
  onBody?: (body: B) => void;
  /** An answer that pre-empts faults and the effect (e.g. a rate limit), checked after the latency. */
  refuse?: () => ApiResult | undefined;
  /** The request's effect and answer. */
  effect: (body: B) => ApiResult | Promise<ApiResult>;
}

/** What every sandbox handle has. */
export interface SandboxBasics<F, E> {
  url: string;
  close(): Promise<void>;
  injectFault(f: F): void;
  clearFaults(): void;
  requestLog(): E[];
}

/**
 * A sandbox's HTTP side: runs its API requests (run) and serves them with the /__sandbox/
 * controls (serve). Its sleeps (latency, fault delays, and any the sandbox adds) end on close().
 */
export class SandboxHttp<F extends StorableFault, E extends object, B> {
  readonly sleeper = new Sleeper();
  readonly sleep = this.sleeper.sleep;

  constructor(
    private readonly setup: {
      /** For the log: "[name] request failed". */
      name: string;
      sandbox: SandboxCore<F, E>;
      send: Send;
      /** The size limit of control (JSON) bodies. */
      bodyLimit: BodyLimit;
      /** Reads an API request's body; a failure (too large) is answered with errorResult. */
      readBody: (req: IncomingMessage) => Promise<B>;
      errorResult: (err: unknown) => ApiResult;
      faultResult: (f: F) => ApiResult;
      /** A transient failure answered without effect (checked when no fault hits before the effect). */
      transientFailure?: () => ApiResult | undefined;
    },
  ) {}

  /**
   * Body → latency → refusal → fault before the effect (delay, then the fault's answer or a
   * dropped connection) → transient failure → effect → fault after the effect (the effect
   * happened; the caller sees only the failure) → the effect's answer.
   */
  async run(call: ApiCall<B>): Promise<void> {
    const { sandbox, send, faultResult } = this.setup;
    const answer = (r: ApiResult) => {
      call.record(r.status);
      send(call.res, r.status, r.body, r.headers);
    };
    const answerFault = async (f: F) => {
      await this.sleep(f.delayMs ?? 0);
      if (f.dropConnection) {
        call.record(0);
        call.res.socket?.destroy();
      } else answer(faultResult(f));
    };

    let body: B;
    try {
      body = await this.setup.readBody(call.req);
    } catch (err) {
      answer(this.setup.errorResult(err));
      return;
    }
    call.onBody?.(body);
    await this.sleep(sandbox.latencyMs);

    const refused = call.refuse?.();
    if (refused) {
      answer(refused);
      return;
    }
    const fault = sandbox.faults.take(call.method, call.faultPath);
    if (fault && !fault.afterEffect) {
      await answerFault(fault);
      return;
    }
    const failed = this.setup.transientFailure?.();
    if (failed) {
      answer(failed);
      return;
    }
    if (fault?.actsAfterMs) await this.sleep(fault.actsAfterMs);
    const result = await call.effect(body);
    if (fault && fault.status >= 400) {
      await answerFault(fault);
      return;
    }
    answer(result);
  }

  /**
   * Starts the server on host (default 127.0.0.1) and port (default 0: random): the API (`api`)
   * and the /__sandbox/ controls — health, faults (GET; POST: 201 {faults} unless `faultInjected`
   * says otherwise; DELETE), requests, purchases (with `purchases`) and the sandbox's own `controls`.
   */
  async serve(
    where: { host?: string | undefined; port?: number | undefined },
    o: {
      api: RequestHandler;
      controls: readonly ControlRoute[];
      purchases?: () => Record<string, number>;
      faultInjected?: () => unknown;
      /** The body of the 500 answered when a handler throws. */
      internalErrorBody: unknown;
    },
  ): Promise<SandboxBasics<F, E>> {
    const { name, sandbox, send } = this.setup;
    const { faults, log } = sandbox;
    const { purchases, faultInjected } = o;
    const routes: ControlRoute[] = [
      { method: 'GET', path: '/__sandbox/health', run: () => ({ status: 200, body: { ok: true } }) },
      { method: 'GET', path: '/__sandbox/faults', run: () => ({ status: 200, body: { faults: faults.list() } }) },
      {
        method: 'POST',
        path: '/__sandbox/faults',
        run: async (c) => {
          faults.inject((await c.json()) as unknown as F);
          return { status: 201, body: faultInjected ? faultInjected() : { faults: faults.list() } };
        },
      },
      actionRoute('DELETE', '/__sandbox/faults', () => faults.clear()),
      { method: 'GET', path: '/__sandbox/requests', run: () => ({ status: 200, body: { requests: log.list() } }) },
      ...(purchases ? [{ method: 'GET', path: '/__sandbox/purchases', run: () => ({ status: 200, body: purchases() }) }] : []),
      ...o.controls,
    ];
    const server = await listen({
      host: where.host,
      port: where.port,
      name,
      api: o.api,
      control: controlHandler(send, this.setup.bodyLimit, routes),
      internalError: (res) => send(res, 500, o.internalErrorBody),
    });
    return {
      url: server.url,
      close: () => {
        this.sleeper.close();
        return server.close();
      },
      injectFault: (f) => faults.inject(f),
      clearFaults: () => faults.clear(),
      requestLog: () => log.list(),
    };
  }
}

/**
 * The answer of `work`: a thrown error becomes errorResult(err); a change that succeeded (not a
 * GET, status < 300) is saved before the answer.
 */
export function settleApiCall(method: string, work: () => ApiResult, errorResult: (err: unknown) => ApiResult, save: () => void): ApiResult {
  try {
    const outcome = work();
    if (method !== 'GET' && outcome.status < 300) save();
    return outcome;
  } catch (err) {
    return errorResult(err);
  }
}

// ---------------------------------------------------------------------------------------------
// CLI

export interface CliArgs {
  /** `--name value` or `--name=value`. */
  arg: (name: string) => string | undefined;
  /** A numeric option; throws when it is not a finite number. */
  num: (name: string) => number | undefined;
  /** A bare `--name` switch. */
  flag: (name: string) => boolean;
}

export function cliArgs(argv: string[]): CliArgs {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    const inline = argv.find((a) => a.startsWith(`--${name}=`));
    return inline?.slice(name.length + 3);
  };
  return {
    arg,
    num: (name) => {
      const v = arg(name);
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`--${name} must be a number`);
      return n;
    },
    flag: (name) => argv.includes(`--${name}`),
  };
}

export type CliSandboxOptions = { host: string; port: number } & SandboxBaseOptions & SandboxFailureOptions;

/**
 * --host (default 127.0.0.1), --port (default `defaultPort`), --latency and, when listed in
 * `more`, --failure-rate, --seed and --state, as sandbox options.
 */
export function commonCliOptions(args: CliArgs, defaultPort: number, more: ReadonlyArray<'failure-rate' | 'seed' | 'state'>): CliSandboxOptions {
  const options: CliSandboxOptions = { host: args.arg('host') ?? '127.0.0.1', port: args.num('port') ?? defaultPort };
  const latency = args.num('latency');
  const rate = more.includes('failure-rate') ? args.num('failure-rate') : undefined;
  const seed = more.includes('seed') ? args.num('seed') : undefined;
  const state = more.includes('state') ? args.arg('state') : undefined;
  if (latency !== undefined) options.latencyMs = latency;
  if (rate !== undefined) options.transientFailureRate = rate;
  if (seed !== undefined) options.seed = seed;
  if (state) options.stateFile = state;
  return options;
}

/**
 * Runs `main` with the command-line arguments when the module at `moduleUrl` is the script node
 * was started with; the sandbox it returns is closed on SIGINT / SIGTERM. A failure exits 1.
 */
export function runIfMain(moduleUrl: string, main: (argv: string[]) => Promise<{ close(): Promise<void> }>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main(process.argv.slice(2))
    .then((sandbox) => {
      const stop = () => {
        void sandbox.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
