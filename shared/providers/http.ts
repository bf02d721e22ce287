/**
 * The one HTTP client every provider module uses (undici, shared keep-alive Agent).
 *
 * Money-safety rules (a purchase must never happen twice because we retried):
 * - 429: the provider rejected the call without effect → retried for any method,
 *   honouring Retry-After (capped at maxDelayMs).
 * - 500/502/503/504 and failures after the request was sent (reset, socket closed,
 *   headers/body timeout, our own deadline): retried ONLY when `idempotent: true`.
 *   For non-idempotent calls they surface as `ambiguous: true` (the provider may
 *   have acted; the caller reconciles, e.g. with findOwned()).
 * - Failures before anything was sent (ECONNREFUSED, ENOTFOUND, EAI_AGAIN, connect
 *   timeout): safe for any method → retried, never ambiguous.
 * - Other 4xx: not retryable.
 * - The caller's AbortSignal stops everything at once (no further attempts).
 */
import type { Agent, Dispatcher } from 'undici';

// undici is loaded on the first request, not at import: modules that only need this file's
// helpers (error mappers, webhook verifiers) do not pay for it at cold start.
let undici: Promise<typeof import('undici')> | undefined;
const loadUndici = () => (undici ??= import('undici'));
/** Starts loading undici now (see warmProvider in registry.ts); a failure shows where it is used. */
export const warmHttpClient = (): void => void loadUndici().catch(() => undefined);
// Only paced calls need to know when they left (pacer.ts).
let sendWatchModule: Promise<typeof import('./send-watch.js')> | undefined;
const sendWatch = () => (sendWatchModule ??= import('./send-watch.js'));
import { logger as rootLogger, type Logger } from '../log.js';
import { LOG_EVENTS } from '../log-events.js';
import { ProviderError, type ProviderName } from './types.js';
import type { Departure } from './pacer.js';

export type ResponseHeaders = Record<string, string | string[] | undefined>;
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ProviderHttpOptions {
  provider: ProviderName;
  /** e.g. https://api.twilio.com or http://127.0.0.1:4010/prefix (a path prefix is kept). */
  baseUrl: string;
  /** Per attempt: connect, wait for headers, and gaps in the body. Default 15000. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Backoff base (full jitter: random(0, min(maxDelayMs, base * 2^n))). Default 200. */
  baseDelayMs?: number;
  /** Upper bound of any wait, Retry-After included. Default 5000. */
  maxDelayMs?: number;
  /** Injected by tests to avoid real waits. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected by tests for deterministic jitter; returns [0, 1). */
  random?: () => number;
  logger?: Logger;
  /** Sent with every request (e.g. Authorization). Never logged. */
  defaultHeaders?: Record<string, string>;
  /** Turns a non-2xx response into a ProviderError (provider-specific code/message + kind). */
  mapError: (status: number, body: unknown, headers: ResponseHeaders) => ProviderError;
  /** Override the shared keep-alive Agent (tests, proxies). */
  dispatcher?: Dispatcher;
  /** The account's API rate limit (requests per second): calls are paced just under it, and a 429 holds them all. */
  pacePerSecond?: number;
}

export interface ProviderRequest {
  method: HttpMethod;
  /** Path below baseUrl, starting with '/'. Path parameters must already be encoded. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** application/x-www-form-urlencoded body; undefined values are omitted, '' is sent. */
  form?: Record<string, string | undefined>;
  json?: unknown;
  headers?: Record<string, string>;
  /** true when repeating the call cannot cause a second effect. */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Short operation name for logs (e.g. 'twilio.purchase'); defaults to the method. */
  operation?: string;
}

export interface ProviderResponse<T> {
  status: number;
  body: T;
  headers: ResponseHeaders;
}

export interface ProviderHttp {
  request<T = unknown>(req: ProviderRequest): Promise<ProviderResponse<T>>;
}

const DEFAULTS = { timeoutMs: 15_000, maxRetries: 2, baseDelayMs: 200, maxDelayMs: 5_000 } as const;

/** Node/undici error codes raised before any byte of the request left this process. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL']);
/** Codes raised after the request was (possibly) sent: the provider may have acted. */
const AFTER_SEND_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_ABORTED',
]);
const RETRY_5XX_WHEN_IDEMPOTENT = new Set([500, 502, 503, 504]);

const agents = new Map<number, Agent>();
/** One keep-alive Agent per connect timeout (in practice one per process). */
async function sharedAgent(connectTimeoutMs: number): Promise<Agent> {
  let agent = agents.get(connectTimeoutMs);
  if (!agent) {
    const { Agent } = await loadUndici();
    agent = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000, connectTimeout: connectTimeoutMs, connections: 32 });
    agents.set(connectTimeoutMs, agent);
  }
  return agent;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Joins a base URL that may carry a path prefix with a request path and query. */
export function buildUrl(baseUrl: string, path: string, query?: ProviderRequest['query']): string {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const rel = path.startsWith('/') ? path : `/${path}`;
  const url = new URL(base.origin);
  url.pathname = `${prefix}${rel}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.append(key, String(value));
    }
    const qs = params.toString();
    if (qs) url.search = `?${qs}`;
  }
  return url.toString();
}

/** Retry-After in seconds (delta-seconds or HTTP date); undefined when absent/unparseable. */
/**
 * The common end of every provider's error mapper: the provider's code and what it means, the
 * Retry-After it asked for, and whether a later retry may succeed (429, 5xx, rate limiting unless
 * the mapper knows better). The message is already worded and scrubbed by the mapper.
 */
export function providerErrorFrom(
  provider: ProviderName,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  fields: { message: string; code?: string | undefined; kind?: ProviderError['info']['kind'] | undefined; retryable?: boolean },
): ProviderError {
  const retryAfterSeconds = parseRetryAfter(headers['retry-after']);
  return new ProviderError(provider, fields.message, {
    httpStatus: status,
    retryable: fields.retryable ?? (status === 429 || status >= 500 || fields.kind === 'rate_limited'),
    ...(fields.code !== undefined ? { providerCode: fields.code } : {}),
    ...(fields.kind !== undefined ? { kind: fields.kind } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const trimmed = raw.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.max(0, Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function headerString(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (isJsonContentType(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let i = 0; i < 4 && current && typeof current === 'object'; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Rebuilds a mapped error with the safety-relevant flags decided here, not by the mapper. */
function classifyStatus(mapped: ProviderError, status: number, idempotent: boolean, headers: ResponseHeaders): ProviderError {
  const info = { ...mapped.info, httpStatus: status };
  if (status === 429) {
    info.retryable = true;
    info.ambiguous = false;
    info.kind ??= 'rate_limited';
    info.retryAfterSeconds ??= parseRetryAfter(headers['retry-after']);
  } else if (status >= 500) {
    info.retryable = true;
    info.ambiguous = !idempotent;
    info.kind ??= 'unavailable';
    info.retryAfterSeconds ??= parseRetryAfter(headers['retry-after']);
  } else {
    info.retryable = false;
    info.ambiguous = false;
    if (info.kind === undefined) {
      if (status === 401 || status === 403) info.kind = 'auth';
      else if (status === 404) info.kind = 'not_found';
      else if (status >= 400) info.kind = 'invalid_request';
    }
  }
  const out = new ProviderError(mapped.provider, mapped.message, info);
  if (mapped.stack) out.stack = mapped.stack;
  return out;
}

/**
 * How a call that did not succeed counts in the provider API error rate: `rejected` is the provider
 * deciding (a 4xx about the request: not found, not available, invalid), `failed` is the API failing
 * us (no answer, 5xx, 429 after our retries, credentials refused).
 */
export function callOutcome(error: ProviderError): 'rejected' | 'failed' {
  const status = error.info.httpStatus;
  if (status === undefined || status === 429 || status >= 500 || status === 401 || status === 403 || error.info.kind === 'auth') return 'failed';
  return 'rejected';
}

interface AttemptFailure {
  error: ProviderError;
  /** Whether this client may try again automatically. */
  autoRetry: boolean;
  /** Minimum wait requested by the provider, in ms. */
  retryAfterMs?: number;
}

export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const provider = options.provider;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxRetries = Math.max(0, options.maxRetries ?? DEFAULTS.maxRetries);
  const baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const log = (options.logger ?? rootLogger).child({ provider });
  const dispatcher = (): Promise<Dispatcher> => (options.dispatcher ? Promise.resolve(options.dispatcher) : sharedAgent(Math.min(timeoutMs, 10_000)));
  new URL(options.baseUrl); // fail fast on a malformed base URL

  function networkFailure(err: unknown, req: ProviderRequest, timedOut: boolean): AttemptFailure {
    const code = timedOut ? 'TIMEOUT' : errorCode(err);
    if (code && NOT_SENT_CODES.has(code)) {
      return {
        error: new ProviderError(provider, `${provider} unreachable (${code})`, { retryable: true, ambiguous: false, kind: 'unavailable' }),
        autoRetry: true,
      };
    }
    // Anything else may have happened after the request left: a reset, a timeout
    // waiting for the answer, or an error we do not know. Assume it was sent.
    const label = code && (AFTER_SEND_CODES.has(code) || code === 'TIMEOUT') ? code : `unexpected ${code ?? 'network error'}`;
    return {
      error: new ProviderError(provider, `${provider} request failed after sending (${label})`, {
        retryable: true,
        ambiguous: !req.idempotent,
        kind: 'unavailable',
      }),
      autoRetry: req.idempotent,
    };
  }

  async function attempt<T>(
    req: ProviderRequest,
    url: string,
    body: string | undefined,
    headers: Record<string, string>,
    departure: Departure | undefined,
  ): Promise<ProviderResponse<T> | AttemptFailure> {
    // A hard per-attempt deadline on top of undici's own timers (a body that trickles).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error('deadline')), timeoutMs * 2 + 1_000);
    const signal = req.signal ? AbortSignal.any([req.signal, deadline.signal]) : deadline.signal;
    try {
      let res: Dispatcher.ResponseData;
      try {
        const { request: undiciRequest } = await loadUndici();
        const options = { method: req.method, headers, body, signal, dispatcher: await dispatcher(), headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
        // A paced call counts in the account's window from when it leaves (send-watch.ts).
        res = await (departure ? (await sendWatch()).watchSend((at) => departure.sent(at), () => undiciRequest(url, options)) : undiciRequest(url, options));
      } catch (err) {
        if (req.signal?.aborted) throw callerAborted(req);
        return networkFailure(err, req, deadline.signal.aborted);
      }
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        if (req.signal?.aborted) throw callerAborted(req);
        // Status line arrived but the body did not: for a 2xx we cannot tell the caller what happened.
        return networkFailure(err, req, deadline.signal.aborted);
      }
      const resHeaders = res.headers;
      const parsed = parseBody(text, headerString(resHeaders, 'content-type'));
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { status, body: parsed as T, headers: resHeaders };
      let mapped: ProviderError;
      try {
        mapped = options.mapError(status, parsed, resHeaders);
      } catch {
        mapped = new ProviderError(provider, `${provider} HTTP ${status}`, { retryable: false });
      }
      const error = classifyStatus(mapped, status, req.idempotent, resHeaders);
      const autoRetry = status === 429 || (req.idempotent && RETRY_5XX_WHEN_IDEMPOTENT.has(status));
      const retryAfter = error.info.retryAfterSeconds;
      return { error, autoRetry, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}) };
    } finally {
      clearTimeout(timer);
    }
  }

  function callerAborted(req: ProviderRequest): ProviderError {
    // The caller gave up; if the request had left, the provider may still act on it.
    return new ProviderError(provider, `${provider} request aborted by caller`, {
      retryable: true,
      ambiguous: !req.idempotent,
      kind: 'unavailable',
    });
  }

  // One pacer per account (provider, host and credentials), shared by every client of it in this instance.
  const pacer = options.pacePerSecond
    ? import('node:crypto').then(async ({ createHash }) => {
        const identity = createHash('sha256').update(JSON.stringify([options.baseUrl, options.defaultHeaders ?? {}])).digest('hex');
        return (await import('./pacer.js')).pacerFor(`${provider}:${identity}`, options.pacePerSecond!);
      })
    : undefined;
  return {
    async request<T = unknown>(req: ProviderRequest): Promise<ProviderResponse<T>> {
      if (req.signal?.aborted) {
        // Nothing was sent: never ambiguous.
        throw new ProviderError(provider, `${provider} request aborted before sending`, { retryable: true, ambiguous: false });
      }
      const url = buildUrl(options.baseUrl, req.path, req.query);
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': 'numbers-platform/0.1',
        ...options.defaultHeaders,
        ...req.headers,
      };
      let body: string | undefined;
      if (req.form) {
        const params = new URLSearchParams();
        for (const [key, value] of Object.entries(req.form)) if (value !== undefined) params.append(key, value);
        body = params.toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      } else if (req.json !== undefined) {
        body = JSON.stringify(req.json);
        headers['content-type'] = 'application/json';
      }
      const op = req.operation ?? req.method;
      const logPath = req.path.split('?')[0];
      const pace = await pacer;
      const callStarted = Date.now();

      for (let n = 0; ; n++) {
        const departure = await pace?.take(req.signal);
        // Given up while waiting for the account's pace: nothing was sent, so never ambiguous.
        if (req.signal?.aborted) throw new ProviderError(provider, `${provider} request aborted before sending`, { retryable: true, ambiguous: false });
        const started = Date.now();
        const result = await attempt<T>(req, url, body, headers, departure);
        const durationMs = Date.now() - started;
        if (!('error' in result)) {
          // One line per call (not per attempt), without path or query (identifiers, numbers): the
          // provider API metrics count these (terraform/monitoring.tf).
          log.info('provider call', { event: LOG_EVENTS.providerCall, op, method: req.method, status: result.status, outcome: 'ok', attempt: n + 1, durationMs: Date.now() - callStarted });
          return result;
        }
        const { error } = result;
        // The account is at its limit: everyone waits out the Retry-After together.
        if (error.info.httpStatus === 429) pace?.pause(result.retryAfterMs ?? 1000);
        const canRetry = result.autoRetry && n < maxRetries;
        log.debug('provider call failed', {
          op,
          method: req.method,
          path: logPath,
          status: error.info.httpStatus,
          providerCode: error.info.providerCode,
          attempt: n + 1,
          durationMs,
          ambiguous: error.ambiguous,
          willRetry: canRetry,
        });
        if (!canRetry) {
          const outcome = callOutcome(error);
          const summary = {
            event: LOG_EVENTS.providerCall,
            op,
            method: req.method,
            status: error.info.httpStatus,
            outcome,
            errorKind: error.info.kind,
            providerCode: error.info.providerCode,
            attempt: n + 1,
            durationMs: Date.now() - callStarted,
          };
          if (outcome === 'failed') log.warn('provider call', summary);
          else log.info('provider call', summary);
          if (error.ambiguous) {
            log.warn('provider call outcome unknown', { op, method: req.method, path: logPath, status: error.info.httpStatus, attempt: n + 1 });
          }
          throw error;
        }
        const backoff = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** n);
        // Retry-After is a minimum; spread callers over the half after it so that everyone the
        // provider turned away in the same second does not come back in the same millisecond.
        const retryAfter = result.retryAfterMs !== undefined ? result.retryAfterMs * (1 + random() / 2) : 0;
        const wait = Math.min(maxDelayMs, Math.max(backoff, retryAfter));
        await sleep(wait);
        if (req.signal?.aborted) throw error;
      }
    },
  };
}
