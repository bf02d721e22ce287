import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { CUSTOMER_SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import type { AvailableNumbers, Page, PhoneNumber } from '../helpers/api-types.js';

// Per-tenant spend guards, enforced in the same transactions as the purchases they count.
const projectId = 'demo-spend-guards';
let stack: Stack;

beforeAll(async () => {
  stack = await startTestStack(projectId, { LIMIT_REQUESTS_PER_MINUTE: '100000' });
  const db = testFirestore(projectId);
  await db.doc('tenants/frugal').set({ id: 'frugal', limits: { purchasesPerDay: 3, numbersHeld: 2, bulkJobItems: 5 } });
  await db.doc('tenants/racy').set({ id: 'racy', limits: { numbersHeld: 3 } });
  await db.doc('tenants/chatty').set({ id: 'chatty', limits: { requestsPerMinute: 20 } });
  await db.doc('tenants/voicey').set({ id: 'voicey', limits: { purchasesPerDay: 1, numbersHeld: 2, freeVapiNumbers: 1 } });
});
afterAll(async () => {
  await stack?.stop();
});

const client = async (tenant: string, role: 'admin' | 'member' = 'admin') => apiClient(stack.url, await stack.token(tenant, role, `${tenant}-${role}`));
const numbers = async (api: ApiClient, areaCode: string, count: number) =>
  (await api.get<AvailableNumbers>(`/v1/numbers/available?provider=twilio&areaCode=${areaCode}&limit=${count}`)).body.data.map((n) => n.phoneNumber);

describe('spend guards', () => {
  it('caps numbers held (402) and purchases per day (429 with Retry-After)', async () => {
    const api = await client('frugal');
    const [a, b, c, d, e] = await numbers(api, '415', 5);
    const first = await api.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: a });
    expect(first.status).toBe(201);
    expect((await api.post('/v1/numbers', { provider: 'twilio', phoneNumber: b })).status).toBe(201);
    const held = expectEnvelope(await api.post('/v1/numbers', { provider: 'twilio', phoneNumber: c }), 402, 'PAYMENT_REQUIRED');
    expect(held.details).toMatchObject({ limit: 'numbersHeld', max: 2 });

    await api.delete(`/v1/numbers/${first.body.id}`); // frees a slot
    expect((await api.post('/v1/numbers', { provider: 'twilio', phoneNumber: c })).status).toBe(201); // 3rd purchase today
    const second = (await api.get<Page<PhoneNumber>>('/v1/numbers?status=active')).body.data[0];
    await api.delete(`/v1/numbers/${second!.id}`);
    const daily = await api.post('/v1/numbers', { provider: 'twilio', phoneNumber: d });
    expect(expectEnvelope(daily, 429, 'RATE_LIMITED').details).toMatchObject({ limit: 'purchasesPerDay', max: 3, used: 3 });
    expect(Number(daily.headers.get('retry-after'))).toBeGreaterThan(0);
    // A refused provider purchase does not use up the day.
    void e;
  });

  it('lets no race exceed the limit: 8 concurrent purchases, 3 slots', async () => {
    const api = await client('racy');
    const candidates = await numbers(api, '212', 8);
    // Eight transactions on one usage document may outlast the emulator's lock timeout: the API then
    // answers 503 (retryable), and a client tries again, as this one does.
    const buy = async (phoneNumber: string) => {
      for (let attempt = 1; ; attempt++) {
        const answer = await api.post('/v1/numbers', { provider: 'twilio', phoneNumber });
        if (answer.status !== 503 || attempt === 5) return answer;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    };
    const answers = await Promise.all(candidates.map(buy));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s !== 201).every((s) => s === 402 || s === 409)).toBe(true);
    expect((await api.get<Page<PhoneNumber>>('/v1/numbers?limit=100')).body.data.filter((n: { status: string }) => n.status === 'active')).toHaveLength(3);
  });

  it('caps bulk job size and reserves a job’s purchases up front, returning what it did not use', async () => {
    const api = await client('frugal');
    const six = (await numbers(api, '312', 6)).map((phoneNumber) => ({ phoneNumber }));
    const tooBig = await api.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: six });
    expect(expectEnvelope(tooBig, 402, 'PAYMENT_REQUIRED').details).toMatchObject({ limit: 'bulkJobItems', max: 5 });
    const tooMany = await api.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: six.slice(0, 2) });
    expect(tooMany.status).toBe(429); // the day's 3 purchases are used
    const usage = (await testFirestore(projectId).doc('tenants/frugal/usage/counters').get()).data();
    expect(usage?.heldNumbers).toBe(1);
  });

  it('limits requests per minute per caller (429 with Retry-After)', async () => {
    const api = await client('chatty', 'member');
    const answers: number[] = [];
    for (let i = 0; i < 22; i++) answers.push((await api.get('/v1/numbers')).status);
    expect(answers.slice(0, 20).every((s) => s === 200)).toBe(true);
    const limited = await api.get('/v1/numbers');
    expect(expectEnvelope(limited, 429, 'RATE_LIMITED').details).toMatchObject({ limit: 'requestsPerMinute', max: 20 });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another caller of the same tenant has its own allowance.
    expect((await (await client('chatty', 'admin')).get('/v1/numbers')).status).toBe(200);
  });

  it('counts Vapi numbers: imports against numbers held, free numbers against purchases, held numbers and a free-number cap', async () => {
    const api = await client('voicey');
    const usage = async () => (await testFirestore(projectId).doc('tenants/voicey/usage/counters').get()).data();
    // The tenant's own Twilio account (the sandbox's customer account), which holds the numbers it imports.
    const twilioSource = (number: string) => ({ type: 'twilio', number, twilioAccountSid: CUSTOMER_SANDBOX_ACCOUNTS.twilio.accountSid, twilioAuthToken: CUSTOMER_SANDBOX_ACCOUNTS.twilio.authToken });
    for (const n of ['+14155550171', '+14155550172']) stack.sandboxes.twilio!.seedOwned(CUSTOMER_SANDBOX_ACCOUNTS.twilio.accountSid, n);
    const imported = await api.post('/v1/numbers', { provider: 'vapi', source: twilioSource('+14155550171') });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect(await usage()).toMatchObject({ heldNumbers: 1 });

    const free = await api.post<PhoneNumber>('/v1/numbers', { provider: 'vapi', source: { type: 'vapi', numberDesiredAreaCode: '415' } });
    expect(free.status, JSON.stringify(free.body)).toBe(201);
    expect(await usage()).toMatchObject({ heldNumbers: 2, freeVapiNumbers: 1 });

    const vapiBefore = stack.sandboxes.vapi!.counts().phoneNumbersCreated;
    const secondFree = await api.post('/v1/numbers', { provider: 'vapi', source: { type: 'vapi', numberDesiredAreaCode: '415' } });
    expect(expectEnvelope(secondFree, 402, 'PAYMENT_REQUIRED').details).toMatchObject({ limit: 'freeVapiNumbers', max: 1 });
    expect(stack.sandboxes.vapi!.counts().phoneNumbersCreated).toBe(vapiBefore); // refused before Vapi was asked
    const thirdHeld = await api.post('/v1/numbers', { provider: 'vapi', source: twilioSource('+14155550172') });
    expect(expectEnvelope(thirdHeld, 402, 'PAYMENT_REQUIRED').details).toMatchObject({ limit: 'numbersHeld', max: 2 });

    // Releasing the free number frees its slots (today's purchase stays counted).
    expect((await api.delete(`/v1/numbers/${free.body.id}`)).status).toBe(200);
    expect(await usage()).toMatchObject({ heldNumbers: 1, freeVapiNumbers: 0 });
    const again = await api.post('/v1/numbers', { provider: 'vapi', source: { type: 'vapi', numberDesiredAreaCode: '415' } });
    expect(expectEnvelope(again, 429, 'RATE_LIMITED').details).toMatchObject({ limit: 'purchasesPerDay', max: 1 });
  });

  it('refuses a Vapi import of a number another tenant holds at its provider', async () => {
    const owner = await client('vapi-owner');
    const [x] = await numbers(owner, '646', 1);
    expect((await owner.post('/v1/numbers', { provider: 'twilio', phoneNumber: x })).status).toBe(201);
    const intruder = await client('vapi-intruder');
    const res = await intruder.post('/v1/numbers', {
      provider: 'vapi',
      source: { type: 'twilio', number: x, twilioAccountSid: CUSTOMER_SANDBOX_ACCOUNTS.twilio.accountSid, twilioAuthToken: CUSTOMER_SANDBOX_ACCOUNTS.twilio.authToken },
    });
    expect(expectEnvelope(res, 409, 'CONFLICT').details).toMatchObject({ reason: 'not_available' });
  });
});
