import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildUrl, createProviderHttp, parseRetryAfter, type ProviderHttpOptions } from '../../shared/providers/http.js';
import { ProviderError } from '../../shared/providers/types.js';
import { createLogger, setLogLevel, setLogSink, type Logger } from '../../shared/log.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let baseUrl: string;
let handlers: Handler[] = [];
let seen: Seen[] = [];

function startServer(srv: Server, port = 0): Promise<number> {
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port)));
}
function closeServer(srv: Server): Promise<void> {
  srv.closeAllConnections();
  return new Promise((resolve) => srv.close(() => resolve()));
}
function makeServer(): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const handler = handlers.shift() ?? ((_q, r) => r.writeHead(500).end('no handler'));
      handler(req, res, body);
    });
  });
}
const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const hang: Handler = () => {
  /* never answers */
};

beforeAll(async () => {
  server = makeServer();
  const port = await startServer(server);
  baseUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await closeServer(server);
});
afterEach(() => {
  handlers = [];
  seen = [];
});

const mapError: ProviderHttpOptions['mapError'] = (status, body) => {
  const b = (body ?? {}) as { code?: number; message?: string };
  return new ProviderError('twilio', b.message ?? `HTTP ${status}`, {
    httpStatus: status,
    providerCode: b.code !== undefined ? String(b.code) : undefined,
    retryable: false,
  });
};

function client(overrides: Partial<ProviderHttpOptions> = {}) {
  const sleeps: number[] = [];
  const http = createProviderHttp({
    provider: 'twilio',
    baseUrl,
    mapError,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    timeoutMs: 2_000,
    logger: silent,
    ...overrides,
  });
  return { http, sleeps };
}

async function catchError(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a rejection');
}

describe('buildUrl / parseRetryAfter', () => {
  it('keeps a base path prefix and encodes the query, dropping undefined', () => {
    expect(buildUrl('http://h:1/prefix/', '/a/b.json', { X: 'a b+c', Y: undefined, Z: 3, B: false })).toBe(
      'http://h:1/prefix/a/b.json?X=a+b%2Bc&Z=3&B=false',
    );
    expect(buildUrl('http://h:1/prefix', 'a.json')).toBe('http://h:1/prefix/a.json');
    expect(buildUrl('https://api.twilio.com', '/2010-04-01/x.json')).toBe('https://api.twilio.com/2010-04-01/x.json');
  });
  it('parses delta seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('createProviderHttp', () => {
  it('sends form bodies (undefined omitted, empty string kept), default headers, and parses JSON', async () => {
    const { http } = client({ baseUrl: `${baseUrl}/prefix/`, defaultHeaders: { authorization: 'Basic abc' } });
    handlers.push(json(201, { ok: true }));
    const res = await http.request<{ ok: boolean }>({
      method: 'POST',
      path: '/x/y.json',
      query: { A: 1 },
      form: { PhoneNumber: '+15105551234', VoiceUrl: '', SmsUrl: undefined },
      idempotent: false,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ok: true });
    expect(seen[0]!.url).toBe('/prefix/x/y.json?A=1');
    expect(seen[0]!.body).toBe('PhoneNumber=%2B15105551234&VoiceUrl=');
    expect(seen[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[0]!.headers.authorization).toBe('Basic abc');
  });

  it('keeps non-JSON bodies as text and returns undefined for empty bodies', async () => {
    const { http } = client();
    handlers.push((_q, r) => r.writeHead(200, { 'content-type': 'text/plain' }).end('hello'));
    handlers.push((_q, r) => r.writeHead(204).end());
    expect((await http.request({ method: 'GET', path: '/t', idempotent: true })).body).toBe('hello');
    expect((await http.request({ method: 'DELETE', path: '/t', idempotent: true })).body).toBeUndefined();
  });

  it('retries a POST on 429, waiting for Retry-After', async () => {
    const { http, sleeps } = client({ random: () => 0 });
    handlers.push(json(429, { code: 20429, message: 'Too Many Requests' }, { 'retry-after': '2' }));
    handlers.push(json(201, { sid: 'PN1' }));
    const res = await http.request({ method: 'POST', path: '/buy', form: { a: '1' }, idempotent: false });
    expect(res.status).toBe(201);
    expect(seen).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
  });

  it('spreads 429 retries over the half after Retry-After, so turned-away callers do not return together', async () => {
    const waits: number[] = [];
    for (const r of [0, 0.5, 0.999]) {
      const { http, sleeps } = client({ random: () => r });
      handlers.push(json(429, { code: 20429, message: 'Too Many Requests' }, { 'retry-after': '2' }));
      handlers.push(json(201, { sid: 'PN1' }));
      await http.request({ method: 'POST', path: '/buy', idempotent: false });
      waits.push(...sleeps);
    }
    expect(waits[0]).toBe(2000);
    expect(waits[1]).toBe(2500);
    expect(waits[2]).toBeGreaterThan(2990);
    expect(waits[2]).toBeLessThan(3000);
  });

  it('caps Retry-After at maxDelayMs and throws the last 429 (retryable, not ambiguous) when exhausted', async () => {
    const { http, sleeps } = client({ maxDelayMs: 1500, maxRetries: 1 });
    handlers.push(json(429, { code: 20429, message: 'slow down' }, { 'retry-after': '120' }));
    handlers.push(json(429, { code: 20429, message: 'slow down' }, { 'retry-after': '120' }));
    const err = await catchError(http.request({ method: 'POST', path: '/buy', idempotent: false }));
    expect(sleeps).toEqual([1500]);
    expect(seen).toHaveLength(2);
    expect(err.info).toMatchObject({ httpStatus: 429, retryable: true, ambiguous: false, kind: 'rate_limited', retryAfterSeconds: 120 });
  });

  it('does not retry a POST on 503: ambiguous and retryable', async () => {
    const { http, sleeps } = client();
    handlers.push(json(503, { message: 'down' }));
    const err = await catchError(http.request({ method: 'POST', path: '/buy', idempotent: false }));
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(err.info).toMatchObject({ httpStatus: 503, retryable: true, ambiguous: true, kind: 'unavailable' });
  });

  it('does not retry a POST on 500 either, but retries an idempotent one', async () => {
    const { http } = client();
    handlers.push(json(500, { message: 'boom' }));
    const err = await catchError(http.request({ method: 'POST', path: '/buy', idempotent: false }));
    expect(err.ambiguous).toBe(true);
    expect(seen).toHaveLength(1);
    seen = [];
    handlers.push(json(500, { message: 'boom' }), json(200, { ok: 1 }));
    const res = await http.request({ method: 'POST', path: '/update', idempotent: true });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('retries a GET on 503 and succeeds', async () => {
    const { http, sleeps } = client();
    handlers.push(json(503, {}), json(502, {}), json(200, { n: 1 }));
    const res = await http.request({ method: 'GET', path: '/list', idempotent: true });
    expect(res.body).toEqual({ n: 1 });
    expect(seen).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('throws the last 5xx of an idempotent call (retryable, not ambiguous) when retries run out', async () => {
    const { http } = client({ maxRetries: 2 });
    handlers.push(json(503, {}), json(503, {}), json(504, { message: 'gw' }));
    const err = await catchError(http.request({ method: 'GET', path: '/list', idempotent: true }));
    expect(seen).toHaveLength(3);
    expect(err.info).toMatchObject({ httpStatus: 504, retryable: true, ambiguous: false });
  });

  it('uses mapError for 4xx and never retries them', async () => {
    const calls: Array<[number, unknown, string | undefined]> = [];
    const { http, sleeps } = client({
      mapError: (status, body, headers) => {
        calls.push([status, body, headers['x-test'] as string | undefined]);
        return new ProviderError('twilio', 'The requested resource was not found', {
          providerCode: '20404',
          retryable: true, // the client overrides this: 4xx is never retryable
          kind: 'not_found',
        });
      },
    });
    handlers.push(json(404, { code: 20404, message: 'nope' }, { 'x-test': 'yes' }));
    const err = await catchError(http.request({ method: 'GET', path: '/x', idempotent: true }));
    expect(calls).toEqual([[404, { code: 20404, message: 'nope' }, 'yes']]);
    expect(err.message).toBe('The requested resource was not found');
    expect(err.info).toMatchObject({ httpStatus: 404, providerCode: '20404', retryable: false, ambiguous: false, kind: 'not_found' });
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a POST after ECONNREFUSED (nothing was sent) and succeeds once the server is up', async () => {
    const other = makeServer();
    const port = await startServer(other);
    await closeServer(other); // the port is now refused
    let listening = false;
    const http = createProviderHttp({
      provider: 'twilio',
      baseUrl: `http://127.0.0.1:${port}`,
      mapError,
      logger: silent,
      sleep: async () => {
        if (!listening) {
          listening = true;
          await startServer(other, port);
        }
      },
    });
    handlers.push(json(201, { sid: 'PN1' }));
    try {
      const res = await http.request({ method: 'POST', path: '/buy', form: { a: '1' }, idempotent: false });
      expect(res.status).toBe(201);
      expect(seen).toHaveLength(1);
    } finally {
      await closeServer(other);
    }
  });

  it('ECONNREFUSED exhausted → retryable, not ambiguous', async () => {
    const other = makeServer();
    const port = await startServer(other);
    await closeServer(other);
    const { http, sleeps } = client({ baseUrl: `http://127.0.0.1:${port}` });
    const err = await catchError(http.request({ method: 'POST', path: '/buy', idempotent: false }));
    expect(sleeps).toHaveLength(2);
    expect(err.info).toMatchObject({ retryable: true, ambiguous: false, kind: 'unavailable' });
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('a timeout after sending a POST is ambiguous and not retried', async () => {
    const { http, sleeps } = client({ timeoutMs: 150 });
    handlers.push(hang, hang, hang);
    const started = Date.now();
    const err = await catchError(http.request({ method: 'POST', path: '/buy', form: { a: '1' }, idempotent: false }));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(err.info).toMatchObject({ retryable: true, ambiguous: true });
    expect(err.message).toContain('UND_ERR_HEADERS_TIMEOUT');
  });

  it('a timeout of an idempotent GET is retried', async () => {
    const { http, sleeps } = client({ timeoutMs: 150 });
    handlers.push(hang, json(200, { ok: true }));
    const res = await http.request({ method: 'GET', path: '/x', idempotent: true });
    expect(res.body).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('a connection reset after a POST was sent is ambiguous and not retried', async () => {
    const { http } = client();
    handlers.push((req) => req.socket.destroy());
    const err = await catchError(http.request({ method: 'POST', path: '/buy', idempotent: false }));
    expect(seen).toHaveLength(1);
    expect(err.info).toMatchObject({ retryable: true, ambiguous: true });
  });

  it('stops at once when the caller aborts (ambiguous for a POST in flight)', async () => {
    const { http, sleeps } = client({ timeoutMs: 5_000 });
    handlers.push(hang);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await catchError(http.request({ method: 'POST', path: '/buy', idempotent: false, signal: ac.signal }));
    expect(err.info).toMatchObject({ ambiguous: true });
    expect(sleeps).toEqual([]);
    const err2 = await catchError(http.request({ method: 'POST', path: '/buy', idempotent: false, signal: ac.signal }));
    expect(err2.info).toMatchObject({ ambiguous: false });
    expect(seen).toHaveLength(1);
  });

  it('keeps backoff within full-jitter bounds and maxDelayMs', async () => {
    const { http, sleeps } = client({ maxRetries: 5, baseDelayMs: 100, maxDelayMs: 300, random: () => 0.999 });
    for (let i = 0; i < 6; i++) handlers.push(json(503, {}));
    await catchError(http.request({ method: 'GET', path: '/x', idempotent: true }));
    expect(sleeps).toHaveLength(5);
    sleeps.forEach((ms, n) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(Math.min(300, 100 * 2 ** n));
    });
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(300);

    const zero = client({ maxRetries: 2, random: () => 0 });
    handlers.push(json(503, {}), json(503, {}), json(503, {}));
    await catchError(zero.http.request({ method: 'GET', path: '/x', idempotent: true }));
    expect(zero.sleeps).toEqual([0, 0]);
  });

  it('logs each failed attempt at DEBUG and one INFO line per call, without credentials, bodies, path or query', async () => {
    const lines: string[] = [];
    const restore = setLogSink((l) => lines.push(l));
    setLogLevel('DEBUG');
    try {
      const { http } = client({ logger: createLogger(), defaultHeaders: { authorization: 'Basic QUMxMjM6c2VjcmV0dG9rZW4=' } });
      handlers.push(json(503, { secret: 'body-secret' }), json(200, { phone: 'body-content' }));
      await http.request({ method: 'GET', path: '/Accounts/AC1/x.json', query: { PhoneNumber: '+1555' }, idempotent: true });
    } finally {
      setLogLevel('INFO');
      restore();
    }
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(all).not.toMatch(/QUMxMjM6c2VjcmV0dG9rZW4|body-secret|body-content|\+1555/);
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries[0]).toMatchObject({ severity: 'DEBUG', message: 'provider call failed', method: 'GET', path: '/Accounts/AC1/x.json', status: 503, attempt: 1 });
    // The line the provider API metrics count (terraform/monitoring.tf): one per call, after its retries.
    const last = entries.at(-1)!;
    expect(last).toMatchObject({ severity: 'INFO', message: 'provider call', event: 'provider.call', provider: 'twilio', method: 'GET', status: 200, outcome: 'ok', attempt: 2 });
    expect(last.path).toBeUndefined();
  });

  it('counts a call the API failed as failed, and one it refused as rejected', async () => {
    const lines: string[] = [];
    const restore = setLogSink((l) => lines.push(l));
    try {
      const { http } = client({ logger: createLogger(), maxRetries: 1 });
      handlers.push(json(503, {}), json(503, {}));
      await catchError(http.request({ method: 'GET', path: '/x', idempotent: true }));
      handlers.push(json(404, {}));
      await catchError(http.request({ method: 'GET', path: '/y', idempotent: true }));
      handlers.push(json(401, {}));
      await catchError(http.request({ method: 'GET', path: '/z', idempotent: true }));
    } finally {
      restore();
    }
    const calls = lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'provider.call');
    expect(calls.map((c) => [c.severity, c.status, c.outcome, c.attempt])).toEqual([
      ['WARNING', 503, 'failed', 2],
      ['INFO', 404, 'rejected', 1],
      ['WARNING', 401, 'failed', 1],
    ]);
  });
});
