import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import { CUSTOMER_SANDBOX_ACCOUNTS as CUSTOMER, type Stack } from '../../scripts/local/stack.js';
import type { Page, PhoneNumber, VapiCredential } from '../helpers/api-types.js';

// Issue 16 (VoxReach): credentials on their own (the Add Phone Number screen's step 2) and reused by
// imports; one name rule; imports checked by Vapi against the tenant's own provider account.
let stack: Stack;
let voice: ApiClient;
let admin: ApiClient;
let other: ApiClient;

beforeAll(async () => {
  stack = await startTestStack('demo-vapi-credentials');
  voice = apiClient(stack.url, await stack.token('voxreach', 'member', 'dev'));
  admin = apiClient(stack.url, await stack.token('voxreach', 'admin', 'lead'));
  other = apiClient(stack.url, await stack.token('voxreach-rival', 'member', 'x'));
  const { twilio, vonage, telnyx } = stack.sandboxes;
  for (const n of ['+14155550201', '+14155550202', '+14155550203']) twilio!.seedOwned(CUSTOMER.twilio.accountSid, n);
  for (const n of ['+447911100201', '+447911100202', '+447911100203', '+447911100204']) vonage!.seedOwned(CUSTOMER.vonage.apiKey, n);
  for (const n of ['+13125550201', '+13125550202']) telnyx!.seedOwned(n, CUSTOMER.telnyx.apiKey);
});
afterAll(async () => {
  await stack?.stop();
});

const vapi = () => stack.sandboxes.vapi!;
const importNumber = (client: ApiClient, source: Record<string, unknown>, extra: Record<string, unknown> = {}) => client.post<PhoneNumber>('/v1/numbers', { provider: 'vapi', source, ...extra });
const vonageSource = (number: string) => ({ type: 'vonage', number, apiKey: CUSTOMER.vonage.apiKey, apiSecret: CUSTOMER.vonage.apiSecret });

describe('POST /v1/vapi/credentials, then imports that name it', () => {
  let vonageId: string;

  it('creates a Vonage credential on its own, verified with Vonage, with a label', async () => {
    const before = vapi().counts();
    const res = await voice.post<VapiCredential>('/v1/vapi/credentials', { provider: 'vonage', apiKey: CUSTOMER.vonage.apiKey, apiSecret: CUSTOMER.vonage.apiSecret, label: 'Acme Vonage' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ provider: 'vonage', label: 'Acme Vonage', verifiedAt: expect.any(String), numbers: [] });
    expect(res.body.id).toMatch(/^vcr_[a-f0-9]{16}$/);
    expect(JSON.stringify(res.body)).not.toContain(CUSTOMER.vonage.apiSecret);
    expect(vapi().counts().credentialsCreated - before.credentialsCreated).toBe(1);
    vonageId = res.body.id;
  });

  it('imports numbers with source.credentialId and no new credential at Vapi; the listing shows which numbers use it', async () => {
    const before = vapi().counts();
    for (const number of ['+447911100201', '+447911100202']) {
      const res = await importNumber(voice, { type: 'vonage', number, credentialId: vonageId });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.vapi).toMatchObject({ source: 'vonage', credentialId: vonageId });
    }
    expect(vapi().counts().credentialsCreated).toBe(before.credentialsCreated);
    const listed = (await voice.get<Page<VapiCredential>>('/v1/vapi/credentials')).body.data.find((c: { id: string }) => c.id === vonageId);
    expect(listed!.numbers!.map((n: { phoneNumber: string }) => n.phoneNumber).sort()).toEqual(['+447911100201', '+447911100202']);
    expectEnvelope(await admin.delete(`/v1/vapi/credentials/${vonageId}`), 409, 'CONFLICT');
  });

  it('refuses credentials Vonage or Telnyx reject, naming the fields, with nothing created at Vapi', async () => {
    const before = vapi().counts();
    const vonage = expectEnvelope(await voice.post('/v1/vapi/credentials', { provider: 'vonage', apiKey: CUSTOMER.vonage.apiKey, apiSecret: 'not-the-secret' }), 400, 'VALIDATION_ERROR');
    expect(vonage.details!.issues!.map((i: { path: string }) => i.path)).toEqual(['body.apiKey', 'body.apiSecret']);
    const telnyx = expectEnvelope(await voice.post('/v1/vapi/credentials', { provider: 'telnyx', apiKey: 'KEY' + 'Z'.repeat(30) }), 400, 'VALIDATION_ERROR');
    expect(telnyx.details!.issues!.map((i: { path: string }) => i.path)).toEqual(['body.apiKey']);
    const inline = expectEnvelope(await importNumber(voice, { type: 'telnyx', number: '+13125550202', apiKey: 'KEY' + 'Z'.repeat(30) }), 400, 'VALIDATION_ERROR');
    expect(inline.details!.issues!.map((i: { path: string }) => i.path)).toEqual(['body.source.apiKey']);
    expect(vapi().counts().credentialsCreated).toBe(before.credentialsCreated);
  });

  it('creates a SIP trunk credential (nothing can verify it) and refuses bad input', async () => {
    const res = await voice.post<VapiCredential>('/v1/vapi/credentials', { provider: 'byo-sip-trunk', gateways: [{ ip: '203.0.113.40' }], authUsername: 'pbx', authPassword: 'trunk-secret-1', label: 'PBX' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.verifiedAt).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain('trunk-secret-1');
    const byo = await importNumber(voice, { type: 'byo-sip-trunk', number: '+16175550240', credentialId: res.body.id });
    expect(byo.status, JSON.stringify(byo.body)).toBe(201);
    expectEnvelope(await voice.post('/v1/vapi/credentials', { provider: 'twilio', accountSid: CUSTOMER.twilio.accountSid }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await voice.post('/v1/vapi/credentials', { provider: 'byo-sip-trunk', gateways: [{ ip: '10.0.0.1' }] }), 400, 'VALIDATION_ERROR');
  });

  it('checks the credentialId: the tenant’s own, of the source’s provider, and not with inline credentials', async () => {
    const before = vapi().counts();
    const foreign = expectEnvelope(await importNumber(other, { type: 'vonage', number: '+447911100203', credentialId: vonageId }), 404, 'NOT_FOUND');
    expect(foreign.details!.issues![0]!.path).toBe('body.source.credentialId');
    const kind = expectEnvelope(await importNumber(voice, { type: 'telnyx', number: '+13125550202', credentialId: vonageId }), 400, 'VALIDATION_ERROR');
    expect(kind.message).toMatch(/vonage credential/);
    const both = expectEnvelope(await importNumber(voice, { ...vonageSource('+447911100203'), credentialId: vonageId }), 400, 'VALIDATION_ERROR');
    expect(both.details!.issues!.map((i: { path: string }) => i.path)).toContain('body.source.apiKey');
    expectEnvelope(await importNumber(voice, { type: 'vonage', number: '+447911100203' }), 400, 'VALIDATION_ERROR');
    expect(vapi().counts().phoneNumbersCreated).toBe(before.phoneNumbersCreated);
    // The number of a refused import is free again.
    expect((await importNumber(voice, { type: 'vonage', number: '+447911100203', credentialId: vonageId })).status).toBe(201);
  });
});

describe('inline credentials are reused', () => {
  it('a second import with the same Telnyx key uses the first one’s credential (one credential at Vapi)', async () => {
    const before = vapi().counts();
    const source = (number: string) => ({ type: 'telnyx', number, apiKey: CUSTOMER.telnyx.apiKey });
    const first = await importNumber(voice, source('+13125550201'), { credentialLabel: 'Telnyx main' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const second = await importNumber(voice, source('+13125550202'));
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.vapi!.credentialId).toBe(first.body.vapi!.credentialId);
    expect(vapi().counts().credentialsCreated - before.credentialsCreated).toBe(1);
  });

  it('inline Vonage credentials equal to a created one reuse it; another tenant’s equal credentials do not', async () => {
    const before = vapi().counts();
    const mine = await importNumber(voice, vonageSource('+447911100204'));
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    const credentials = (await voice.get<Page<VapiCredential>>('/v1/vapi/credentials')).body.data.filter((c: { provider: string }) => c.provider === 'vonage');
    expect(credentials).toHaveLength(1);
    expect(mine.body.vapi!.credentialId).toBe(credentials[0]!.id);
    expect(vapi().counts().credentialsCreated).toBe(before.credentialsCreated);
    const theirs = await other.post<VapiCredential>('/v1/vapi/credentials', { provider: 'vonage', apiKey: CUSTOMER.vonage.apiKey, apiSecret: CUSTOMER.vonage.apiSecret });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(credentials[0]!.id);
  });
});

describe('one name rule: Vapi’s 40 characters', () => {
  it('refuses a 41+ character displayName on import and on PATCH with 400 naming the field; 40 is fine on both', async () => {
    const long = 'A'.repeat(48);
    const before = vapi().counts();
    const created = expectEnvelope(await importNumber(voice, { type: 'byo-sip-trunk', number: '+16175550250', gateways: [{ ip: '203.0.113.50' }] }, { displayName: long }), 400, 'VALIDATION_ERROR');
    expect(created.details!.issues![0]!.path).toBe('body.displayName');
    expect(vapi().counts().phoneNumbersCreated).toBe(before.phoneNumbersCreated);
    const ok = await importNumber(voice, { type: 'byo-sip-trunk', number: '+16175550250', gateways: [{ ip: '203.0.113.50' }] }, { displayName: 'B'.repeat(40) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.displayName).toBe('B'.repeat(40));
    const patched = expectEnvelope(await voice.patch(`/v1/numbers/${ok.body.id}`, { displayName: long }), 400, 'VALIDATION_ERROR');
    expect(patched.details!.issues![0]!.path).toBe('body.displayName');
    const renamed = await voice.patch<PhoneNumber>(`/v1/numbers/${ok.body.id}`, { displayName: 'C'.repeat(40) });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.displayName).toBe('C'.repeat(40));
    expectEnvelope(await voice.post('/v1/vapi/credentials', { provider: 'byo-sip-trunk', gateways: [{ ip: '203.0.113.51' }], label: long }), 400, 'VALIDATION_ERROR');
  });
});

describe('Vapi checks the tenant owns what it imports', () => {
  const twilioSource = (number: string, authToken = CUSTOMER.twilio.authToken) => ({ type: 'twilio', number, twilioAccountSid: CUSTOMER.twilio.accountSid, twilioAuthToken: authToken });

  it('wrong Twilio credentials: 400 with Vapi’s answer, nothing imported', async () => {
    const res = expectEnvelope(await importNumber(voice, twilioSource('+14155550201', '0'.repeat(32))), 400, 'VALIDATION_ERROR');
    expect(res.message).toMatch(/Couldn't validate Twilio credentials/);
    expect((await voice.get<Page<PhoneNumber>>('/v1/numbers?q=14155550201')).body.data).toEqual([]);
  });

  it('a number the Twilio account does not hold: 400, nothing imported', async () => {
    const res = expectEnvelope(await importNumber(voice, twilioSource('+14155550299')), 400, 'VALIDATION_ERROR');
    expect(res.message).toMatch(/not found in your Twilio account/);
  });

  it('a number outside the Vonage credential’s account: 400', async () => {
    const res = expectEnvelope(await importNumber(voice, vonageSource('+447911100299')), 400, 'VALIDATION_ERROR');
    expect(res.message).toMatch(/not found in your Vonage account/);
  });

  it('the right credentials and a number the account holds: 201', async () => {
    const res = await importNumber(voice, twilioSource('+14155550202'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ provider: 'vapi', status: 'active', phoneNumber: '+14155550202' });
  });
});
