import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Request, Response } from '@google-cloud/functions-framework';
import { createLogger, REPORTED_ERROR_EVENT, setLogSink } from '../../shared/log.js';
import { parseConfig } from '../../shared/config.js';
import { createDeps, useLocalTaskQueue, type Deps } from '../../shared/deps.js';
import { createHttpFunction } from '../../shared/http/handler.js';
import { createEventFunction } from '../../shared/http/event-handler.js';
import type { AnyEndpoint, EventFunction, OperationFactory } from '../../shared/api/endpoint.js';
import type { TaskRequest } from '../../shared/queue/task-queue.js';
import { formatCloudTraceContext, formatTraceparent, parseCloudTraceContext, parseTraceparent, traceFromHeaders } from '../../shared/trace.js';

// The shapes Cloud Logging, Cloud Trace and Error Reporting read from our JSON lines: trace fields
// from either trace header, carried to tasks and messages; Error Reporting's fields; the access line.

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const PROJECT = 'demo-logs';

/** A JSON log line, with the fields Cloud Logging, Cloud Trace and Error Reporting read typed. */
interface LogLine {
  message?: string;
  severity?: string;
  httpRequest?: { latency?: string; requestUrl?: string; [field: string]: unknown };
  stack_trace?: string;
  err?: unknown;
  '@type'?: string;
  'logging.googleapis.com/trace'?: string;
  'logging.googleapis.com/spanId'?: string;
  'logging.googleapis.com/trace_sampled'?: boolean;
  'logging.googleapis.com/labels'?: Record<string, string>;
  [field: string]: unknown;
}

let lines: LogLine[];
let restore: () => void;
beforeEach(() => {
  lines = [];
  restore = setLogSink((line) => lines.push(JSON.parse(line) as LogLine));
});
afterEach(() => {
  restore();
  useLocalTaskQueue(undefined);
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

function fakeRequest(method: string, url: string, headers: Record<string, string> = {}, body?: unknown): Request {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const raw = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  if (body !== undefined) lower['content-type'] = 'application/json';
  return {
    method,
    url,
    originalUrl: url,
    path: url.split('?')[0],
    query: Object.fromEntries(new URLSearchParams(url.split('?')[1] ?? '')),
    headers: lower,
    rawBody: raw,
    body,
    protocol: 'http',
    socket: { remoteAddress: '10.1.2.3' },
    get: (name: string) => lower[name.toLowerCase()],
    is: (type: string) => (type === 'application/json' && body !== undefined ? type : false),
  } as unknown as Request;
}

function fakeResponse() {
  const headers: Record<string, string> = {};
  const res = {
    statusCode: 200,
    body: undefined as unknown,
    set(name: string, value: string) {
      headers[name.toLowerCase()] = value;
      return res;
    },
    get: (name: string) => headers[name.toLowerCase()],
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    type(value: string) {
      headers['content-type'] = value;
      return res;
    },
    send(value: string) {
      res.body = value;
      headers['content-length'] = String(Buffer.byteLength(value));
      return res;
    },
    end() {
      return res;
    },
  };
  return res;
}

/** Deps as a function has them (the task queue and publisher wrappers of shared/deps.ts), with their ends captured. */
function testDeps(overrides: Partial<Deps> = {}) {
  const tasks: TaskRequest[] = [];
  const published: { topic: string; attributes?: Record<string, string> }[] = [];
  useLocalTaskQueue({
    enqueue: async (task) => {
      tasks.push(task);
      return { name: `t${tasks.length}`, deduplicated: false };
    },
  });
  // The publisher talks to the (stubbed) emulator REST API: no credentials, no network.
  vi.stubEnv('PUBSUB_EMULATOR_HOST', '127.0.0.1:1');
  vi.stubGlobal('fetch', async (_url: string, init: { body: string }) => {
    const { messages } = JSON.parse(init.body) as { messages: { attributes?: Record<string, string> }[] };
    published.push({ topic: String(_url), ...(messages[0]!.attributes ? { attributes: messages[0]!.attributes } : {}) });
    return new Response(JSON.stringify({ messageIds: ['1'] }), { status: 200 });
  });
  const deps = createDeps(parseConfig({ GOOGLE_CLOUD_PROJECT: PROJECT, PLATFORM_ENV: 'local', PUBLIC_BASE_URL: 'http://127.0.0.1:1' }), { log: createLogger(), ...overrides });
  return { deps, tasks, published };
}

function endpoint(operation: OperationFactory): AnyEndpoint {
  return {
    name: 'ping',
    method: 'POST',
    path: '/v1/ping',
    access: 'public',
    summary: 'test',
    tag: 'test',
    response: z.any(),
    successStatus: 200,
    errors: [],
    operation: async () => ({ default: operation }),
  };
}

const traceFields = (entry: LogLine) => ({
  trace: entry['logging.googleapis.com/trace'],
  spanId: entry['logging.googleapis.com/spanId'],
  sampled: entry['logging.googleapis.com/trace_sampled'],
});

describe('trace headers', () => {
  it('reads W3C traceparent and refuses malformed or zero ids', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true, source: 'traceparent' });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.sampled).toBe(false);
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-03-future`)?.traceId).toBe(TRACE); // later versions: read as 00
    for (const bad of [`00-${TRACE}-${SPAN}-01-extra`, `ff-${TRACE}-${SPAN}-01`, `00-${'0'.repeat(32)}-${SPAN}-01`, `00-${TRACE}-${'0'.repeat(16)}-01`, `00-${TRACE.toUpperCase()}-${SPAN}-01`, 'nonsense', '']) {
      expect(parseTraceparent(bad), bad).toBeUndefined();
    }
  });

  it('reads X-Cloud-Trace-Context (decimal span id → 16 hex digits) and writes both forms back', () => {
    const ctx = parseCloudTraceContext(`${TRACE.toUpperCase()}/${BigInt(`0x${SPAN}`)};o=1`)!;
    expect(ctx).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true, source: 'x-cloud-trace-context' });
    expect(formatCloudTraceContext(ctx)).toBe(`${TRACE}/${BigInt(`0x${SPAN}`)};o=1`);
    expect(formatTraceparent(ctx)).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(parseCloudTraceContext(`${TRACE};o=0`)).toMatchObject({ traceId: TRACE, sampled: false });
    expect(parseCloudTraceContext(`${TRACE}/${2n ** 64n}`)?.spanId).toMatch(/^[0-9a-f]{16}$/); // out of range: a new span
    expect(parseCloudTraceContext('abc/1;o=1')).toBeUndefined();
  });

  it('prefers traceparent, then X-Cloud-Trace-Context, else starts a trace', () => {
    const other = 'a'.repeat(32);
    expect(traceFromHeaders(`00-${TRACE}-${SPAN}-01`, `${other}/1;o=1`).traceId).toBe(TRACE);
    expect(traceFromHeaders('garbage', `${other}/1;o=1`).traceId).toBe(other);
    // A task's carried copy: Cloud Run's own span of the same trace is kept; another trace is overruled.
    const cloudRunSpan = '1111111111111111';
    expect(traceFromHeaders(`00-${TRACE}-${cloudRunSpan}-01`, undefined, `00-${TRACE}-${SPAN}-01`).spanId).toBe(cloudRunSpan);
    expect(traceFromHeaders(`00-${other}-${cloudRunSpan}-01`, undefined, `00-${TRACE}-${SPAN}-01`)).toMatchObject({ traceId: TRACE, spanId: SPAN });
    expect(traceFromHeaders(undefined, undefined, `00-${TRACE}-${SPAN}-01`).traceId).toBe(TRACE);
    expect(traceFromHeaders(`00-${TRACE}-${cloudRunSpan}-01`, undefined, 'garbage').spanId).toBe(cloudRunSpan);
    const fresh = traceFromHeaders(undefined, undefined);
    expect(fresh).toMatchObject({ source: 'generated', sampled: false });
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('request logs', () => {
  it('puts the traceparent trace on every line of the request, and passes it to the tasks and messages the request makes', async () => {
    const { deps, tasks, published } = testDeps();
    const fn = createHttpFunction(
      endpoint((d) => async ({ log }) => {
        log.info('working');
        createLogger({ component: 'elsewhere' }).info('a module logger'); // not the request's logger: still its trace
        await d.tasks.enqueue({ queue: 'followups', url: 'http://127.0.0.1/internal/tasks/x', body: {} });
        await d.tasks.enqueue({ queue: 'followups', url: 'http://127.0.0.1/internal/tasks/y', body: {}, headers: { traceparent: `00-${'b'.repeat(32)}-${SPAN}-00` } });
        await d.publisher.publish('jobs-chunks', { hello: 1 }, { kind: 'test' });
        return { body: { ok: true } };
      }),
      () => deps,
    );
    const res = fakeResponse();
    await fn(fakeRequest('POST', '/v1/ping', { traceparent: `00-${TRACE}-${SPAN}-01` }, {}), res as unknown as Response);
    expect(res.statusCode).toBe(200);
    const expected = { trace: `projects/${PROJECT}/traces/${TRACE}`, spanId: SPAN, sampled: true };
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const entry of lines) expect(traceFields(entry), entry.message).toEqual(expected);

    expect(tasks[0]!.headers).toEqual({
      traceparent: `00-${TRACE}-${SPAN}-01`,
      'X-Cloud-Trace-Context': `${TRACE}/${BigInt(`0x${SPAN}`)};o=1`,
      'X-Numbers-Traceparent': `00-${TRACE}-${SPAN}-01`,
    });
    expect(tasks[1]!.headers).toEqual({ traceparent: `00-${'b'.repeat(32)}-${SPAN}-00` }); // a caller's own is kept
    expect(published[0]!.attributes).toEqual({ kind: 'test', traceparent: `00-${TRACE}-${SPAN}-01` });
  });

  it('takes the trace from X-Cloud-Trace-Context when there is no traceparent', async () => {
    const { deps } = testDeps();
    const fn = createHttpFunction(endpoint(() => async ({ log }) => (log.info('working'), { body: {} })), () => deps);
    await fn(fakeRequest('POST', '/v1/ping', { 'x-cloud-trace-context': `${TRACE}/12345;o=0` }, {}), fakeResponse() as unknown as Response);
    for (const entry of lines) expect(traceFields(entry)).toEqual({ trace: `projects/${PROJECT}/traces/${TRACE}`, spanId: (12345).toString(16).padStart(16, '0'), sampled: false });
  });

  it('starts one trace for a request that brings none: all its lines share it', async () => {
    const { deps, tasks } = testDeps();
    const fn = createHttpFunction(
      endpoint((d) => async ({ log }) => {
        log.info('working');
        await d.tasks.enqueue({ queue: 'followups', url: 'http://127.0.0.1/internal/tasks/x', body: {} });
        return { body: {} };
      }),
      () => deps,
    );
    await fn(fakeRequest('POST', '/v1/ping', {}, {}), fakeResponse() as unknown as Response);
    const traces = new Set(lines.map((e) => e['logging.googleapis.com/trace']));
    expect(traces.size).toBe(1);
    const [trace] = [...traces] as string[];
    expect(trace).toMatch(new RegExp(`^projects/${PROJECT}/traces/[0-9a-f]{32}$`));
    expect(tasks[0]!.headers?.traceparent).toContain(trace!.split('/').at(-1));
  });

  it('writes one access line per request, after the response: httpRequest and labels, no secrets from the URL', async () => {
    const { deps } = testDeps();
    const fn = createHttpFunction(endpoint(() => async () => ({ status: 201, body: { ok: true } })), () => deps);
    const res = fakeResponse();
    await fn(
      fakeRequest('POST', '/v1/ping?view=full&access_token=abc123secret', {
        traceparent: `00-${TRACE}-${SPAN}-01`,
        host: 'api.example.com',
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '203.0.113.7, 10.0.0.1',
        'user-agent': 'curl/8.5.0',
        'content-length': '2',
      }, {}),
      res as unknown as Response,
    );
    const access = lines.filter((e) => e.message === 'request');
    expect(access).toHaveLength(1);
    const [line] = access;
    expect(line).toMatchObject({
      severity: 'INFO',
      function: 'ping',
      httpRequest: {
        requestMethod: 'POST',
        status: 201,
        userAgent: 'curl/8.5.0',
        remoteIp: '203.0.113.7',
        requestSize: '2',
        responseSize: String(Buffer.byteLength(res.body as string)),
      },
      'logging.googleapis.com/labels': { function: 'ping' },
      'logging.googleapis.com/trace': `projects/${PROJECT}/traces/${TRACE}`,
    });
    expect(line!.httpRequest?.latency).toMatch(/^\d+\.\d{3}s$/);
    expect(line!.httpRequest?.requestUrl).toBe('https://api.example.com/v1/ping?view=full&access_token=***masked***'.replace('***masked***', encodeURIComponent('***masked***')));
    expect(JSON.stringify(line)).not.toContain('abc123secret');
  });

  it('labels a user’s request with its tenant, and a failed one at WARNING', async () => {
    const noLimits = { doc: () => ({ get: async () => ({ get: () => undefined }) }) };
    const { deps } = testDeps({ verifyToken: async () => ({ uid: 'u1', tenantId: 'acme', role: 'member' }) as never, db: async () => noLimits as never });
    const member = { ...endpoint(() => async () => Promise.reject(new Error('kaboom'))), access: 'member' as const };
    const res = fakeResponse();
    await createHttpFunction(member, () => deps)(fakeRequest('POST', '/v1/ping', { authorization: 'Bearer x.y.z' }, {}), res as unknown as Response);
    expect(res.statusCode).toBe(500);
    const access = lines.find((e) => e.message === 'request')!;
    expect(access.severity).toBe('WARNING');
    expect(access['logging.googleapis.com/labels']).toEqual({ function: 'ping', tenant: 'acme' });
  });
});

describe('Error Reporting', () => {
  it('reports an unhandled error with its stack, the function and the request — secrets masked', async () => {
    vi.stubEnv('K_REVISION', 'ping-00007-abc');
    const { deps } = testDeps();
    const fn = createHttpFunction(
      endpoint(() => async () => {
        throw new Error('upstream said no to Bearer abcdefghijklmnopqrstuvwxyz');
      }),
      () => deps,
    );
    const res = fakeResponse();
    await fn(fakeRequest('POST', '/v1/ping?x=1', { traceparent: `00-${TRACE}-${SPAN}-01` }, {}), res as unknown as Response);
    expect(res.statusCode).toBe(500);
    const reported = lines.find((e) => e.message === 'unhandled error')!;
    expect(reported).toMatchObject({
      severity: 'ERROR',
      '@type': REPORTED_ERROR_EVENT,
      serviceContext: { service: 'ping', version: 'ping-00007-abc' },
      context: { httpRequest: { method: 'POST', url: '/v1/ping?x=1' } },
      'logging.googleapis.com/trace': `projects/${PROJECT}/traces/${TRACE}`,
    });
    expect(reported.stack_trace).toMatch(/^Error: upstream said no to \*\*\*masked\*\*\*\n\s+at /);
    expect(reported.err).toEqual({ name: 'Error', message: 'upstream said no to ***masked***' }); // the stack once, in stack_trace
    expect(JSON.stringify(lines)).not.toContain('abcdefghijklmnopqrstuvwxyz');
  });

  it('shapes any ERROR line with an error, also outside a request; not one without an error, nor a WARNING', () => {
    vi.stubEnv('K_SERVICE', 'jobsdeadletter');
    const log = createLogger();
    log.error('could not do it', { numberId: 'n1', err: new TypeError('bad thing'), password: 'hunter2' });
    log.error('no error object here', { numberId: 'n1' });
    log.warn('just a warning', { err: new Error('minor') });
    const [reported, plain, warning] = lines;
    expect(reported).toMatchObject({ '@type': REPORTED_ERROR_EVENT, serviceContext: { service: 'jobsdeadletter' }, message: 'could not do it', password: '***masked***' });
    expect(reported!.stack_trace).toMatch(/^TypeError: bad thing\n/);
    expect(reported!['logging.googleapis.com/trace']).toBeUndefined();
    expect(plain!['@type']).toBeUndefined();
    expect(warning!['@type']).toBeUndefined();
    expect(warning!.stack_trace).toBeUndefined();
  });
});

describe('Pub/Sub pushes', () => {
  const definition = (operation: () => Promise<void>, seen: { log?: unknown }): EventFunction => ({
    name: 'jobsChunkWorker',
    topic: 'jobs-chunks',
    maxAgeSeconds: 600,
    summary: 'test',
    operation: async () => ({ default: () => async ({ log }) => ((seen.log = log), log.info('handling'), operation()) }),
  });

  it('continues the trace the message carries, not the push request’s own', async () => {
    const { deps, tasks } = testDeps({ verifyPush: async () => ({}) as never });
    const seen: { log?: unknown } = {};
    const fn = createEventFunction(
      definition(async () => {
        await deps.tasks.enqueue({ queue: 'provider-twilio', url: 'http://127.0.0.1/internal/tasks/job-item', body: {} });
      }, seen),
      () => deps,
    );
    const pushTrace = 'c'.repeat(32);
    const message = { data: Buffer.from(JSON.stringify({ jobId: 'j1' })).toString('base64'), messageId: 'm1', publishTime: new Date().toISOString(), attributes: { traceparent: `00-${TRACE}-${SPAN}-01` } };
    const res = fakeResponse();
    await fn(fakeRequest('POST', '/', { traceparent: `00-${pushTrace}-${SPAN}-01`, authorization: 'Bearer t' }, { message, subscription: 's' }), res as unknown as Response);
    expect(res.statusCode, JSON.stringify(lines)).toBe(204);
    const handling = lines.find((e) => e.message === 'handling')!;
    expect(traceFields(handling)).toEqual({ trace: `projects/${PROJECT}/traces/${TRACE}`, spanId: SPAN, sampled: true });
    expect(tasks[0]!.headers?.traceparent).toBe(`00-${TRACE}-${SPAN}-01`);
    const access = lines.find((e) => e.message === 'request')!;
    expect(access).toMatchObject({ httpRequest: { requestMethod: 'POST', status: 204 }, 'logging.googleapis.com/labels': { function: 'jobsChunkWorker' } });
    expect(access['logging.googleapis.com/trace']).toBe(`projects/${PROJECT}/traces/${TRACE}`);
  });
});
