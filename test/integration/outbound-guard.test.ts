import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import type { AvailableNumbers, Delivery, Page, PhoneNumber } from '../helpers/api-types.js';

// Issue 13, item 3: every URL a tenant gives us is held to one outbound policy — refused at input
// (400 naming the field) and again when the platform connects — and what the tenant is shown of a
// failed delivery is a coarse outcome, never the connection error's text (no internal port scanner).
const projectId = 'demo-outbound-guard';
let stack: Stack;
let member: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  stack = await startTestStack(projectId);
  member = apiClient(stack.url, await stack.token('shop', 'member', 'desk'));
  admin = apiClient(stack.url, await stack.token('shop', 'admin', 'lead'));
});
afterAll(async () => {
  await stack?.stop();
});

const refusedUrls = ['https://169.254.169.254/x', 'https://[::ffff:a9fe:a9fe]/', 'https://metadata/', 'https://localhost./', 'https://10.0.0.1:8443/', 'https://metadata.google.internal/computeMetadata/v1/'];

const expectFieldRefused = (res: Awaited<ReturnType<ApiClient['post']>>, field: string, url: string) => {
  const error = expectEnvelope(res, 400, 'VALIDATION_ERROR');
  expect(error.details?.issues, url).toEqual(expect.arrayContaining([expect.objectContaining({ path: `body.${field}`, message: expect.any(String) })]));
};

async function buyNumber(): Promise<{ id: string; phoneNumber: string }> {
  const [candidate] = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&limit=1&areaCode=415')).body.data;
  const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: candidate!.phoneNumber });
  expect(bought.status, JSON.stringify(bought.body)).toBe(201);
  return bought.body;
}

describe('tenant URLs at input time', () => {
  it('refuses private, metadata, mapped-IPv6, single-label and trailing-dot webhook URLs on purchase and update, naming the field', async () => {
    const number = await buyNumber();
    const [candidate] = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&limit=1&areaCode=212')).body.data;
    for (const webhookUrl of refusedUrls) {
      expectFieldRefused(await member.patch(`/v1/numbers/${number.id}`, { webhookUrl }), 'webhookUrl', webhookUrl);
      expectFieldRefused(await member.post('/v1/numbers', { provider: 'twilio', phoneNumber: candidate!.phoneNumber, webhookUrl }), 'webhookUrl', webhookUrl);
    }
    const stored = (await testFirestore(projectId).doc(`tenants/shop/numbers/${number.id}`).get()).data();
    expect(stored?.webhookUrl).toBeUndefined();
    expect((await member.get<Page<PhoneNumber>>(`/v1/numbers?phoneNumber=${encodeURIComponent(candidate!.phoneNumber)}`)).body.data ?? []).toHaveLength(0);
    // A public one is still taken.
    const ok = await member.patch(`/v1/numbers/${number.id}`, { webhookUrl: 'https://hooks.example.com/sms' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('refuses them as a job callbackUrl and as a toll-free SMS webhookUrl', async () => {
    for (const url of refusedUrls) {
      expectFieldRefused(await member.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber: '+14155550100' }], callbackUrl: url }), 'callbackUrl', url);
      expectFieldRefused(await admin.post('/v1/tollfree/8885550100/sms', { sms: true, mms: false, webhookUrl: url }), 'webhookUrl', url);
    }
  });
});

describe('delivery records', () => {
  it('show a coarse outcome per attempt, never the connection error', async () => {
    const number = await buyNumber();
    // A closed port on loopback (which the test stack may call): the relay's connection is refused.
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const db = testFirestore(projectId);
    await db.doc(`tenants/shop/numbers/${number.id}`).update({ webhookUrl: `http://127.0.0.1:${closedPort}/inbound`, status: 'active', smsEnabled: true });

    const url = `${stack.url}/webhooks/twilio/inbound`;
    const params = { AccountSid: SANDBOX_ACCOUNTS.twilio.accountSid, MessageSid: 'SM' + 'd'.repeat(32), From: '+14155550999', To: number.phoneNumber, Body: 'hello', NumMedia: '0' };
    const signature = twilio.getExpectedTwilioSignature(SANDBOX_ACCOUNTS.twilio.authToken, url, params);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
    expect(res.status).toBe(200);

    // A stored URL from before today's rules (written around the API): refused when the relay connects.
    const legacy = await buyNumber();
    await db.doc(`tenants/shop/numbers/${legacy.id}`).update({ webhookUrl: 'https://169.254.169.254/computeMetadata/v1/', status: 'active', smsEnabled: true });
    const legacyParams = { ...params, MessageSid: 'SM' + 'e'.repeat(32), To: legacy.phoneNumber };
    const legacySignature = twilio.getExpectedTwilioSignature(SANDBOX_ACCOUNTS.twilio.authToken, url, legacyParams);
    const legacyRes = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': legacySignature }, body: new URLSearchParams(legacyParams).toString() });
    expect(legacyRes.status).toBe(200);

    const firstAttempt = async (numberId: string) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const [delivery] = (await member.get<Page<Delivery>>(`/v1/deliveries?numberId=${numberId}`)).body.data ?? [];
        if (delivery?.attempts?.length) return delivery;
        if (Date.now() > deadline) throw new Error(`no delivery attempt for ${numberId}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const failed = await firstAttempt(number.id);
    expect(failed.status).toBe('failing');
    expect(failed.attempts[0]).toEqual({ at: expect.any(String), status: 0, outcome: 'connect_failed' });
    const refused = await firstAttempt(legacy.id);
    expect(refused.attempts[0]).toEqual({ at: expect.any(String), status: 0, outcome: 'refused_address' });
    for (const attempts of [failed.attempts, refused.attempts]) {
      expect(Object.keys(attempts[0]!).sort()).toEqual(['at', 'outcome', 'status']);
      expect(JSON.stringify(attempts)).not.toMatch(/ECONNREFUSED|connect ECONN|127\.0\.0\.1|169\.254|"error"/i);
    }
    // What is stored is what is shown: no raw error text in Firestore either.
    const stored = (await db.doc(`tenants/shop/deliveries/${failed.id}`).get()).data();
    expect(stored?.attempts?.[0]).not.toHaveProperty('error');
  });

  it('shows older records, which carried the raw error text, with a coarse outcome only', async () => {
    const db = testFirestore(projectId);
    const now = new Date().toISOString();
    const id = 'dlv_' + 'f'.repeat(20);
    await db.doc(`tenants/shop/deliveries/${id}`).set({
      id,
      tenantId: 'shop',
      numberId: 'num_' + '0'.repeat(20),
      webhookUrl: 'https://hooks.example.com/x',
      message: { id: 'msg_1', provider: 'twilio', providerMessageId: 'SM1', type: 'sms', from: '+14155550999', to: '+14155550100', text: 'x', media: [], receivedAt: now, numberId: 'num_' + '0'.repeat(20) },
      status: 'failing',
      attempts: [
        { at: now, status: 0, error: 'connect ECONNREFUSED 10.0.0.1:8443' },
        { at: now, status: 502, error: 'ignored' },
      ],
      createdAt: now,
    });
    const [shown] = (await member.get<Page<Delivery>>(`/v1/deliveries?numberId=${'num_' + '0'.repeat(20)}`)).body.data;
    expect(shown!.attempts).toEqual([
      { at: now, status: 0, outcome: 'failed' },
      { at: now, status: 502, outcome: 'http_5xx' },
    ]);
  });
});
