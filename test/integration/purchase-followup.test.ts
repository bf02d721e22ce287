import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startTestStack } from '../helpers/stack.js';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import { ensureDevKeys, mintDevTaskToken, mintDevToken } from '../../scripts/local/dev-auth.js';
import type { NumberRecord } from '../../shared/domain/number.js';
import { waitFor } from '../helpers/wait.js';
import { numberRecord } from '../helpers/number-fixture.js';
import type { AvailableNumbers, PhoneNumber } from '../helpers/api-types.js';

// The Cloud Tasks follow-up that settles purchases a request could not settle itself.
const projectId = 'demo-followup';
let stack: Stack;
let member: ApiClient;
let dataDir: string;

beforeAll(async () => {
  const started = await startTestStack(projectId, { PURCHASE_LEASE_SECONDS: '5' });
  stack = started;
  dataDir = started.dataDir;
  member = apiClient(stack.url, await stack.token('carrier-1', 'member'));
});
afterAll(async () => {
  await stack?.stop();
  delete process.env.PURCHASE_LEASE_SECONDS;
});

const firstAvailable = async (areaCode: string) => {
  const res = await member.get<AvailableNumbers>(`/v1/numbers/available?provider=twilio&areaCode=${areaCode}&limit=1`);
  return res.body.data[0]!.phoneNumber;
};

/** A pending purchase as a request that died mid-way leaves it (lease already over). */
async function leftPending(phoneNumber: string, purchase?: NumberRecord['purchase']): Promise<NumberRecord> {
  const db = testFirestore(projectId);
  const id = `num_${Math.random().toString(16).slice(2, 12).padEnd(10, '0')}${'0'.repeat(10)}`;
  const past = new Date(Date.now() - 60_000).toISOString();
  const record = numberRecord(id, 'carrier-1', phoneNumber, {
    capabilities: { voice: false, sms: false, mms: false, fax: false },
    status: 'pending',
    purchase: purchase ?? { leaseUntil: past, attempts: 1, outcome: 'in_flight' },
    createdAt: past,
    createdBy: 'crashed-request',
  });
  await db.doc(`tenants/carrier-1/numbers/${id}`).set(record);
  await db.doc(`tenants/carrier-1/numberClaims/${phoneNumber}`).set({ numberId: id, phoneNumber, createdAt: past });
  return record;
}

const settle = (body: unknown, token?: string) =>
  fetch(`${stack.url}/internal/tasks/settle-purchase`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
const taskToken = async (overrides: { audience?: string; serviceAccount?: string } = {}) =>
  mintDevTaskToken(await ensureDevKeys(path.join(dataDir, 'auth')), {
    audience: overrides.audience ?? `${stack.url}/internal/tasks/settle-purchase`,
    serviceAccount: overrides.serviceAccount ?? `tasks@${projectId}.iam.gserviceaccount.com`,
  });

describe('purchase follow-up task', () => {
  it('settles an unknown outcome without anyone retrying, and never buys twice', async () => {
    const phoneNumber = await firstAvailable('720');
    stack.twilio!.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 500, afterEffect: true });
    stack.twilio!.injectFault({ method: 'GET', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 503, times: 3 });
    const res = await member.post('/v1/numbers', { provider: 'twilio', phoneNumber }, { headers: { 'idempotency-key': 'followup-1' } });
    const error = expectEnvelope(res, 502, 'PROVIDER_ERROR');
    const id = error.details!.numberId as string;
    expect((await member.get<PhoneNumber>(`/v1/numbers/${id}`)).body.status).toBe('pending');

    const settled = await waitFor(async () => {
      const number = (await member.get<PhoneNumber>(`/v1/numbers/${id}`)).body;
      return number.status === 'pending' ? undefined : number;
    });
    expect(settled).toMatchObject({ status: 'active', phoneNumber });
    expect(stack.twilio!.purchaseCounts()[phoneNumber]).toBe(1);
  });

  it('activates a number a crashed request bought, and errors one it never bought', async () => {
    const bought = await firstAvailable('404');
    stack.twilio!.seedOwned(SANDBOX_ACCOUNTS.twilio.accountSid, bought); // the provider did sell it
    const boughtRecord = await leftPending(bought);
    const neverBought = await leftPending(await firstAvailable('305'));

    const token = await taskToken();
    // Delivered from the provider's queue (as handed off by a follow-up): it may ask the provider.
    const first = await settle({ tenantId: 'carrier-1', numberId: boughtRecord.id, atProvider: true }, token);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ outcome: 'activated' });
    const second = await settle({ tenantId: 'carrier-1', numberId: neverBought.id, atProvider: true }, token);
    expect(await second.json()).toEqual({ outcome: 'not_bought' });
    const again = await settle({ tenantId: 'carrier-1', numberId: boughtRecord.id }, token);
    expect(await again.json()).toEqual({ outcome: 'already_settled' }); // redelivery is harmless

    expect((await member.get<PhoneNumber>(`/v1/numbers/${boughtRecord.id}`)).body).toMatchObject({ status: 'active', providerNumberId: expect.stringMatching(/^PN/) });
    const failed = (await member.get(`/v1/numbers/${neverBought.id}`)).body;
    expect(failed).toMatchObject({ status: 'error', statusReason: expect.stringMatching(/did not complete/) });
    // The claim went with the failed attempt: the number can be bought again.
    expect((await member.post('/v1/numbers', { provider: 'twilio', phoneNumber: neverBought.phoneNumber })).status).toBe(201);
  });

  it('asks the provider only from the provider’s queue, and keeps trying from the follow-up queue when it cannot answer', async () => {
    const bought = await firstAvailable('512');
    stack.twilio!.seedOwned(SANDBOX_ACCOUNTS.twilio.accountSid, bought);
    const record = await leftPending(bought);
    const token = await taskToken();
    const none = { dispatched: 0, retried: 0, deduplicated: 0 };
    const stats = () => ({ provider: stack.tasks.stats()['provider-twilio'] ?? none, followups: stack.tasks.stats()['followups'] ?? none });
    const before = { ...stats().provider, followups: stats().followups.dispatched };
    const lookUps = () => stack.twilio!.requestLog().filter((r) => r.method === 'GET' && r.path.endsWith('/IncomingPhoneNumbers.json')).length;
    const lookUpsBefore = lookUps();
    // The provider cannot answer the first look-ups (its queue's own retries are not what is relied on).
    stack.twilio!.injectFault({ method: 'GET', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 503, times: 4 });

    const res = await settle({ tenantId: 'carrier-1', numberId: record.id }, token);
    expect(await res.json()).toEqual({ outcome: 'handed_off' }); // no provider call from the follow-up queue
    expect(lookUps()).toBe(lookUpsBefore);
    const again = await settle({ tenantId: 'carrier-1', numberId: record.id }, token);
    expect(await again.json()).toEqual({ outcome: 'handed_off' });
    expect(stats().provider.deduplicated - before.deduplicated).toBe(1); // a redelivery hands off the same task once

    const settled = await waitFor(async () => {
      const number = (await member.get<PhoneNumber>(`/v1/numbers/${record.id}`)).body;
      return number.status === 'pending' ? undefined : number;
    });
    expect(settled).toMatchObject({ status: 'active', phoneNumber: bought });
    // Every look-up went out from the provider's queue: the first, failed one, then the retry the
    // follow-up queue scheduled and handed back (not a retry of the provider queue's own).
    expect(stats().provider.dispatched - before.dispatched).toBeGreaterThanOrEqual(2);
    expect(stats().provider.retried - before.retried).toBe(0);
    expect(stats().followups.dispatched - before.followups).toBeGreaterThanOrEqual(1);
    expect(lookUps() - lookUpsBefore).toBeGreaterThanOrEqual(2);
  });

  it('a provider-queue delivery that finds a newer attempt in flight leaves the settling to that attempt’s follow-up', async () => {
    const bought = await firstAvailable('206');
    stack.twilio!.seedOwned(SANDBOX_ACCOUNTS.twilio.accountSid, bought);
    // Attempt 2 resumed the purchase after attempt 1's follow-up was handed off; its lease runs 6 more
    // seconds (room for the set-up's round trips on a loaded machine).
    const record = await leftPending(bought, { leaseUntil: new Date(Date.now() + 6000).toISOString(), attempts: 2, outcome: 'in_flight' });
    const res = await settle({ tenantId: 'carrier-1', numberId: record.id, atProvider: true, key: 'a1' }, await taskToken());
    expect(await res.json()).toEqual({ outcome: 'retry_scheduled' });
    expect((await member.get<PhoneNumber>(`/v1/numbers/${record.id}`)).body.status).toBe('pending'); // nothing decided under a live lease
    // Attempt 2's follow-up (made sure of by that delivery) settles it once the lease is over.
    const settled = await waitFor(async () => {
      const number = (await member.get<PhoneNumber>(`/v1/numbers/${record.id}`)).body;
      return number.status === 'pending' ? undefined : number;
    });
    expect(settled).toMatchObject({ status: 'active', phoneNumber: bought });
  });

  it('accepts only tokens of the tasks service account addressed to it', async () => {
    const body = { tenantId: 'carrier-1', numberId: 'num_00000000000000000000' };
    expect((await settle(body)).status).toBe(401);
    const userToken = await mintDevToken(await ensureDevKeys(path.join(dataDir, 'auth')), { projectId, tenantId: 'carrier-1', role: 'admin' });
    expect((await settle(body, userToken)).status).toBe(401);
    expect((await settle(body, await taskToken({ audience: 'https://elsewhere.example.com/x' }))).status).toBe(401);
    expect((await settle(body, await taskToken({ serviceAccount: 'intruder@evil.iam.gserviceaccount.com' }))).status).toBe(403);
    expect((await settle({ tenantId: '../x', numberId: 'num_1' }, await taskToken())).status).toBe(400);
  });
});
