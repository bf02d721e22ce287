/**
 * LocalTaskQueue really dispatches over HTTP: a local target server records arrivals.
 * Timing assertions are loose (ordering and minimum spacing), never tight.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, setLogSink } from '../../shared/log.js';
import { LocalTaskQueue, type LocalQueueConfig } from '../../shared/queue/local-task-queue.js';

interface Arrival {
  path: string;
  at: number;
  headers: IncomingMessage['headers'];
  body: unknown;
}

let server: Server;
let base: string;
let arrivals: Arrival[] = [];
let handlers: Record<string, (req: IncomingMessage, res: ServerResponse, arrival: Arrival) => void> = {};
let concurrent = 0;
let maxConcurrent = 0;
const logLines: string[] = [];
let restoreSink: () => void;
const queues: LocalTaskQueue[] = [];

beforeAll(async () => {
  restoreSink = setLogSink((line) => logLines.push(line));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrival: Arrival = {
        path: req.url ?? '',
        at: Date.now(),
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
      };
      arrivals.push(arrival);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      res.on('close', () => concurrent--);
      const handler = handlers[(req.url ?? '').split('?')[0]!];
      if (handler) handler(req, res, arrival);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const q of queues.splice(0)) q.close();
  arrivals = [];
  handlers = {};
  maxConcurrent = 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  restoreSink?.();
});

const fast: LocalQueueConfig = {
  maxDispatchesPerSecond: 1000,
  maxConcurrentDispatches: 100,
  maxAttempts: 5,
  minBackoffMs: 20,
  maxBackoffMs: 1000,
  maxBurstSize: 100,
};
/** A fetch that notes when the queue sends each request. */
const sendTimes =
  (sent: number[]): typeof fetch =>
  (input, init) => {
    sent.push(Date.now());
    return fetch(input, init);
  };

function makeQueue(options: ConstructorParameters<typeof LocalTaskQueue>[0] = {}) {
  const q = new LocalTaskQueue({ defaultQueue: fast, logger: createLogger({ test: 'local-task-queue' }), ...options });
  queues.push(q);
  return q;
}

describe('LocalTaskQueue', () => {
  it('delivers after scheduleAt (not before) with the JSON body, Cloud Tasks headers and Authorization', async () => {
    const q = makeQueue({ authHeader: async () => 'Bearer local-dev-token' });
    const scheduleAt = new Date(Date.now() + 300);
    const result = await q.enqueue({
      queue: 'followups',
      url: `${base}/tasks/check?purchase=p1`,
      body: { purchaseId: 'p1', n: 1 },
      headers: { 'X-Request-Id': 'req-1' },
      scheduleAt,
      id: 'check-p1',
    });
    expect(result).toEqual({ name: 'projects/local/locations/local/queues/followups/tasks/check-p1', deduplicated: false });
    await new Promise((r) => setTimeout(r, 150));
    expect(arrivals).toHaveLength(0);
    expect(q.stats().followups).toMatchObject({ pending: 1, inFlight: 0 });
    await q.idle();

    expect(arrivals).toHaveLength(1);
    const [a] = arrivals;
    expect(a!.at).toBeGreaterThanOrEqual(scheduleAt.getTime() - 2); // clock granularity
    expect(a!.path).toBe('/tasks/check?purchase=p1');
    expect(a!.body).toEqual({ purchaseId: 'p1', n: 1 });
    expect(a!.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer local-dev-token',
      'x-request-id': 'req-1',
      'x-cloudtasks-queuename': 'followups',
      'x-cloudtasks-taskname': 'check-p1',
      'x-cloudtasks-taskretrycount': '0',
      'x-cloudtasks-taskexecutioncount': '0',
    });
    expect(Number(a!.headers['x-cloudtasks-tasketa'])).toBeCloseTo(scheduleAt.getTime() / 1000, 2);
    expect(q.stats().followups).toMatchObject({ dispatched: 1, failed: 0, retried: 0, pending: 0, inFlight: 0 });
  });

  it('honours the queue rate: 20 tasks at 20/s arrive in order, spaced ~50 ms', async () => {
    const sent: number[] = [];
    const q = makeQueue({
      queues: { slow: { maxDispatchesPerSecond: 20, maxConcurrentDispatches: 100, maxAttempts: 3, minBackoffMs: 10, maxBackoffMs: 100, maxBurstSize: 1 } },
      fetchImpl: sendTimes(sent),
    });
    const started = Date.now();
    for (let i = 0; i < 20; i++) await q.enqueue({ queue: 'slow', url: `${base}/rate`, body: { i } });
    await q.idle();
    expect(arrivals.map((a) => (a.body as { i: number }).i)).toEqual([...Array(20).keys()]);
    // 19 gaps of 50 ms: ≥ ~0.95 s in total; each gap clearly above zero. Measured when the queue
    // sends (a receiver's clock would see a stalled request and the next one arrive together).
    expect(sent.at(-1)! - started).toBeGreaterThanOrEqual(850);
    for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(25);
    expect(q.stats().slow!.dispatched).toBe(20);
  });

  it('by default a queue keeps one dispatch of slack (bucket of 2): two go at once after idle, then the rate holds', async () => {
    const sent: number[] = [];
    const q = makeQueue({
      queues: { paced: { maxDispatchesPerSecond: 20, maxConcurrentDispatches: 100, maxAttempts: 3, minBackoffMs: 10, maxBackoffMs: 100 } },
      fetchImpl: sendTimes(sent),
    });
    const started = Date.now();
    // All due at once, so one pump sees them together (however slowly the enqueues ran).
    const due = new Date(started + 100);
    for (let i = 0; i < 12; i++) await q.enqueue({ queue: 'paced', url: `${base}/rate`, body: { i }, scheduleAt: due });
    await q.idle();
    expect(arrivals.map((a) => (a.body as { i: number }).i)).toEqual([...Array(12).keys()]);
    // The first two leave together (the slack); the third waits for a token.
    expect(sent[2]! - sent[1]!).toBeGreaterThan(sent[1]! - sent[0]!);
    // 12 tasks with 2 tokens up front: 10 more at 50 ms each, never faster than the rate.
    expect(sent.at(-1)! - sent[0]!).toBeGreaterThanOrEqual(450);
    for (let i = 3; i < sent.length; i++) expect(sent[i]! - sent[i - 2]!).toBeGreaterThanOrEqual(75);
  });

  it('retries 500s with exponential backoff, then succeeds', async () => {
    let calls = 0;
    handlers['/flaky'] = (_req, res) => {
      calls++;
      res.writeHead(calls <= 2 ? 500 : 200).end();
    };
    const q = makeQueue({
      queues: { retrying: { maxDispatchesPerSecond: 100, maxConcurrentDispatches: 10, maxAttempts: 5, minBackoffMs: 60, maxBackoffMs: 1000 } },
    });
    await q.enqueue({ queue: 'retrying', url: `${base}/flaky`, body: { x: 1 }, id: 'flaky-1' });
    await q.idle();
    expect(arrivals).toHaveLength(3);
    expect(arrivals.map((a) => a.headers['x-cloudtasks-taskretrycount'])).toEqual(['0', '1', '2']);
    expect(arrivals.map((a) => a.headers['x-cloudtasks-taskexecutioncount'])).toEqual(['0', '1', '2']);
    expect(arrivals.map((a) => a.headers['x-cloudtasks-taskpreviousresponse'])).toEqual([undefined, '500', '500']);
    // Backoff 60 ms, then 120 ms.
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(55);
    expect(arrivals[2]!.at - arrivals[1]!.at).toBeGreaterThanOrEqual(115);
    expect(q.stats().retrying).toMatchObject({ dispatched: 1, failed: 0, retried: 2 });
  });

  it('drops a task after maxAttempts (HTTP errors and network errors), logging it', async () => {
    handlers['/always-500'] = (_req, res) => res.writeHead(500).end('nope');
    const q = makeQueue({
      queues: { doomed: { maxDispatchesPerSecond: 100, maxConcurrentDispatches: 10, maxAttempts: 3, minBackoffMs: 10, maxBackoffMs: 40 } },
    });
    // A port nothing listens on: connection refused.
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));

    await q.enqueue({ queue: 'doomed', url: `${base}/always-500`, body: {}, id: 'doomed-http' });
    await q.enqueue({ queue: 'doomed', url: `http://127.0.0.1:${deadPort}/x`, body: {}, id: 'doomed-net' });
    await q.idle();
    expect(arrivals.filter((a) => a.path === '/always-500')).toHaveLength(3);
    expect(q.stats().doomed).toMatchObject({ dispatched: 0, failed: 2, retried: 4, pending: 0 });
    const dropped = logLines.filter((l) => l.includes('task dropped after max attempts'));
    expect(dropped.some((l) => l.includes('doomed-http') && l.includes('HTTP 500'))).toBe(true);
    expect(dropped.some((l) => l.includes('doomed-net'))).toBe(true);
    // Dropped ids still dedupe, as Cloud Tasks' tombstones do.
    expect((await q.enqueue({ queue: 'doomed', url: `${base}/always-500`, body: {}, id: 'doomed-http' })).deduplicated).toBe(true);
  });

  it('dedupes ids while pending and after dispatch; tombstones expire', async () => {
    const q = makeQueue({ tombstoneTtlMs: 150 });
    const task = { queue: 'dedupe', url: `${base}/once`, body: { v: 1 }, id: 'only-once', scheduleAt: new Date(Date.now() + 50) };
    expect((await q.enqueue(task)).deduplicated).toBe(false);
    expect(await q.enqueue({ ...task, body: { v: 2 } })).toEqual({
      name: 'projects/local/locations/local/queues/dedupe/tasks/only-once',
      deduplicated: true,
    });
    await q.idle();
    expect((await q.enqueue({ ...task, scheduleAt: undefined })).deduplicated).toBe(true);
    await q.idle();
    expect(arrivals).toHaveLength(1);
    expect(arrivals[0]!.body).toEqual({ v: 1 });
    // Same id in another queue is another task.
    expect((await q.enqueue({ ...task, queue: 'other', scheduleAt: undefined })).deduplicated).toBe(false);
    await q.idle();
    await new Promise((r) => setTimeout(r, 200));
    expect((await q.enqueue({ ...task, scheduleAt: undefined })).deduplicated).toBe(false);
    await q.idle();
    expect(arrivals).toHaveLength(3);
    expect(q.stats().dedupe).toMatchObject({ dispatched: 2, deduplicated: 2 });
  });

  it('limits concurrency per queue', async () => {
    handlers['/slow'] = (_req, res) => {
      setTimeout(() => res.writeHead(200).end(), 120);
    };
    const q = makeQueue({
      queues: { narrow: { maxDispatchesPerSecond: 1000, maxConcurrentDispatches: 2, maxAttempts: 1, minBackoffMs: 10, maxBackoffMs: 10, maxBurstSize: 10 } },
    });
    const started = Date.now();
    for (let i = 0; i < 6; i++) await q.enqueue({ queue: 'narrow', url: `${base}/slow`, body: { i } });
    await new Promise((r) => setTimeout(r, 40));
    expect(q.stats().narrow).toMatchObject({ inFlight: 2, pending: 4 });
    await q.idle();
    expect(maxConcurrent).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 120 - 10);
    expect(q.stats().narrow!.dispatched).toBe(6);
  });

  it('close() stops timers and dispatch: nothing arrives afterwards, enqueue rejects, idle resolves', async () => {
    const q = makeQueue();
    await q.enqueue({ queue: 'later', url: `${base}/later`, body: {}, scheduleAt: new Date(Date.now() + 150) });
    const idle = q.idle();
    q.close();
    await idle;
    await new Promise((r) => setTimeout(r, 250));
    expect(arrivals).toHaveLength(0);
    await expect(q.enqueue({ queue: 'later', url: `${base}/later`, body: {} })).rejects.toThrow(/closed/);
    await expect(q.idle()).resolves.toBeUndefined();
  });

  it('close() aborts an in-flight dispatch without retrying it', async () => {
    handlers['/hang'] = () => {
      /* never answers */
    };
    const q = makeQueue();
    await q.enqueue({ queue: 'hang', url: `${base}/hang`, body: {} });
    await new Promise((r) => setTimeout(r, 50));
    expect(q.stats().hang).toMatchObject({ inFlight: 1 });
    q.close();
    await q.idle();
    expect(q.stats().hang).toMatchObject({ inFlight: 0, dispatched: 0, failed: 0, retried: 0 });
  });

  it('duplicateDeliveryRate delivers a successful task once more (same name and headers), never a failed one or a duplicate', async () => {
    let flakyCalls = 0;
    handlers['/dup-flaky'] = (_req, res) => {
      flakyCalls++;
      res.writeHead(flakyCalls === 1 ? 500 : 200).end();
    };
    const q = makeQueue({ duplicateDeliveryRate: 1 });
    await q.enqueue({ queue: 'dup', url: `${base}/dup`, body: { n: 1 }, id: 'dup-1' });
    await q.enqueue({ queue: 'dup', url: `${base}/dup-flaky`, body: { n: 2 }, id: 'dup-2' });
    await q.idle();
    const one = arrivals.filter((a) => a.path === '/dup');
    expect(one).toHaveLength(2);
    expect(one[1]!.body).toEqual(one[0]!.body);
    for (const h of ['x-cloudtasks-taskname', 'x-cloudtasks-taskretrycount', 'x-cloudtasks-taskexecutioncount']) {
      expect(one[1]!.headers[h]).toBe(one[0]!.headers[h]);
    }
    // The 500 is retried as usual; only the successful delivery is repeated.
    const two = arrivals.filter((a) => a.path === '/dup-flaky');
    expect(two.map((a) => a.headers['x-cloudtasks-taskretrycount'])).toEqual(['0', '1', '1']);
    expect(q.stats().dup).toMatchObject({ dispatched: 2, retried: 1, failed: 0, duplicated: 2, pending: 0 });
    // The id still dedupes afterwards.
    expect((await q.enqueue({ queue: 'dup', url: `${base}/dup`, body: {}, id: 'dup-1' })).deduplicated).toBe(true);

    // A failing duplicate is not retried; the rate is a fraction (here decided by a fixed random source).
    arrivals = [];
    handlers['/dup-once'] = (_req, res) => res.writeHead(arrivals.length === 1 ? 200 : 500).end();
    const rolls = [0.3, 0.7];
    const half = makeQueue({ duplicateDeliveryRate: 0.5, random: () => rolls.shift() ?? 0.9 });
    await half.enqueue({ queue: 'dup', url: `${base}/dup-once`, body: {}, id: 'once' });
    await half.idle();
    await half.enqueue({ queue: 'dup', url: `${base}/dup`, body: {}, id: 'never' });
    await half.idle();
    expect(arrivals.filter((a) => a.path === '/dup-once')).toHaveLength(2); // delivered + duplicate (answered 500, dropped)
    expect(arrivals.filter((a) => a.path === '/dup')).toHaveLength(1); // roll 0.7 ≥ 0.5: no duplicate
    expect(half.stats().dup).toMatchObject({ dispatched: 2, retried: 0, failed: 0, duplicated: 1 });
    expect(() => new LocalTaskQueue({ duplicateDeliveryRate: 1.5 })).toThrow(/duplicateDeliveryRate/);
  });

  it('rejects invalid tasks and queue settings', async () => {
    const q = makeQueue();
    await expect(q.enqueue({ queue: 'q', url: 'not a url', body: {} })).rejects.toThrow(/absolute/);
    await expect(q.enqueue({ queue: 'q', url: `${base}/x`, body: {}, id: 'no spaces' })).rejects.toThrow(/task id/);
    expect(() => new LocalTaskQueue({ queues: { bad: { ...fast, maxDispatchesPerSecond: 0 } } })).toThrow(/maxDispatchesPerSecond/);
  });
});
