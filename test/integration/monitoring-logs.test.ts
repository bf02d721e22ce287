import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiClient, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { linesOfMetric, logMetrics } from '../helpers/terraform-metrics.js';
import { waitFor } from '../helpers/wait.js';
import type { Stack } from '../../scripts/local/stack.js';
import { PubSubPublisher } from '../../shared/queue/pubsub-publisher.js';
import { setLogSink } from '../../shared/log.js';
import type { AvailableNumbers, CreatedJob, Job } from '../helpers/api-types.js';

// What an operator sees of a real run (the dev stack in-process: API → Pub/Sub emulator push → chunk
// worker → local Cloud Tasks → item tasks → provider sandbox): one bulk job's lines, across every hop,
// carry the trace of the POST /v1/jobs that created it; and the lines the log-based metrics of
// terraform/ count (provisioning, job items, dead letters, relay failures) match their filters.
const projectId = 'demo-monitoring';
let stack: Stack;
let member: ApiClient;
let token: string;
let restoreSink: () => void;
/** A JSON log line: the fields these tests read typed, any other there to compare. */
interface LogLine {
  message?: string;
  event?: string;
  jobId?: string;
  provider?: string;
  outcome?: string;
  deliveryId?: string;
  httpRequest?: Record<string, unknown>;
  'logging.googleapis.com/labels'?: Record<string, string>;
  [field: string]: unknown;
}
const lines: LogLine[] = [];
let receiver: Server;
let receiverUrl: string;

beforeAll(async () => {
  restoreSink = setLogSink((line) => lines.push(JSON.parse(line) as LogLine));
  stack = await startTestStack(projectId, { QUEUE_RATE_TWILIO: '40' });
  token = await stack.token('carrier', 'member', 'ops');
  member = apiClient(stack.url, token);
  receiver = createServer((req, res) => {
    req.resume().on('end', () => res.writeHead(500).end('down for maintenance'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  receiver?.close();
  await stack?.stop();
  restoreSink?.();
});

const TRACE_FIELD = 'logging.googleapis.com/trace';
let jobId: string;

describe('one bulk job, one trace', () => {
  it('the chunk worker’s and every item task’s lines carry the trace of the POST /v1/jobs request', async () => {
    const available = await member.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&limit=3&areaCode=415');
    expect(available.status, JSON.stringify(available.body)).toBe(200);
    const numbers = available.body.data.map((n) => n.phoneNumber);
    expect(numbers).toHaveLength(3);

    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: numbers.map((phoneNumber) => ({ phoneNumber })) }, { headers: { traceparent: `00-${traceId}-${spanId}-01` } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    jobId = created.body.id;
    await waitFor(async () => (await member.get<Job>(`/v1/jobs/${jobId}`)).body.finishedAt, 30_000, 200);
    const job = (await member.get<Job>(`/v1/jobs/${jobId}`)).body;
    expect(job.counts.succeeded, JSON.stringify(job)).toBe(3);

    const trace = `projects/${projectId}/traces/${traceId}`;
    const traced = lines.filter((l) => l[TRACE_FIELD] === trace);
    // Every hop's access line: the API call, the chunk worker's push, one task per item (at least).
    const hops = traced.filter((l) => l.message === 'request').map((l) => l['logging.googleapis.com/labels']?.function);
    expect(hops).toContain('jobsCreate');
    expect(hops).toContain('jobsChunkWorker');
    expect(hops.filter((f) => f === 'taskJobItem').length).toBeGreaterThanOrEqual(3);
    const create = traced.find((l) => l.message === 'request' && l['logging.googleapis.com/labels']?.function === 'jobsCreate')!;
    expect(create['logging.googleapis.com/labels']!.tenant).toBe('carrier');
    expect(create.httpRequest).toMatchObject({ requestMethod: 'POST', status: 202 });
    expect(create['logging.googleapis.com/trace_sampled']).toBe(true);

    // Every item's line, and the provider calls they made, are in the trace; nothing of this job is outside it.
    const itemLines = lines.filter((l) => l.event === 'job.item' && l.jobId === jobId);
    expect(itemLines.length).toBeGreaterThanOrEqual(3);
    for (const line of itemLines) expect(line[TRACE_FIELD], JSON.stringify(line)).toBe(trace);
    expect(traced.filter((l) => l.event === 'provider.call' && l.provider === 'twilio').length).toBeGreaterThanOrEqual(3);
    expect(traced.filter((l) => l.event === 'provisioning' && l.outcome === 'succeeded')).toHaveLength(3);
    const taskAccess = lines.filter((l) => l.message === 'request' && l['logging.googleapis.com/labels']?.function === 'taskJobItem' && l['logging.googleapis.com/labels']?.tenant === 'carrier');
    expect(taskAccess.length).toBeGreaterThanOrEqual(3);
    for (const line of lines.filter((l) => l.jobId === jobId)) expect(line[TRACE_FIELD], JSON.stringify(line)).toBe(trace);
  });
});

describe('the lines the log-based metrics count', () => {
  it('a dead-lettered chunk is logged for the dead-letter metric', async () => {
    const publisher = new PubSubPublisher({ projectId, createMissingTopics: true });
    try {
      await publisher.publish('jobs-chunks-dead-letter', { tenantId: 'carrier', jobId, from: 0, to: 3, indexes: [0, 1, 2], publishedAt: new Date().toISOString() });
    } finally {
      await publisher.close();
    }
    await waitFor(async () => lines.find((l) => l.event === 'job.dead_lettered' && l.jobId === jobId), 20_000);
  });

  it('a relayed message the tenant’s webhook refuses is logged for the relay metric', async () => {
    const deliveryId = `dlv_${randomBytes(10).toString('hex')}`;
    await testFirestore(projectId)
      .doc(`tenants/carrier/deliveries/${deliveryId}`)
      .set({
        id: deliveryId,
        tenantId: 'carrier',
        numberId: 'num_00000000000000000000',
        webhookUrl: receiverUrl,
        // A delivery as the relay writes it (its message normalised).
        message: {
          id: `msg_${deliveryId}`,
          provider: 'twilio',
          providerMessageId: `SM${randomBytes(16).toString('hex')}`,
          type: 'sms',
          from: '+14155550999',
          to: '+14155550100',
          text: 'hi',
          media: [],
          receivedAt: new Date().toISOString(),
          numberId: 'num_00000000000000000000',
        },
        status: 'queued',
        attempts: [],
        createdAt: new Date().toISOString(),
      });
    const url = `${stack.url}/internal/tasks/relay-delivery`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'carrier', deliveryId }),
    });
    expect(res.status).toBe(503); // the queue retries
    expect(lines.some((l) => l.event === 'relay.delivery_failed' && l.deliveryId === deliveryId)).toBe(true);
  });

  it('every metric checked on a real run counts lines of this one, with every label', async () => {
    const metrics = (await logMetrics()).filter((m) => ['numbers_provisioning', 'numbers_job_items', 'numbers_job_dead_letters', 'numbers_relay_delivery_failures', 'numbers_provider_calls'].includes(m.name));
    expect(metrics).toHaveLength(5);
    for (const metric of metrics) {
      const counted = linesOfMetric(metric, lines);
      expect(counted.length, `${metric.name} (${metric.filter}) counts no line of this run`).toBeGreaterThan(0);
      for (const { labels } of counted) for (const [key, value] of Object.entries(labels)) expect(value, `${metric.name}: label ${key}`).toBeTruthy();
    }
    const purchases = linesOfMetric(metrics.find((m) => m.name === 'numbers_provisioning')!, lines).map((l) => l.labels);
    expect(purchases).toContainEqual({ provider: 'twilio', operation: 'purchase', outcome: 'succeeded' });
    const items = linesOfMetric(metrics.find((m) => m.name === 'numbers_job_items')!, lines).map((l) => l.labels);
    expect(items).toContainEqual({ provider: 'twilio', type: 'purchase', outcome: 'succeeded' });
  });
});
