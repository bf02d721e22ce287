import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FieldValue } from '@google-cloud/firestore';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { CUSTOMER_SANDBOX_ACCOUNTS, SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import { PubSubPublisher } from '../../shared/queue/pubsub-publisher.js';
import { jobIdFor } from '../../shared/domain/job.js';
import { waitFor } from '../helpers/wait.js';
import type { AuditRecord, AvailableNumbers, CreatedJob, Job, JobItem, Page, PhoneNumber, ProviderAccount, RegistryRouting, SigningSecret, TollFreeDetail, TollFreeSearchResult } from '../helpers/api-types.js';

// Bulk jobs over the real pipeline: API → Firestore → Pub/Sub emulator push → worker → local Cloud
// Tasks (rate-limited per provider) → item tasks → provider sandboxes.
const projectId = 'demo-jobs';
let stack: Stack;
let member: ApiClient;
let admin: ApiClient;
let publisher: PubSubPublisher;

beforeAll(async () => {
  stack = await startTestStack(projectId, { QUEUE_RATE_TWILIO: '40', QUEUE_RATE_VONAGE: '5', QUEUE_RATE_PLIVO: '0.2' });
  member = apiClient(stack.url, await stack.token('carrier', 'member', 'ops'));
  admin = apiClient(stack.url, await stack.token('carrier', 'admin', 'lead'));
  publisher = new PubSubPublisher({ projectId, createMissingTopics: true });
});
afterAll(async () => {
  await publisher?.close();
  await stack?.stop();
});

const available = async (provider: string, query: string, count: number) => {
  const res = await member.get<AvailableNumbers>(`/v1/numbers/available?provider=${provider}&limit=${count}&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.data as { phoneNumber: string }[]).map((n) => n.phoneNumber);
};

/** What a creation that died left behind: the job document (3 purchases, nothing reserved) and no items. */
async function jobLeftByDeadCreation(idempotencyKey: string): Promise<string> {
  const jobId = jobIdFor('carrier', idempotencyKey, 'unused');
  const now = new Date().toISOString();
  await testFirestore(projectId)
    .doc(`tenants/carrier/jobs/${jobId}`)
    .set({ id: jobId, tenantId: 'carrier', type: 'purchase', provider: 'twilio', accountId: 'platform', status: 'queued', itemCount: 3, reserved: 0, createdBy: 'ops', createdAt: now, updatedAt: now });
  return jobId;
}

/** Delivers one item's task as Cloud Tasks would (optionally as a retry); answers its outcome. */
async function deliverItem(jobId: string, itemId = 'it_00000', tenantId = 'carrier', retryCount?: number): Promise<string> {
  const url = `${stack.url}/internal/tasks/job-item`;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await stack.taskToken(url)}`,
      'content-type': 'application/json',
      ...(retryCount !== undefined ? { 'x-cloudtasks-taskretrycount': String(retryCount) } : {}),
    },
    body: JSON.stringify({ tenantId, jobId, itemId }),
  });
  return ((await res.json()) as { outcome: string }).outcome;
}

async function finished(jobId: string, timeoutMs = 30_000, client = member) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await client.get<Job>(`/v1/jobs/${jobId}`)).body;
    if (job.finishedAt) return job;
    if (Date.now() > deadline) throw new Error(`job not finished: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('bulk purchase', () => {
  it('validates every item up front and answers 400 when none is valid', async () => {
    const none = await member.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber: '123' }, { nope: true }] });
    const error = expectEnvelope(none, 400, 'VALIDATION_ERROR');
    expect(error.details!.invalidCount).toBe(2);
    expectEnvelope(await member.post('/v1/jobs', { type: 'purchase', provider: 'twilio' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await admin.post('/v1/jobs', { type: 'tollfree-reserve', provider: 'twilio', items: [{}] }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await member.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber: '+14155550100' }], callbackUrl: 'https://169.254.169.254/x' }), 400, 'VALIDATION_ERROR');
  });

  it('buys each valid item once, fails the ones the provider refuses with its code, and reports progress', async () => {
    const warn = vi.spyOn(console, 'warn');
    const numbers = await available('twilio', 'areaCode=415', 12);
    const taken = numbers[11]!;
    stack.twilio!.seedOwned('AC' + 'f'.repeat(32), taken); // sold to someone else meanwhile
    const items = [...numbers.map((phoneNumber, i) => ({ phoneNumber, tags: ['bulk'], ...(i < 2 ? { companyId: 'client-acme' } : {}) })), { phoneNumber: 'bogus' }];
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items }, { headers: { 'idempotency-key': 'bulk-1' } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body).toMatchObject({ itemCount: 12, invalidCount: 1, status: 'queued' });
    expect(created.body.invalidItems[0]!.index).toBe(12);
    const replay = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items }, { headers: { 'idempotency-key': 'bulk-1' } });
    expect(replay.body.id).toBe(created.body.id);

    const job = await finished(created.body.id);
    expect(job).toMatchObject({ status: 'completed_with_errors', counts: { succeeded: 11, failed: 1, queued: 0, running: 0 }, percent: 100 });
    expect(job.throughputPerSecond).toBeGreaterThan(0);
    const failed = await member.get<Page<JobItem>>(`/v1/jobs/${created.body.id}/items?state=failed`);
    expect(failed.body.data).toEqual([expect.objectContaining({ input: { phoneNumber: taken, tags: ['bulk'] }, error: expect.objectContaining({ providerCode: '21422', retryable: false }) })]);
    for (const phoneNumber of numbers.slice(0, 11)) expect(stack.twilio!.purchaseCounts()[phoneNumber]).toBe(1);
    expect((await member.get<Page<PhoneNumber>>('/v1/numbers?tag=bulk&limit=100')).body.data).toHaveLength(11);
    // Items may name the client company a number is for, as POST /v1/numbers does.
    expect((await member.get<Page<PhoneNumber>>('/v1/numbers?companyId=client-acme')).body.data.map((n: { phoneNumber: string }) => n.phoneNumber).sort()).toEqual(numbers.slice(0, 2).sort());
    expect((await member.get<Page<Job>>('/v1/jobs')).body.data.map((j: { id: string }) => j.id)).toContain(created.body.id);
    // The push endpoint names the topic the way the functions framework reads it (no warning per chunk).
    expect(warn.mock.calls.flat().join('\n')).not.toContain('topic name');
    warn.mockRestore();
  });

  it('expands a search spec into items itself, once: a redelivered search message finds the same numbers and buys nothing more', async () => {
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', search: { areaCode: '212', quantity: 25 } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const job = await finished(created.body.id);
    expect(job).toMatchObject({ status: 'completed', itemCount: 25, counts: { succeeded: 25 } });
    const items = async () => (await member.get<Page<{ index: number; state: string; input: { phoneNumber: string } }>>(`/v1/jobs/${created.body.id}/items?limit=100`)).body.data;
    const before = await items();
    const purchases = { ...stack.twilio!.purchaseCounts() };

    await publisher.publish('jobs-chunks', { tenantId: 'carrier', jobId: created.body.id, expand: true, publishedAt: new Date().toISOString() });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await items()).toEqual(before); // same numbers, still succeeded (a new search would have found others)
    expect(stack.twilio!.purchaseCounts()).toEqual(purchases);
    expect((await member.get<Job>(`/v1/jobs/${created.body.id}`)).body).toMatchObject({ status: 'completed', counts: { succeeded: 25 } });
  });

  it('fails a search job whose searches cannot run, with a reason, once its message is dead-lettered', async () => {
    stack.twilio!.injectFault({ method: 'GET', pathPattern: 'AvailablePhoneNumbers', status: 503, times: -1 });
    try {
      const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', search: { areaCode: '305', quantity: 5 } });
      expect(created.status).toBe(202);
      await new Promise((r) => setTimeout(r, 1500));
      // Not "completed with 0 numbers": the failed searches are retried by Pub/Sub meanwhile.
      expect((await member.get<Job>(`/v1/jobs/${created.body.id}`)).body.finishedAt).toBeUndefined();
      await publisher.publish('jobs-chunks-dead-letter', { tenantId: 'carrier', jobId: created.body.id, expand: true, publishedAt: new Date().toISOString() });
      const job = await finished(created.body.id);
      expect(job).toMatchObject({ status: 'failed', total: 0, failureReason: expect.stringMatching(/search .* could not be run/) });
      // The delivery still searching when the job failed finds numbers once the provider is back:
      // it must not write items into the failed job (its reservation was already returned).
      stack.twilio!.clearFaults();
      await new Promise((r) => setTimeout(r, 3000));
      expect((await member.get<Page<JobItem>>(`/v1/jobs/${created.body.id}/items`)).body.data).toEqual([]);
      expect((await member.get<Job>(`/v1/jobs/${created.body.id}`)).body).toMatchObject({ status: 'failed', itemCount: 0 });
    } finally {
      stack.twilio!.clearFaults();
    }
  });

  it('buys every item through one account, fixed when the job is created; an unknown account is refused up front', async () => {
    const tenantAdmin = apiClient(stack.url, await stack.token('pinned', 'admin', 'owner'));
    const unknown = await tenantAdmin.post('/v1/jobs', { type: 'purchase', provider: 'twilio', accountId: 'acc_0123456789abcdef', items: [{ phoneNumber: '+14155550100' }] });
    expect(expectEnvelope(unknown, 404, 'NOT_FOUND').message).toBe('This tenant has no twilio account acc_0123456789abcdef');
    expect((await tenantAdmin.get<Page<Job>>('/v1/jobs')).body.data).toEqual([]); // nothing half-written

    // Plivo's queue runs at 0.2/s here: the job's second item is still queued 5 s after its first.
    const numbers = await available('plivo', 'country=US&areaCode=646', 3);
    const onPlatform = await tenantAdmin.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'plivo', items: numbers.slice(0, 2).map((phoneNumber) => ({ phoneNumber })) });
    expect(onPlatform.body).toMatchObject({ accountId: 'platform' });
    // Mid-job, the tenant's own account becomes its default: the running job keeps its account, later jobs use the new one.
    const account = await tenantAdmin.post<ProviderAccount>('/v1/provider-accounts', { provider: 'plivo', credentials: CUSTOMER_SANDBOX_ACCOUNTS.plivo, isDefault: true });
    expect(account.status, JSON.stringify(account.body)).toBe(201);
    expect((await tenantAdmin.get<Job>(`/v1/jobs/${onPlatform.body.id}`)).body.counts.queued).toBeGreaterThanOrEqual(1);
    const onOwn = await tenantAdmin.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'plivo', items: [{ phoneNumber: numbers[2] }] });
    expect(onOwn.body).toMatchObject({ accountId: account.body.id });
    // While a job buys through the account, it cannot be deleted from under it.
    const busy = await tenantAdmin.delete(`/v1/provider-accounts/${account.body.id}`);
    expect(expectEnvelope(busy, 409, 'CONFLICT').details).toEqual({ jobId: onOwn.body.id });
    expect(await finished(onPlatform.body.id, 30_000, tenantAdmin)).toMatchObject({ status: 'completed', accountId: 'platform' });
    expect(await finished(onOwn.body.id, 30_000, tenantAdmin)).toMatchObject({ status: 'completed', accountId: account.body.id });
    const held = (await tenantAdmin.get<Page<PhoneNumber>>('/v1/numbers?limit=10')).body.data as { phoneNumber: string; accountId: string }[];
    expect(Object.fromEntries(held.map((n) => [n.phoneNumber, n.accountId]))).toEqual({
      [numbers[0]!]: 'platform',
      [numbers[1]!]: 'platform',
      [numbers[2]!]: account.body.id,
    });
  }, 45_000);

  it('never repeats a provider operation when messages and tasks are delivered again', async () => {
    const numbers = await available('twilio', 'areaCode=312', 5);
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: numbers.map((phoneNumber) => ({ phoneNumber })) });
    const jobId = created.body.id;
    await finished(jobId);
    // Redeliver the chunk through Pub/Sub, and every item task directly.
    await publisher.publish('jobs-chunks', { tenantId: 'carrier', jobId, from: 0, to: 5, publishedAt: new Date().toISOString() });
    const url = `${stack.url}/internal/tasks/job-item`;
    const token = await stack.taskToken(url);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId: 'carrier', jobId, itemId: `it_0000${i}` }),
      });
      expect(await res.json()).toEqual({ outcome: 'already_final' });
    }
    await stack.tasks.idle('provider-twilio');
    for (const phoneNumber of numbers) expect(stack.twilio!.purchaseCounts()[phoneNumber]).toBe(1);
  });

  it('finishes an item exactly once after its worker died mid-purchase (the provider had bought it)', async () => {
    const [phoneNumber] = await available('twilio', 'areaCode=646', 1);
    stack.twilio!.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 500, afterEffect: true });
    stack.twilio!.injectFault({ method: 'GET', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 503, times: 3 });
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber }] });
    const job = await finished(created.body.id);
    expect(job.counts).toMatchObject({ succeeded: 1, failed: 0 });
    const [item] = (await member.get<Page<JobItem>>(`/v1/jobs/${created.body.id}/items`)).body.data;
    // The first delivery could not settle the outcome: the item waited for its purchase's follow-up,
    // which found the number bought and ended the item with it (no second purchase attempt).
    expect(item).toMatchObject({ attempts: 1, state: 'succeeded' });
    expect(stack.twilio!.purchaseCounts()[phoneNumber!]).toBe(1);
  });

  it('waits out the provider’s rate limit inside the item (no redelivery), and asks again after a 5xx instead of looking up', async () => {
    const [limited, flaky] = await available('twilio', 'areaCode=617', 2);
    // Six 429s in a row: more than the HTTP client's own retries, fewer than a bulk item's patience.
    stack.twilio!.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 429, code: 20429, retryAfterSeconds: 0, times: 6 });
    const first = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber: limited }] });
    expect((await finished(first.body.id)).counts).toMatchObject({ succeeded: 1 });
    const [item] = (await member.get<Page<JobItem>>(`/v1/jobs/${first.body.id}/items`)).body.data;
    expect(item!.attempts).toBe(1);
    expect(stack.twilio!.purchaseCounts()[limited!]).toBe(1);

    stack.twilio!.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 503, code: 20503 });
    const before = stack.twilio!.requestLog().length;
    const second = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber: flaky }] });
    expect((await finished(second.body.id)).counts).toMatchObject({ succeeded: 1 });
    const calls = stack.twilio!.requestLog().slice(before).filter((r) => r.path.endsWith('/IncomingPhoneNumbers.json'));
    expect(calls.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 503', 'POST 201']);
    expect(stack.twilio!.purchaseCounts()[flaky!]).toBe(1);
  });

  it('honours the provider queue’s rate limit', async () => {
    const numbers = await available('vonage', 'country=GB&type=mobile', 10);
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'vonage', items: numbers.map((phoneNumber) => ({ phoneNumber })) });
    const job = await finished(created.body.id);
    expect(job.counts.succeeded).toBe(10);
    const starts = (await member.get<Page<JobItem>>(`/v1/jobs/${created.body.id}/items`)).body.data.map((i: { updatedAt: string }) => Date.parse(i.updatedAt)).sort();
    // 10 items at 5/s, two of them on the queue's slack: 8 × 200 ms = 1.6 s from the first dispatch to
    // the last. These are finish times, and a slow first item narrows them: 1.2 s still shows the
    // throttle (an unthrottled queue finishes 10 items within a few hundred ms).
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(1200);
  });
});

describe('bulk release', () => {
  it('releases each number once and takes off usage only what the job itself released', async () => {
    const owner = apiClient(stack.url, await stack.token('releaser', 'admin', 'owner'));
    const numbers = await available('twilio', 'areaCode=720', 4); // the fourth stays held
    const ids: string[] = [];
    for (const phoneNumber of numbers) {
      const bought = await owner.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber });
      expect(bought.status, JSON.stringify(bought.body)).toBe(201);
      ids.push(bought.body.id);
    }
    const usage = async () => (await testFirestore(projectId).doc('tenants/releaser/usage/counters').get()).get('heldNumbers') as number;
    expect(await usage()).toBe(4);
    expect((await owner.delete(`/v1/numbers/${ids[0]}`)).status).toBe(200); // released on its own first: usage 3
    expect(await usage()).toBe(3);

    // The job lists the released number again, and one number twice.
    const items = [ids[0], ids[1], ids[2], ids[2]].map((numberId) => ({ numberId }));
    const created = await owner.post<CreatedJob>('/v1/jobs', { type: 'release', provider: 'twilio', items });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const job = await finished(created.body.id, 30_000, owner);
    expect(job).toMatchObject({ status: 'completed', counts: { succeeded: 4 } });
    for (const id of ids.slice(0, 3)) expect((await owner.get<PhoneNumber>(`/v1/numbers/${id}`)).body.status).toBe('released');
    expect(await usage()).toBe(1); // 3 − the 2 this job released (not 3 − 4 succeeded items): the fourth number
  });
});

describe('toll-free bulk jobs (Somos)', () => {
  it('reserves, then activates with routing, one registry operation per item', async () => {
    const found = (await admin.get<TollFreeSearchResult>('/v1/tollfree/available?npa=855&quantity=3')).body.data as { number: string }[];
    expect(found.length).toBe(3);
    expectEnvelope(await admin.post('/v1/jobs', { type: 'tollfree-reserve', provider: 'twilio', items: [{ number: found[0]!.number }] }), 400, 'VALIDATION_ERROR');
    // One number twice (two spellings): its items would race each other at the registry.
    const twice = await admin.post('/v1/jobs', {
      type: 'tollfree-reserve',
      provider: 'somos',
      items: [found[0]!.number, `+1${found[0]!.number.replace(/^\+?1/, '')}`].map((number) => ({ number, contactName: 'Ops', contactPhone: '+14155550100' })),
    });
    expect(expectEnvelope(twice, 400, 'VALIDATION_ERROR').message).toMatch(/change each toll-free number once; repeated: /);
    const bought = await admin.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber: '+14155550100' }, { phoneNumber: '+14155550100' }] });
    expect(expectEnvelope(bought, 400, 'VALIDATION_ERROR').message).toBe('A job may buy each number once; repeated: +14155550100');
    const reserve = await admin.post<CreatedJob>('/v1/jobs', {
      type: 'tollfree-reserve',
      provider: 'somos',
      items: [
        ...found.map((n, i) => ({ number: n.number, contactName: 'Ops', contactPhone: '+14155550100', ...(i === 2 ? { reservationDays: 30 } : {}) })),
        { number: '4155550100', contactName: 'x', contactPhone: '+14155550100' },
      ],
    });
    expect(reserve.status, JSON.stringify(reserve.body)).toBe(202);
    expect(reserve.body.invalidCount).toBe(1);
    expect((await finished(reserve.body.id)).counts).toMatchObject({ succeeded: 3, failed: 0 });
    // A redelivered item finds the number already reserved: still one registry reservation.
    expect(await deliverItem(reserve.body.id)).toBe('already_final');
    // An item may hold its number for fewer days than the tariff's 45, as the single endpoint does.
    const held30 = (await admin.get<TollFreeDetail>(`/v1/tollfree/${found[2]!.number}`)).body;
    const days = (Date.parse(held30.expiresAt!) - Date.now()) / 86_400_000;
    expect(days, JSON.stringify(held30)).toBeGreaterThan(29);
    expect(days).toBeLessThan(31.1);
    expectEnvelope(
      await admin.post('/v1/jobs', { type: 'tollfree-reserve', provider: 'somos', items: [{ number: found[0]!.number, contactName: 'Ops', contactPhone: '+14155550100', reservationDays: 46 }] }),
      400,
      'VALIDATION_ERROR',
    );

    const activate = await admin.post<CreatedJob>('/v1/jobs', {
      type: 'tollfree-activate',
      provider: 'somos',
      items: [
        { number: found[0]!.number, routing: { primary: { type: 'pstn', destination: '+14155550123' } }, carriers: { interLATA: ['0432'], intraLATA: ['0432'] } },
        { number: found[1]!.number, routing: { primary: { type: 'pstn', destination: 'not-e164' } } },
      ],
    });
    // The routing is validated when the job is created (as the single activate endpoint does): the bad item is never queued.
    expect(activate.status, JSON.stringify(activate.body)).toBe(202);
    expect(activate.body.invalidCount).toBe(1);
    expect(activate.body.invalidItems).toEqual([{ index: 1, issues: [expect.objectContaining({ path: 'items[1].routing.primary.destination' })] }]);
    const job = await finished(activate.body.id);
    expect(job.counts).toMatchObject({ succeeded: 1, failed: 0 });
    const activated = (await admin.get<TollFreeDetail>(`/v1/tollfree/${found[0]!.number}`)).body;
    expect(activated.status).toBe('active');
    // The item's carriers reached the customer record (else the number's, the tenant's, the platform's).
    expect((activated.registryRouting as RegistryRouting).carriers).toEqual({ interLATA: ['0432'], intraLATA: ['0432'] });
    expect((await admin.get<TollFreeDetail>(`/v1/tollfree/${found[1]!.number}`)).body.status).toBe('reserved');
  });
});

describe('toll-free reservations by search', () => {
  it('finds the numbers itself ({npa, quantity}) and reserves each once; a bad spec is a 400 naming its field', async () => {
    const contact = { contactName: 'Ops', contactPhone: '+14155550100' };
    const refused = async (body: Record<string, unknown>, path: string) =>
      expect(expectEnvelope(await admin.post('/v1/jobs', body), 400, 'VALIDATION_ERROR').details!.issues![0]!.path).toBe(path);
    await refused({ type: 'tollfree-reserve', provider: 'somos', search: { npa: '833', quantity: 5 } }, 'body.search.contactName');
    await refused({ type: 'tollfree-reserve', provider: 'somos', search: { areaCode: '415', quantity: 5, ...contact } }, 'body.search.areaCode');
    await refused({ type: 'tollfree-reserve', provider: 'somos', search: { npa: '212', quantity: 5, ...contact } }, 'body.search.npa');
    await refused({ type: 'purchase', provider: 'twilio', search: { npa: '833', quantity: 5 } }, 'body.search.npa');
    await refused({ type: 'tollfree-activate', provider: 'somos', search: { npa: '833', quantity: 5 } }, 'body.search');

    const created = await admin.post<CreatedJob>('/v1/jobs', { type: 'tollfree-reserve', provider: 'somos', search: { npa: '833', quantity: 25, ...contact } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const job = await finished(created.body.id, 40_000, admin);
    expect(job).toMatchObject({ status: 'completed', itemCount: 25, counts: { succeeded: 25 }, search: { npa: '833', quantity: 25, ...contact } });
    const items = (await admin.get<Page<{ input: { number: string; contactName: string }; result: { status: string } }>>(`/v1/jobs/${created.body.id}/items?limit=100`)).body.data;
    const numbers = items.map((i) => i.input.number);
    expect(new Set(numbers).size).toBe(25);
    for (const item of items) {
      expect(item.input.number).toMatch(/^833\d{7}$/);
      expect(item.input.contactName).toBe('Ops');
      expect(item.result.status).toBe('reserved');
    }
    // Reserved at the registry for us, one reservation each.
    for (const num of numbers.slice(0, 3)) expect(stack.sandboxes.somos!.number(num)).toMatchObject({ status: 'RESERVED', ctrlRespOrgId: expect.any(String) });
    expect((await admin.get(`/v1/tollfree/${numbers[0]}`)).body).toMatchObject({ status: 'reserved', contactName: 'Ops' });
  }, 60_000);
});

describe('toll-free items whose registry answer is late or lost', () => {
  const somos = () => stack.sandboxes.somos!;
  afterEach(() => somos().configure({ syncTimeoutPaths: [], pendingRetrievals: 0 })); // whatever a failed test left
  const contact = { contactName: 'Ops', contactPhone: '+14155550100' };
  const itemsOf = async (jobId: string) => (await admin.get<Page<JobItem>>(`/v1/jobs/${jobId}/items`)).body.data as { index: number; state: string; attempts: number; result?: Record<string, unknown>; error?: Record<string, unknown> }[];


  it('waits for a 202 and ends each item with the registry’s real answer (not "succeeded" on acceptance)', async () => {
    somos().seedNumber('8445550301', { status: 'SPARE' });
    somos().seedNumber('8445550302', { status: 'RESERVED', respOrgId: 'OTH01' }); // the registry will refuse this one
    // "Still working" until both items are seen waiting, however slow the machine.
    somos().configure({ syncTimeoutPaths: ['/v3/ip/num/tfn/srchres'], pendingRetrievals: 1_000 });
    let created;
    try {
      created = await admin.post<CreatedJob>('/v1/jobs', { type: 'tollfree-reserve', provider: 'somos', items: ['8445550301', '8445550302'].map((number) => ({ number, ...contact })) });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      // Both accepted with 202: the items wait (running) and the job stays open.
      const waiting = await waitFor(async () => {
        const items = await itemsOf(created!.body.id);
        return items.length === 2 && items.every((i) => i.result?.pending === true) ? items : undefined;
      });
      expect(waiting.map((i) => i.state)).toEqual(['running', 'running']);
      expect(waiting[0]!.result).toMatchObject({ requestId: expect.stringMatching(/^tfr_/), poll: expect.stringMatching(/^\/v1\/tollfree\/requests\/tfr_/) });
      expect((await admin.get<Job>(`/v1/jobs/${created.body.id}`)).body).toMatchObject({ status: 'running', counts: { running: 2 } });
    } finally {
      somos().configure({ syncTimeoutPaths: [], pendingRetrievals: 0 });
    }
    // The requests' follow-ups fetch the answers and settle the items with them.
    const job = await finished(created.body.id, 40_000, admin);
    expect(job).toMatchObject({ status: 'completed_with_errors', counts: { succeeded: 1, failed: 1 } });
    const [reserved, refused] = await itemsOf(created.body.id);
    expect(reserved).toMatchObject({ state: 'succeeded', result: { number: '8445550301', status: 'reserved' } });
    expect(refused).toMatchObject({ state: 'failed', error: { code: 'PROVIDER_ERROR', provider: 'somos', providerCode: expect.stringMatching(/^805/), retryable: false } });
    expect((await admin.get<TollFreeDetail>('/v1/tollfree/8445550301')).body.status).toBe('reserved');
    expectEnvelope(await admin.get('/v1/tollfree/8445550302'), 404, 'NOT_FOUND');
  }, 60_000);

  /**
   * A one-item reservation job whose registry call answered 202: its item waits for the request. The
   * registry keeps answering "still working" (however slow the machine) until the test sets
   * pendingRetrievals back to 0.
   */
  async function waitingReservation(number: string) {
    somos().seedNumber(number, { status: 'SPARE' });
    somos().configure({ syncTimeoutPaths: ['/v3/ip/num/tfn/srchres'], pendingRetrievals: 1_000 });
    try {
      const jobId = (await admin.post<CreatedJob>('/v1/jobs', { type: 'tollfree-reserve', provider: 'somos', items: [{ number, ...contact }] })).body.id;
      await waitFor(async () => ((await itemsOf(jobId))[0]?.result?.pending === true ? true : undefined));
      const itemRef = testFirestore(projectId).doc(`tenants/carrier/jobs/${jobId}/items/it_00000`);
      return { jobId, itemRef, requestId: (await itemRef.get()).get('waitingFor.id') as string };
    } finally {
      somos().configure({ syncTimeoutPaths: [] });
    }
  }

  it('an item whose wait runs out looks at its request itself, so a lost follow-up chain cannot strand it', async () => {
    const { jobId, itemRef, requestId } = await waitingReservation('8555550305');
    const db = testFirestore(projectId);
    // As if the request's follow-ups were lost and the item's wait had run out, while the registry is still at it.
    try {
      await itemRef.update({ leaseUntil: new Date(Date.now() - 1000).toISOString() });
      expect(await deliverItem(jobId)).toBe('waiting');
      const item = (await itemRef.get()).data()!;
      expect(item.state).toBe('running');
      expect(Date.parse(item.leaseUntil) - Date.now()).toBeGreaterThan(10 * 60_000); // it looks again in 15 minutes
      expect((await db.doc(`tenants/carrier/tollfreeRequests/${requestId}`).get()).get('attempts')).toBeGreaterThanOrEqual(1); // it polled
    } finally {
      somos().configure({ pendingRetrievals: 0 });
    }
    // Its next look finds the answer: applied once, the item settled with it, the job finished.
    await itemRef.update({ leaseUntil: new Date(Date.now() - 1000).toISOString() });
    expect(['succeeded', 'already_final']).toContain(await deliverItem(jobId)); // (or a follow-up got there first)
    expect((await itemRef.get()).data()).toMatchObject({ state: 'succeeded', result: { number: '8555550305', status: 'reserved' } });
    expect(await finished(jobId, 30_000, admin)).toMatchObject({ status: 'completed', counts: { succeeded: 1 } });
    expect((await db.doc(`tenants/carrier/tollfreeRequests/${requestId}`).get()).get('status')).toBe('completed');
  }, 60_000);

  it('a request that ends after its item moved on to a newer one leaves the item to that one', async () => {
    const { itemRef, requestId } = await waitingReservation('8665550306');
    // As if a newer delivery of the item had made its own request and now waits for that one.
    await itemRef.update({ waitingFor: { kind: 'tollfree-request', id: 'tfr_0000000000000000' } });
    somos().configure({ pendingRetrievals: 0 });
    const url = `${stack.url}/internal/tasks/somos-followup`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'request', tenantId: 'carrier', id: requestId, attempt: 0 }),
    });
    expect(((await res.json()) as { status: string }).status).toBe('completed');
    // The older request completed (the number is reserved), but the item still waits for its own.
    expect((await itemRef.get()).data()).toMatchObject({ state: 'running', waitingFor: { id: 'tfr_0000000000000000' } });
    await itemRef.update({ state: 'cancelled', waitingFor: null, leaseUntil: null }); // (nothing would ever settle it)
  });

  it('adopts a reservation the registry made although its answer was lost, instead of failing as "taken"', async () => {
    somos().seedNumber('8885550303', { status: 'SPARE' });
    const before = somos().requestLog().length;
    // The registry reserves the number, then answers 500: the outcome is unknown to us.
    somos().injectFault({ method: 'POST', pathPattern: 'srchres', status: 500, afterEffect: true, times: 1 });
    const created = await admin.post<CreatedJob>('/v1/jobs', { type: 'tollfree-reserve', provider: 'somos', items: [{ number: '8885550303', ...contact }] });
    const job = await finished(created.body.id, 30_000, admin);
    expect(job).toMatchObject({ status: 'completed', counts: { succeeded: 1 } });
    const [item] = await itemsOf(created.body.id);
    expect(item).toMatchObject({ attempts: 2, result: { number: '8885550303', status: 'reserved' } });
    const calls = somos().requestLog().slice(before);
    expect(calls.filter((r) => r.method === 'POST' && r.path.includes('srchres')).map((r) => r.status)).toEqual([500]); // reserved once
    expect(calls.some((r) => r.method === 'GET' && r.path.endsWith('/query/tfn/8885550303'))).toBe(true); // looked before acting again
    expect((await admin.get('/v1/tollfree/8885550303')).body).toMatchObject({ status: 'reserved', registry: { status: 'RESERVED' } });
  });

  it('adopts a customer record the registry created although its answer was lost, creating none twice', async () => {
    somos().seedNumber('8335550304', { status: 'SPARE' });
    const reserve = await admin.post<CreatedJob>('/v1/jobs', { type: 'tollfree-reserve', provider: 'somos', items: [{ number: '8335550304', ...contact }] });
    expect((await finished(reserve.body.id, 30_000, admin)).counts).toMatchObject({ succeeded: 1 });
    const before = somos().requestLog().length;
    somos().injectFault({ method: 'POST', pathPattern: '/cus/rec$', status: 500, afterEffect: true, times: 1 });
    const routing = { primary: { type: 'pstn', destination: '+14155550123' } };
    const created = await admin.post<CreatedJob>('/v1/jobs', { type: 'tollfree-activate', provider: 'somos', items: [{ number: '8335550304', routing }] });
    const job = await finished(created.body.id, 30_000, admin);
    expect(job).toMatchObject({ status: 'completed', counts: { succeeded: 1 } });
    const calls = somos().requestLog().slice(before);
    expect(calls.filter((r) => r.method === 'POST' && r.path.endsWith('/cus/rec')).map((r) => r.status)).toEqual([500]);
    expect((await admin.get('/v1/tollfree/8335550304')).body).toMatchObject({ status: 'active', routing, registry: { status: 'WORKING' } });
    // Activating it again with other routing is refused (that is a routing change), not "succeeded".
    const again = await admin.post<CreatedJob>('/v1/jobs', {
      type: 'tollfree-activate',
      provider: 'somos',
      items: [{ number: '8335550304', routing: { primary: { type: 'pstn', destination: '+14155550199' } } }],
    });
    expect(await finished(again.body.id, 30_000, admin)).toMatchObject({ status: 'failed' });
    expect((await itemsOf(again.body.id))[0]!.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already active with other routing/) });
  });
});

describe('cancel, dead letters, callbacks', () => {
  it('turns a dead-lettered chunk into failed items, never lost ones — and leaves an item a task is buying to that task', async () => {
    const numbers = await available('plivo', 'country=US&areaCode=212', 3);
    // Plivo holds the first purchase attempt for 8 s and then refuses it (a fixed window in which item 0
    // is `running`, whatever the machine's load), then sells on the next POST.
    // (Only this number's POST: Plivo's queue may still be buying earlier tests' numbers.)
    stack.sandboxes.plivo!.injectFault({ method: 'POST', pathPattern: `/PhoneNumber/${numbers[0]!.slice(1)}/`, status: 503, times: 1, delayMs: 8_000 });
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'plivo', items: numbers.map((phoneNumber) => ({ phoneNumber })) });
    // Item 0 is being bought (Plivo's queue runs at 0.2/s: items 1 and 2 wait their turn) when its chunk is dead-lettered.
    const itemState = async (index: number) => (await member.get<Page<JobItem>>(`/v1/jobs/${created.body.id}/items?limit=10`)).body.data.find((i: { index: number }) => i.index === index)?.state;
    // (Plivo's queue may still be dispatching earlier tests' tasks, one every 5 s.)
    const deadline = Date.now() + 45_000;
    while ((await itemState(0)) !== 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 30));
    expect(await itemState(0)).toBe('running');
    await publisher.publish('jobs-chunks-dead-letter', { tenantId: 'carrier', jobId: created.body.id, from: 0, to: 3, publishedAt: new Date().toISOString() });
    const job = await finished(created.body.id, 25_000);
    stack.sandboxes.plivo!.clearFaults();
    const failed = (await member.get<Page<JobItem>>(`/v1/jobs/${created.body.id}/items?state=failed`)).body.data;
    expect(failed.map((i: { index: number }) => i.index)).toEqual([1, 2]);
    expect(failed[0]!.error!.code).toBe('DEAD_LETTERED');
    // Item 0's task kept it: its next delivery bought the number, once, and the counts say so.
    expect(job).toMatchObject({ status: 'completed_with_errors', counts: { succeeded: 1, failed: 2 } });
    expect(stack.sandboxes.plivo!.purchaseCounts()[numbers[0]!]).toBe(1);
    for (const phoneNumber of numbers.slice(1)) expect(stack.sandboxes.plivo!.purchaseCounts()[phoneNumber]).toBeUndefined();
  }, 90_000);

  it('a replayed creation that died half-way writes the missing items and publishes their chunks', async () => {
    const numbers = await available('twilio', 'areaCode=617', 3);
    const db = testFirestore(projectId);
    const items = numbers.map((phoneNumber) => ({ phoneNumber }));
    // What the first request left behind when it died: the job and its first item only.
    const jobId = await jobLeftByDeadCreation('died-midway');
    const now = new Date().toISOString();
    await db.doc(`tenants/carrier/jobs/${jobId}/items/it_00000`).set({ id: 'it_00000', jobId, tenantId: 'carrier', index: 0, state: 'queued', input: items[0], attempts: 0, updatedAt: now });
    const replay = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items }, { headers: { 'idempotency-key': 'died-midway' } });
    expect(replay.body.id).toBe(jobId);
    const job = await finished(jobId);
    expect(job).toMatchObject({ status: 'completed', counts: { succeeded: 3 } });
    for (const phoneNumber of numbers) expect(stack.twilio!.purchaseCounts()[phoneNumber]).toBe(1);
    expect((job as Record<string, unknown>).chunksPublishedAt).toBeUndefined(); // internal
  });

  it('an item delivered again after its purchase became an open order waits for that order (no 409 from its own claim, no second purchase)', async () => {
    const [phoneNumber] = await available('twilio', 'areaCode=312', 1);
    const db = testFirestore(projectId);
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber }] });
    const jobId = created.body.id;
    await finished(jobId);
    const itemRef = db.doc(`tenants/carrier/jobs/${jobId}/items/it_00000`);
    const numberId = ((await itemRef.get()).get('result') as { numberId: string }).numberId;
    const numberRef = db.doc(`tenants/carrier/numbers/${numberId}`);
    const bought = (await numberRef.get()).data()!;
    // As if the first delivery placed an order (Telnyx-style) and died before recording its result.
    await numberRef.update({ status: 'pending', purchase: { outcome: 'ordered', attempts: 1, leaseUntil: new Date(Date.now() - 1000).toISOString() }, orderId: 'ord-1' });
    await itemRef.update({ state: 'queued', result: null, finishedAt: null });
    try {
      expect(await deliverItem(jobId, 'it_00000', 'carrier', 1)).toBe('waiting');
      expect((await itemRef.get()).data()).toMatchObject({ state: 'running', result: { numberId, status: 'pending' }, waitingFor: { kind: 'number-order', id: numberId } });
      expect(stack.twilio!.purchaseCounts()[phoneNumber!]).toBe(1);
    } finally {
      await numberRef.set(bought); // the order was made up: nothing should try to settle it later
    }
    // The order "completed" without anything telling the item: when its wait runs out, it looks itself.
    await itemRef.update({ leaseUntil: new Date(Date.now() - 1000).toISOString() });
    expect(await deliverItem(jobId)).toBe('succeeded');
    expect((await itemRef.get()).data()).toMatchObject({ state: 'succeeded', result: { numberId, status: 'active' } });
    expect((await itemRef.get()).get('waitingFor')).toBeUndefined();
  });

  it('an item whose purchase became a provider order (Telnyx) waits for the order and ends with its outcome', async () => {
    const telnyx = stack.sandboxes.telnyx!;
    // A tenant of its own: its usage counter is this test's alone.
    const buyer = apiClient(stack.url, await stack.token('orderer', 'admin', 'owner'));
    const numbers = (await buyer.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=US&type=local&limit=2')).body.data.map((n: { phoneNumber: string }) => n.phoneNumber);
    expect(numbers).toHaveLength(2);
    const held = async () => ((await testFirestore(projectId).doc('tenants/orderer/usage/counters').get()).get('heldNumbers') as number | undefined) ?? 0;
    const heldBefore = await held();
    telnyx.configure({ orderCompletion: 'manual' });
    try {
      const created = await buyer.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'telnyx', items: numbers.map((phoneNumber) => ({ phoneNumber })) });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const items = async () => (await buyer.get<Page<JobItem>>(`/v1/jobs/${created.body.id}/items`)).body.data as { state: string; result?: { numberId?: string; status?: string }; error?: unknown }[];
      // Ordered, not bought yet: the items wait and the job stays open.
      const waiting = await waitFor(async () => {
        const list = await items();
        return list.length === 2 && list.every((i) => i.result?.status === 'pending') ? list : undefined;
      });
      expect(waiting.map((i) => i.state)).toEqual(['running', 'running']);
      await new Promise((r) => setTimeout(r, 300));
      expect((await buyer.get<Job>(`/v1/jobs/${created.body.id}`)).body.finishedAt).toBeUndefined();
      // Telnyx completes one order and refuses the other; its signed webhooks settle the numbers, and the items with them.
      const orderOf = async (numberId: string) => (await buyer.get<PhoneNumber>(`/v1/numbers/${numberId}`)).body.orderId as string;
      await telnyx.completeOrder(await orderOf(waiting[0]!.result!.numberId!), 'success');
      await telnyx.completeOrder(await orderOf(waiting[1]!.result!.numberId!), 'failure', 'rejected by the carrier');
      const job = await finished(created.body.id, 30_000, buyer);
      expect(job).toMatchObject({ status: 'completed_with_errors', counts: { succeeded: 1, failed: 1 } });
      const [done, refused] = await items();
      expect(done).toMatchObject({ state: 'succeeded', result: { numberId: waiting[0]!.result!.numberId, status: 'active' } });
      expect(refused).toMatchObject({ state: 'failed', error: { code: 'PROVIDER_ERROR', provider: 'telnyx', message: expect.stringMatching(/rejected by the carrier/), retryable: false } });
      // The tenant holds one more number: the refused order's reservation came back once (not twice).
      expect(await held()).toBe(heldBefore + 1);
    } finally {
      telnyx.configure({ orderCompletion: 'webhook' });
    }
  });

  it('cancels the items not started yet', async () => {
    const numbers = await available('plivo', 'country=US&areaCode=415', 8);
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'plivo', items: numbers.map((phoneNumber) => ({ phoneNumber })) });
    const cancelled = await member.post<Job>(`/v1/jobs/${created.body.id}/cancel`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    const job = await finished(created.body.id, 15_000);
    expect(job.status).toBe('cancelled');
    expect(job.counts.cancelled).toBeGreaterThanOrEqual(6);
    expect(job.counts.succeeded + job.counts.cancelled + job.counts.failed).toBe(8);
    expectEnvelope(await member.post(`/v1/jobs/${created.body.id}/cancel`), 409, 'CONFLICT');
  });

  it('a cancel while the job’s items are still being written does not finish it before they are all out', async () => {
    const numbers = await available('twilio', 'areaCode=206', 3);
    const items = numbers.map((phoneNumber) => ({ phoneNumber }));
    // The API has written the job, not its items yet (here: its request died; the replay below writes them).
    const jobId = await jobLeftByDeadCreation('cancel-while-writing');
    expect((await member.post(`/v1/jobs/${jobId}/cancel`)).status).toBe(200);
    expect((await member.get<Job>(`/v1/jobs/${jobId}`)).body.finishedAt).toBeUndefined(); // not "cancelled with 0 items"
    await member.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items }, { headers: { 'idempotency-key': 'cancel-while-writing' } });
    const job = await finished(jobId);
    expect(job).toMatchObject({ status: 'cancelled', counts: { cancelled: 3, succeeded: 0 } });
    for (const phoneNumber of numbers) expect(stack.twilio!.purchaseCounts()[phoneNumber]).toBeUndefined();
  });

  it('a chunk that arrives after the cancel (a search still expanding) cancels its items instead of running them', async () => {
    const numbers = await available('plivo', 'country=US&areaCode=312', 2);
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'plivo', items: [{ phoneNumber: numbers[0] }] });
    expect((await member.post<Job>(`/v1/jobs/${created.body.id}/cancel`)).status).toBe(200);
    // An item stored after the cancel swept the queued ones, as a search expansion may do.
    const db = testFirestore(projectId);
    const late = { id: 'it_00001', jobId: created.body.id, tenantId: 'carrier', index: 1, state: 'queued', input: { phoneNumber: numbers[1] }, attempts: 0, updatedAt: new Date().toISOString() };
    await db.doc(`tenants/carrier/jobs/${created.body.id}/items/it_00001`).set(late);
    await publisher.publish('jobs-chunks', { tenantId: 'carrier', jobId: created.body.id, from: 1, to: 2, publishedAt: new Date().toISOString() });
    const deadline = Date.now() + 10_000;
    let state = 'queued';
    while (state === 'queued' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await db.doc(`tenants/carrier/jobs/${created.body.id}/items/it_00001`).get()).get('state') as string;
    }
    expect(state).toBe('cancelled');
    expect(stack.sandboxes.plivo!.purchaseCounts()[numbers[1]!]).toBeUndefined();
  });

  it('a chunk delivered after its job finished leaves the job finished', async () => {
    const db = testFirestore(projectId);
    const now = new Date().toISOString();
    const jobId = 'job_00000000000000000fed';
    await db.doc(`tenants/carrier/jobs/${jobId}`).set({ id: jobId, tenantId: 'carrier', type: 'purchase', provider: 'plivo', status: 'failed', itemCount: 1, createdBy: 'ops', createdAt: now, updatedAt: now, finishedAt: now, finalCounts: { queued: 0, running: 0, succeeded: 0, failed: 1, cancelled: 0 } });
    await db.doc(`tenants/carrier/jobs/${jobId}/items/it_00000`).set({ id: 'it_00000', jobId, tenantId: 'carrier', index: 0, state: 'failed', input: { phoneNumber: '+14155550100' }, attempts: 1, updatedAt: now, finishedAt: now });
    await publisher.publish('jobs-chunks', { tenantId: 'carrier', jobId, from: 0, to: 1, publishedAt: now });
    await new Promise((r) => setTimeout(r, 1500));
    const job = (await member.get<Job>(`/v1/jobs/${jobId}`)).body;
    expect(job).toMatchObject({ status: 'failed', finishedAt: now });
    expect(job.startedAt).toBeUndefined();
  });

  it('comes back for an item whose worker died, when its lease ends, instead of spending the queue’s retries on it', async () => {
    const [phoneNumber] = await available('twilio', 'areaCode=415', 1);
    const db = testFirestore(projectId);
    // A job whose only item a worker claimed and then died with: running, lease ending in 6 s (room
    // for the set-up's round trips on a loaded machine before the delivery below must find it held).
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber }] }, { headers: { 'idempotency-key': 'died-1' } });
    const jobId = created.body.id;
    await finished(jobId);
    const itemRef = db.doc(`tenants/carrier/jobs/${jobId}/items/it_00000`);
    // Back to running as the code writes it: a running job has no finishedAt or finalCounts (absent, not null).
    await db.doc(`tenants/carrier/jobs/${jobId}`).update({ finishedAt: FieldValue.delete(), status: 'running', finalCounts: FieldValue.delete() });
    const numberId = ((await itemRef.get()).get('result') as { numberId: string }).numberId;
    await itemRef.update({ state: 'running', leaseUntil: new Date(Date.now() + 6000).toISOString(), result: null, finishedAt: null });
    expect(await deliverItem(jobId)).toBe('busy'); // answered, not thrown: no retry budget spent
    // After the lease the item runs again, finds the number it bought, and the job finishes.
    const deadline = Date.now() + 30_000;
    while ((await itemRef.get()).get('state') !== 'succeeded' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await itemRef.get()).data()).toMatchObject({ state: 'succeeded', result: { numberId, status: 'active' } });
    expect(stack.twilio!.purchaseCounts()[phoneNumber!]).toBe(1);
  }, 60_000);

  it('keeps counts consistent while items run concurrently', async () => {
    const numbers = await available('twilio', 'areaCode=206', 30);
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: numbers.map((phoneNumber) => ({ phoneNumber })) });
    let last = -1;
    for (;;) {
      const job = (await member.get<Job>(`/v1/jobs/${created.body.id}`)).body;
      const sum = Object.values(job.counts as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(sum).toBe(30);
      expect(job.percent).toBeGreaterThanOrEqual(last);
      last = job.percent;
      if (job.finishedAt) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // The job document itself was written only a few times (create, start, finish).
    const doc = await testFirestore(projectId).doc(`tenants/carrier/jobs/${created.body.id}`).get();
    expect(doc.get('status')).toBe('completed');
  });

  it('audits a signing-secret rotation: who and when, never the secret', async () => {
    const before = await admin.get<Page<AuditRecord>>('/v1/audit?resource=tenant/signing-secret');
    const secret = (await admin.post<SigningSecret>('/v1/signing-secret')).body.secret;
    const trail = await admin.get<Page<AuditRecord>>('/v1/audit?resource=tenant/signing-secret');
    expect(trail.body.data.length).toBe(before.body.data.length + 1);
    const [entry] = trail.body.data;
    expect(entry).toMatchObject({ action: 'signing_secret.rotate', resource: 'tenant/signing-secret', actor: { type: 'user' } });
    expect(JSON.stringify(trail.body)).not.toContain(secret);
  });

  it('delivers a signed completion callback, retrying until it is accepted', async () => {
    const secret = (await admin.post<SigningSecret>('/v1/signing-secret')).body.secret;
    expect(secret).toMatch(/^whsec_/);
    const received: { body: string; signature: string }[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        received.push({ body, signature: String(req.headers['x-signature']) });
        res.statusCode = received.length === 1 ? 500 : 200; // the first attempt fails
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const [phoneNumber] = await available('twilio', 'areaCode=303', 1);
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber }], callbackUrl });
    await finished(created.body.id);
    const deadline = Date.now() + 15_000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    receiver.close();
    expect(received.length).toBe(2);
    const { body, signature } = received[1]!;
    const [t, v1] = signature.split(',').map((p) => p.split('=')[1]);
    expect(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')).toBe(v1);
    expect(JSON.parse(body)).toMatchObject({ type: 'job.finished', job: { id: created.body.id, status: 'completed' } });
    expect(JSON.stringify(received)).not.toContain(SANDBOX_ACCOUNTS.twilio.authToken);
  });
});

describe('roles per job type', () => {
  const number = '8335550990';
  const adminOnly = [
    { type: 'release', provider: 'twilio', items: [{ numberId: `num_${'a'.repeat(20)}` }] },
    { type: 'tollfree-reserve', provider: 'somos', items: [{ number, contactName: 'Ops', contactPhone: '+14155550100' }] },
    { type: 'tollfree-activate', provider: 'somos', items: [{ number, routing: { primary: { type: 'pstn', destination: '+14155550123' } } }] },
    { type: 'tollfree-routing', provider: 'somos', items: [{ number, routing: { primary: { type: 'pstn', destination: '+14155550123' } } }] },
    { type: 'tollfree-sms', provider: 'somos', items: [{ number, sms: true, mms: false }] },
  ];

  it('refuses a member the job types whose single endpoint is admin-only, writing nothing (not even the Idempotency-Key)', async () => {
    const db = testFirestore(projectId);
    const usage = async () => (await db.doc('tenants/carrier/usage/counters').get()).data() ?? null;
    const before = { usage: await usage(), jobs: (await db.collection('tenants/carrier/jobs').get()).size };
    for (const body of adminOnly) {
      const key = `member-${body.type}`;
      const error = expectEnvelope(await member.post('/v1/jobs', body, { headers: { 'idempotency-key': key } }), 403, 'FORBIDDEN');
      expect(error.message).toBe(`This operation needs the admin role when type is "${body.type}"`);
      expect(error.details).toEqual({ type: body.type, requiredRole: 'admin' });
      expect((await db.doc(`tenants/carrier/jobs/${jobIdFor('carrier', key, 'unused')}`).get()).exists).toBe(false);
    }
    expect({ usage: await usage(), jobs: (await db.collection('tenants/carrier/jobs').get()).size }).toEqual(before);
    // The refusal was about the caller, not the request: an admin sending the same key is not answered 403.
    const release = await admin.post<CreatedJob>('/v1/jobs', adminOnly[0], { headers: { 'idempotency-key': 'member-release' } });
    expect(release.status, JSON.stringify(release.body)).toBe(202);
    expect((await finished(release.body.id, 30_000, admin)).counts).toMatchObject({ failed: 1 }); // no such number
  });

  it('a request refused as invalid leaves its Idempotency-Key free: the corrected request with the same key runs', async () => {
    const numbers = await available('twilio', 'areaCode=720', 1);
    const key = 'fix-and-resend';
    const invalid = await member.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phone: numbers[0] }] }, { headers: { 'idempotency-key': key } });
    expect(expectEnvelope(invalid, 400, 'VALIDATION_ERROR').message).toBe('Every item is invalid; nothing was queued');
    const corrected = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber: numbers[0] }] }, { headers: { 'idempotency-key': key } });
    expect(corrected.status, JSON.stringify(corrected.body)).toBe(202);
    // From then on the key is the corrected request's: its replay is its answer, another body a conflict.
    const replay = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber: numbers[0] }] }, { headers: { 'idempotency-key': key } });
    expect(replay.body.id).toBe(corrected.body.id);
    expectEnvelope(await member.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phone: numbers[0] }] }, { headers: { 'idempotency-key': key } }), 409, 'CONFLICT');
    expect((await finished(corrected.body.id, 30_000)).counts).toMatchObject({ succeeded: 1 });
  });

  it('lets a member run purchase and update jobs, and an admin every type; an item’s audit entry names the job’s creator', async () => {
    const [phoneNumber] = await available('twilio', 'areaCode=720', 1);
    const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    const purchase = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', search: { areaCode: '720', quantity: 1 } });
    expect(purchase.status, JSON.stringify(purchase.body)).toBe(202);
    const update = await member.post<CreatedJob>('/v1/jobs', { type: 'update', provider: 'twilio', items: [{ numberId: bought.body.id, changes: { displayName: 'Bulk renamed' } }] });
    expect(update.status, JSON.stringify(update.body)).toBe(202);
    await finished(purchase.body.id);
    expect((await finished(update.body.id)).counts).toMatchObject({ succeeded: 1 });

    const trail = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=numbers/${bought.body.id}`);
    expect(trail.status, JSON.stringify(trail.body)).toBe(200);
    const byItem = trail.body.data.find((r: { requestId: string }) => r.requestId === `${update.body.id}/it_00000`);
    expect(byItem?.actor).toEqual({ type: 'system', name: `bulk-job:${update.body.id}`, onBehalfOf: 'ops' });
    expect(byItem?.after).toMatchObject({ displayName: 'Bulk renamed' });

    // An admin may start the admin-only types (validation, not the role, answers the rest).
    for (const body of adminOnly.slice(1)) {
      const res = await admin.post('/v1/jobs', { ...body, items: [{}] });
      expect(expectEnvelope(res, 400, 'VALIDATION_ERROR').message).toBe('Every item is invalid; nothing was queued');
    }
  });
});
