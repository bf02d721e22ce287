/**
 * The inbound module's workflows (modules/inbound/services) on the in-memory Firestore: a signed
 * Telnyx message is claimed once, recorded as a delivery for the one tenant that holds the number,
 * handed to the relay task, and POSTed to that tenant's webhook (a local server on 127.0.0.1, the dev
 * policy allowing loopback); its attempts keep a coarse outcome only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../shared/config.js';
import type { NumberRecord } from '../../shared/domain/number.js';
import { createLogger, setLogSink } from '../../shared/log.js';
import type { Ports } from '../../shared/ports.js';
import type { TaskQueue, TaskRequest } from '../../shared/queue/task-queue.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import { paths } from '../../shared/store/firestore.js';
import { telnyxKeyPair, telnyxSignatureHeaders } from '../../shared/providers/telnyx/webhooks.js';
import { createNumbersStore } from '../../modules/numbers/repository.js';
import { handleInbound } from '../../modules/inbound/services/relay.js';
import { deliverRelayed } from '../../modules/inbound/services/deliver.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';
import { numberRecord } from '../helpers/number-fixture.js';
import { refusal } from '../helpers/refusal.js';
import { missingCredentials } from '../../shared/providers/registry.js';
import { accountKey } from '../../modules/accounts/services/provider-accounts.js';
import { twilioSignature, type FormParams } from '../../modules/inbound/services/signatures.js';

const keys = telnyxKeyPair();
const A = 'tenant-a';
const B = 'tenant-b';
const TO = '+14155550100';
const AT = '2026-03-01T09:00:00.000Z';

/** Every log line of this file, parsed (nothing printed). */
const logLines: Record<string, unknown>[] = [];
let restoreLog: () => void;
let receiver: Server;
let receiverUrl = '';
/** What the local webhook received: path and body; a path under /fail answers 500. */
const received: { path: string; body: string }[] = [];

beforeAll(async () => {
  restoreLog = setLogSink((line) => logLines.push(JSON.parse(line) as Record<string, unknown>));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString())).on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.statusCode = req.url?.startsWith('/fail') ? 500 : 200;
      res.end('internal detail that must never be stored');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => {
  restoreLog();
  receiver.close();
});

function arrange() {
  const mem = memoryFirestore();
  const db = async () => mem.firestore;
  const now = Date.now();
  /** Cloud Tasks as the relay sees it: a task id enqueued twice is one task. */
  const tasks: TaskRequest[] = [];
  const queue: TaskQueue = {
    enqueue: async (task) => {
      const deduplicated = tasks.some((t) => t.id === task.id);
      if (!deduplicated) tasks.push(task);
      return { name: task.id ?? 'task', deduplicated };
    },
  };
  const log = createLogger();
  const deps = {
    db,
    numbers: createNumbersStore(db),
    config: parseConfig({
      GOOGLE_CLOUD_PROJECT: 'p',
      PLATFORM_ENV: 'test',
      PUBLIC_BASE_URL: 'https://api.example.test',
      TELNYX_PUBLIC_KEY: keys.publicKeyBase64,
      OUTBOUND_ALLOW_LOOPBACK: 'true',
    }),
    providers: {
      credentials: () => Promise.reject(new Error('no provider account expected for Telnyx messages')),
    } as Pick<Ports['providers'], 'credentials'> as Ports['providers'],
    tasks: queue,
    secrets: new LocalSecretStore(),
    now: () => new Date(now),
  };
  /** A number record of `tenantId` for TO at Telnyx, relaying to the local server under `path`. */
  const holdNumber = (tenantId: string, id: string, path: string, extra: Partial<NumberRecord> = {}) => {
    const record = numberRecord(id, tenantId, TO, {
      provider: 'telnyx',
      friendlyName: '(415) 555-0100',
      webhookUrl: `${receiverUrl}${path}`,
      createdAt: AT,
      ...extra,
    });
    mem.write(paths.number(tenantId, id), { ...record });
    return record;
  };
  const indexOwner = (tenantId: string, numberId: string) =>
    mem.write(paths.numberOwner('telnyx', TO), { tenantId, numberId, provider: 'telnyx', phoneNumber: TO, since: AT });
  /** A signed Telnyx message.received event. */
  const signed = (eventId: string, to = TO) => {
    const body = Buffer.from(
      JSON.stringify({
        data: {
          event_type: 'message.received',
          id: eventId,
          occurred_at: new Date(now).toISOString(),
          record_type: 'event',
          payload: { id: `msg-${eventId}`, type: 'SMS', from: { phone_number: '+14155550999' }, to: [{ phone_number: to }], text: 'hello' },
        },
      }),
    );
    return { body, headers: telnyxSignatureHeaders(keys.privateKey, body, now), url: '/webhooks/telnyx/inbound' };
  };
  const inbound = (raw: ReturnType<typeof signed>) => handleInbound(deps)('telnyx', raw, log);
  /** Cloud Tasks delivering every relay task enqueued so far (the handler's errors are the queue's retries). */
  const runRelayTasks = async () => {
    const outcomes: string[] = [];
    for (const task of tasks.splice(0)) {
      const { tenantId, deliveryId } = task.body as { tenantId: string; deliveryId: string };
      outcomes.push(await deliverRelayed(deps)(tenantId, deliveryId, log).then((r) => `status ${r.status}`, (err: Error) => `retry: ${err.message}`));
    }
    return outcomes;
  };
  const deliveries = (tenantId: string) => mem.list(`tenants/${tenantId}/deliveries`).map((p) => mem.read(p)!);
  return { mem, deps, log, tasks, holdNumber, indexOwner, signed, inbound, runRelayTasks, deliveries };
}

/** The log lines written while `fn` runs. */
async function logged<T>(fn: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const start = logLines.length;
  const result = await fn();
  return { result, lines: logLines.slice(start) };
}

const sent = (path: string) => received.filter((r) => r.path === path);

describe('inbound relay (in memory)', () => {
  it('relays a signed message for a number one tenant holds to that tenant’s webhook, once', async () => {
    const { holdNumber, indexOwner, signed, inbound, runRelayTasks, deliveries } = arrange();
    holdNumber(A, 'num_a1', '/a1');
    indexOwner(A, 'num_a1');

    const answer = await inbound(signed('evt-1'));
    const relayed = await runRelayTasks();

    expect(answer).toEqual({ outcome: 'relayed' });
    expect(relayed).toEqual(['status 200']);
    expect(sent('/a1')).toHaveLength(1);
    expect(JSON.parse(sent('/a1')[0]!.body)).toMatchObject({ type: 'message.received', message: { to: TO, text: 'hello', numberId: 'num_a1', provider: 'telnyx' } });
    expect(deliveries(A)).toEqual([expect.objectContaining({ status: 'delivered', numberId: 'num_a1', attempts: [expect.objectContaining({ status: 200, outcome: 'http_2xx' })] })]);
  });

  it('relays 25 concurrent copies of one message exactly once (the claim is taken first)', async () => {
    const { holdNumber, indexOwner, signed, inbound, runRelayTasks, deliveries, mem } = arrange();
    holdNumber(A, 'num_a2', '/a2');
    indexOwner(A, 'num_a2');
    const copy = signed('evt-2');

    const answers = await Promise.all(Array.from({ length: 25 }, () => inbound(copy)));
    await runRelayTasks();

    expect(answers.filter((a) => a.outcome === 'relayed')).toHaveLength(1);
    expect(answers.filter((a) => a.outcome === 'duplicate')).toHaveLength(24);
    expect(sent('/a2')).toHaveLength(1);
    expect(deliveries(A)).toHaveLength(1);
    expect(mem.read('webhookEvents/inbound_telnyx_evt-2')).toMatchObject({ outcome: 'relayed', tenantId: A, numberId: 'num_a2' });
  });

  it('answers a message for a number nobody holds without relaying it, and records it for the operator', async () => {
    const { signed, inbound, tasks, mem } = arrange();

    const answer = await inbound(signed('evt-3', '+14155550177'));

    expect(answer).toEqual({ outcome: 'unknown_number' });
    expect(tasks).toEqual([]);
    expect(mem.read('webhookEvents/inbound_telnyx_evt-3')).toMatchObject({ outcome: 'unknown_number', reason: 'unknown_number', to: '+14155550177' });
    expect(mem.read('webhookEvents/inbound_telnyx_evt-3')).not.toHaveProperty('tenantId');
  });

  it('relays to neither tenant when two hold the number (no owner index entry), and logs it at ERROR', async () => {
    const { holdNumber, signed, inbound, tasks, deliveries } = arrange();
    holdNumber(A, 'num_a4', '/a4');
    holdNumber(B, 'num_b4', '/b4');

    const { result, lines } = await logged(() => inbound(signed('evt-4')));

    expect(result).toEqual({ outcome: 'unknown_number' });
    expect(tasks).toEqual([]);
    expect(deliveries(A)).toEqual([]);
    expect(deliveries(B)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ severity: 'ERROR', message: 'inbound number is held by more than one tenant; relayed to none' }));
    expect(sent('/a4').length + sent('/b4').length).toBe(0);
  });

  it('keeps a coarse outcome of a failed attempt, never the webhook’s answer or an error text', async () => {
    const { holdNumber, indexOwner, signed, inbound, runRelayTasks, deliveries } = arrange();
    holdNumber(A, 'num_a5', '/fail5');
    indexOwner(A, 'num_a5');

    await inbound(signed('evt-5'));
    const outcomes = await runRelayTasks();

    expect(outcomes).toEqual(['retry: Webhook answered 500']);
    const [delivery] = deliveries(A);
    expect(delivery).toMatchObject({ status: 'failing', attempts: [{ status: 500, outcome: 'http_5xx' }] });
    expect(Object.keys((delivery!.attempts as object[])[0]!).sort()).toEqual(['at', 'outcome', 'status']);
    expect(JSON.stringify(delivery)).not.toContain('internal detail');
  });
});

describe('inbound relay: a number whose provider account was removed (detached)', () => {
  const SID = `AC${'1'.repeat(32)}`;
  const TOKEN = 'f'.repeat(32);
  const GONE = 'acc_0000000000000gone';
  const url = 'https://api.example.test/webhooks/twilio/inbound';

  /** Tenant A holds TO at Twilio on its own account GONE, removed with ?force=true: its key stays as a tombstone, its secret is gone. */
  function arrangeDetached() {
    const arranged = arrange();
    const { mem, deps, log, holdNumber } = arranged;
    holdNumber(A, 'num_d1', '/d1', { provider: 'twilio', accountId: GONE });
    mem.write(paths.numberOwner('twilio', TO), { tenantId: A, numberId: 'num_d1', provider: 'twilio', phoneNumber: TO, since: AT });
    mem.write(`tenants/${A}/providerAccountKeys/${accountKey('twilio', { accountSid: SID })}`, { provider: 'twilio', accountId: GONE, createdAt: AT, removedAt: AT });
    deps.providers = { credentials: (_t: string, provider: string) => Promise.reject(missingCredentials(provider, 'account_removed')) } as Pick<Ports['providers'], 'credentials'> as Ports['providers'];
    const params = (sid = 'SM0001', accountSid = SID): FormParams => ({ MessageSid: sid, AccountSid: accountSid, From: '+14155550999', To: TO, Body: 'hello', NumMedia: '0' });
    const request = (p: FormParams, signature: string | undefined) => ({
      body: Buffer.from(new URLSearchParams(p as Record<string, string>).toString()),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
      url: '/webhooks/twilio/inbound',
    });
    const twilio = (raw: ReturnType<typeof request>) => handleInbound(deps)('twilio', raw, log);
    return { ...arranged, params, request, twilio };
  }

  it('answers a signed message as account_detached (not forged): not relayed, logged at WARNING, nothing stored (anyone could have sent it)', async () => {
    const { params, request, twilio, tasks, deliveries, mem } = arrangeDetached();
    const p = params();

    const { result, lines } = await logged(() => twilio(request(p, twilioSignature(TOKEN, url, p))));

    expect(result).toEqual({ outcome: 'account_detached' });
    expect(tasks).toEqual([]);
    expect(deliveries(A)).toEqual([]);
    expect(mem.list('webhookEvents')).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ severity: 'WARNING', reason: 'account_detached', numberId: 'num_d1', accountId: GONE }));
    expect(lines.filter((l) => l.message === 'rejected inbound webhook')).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain('forged');
    expect(JSON.stringify(lines)).not.toContain('hello');
    expect(sent('/d1')).toEqual([]);
  });

  it('still refuses an unsigned request, or one naming another account, for the detached number (401, nothing recorded)', async () => {
    const { params, request, twilio, deliveries, mem } = arrangeDetached();

    expect((await refusal(twilio(request(params('SM0002'), undefined)))).code).toBe('UNAUTHENTICATED');
    const other = params('SM0003', `AC${'2'.repeat(32)}`);
    const forged = await refusal(twilio(request(other, twilioSignature(TOKEN, url, other))));
    expect(forged).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Webhook signature rejected (forged)' });
    expect(deliveries(A)).toEqual([]);
    expect(mem.list('webhookEvents')).toEqual([]);
  });
});
