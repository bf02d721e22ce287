import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import { CUSTOMER_SANDBOX_ACCOUNTS as CUSTOMER, type Stack } from '../../scripts/local/stack.js';
import { setLogSink } from '../../shared/log.js';
import type { AvailableNumbers, Finding, Page, PhoneNumber, VapiCredential } from '../helpers/api-types.js';

// Issue 6: tenants bring their own numbers (Twilio, Vonage, Telnyx, their SIP trunk) into the
// platform's Vapi org, attach assistants, and never see the operator's own Vapi numbers.
let stack: Stack;
let voice: ApiClient;
let voiceAdmin: ApiClient;
let other: ApiClient;
const logs: string[] = [];
let restoreLogs: () => void;

// The tenant's own accounts: the sandboxes' customer accounts, which hold the numbers imported below
// (Vapi — and its sandbox — checks both with the provider).
const TWILIO_SID = CUSTOMER.twilio.accountSid;
const TWILIO_TOKEN = CUSTOMER.twilio.authToken;
const VONAGE_KEY = CUSTOMER.vonage.apiKey;
const VONAGE_SECRET = CUSTOMER.vonage.apiSecret;
const TELNYX_KEY = CUSTOMER.telnyx.apiKey;
const SIP_PASSWORD = 'trunk-password-s3cret';
const ASSISTANT = '3f1d6b2e-8c4a-4b5e-9f0a-1c2d3e4f5a6b';

beforeAll(async () => {
  restoreLogs = setLogSink((line) => logs.push(line));
  stack = await startTestStack('demo-vapi-flow');
  voice = apiClient(stack.url, await stack.token('voice-ai', 'member', 'dev'));
  voiceAdmin = apiClient(stack.url, await stack.token('voice-ai', 'admin', 'lead'));
  other = apiClient(stack.url, await stack.token('another-tenant', 'member', 'x'));
  stack.sandboxes.twilio!.seedOwned(TWILIO_SID, '+14155550101');
  for (const n of ['+447911100101', '+447911100199']) stack.sandboxes.vonage!.seedOwned(VONAGE_KEY, n);
  stack.sandboxes.telnyx!.seedOwned('+13125550101', TELNYX_KEY);
});
afterAll(async () => {
  restoreLogs?.();
  await stack?.stop();
});

const vapiSandbox = () => stack.sandboxes.vapi!;
const importNumber = (client: ApiClient, source: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  client.post<PhoneNumber>('/v1/numbers', { provider: 'vapi', source, ...extra });
const responses: unknown[] = [];

describe('imports from every source', () => {
  it.each([
    ['twilio', { type: 'twilio', number: '+14155550101', twilioAccountSid: TWILIO_SID, twilioAuthToken: TWILIO_TOKEN }, false],
    ['vonage', { type: 'vonage', number: '+447911100101', apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET }, true],
    ['telnyx', { type: 'telnyx', number: '+13125550101', apiKey: TELNYX_KEY }, true],
    ['byo-sip-trunk', { type: 'byo-sip-trunk', number: '+16175550101', gateways: [{ ip: '203.0.113.10' }], authUsername: 'trunk', authPassword: SIP_PASSWORD }, true],
    ['byo-sip-trunk, no E.164 check', { type: 'byo-sip-trunk', number: 'frontdesk', numberE164CheckEnabled: false, gateways: [{ ip: '203.0.113.11', port: 5080 }] }, true],
  ])('imports a %s number', async (_name, source, makesCredential) => {
    const before = vapiSandbox().counts();
    const res = await importNumber(voice, source, { displayName: 'Agent line' });
    responses.push(res.body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ provider: 'vapi', status: 'active', vapi: { source: (source as { type: string }).type } });
    expect(res.body.providerNumberId).toMatch(/^[0-9a-f-]{36}$/);
    const after = vapiSandbox().counts();
    expect(after.phoneNumbersCreated - before.phoneNumbersCreated).toBe(1);
    expect(after.credentialsCreated - before.credentialsCreated).toBe(makesCredential ? 1 : 0);
  });

  it('gives out free Vapi numbers when the platform allows it', async () => {
    const res = await importNumber(voice, { type: 'vapi', numberDesiredAreaCode: '415' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.phoneNumber).toMatch(/^\+1/);
  });

  it('lists the tenant’s Vapi credentials without any secret, each with the numbers using it', async () => {
    const list = await voice.get<Page<VapiCredential>>('/v1/vapi/credentials');
    expect(list.body.data.map((c: { provider: string }) => c.provider).sort()).toEqual(['byo-sip-trunk', 'byo-sip-trunk', 'telnyx', 'vonage']);
    const vonage = list.body.data.find((c: { provider: string }) => c.provider === 'vonage');
    expect(vonage!.numbers).toEqual([expect.objectContaining({ phoneNumber: '+447911100101', status: 'active' })]);
    expect(vonage!.verifiedAt).toEqual(expect.any(String));
    expect(JSON.stringify(list.body)).not.toContain('fingerprint');
    responses.push(list.body);
    expect((await other.get<Page<VapiCredential>>('/v1/vapi/credentials')).body.data).toEqual([]);
  });
});

describe('bad input and failures', () => {
  it.each([
    ['a hostname on an inbound gateway', { type: 'byo-sip-trunk', number: '+16175550102', gateways: [{ ip: 'sip.example.com' }] }],
    ['a private gateway address', { type: 'byo-sip-trunk', number: '+16175550102', gateways: [{ ip: '10.0.0.5' }] }],
    ['a bad port', { type: 'byo-sip-trunk', number: '+16175550102', gateways: [{ ip: '203.0.113.12', port: 70000 }] }],
    ['a non-E.164 BYO number with the check on', { type: 'byo-sip-trunk', number: 'frontdesk', gateways: [{ ip: '203.0.113.12' }] }],
    ['a SIP URI', { type: 'byo-sip-trunk', number: '+16175550102', sipUri: 'sip:a@b.c', gateways: [{ ip: '203.0.113.12' }] }],
    ['Twilio without any secret', { type: 'twilio', number: '+14155550102', twilioAccountSid: TWILIO_SID }],
    ['an unknown source', { type: 'skype', number: '+14155550102' }],
  ])('refuses %s with 400', async (_name, source) => {
    expectEnvelope(await importNumber(voice, source), 400, 'VALIDATION_ERROR');
  });

  it('rolls the credential back when the number cannot be created, and says why', async () => {
    const before = vapiSandbox().counts();
    vapiSandbox().injectFault({ method: 'POST', pathPattern: '^/phone-number$', status: 400, message: 'number is not verified with the carrier' });
    const res = await importNumber(voice, { type: 'byo-sip-trunk', number: '+16175550199', gateways: [{ ip: '203.0.113.99' }] });
    const error = expectEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(error.message).toMatch(/not verified/);
    const after = vapiSandbox().counts();
    expect(after.credentialsCreated - before.credentialsCreated).toBe(1);
    expect(after.credentialsDeleted - before.credentialsDeleted).toBe(1); // no orphan
    expect((await voice.get<Page<VapiCredential>>('/v1/vapi/credentials')).body.data).toHaveLength(4);
    expect((await voice.get<Page<PhoneNumber>>('/v1/numbers?q=16175550199')).body.data).toEqual([]);
  });

  it('keeps a credential the import reused when the number cannot be created', async () => {
    const before = vapiSandbox().counts();
    vapiSandbox().injectFault({ method: 'POST', pathPattern: '^/phone-number$', status: 400, message: 'number is not verified with the carrier' });
    const res = await importNumber(voice, { type: 'vonage', number: '+447911100199', apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET });
    expect(expectEnvelope(res, 400, 'VALIDATION_ERROR').message).toMatch(/not verified/);
    const after = vapiSandbox().counts();
    expect(after.credentialsCreated - before.credentialsCreated).toBe(0); // the first Vonage import's credential, reused
    expect(after.credentialsDeleted - before.credentialsDeleted).toBe(0); // and kept: a number uses it
    expect((await voice.get<Page<VapiCredential>>('/v1/vapi/credentials')).body.data).toHaveLength(4);
  });

  it('imports a number once, for one tenant: another tenant cannot import it too', async () => {
    const source = { type: 'byo-sip-trunk', number: '+16175550150', gateways: [{ ip: '203.0.113.20' }] };
    expect((await importNumber(voice, source)).status).toBe(201);
    expectEnvelope(await importNumber(voice, source), 409, 'CONFLICT');
    const created = vapiSandbox().counts().phoneNumbersCreated;
    const theirs = await importNumber(other, { type: 'telnyx', number: '+16175550150', apiKey: TELNYX_KEY });
    expect(expectEnvelope(theirs, 409, 'CONFLICT').details).toMatchObject({ reason: 'not_available' });
    expect(vapiSandbox().counts().phoneNumbersCreated).toBe(created); // refused before Vapi was asked
  });
});

describe('configure, assign, release, isolate', () => {
  it('updates the assistant, name, server URL and fallback at Vapi', async () => {
    const number = (await voice.get<Page<PhoneNumber>>('/v1/numbers?provider=vapi&q=14155550101')).body.data[0];
    const res = await voice.patch<PhoneNumber>(`/v1/numbers/${number!.id}`, {
      assistantId: ASSISTANT,
      displayName: 'Booking line',
      serverUrl: 'https://agents.example.com/vapi',
      fallbackNumber: '+14155550199',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.vapi).toMatchObject({ assistantId: ASSISTANT, serverUrl: 'https://agents.example.com/vapi', fallbackNumber: '+14155550199' });
    const cleared = await voice.patch<PhoneNumber>(`/v1/numbers/${number!.id}`, { fallbackNumber: null });
    expect(cleared.body.vapi!.fallbackNumber).toBeUndefined();
    const twilioNumber = (await voice.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: (await voice.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&limit=1')).body.data[0]!.phoneNumber })).body;
    expectEnvelope(await voice.patch(`/v1/numbers/${twilioNumber.id}`, { assistantId: ASSISTANT }), 400, 'VALIDATION_ERROR');
  });

  it('puts an agent’s assistant on the Vapi numbers it uses', async () => {
    const number = (await voice.get<Page<PhoneNumber>>('/v1/numbers?provider=vapi&q=13125550101')).body.data[0];
    const agent = await voice.post('/v1/agents', { name: 'Receptionist', inboundPhone: number!.phoneNumber, assistantId: ASSISTANT });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    expect((await voice.get<PhoneNumber>(`/v1/numbers/${number!.id}`)).body.vapi!.assistantId).toBe(ASSISTANT);
    const atVapi = await fetch(`${vapiSandbox().url}/phone-number/${number!.providerNumberId}`, { headers: { authorization: 'Bearer vapi-sandbox-platform-key-0001' } }).then((r) => r.json() as Promise<{ assistantId?: string }>);
    expect(atVapi.assistantId).toBe(ASSISTANT);
  });

  it('releases at Vapi, and refuses to delete a credential a number still uses', async () => {
    const number = (await voice.get<Page<PhoneNumber>>('/v1/numbers?provider=vapi&q=447911100101')).body.data[0];
    const credentialId = number!.vapi!.credentialId as string;
    expectEnvelope(await voiceAdmin.delete(`/v1/vapi/credentials/${credentialId}`), 409, 'CONFLICT');
    const before = vapiSandbox().counts();
    const released = await voiceAdmin.delete<PhoneNumber>(`/v1/numbers/${number!.id}`);
    expect(released.body.status).toBe('released');
    expect(vapiSandbox().counts().phoneNumbersDeleted - before.phoneNumbersDeleted).toBe(1);
    const removed = await voiceAdmin.delete(`/v1/vapi/credentials/${credentialId}`);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(vapiSandbox().counts().credentialsDeleted - before.credentialsDeleted).toBe(1);
  });

  it('never shows a number created directly in the Vapi org to any tenant', async () => {
    const operator = vapiSandbox().seedPhoneNumber({ provider: 'vapi', number: '+14155550777', name: 'operator internal line' });
    for (const client of [voice, other]) {
      const all = (await client.get<Page<PhoneNumber>>('/v1/numbers?limit=100')).body.data;
      expect(all.map((n: { phoneNumber: string }) => n.phoneNumber)).not.toContain('+14155550777');
      expect(JSON.stringify(all)).not.toContain(operator.id);
    }
    // Reconciliation records it for the operator only, never as a tenant finding.
    const url = `${stack.url}/internal/scheduled/reconcile`;
    await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' }, body: '{}' });
    await stack.tasks.idle('reconcile');
    for (const client of [voiceAdmin, apiClient(stack.url, await stack.token('another-tenant', 'admin', 'y'))]) {
      const findings = (await client.get<Page<Finding>>('/v1/reconciliation/findings')).body.data;
      expect(JSON.stringify(findings)).not.toContain('+14155550777');
    }
  });

  it('keeps every tenant secret out of responses and logs', () => {
    const everything = JSON.stringify(responses) + logs.join('\n');
    for (const secret of [TWILIO_TOKEN, VONAGE_SECRET, TELNYX_KEY, SIP_PASSWORD]) expect(everything).not.toContain(secret);
  });
});
