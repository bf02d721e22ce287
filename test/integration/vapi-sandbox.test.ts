/**
 * The Vapi sandbox over HTTP, and the REAL Vapi client end-to-end against it for every source
 * (vapi, twilio, vonage, telnyx, byo-sip-trunk): validation 400s, delete idempotence, the
 * credential-then-number two-step failing half-way, reconciliation and secret hygiene. Like Vapi,
 * the sandbox checks imports against the providers: here the Twilio, Vonage and Telnyx sandboxes'
 * customer accounts (CUSTOMER_SANDBOX_ACCOUNTS) and the numbers seeded as theirs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createVapiClient, type VapiClient } from '../../shared/providers/vapi/client.js';
import { ProviderError } from '../../shared/providers/types.js';
import { startVapiSandbox, type VapiSandbox } from '../../scripts/sandboxes/vapi.js';
import { startTwilioSandbox, type TwilioSandbox } from '../../scripts/sandboxes/twilio.js';
import { startVonageSandbox, type VonageSandbox } from '../../scripts/sandboxes/vonage.js';
import { startTelnyxSandbox, type TelnyxSandbox } from '../../scripts/sandboxes/telnyx.js';
import { CUSTOMER_SANDBOX_ACCOUNTS as CUSTOMER } from '../../scripts/local/stack.js';

const KEY = 'vapi-test-key-a1b2c3d4e5f6';
const OTHER_KEY = 'vapi-test-key-other-99887766';
const TWILIO_SID = CUSTOMER.twilio.accountSid;
const TWILIO_TOKEN = CUSTOMER.twilio.authToken;
const VONAGE_KEY = CUSTOMER.vonage.apiKey;
const VONAGE_SECRET = CUSTOMER.vonage.apiSecret;
const TELNYX_KEY = CUSTOMER.telnyx.apiKey;
const SIP_PASSWORD = 'sip-password-7h6g5f4e';
const ASSISTANT = '5b7e2c1a-8d9f-4e3b-a6c5-0d1e2f3a4b5c';
const SECRETS = [TWILIO_TOKEN, VONAGE_SECRET, TELNYX_KEY, SIP_PASSWORD, KEY];

const logged: unknown[] = [];
const logger: Logger = {
  debug: (m, f) => logged.push([m, f]),
  info: (m, f) => logged.push([m, f]),
  warn: (m, f) => logged.push([m, f]),
  error: (m, f) => logged.push([m, f]),
  child: () => logger,
};

let sandbox: VapiSandbox;
let vapi: VapiClient;
let twilio: TwilioSandbox;
let vonage: VonageSandbox;
let telnyx: TelnyxSandbox;
/** Numbers the customer accounts hold at their providers (the only ones Vapi imports). */
const OWNED = { twilio: ['+14155550100', '+14155550101', '+14155550188'], vonage: ['+447911100123', '+447911100124'], telnyx: ['+13125550100'] };

const clientFor = (apiKey: string) => createVapiClient({ apiKey, baseUrl: sandbox.url, logger, http: { maxRetries: 2, sleep: async () => {} } });

/** Vapi's validation and auth errors (NestJS): the messages, the status text and code. */
interface VapiError {
  message: string | string[];
  error: string;
  statusCode: number;
}

/** One request to the sandbox, answered as Vapi would; `T` is what the test expects the JSON body to be. */
async function raw<T = unknown>(method: string, p: string, body?: unknown, key: string | null = KEY): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sandbox.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

beforeAll(async () => {
  twilio = await startTwilioSandbox({ accounts: [CUSTOMER.twilio] });
  vonage = await startVonageSandbox({ accounts: [CUSTOMER.vonage] });
  telnyx = await startTelnyxSandbox({ apiKeys: [CUSTOMER.telnyx.apiKey] });
  for (const n of OWNED.twilio) twilio.seedOwned(TWILIO_SID, n);
  for (const n of OWNED.vonage) vonage.seedOwned(VONAGE_KEY, n);
  for (const n of OWNED.telnyx) telnyx.seedOwned(n, TELNYX_KEY);
  sandbox = await startVapiSandbox({ apiKeys: [KEY, OTHER_KEY], providerAccounts: { twilio: twilio.lookup, vonage: vonage.lookup, telnyx: telnyx.lookup } });
  vapi = clientFor(KEY);
});
afterAll(async () => {
  await sandbox?.close();
  await Promise.all([twilio?.close(), vonage?.close(), telnyx?.close()]);
  // Whatever happened above, no tenant secret (nor our key) reached a log line.
  const all = JSON.stringify(logged);
  for (const s of SECRETS) expect(all).not.toContain(s);
});
beforeEach(() => sandbox.reset());

describe('end to end, per source', () => {
  it('vapi: a free number in an area code → get, list, assign, unassign, delete, delete again', async () => {
    const n = await vapi.createPhoneNumber({ provider: 'vapi', numberDesiredAreaCode: '415', name: 'Free line' });
    expect(n).toMatchObject({ provider: 'vapi', name: 'Free line', status: 'active' });
    expect(n.number).toMatch(/^\+1415\d{7}$/);
    expect(await vapi.getPhoneNumber(n.id)).toEqual(n);
    expect((await vapi.listPhoneNumbers()).map((x) => x.id)).toEqual([n.id]);

    const assigned = await vapi.updatePhoneNumber(n.id, { assistantId: ASSISTANT, serverUrl: 'https://hooks.example.com/vapi', fallbackNumber: '+14155550199', provider: 'vapi' });
    expect(assigned).toMatchObject({ assistantId: ASSISTANT, serverUrl: 'https://hooks.example.com/vapi', fallbackNumber: '+14155550199' });
    const cleared = await vapi.updatePhoneNumber(n.id, { assistantId: null, serverUrl: null, fallbackNumber: null });
    expect(cleared.assistantId).toBeUndefined();
    expect(cleared.serverUrl).toBeUndefined();
    expect(cleared.fallbackNumber).toBeUndefined();

    expect(await vapi.deletePhoneNumber(n.id)).toBe(true);
    expect(await vapi.deletePhoneNumber(n.id)).toBe(false);
    expect((await failure(vapi.getPhoneNumber(n.id))).info).toMatchObject({ httpStatus: 404, kind: 'not_found' });
    expect(sandbox.counts()).toMatchObject({ phoneNumbersCreated: 1, phoneNumbersDeleted: 1, phoneNumbers: 0 });
  });

  it('vapi: a SIP URI number', async () => {
    const n = await vapi.createPhoneNumber({ provider: 'vapi', sipUri: 'sip:Acme-Support@sip.vapi.ai' });
    expect(n).toMatchObject({ provider: 'vapi', sipUri: 'sip:acme-support@sip.vapi.ai' });
    expect(n.number).toBeUndefined();
    expect(await vapi.findPhoneNumber({ sipUri: 'sip:ACME-support@sip.vapi.ai' })).toMatchObject({ id: n.id });
  });

  it('twilio: imported with the account credentials, which never come back through our client', async () => {
    const n = await vapi.createPhoneNumber({ provider: 'twilio', number: '+14155550100', twilioAccountSid: TWILIO_SID, twilioAuthToken: TWILIO_TOKEN, smsEnabled: false, name: 'Main' });
    expect(n).toMatchObject({ provider: 'twilio', number: '+14155550100', twilioAccountSid: TWILIO_SID, name: 'Main' });
    // Vapi's TwilioPhoneNumber echoes the token (the sandbox does too) …
    expect((await raw<{ twilioAuthToken: string }>('GET', `/phone-number/${n.id}`)).body.twilioAuthToken).toBe(TWILIO_TOKEN);
    // … our normalized shape never carries it.
    expect(JSON.stringify([n, await vapi.getPhoneNumber(n.id), await vapi.listPhoneNumbers(), await vapi.listPhoneNumbersPage()])).not.toContain(TWILIO_TOKEN);
    expect(await vapi.deletePhoneNumber(n.id)).toBe(true);
  });

  it('vonage: credential, then number; delete number, then credential; both idempotent', async () => {
    const cred = await vapi.createCredential({ provider: 'vonage', apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET, name: 'Acme Vonage' });
    expect(cred).toMatchObject({ provider: 'vonage', name: 'Acme Vonage' });
    expect(JSON.stringify(await vapi.getCredential(cred.id))).not.toContain(VONAGE_SECRET);
    const n = await vapi.createPhoneNumber({ provider: 'vonage', number: '+447911100123', credentialId: cred.id });
    expect(n).toMatchObject({ provider: 'vonage', number: '+447911100123', credentialId: cred.id });
    expect(await vapi.deletePhoneNumber(n.id)).toBe(true);
    expect(await vapi.deleteCredential(cred.id)).toBe(true);
    expect(await vapi.deleteCredential(cred.id)).toBe(false);
    expect((await failure(vapi.getCredential(cred.id))).info.kind).toBe('not_found');
    expect(sandbox.counts()).toMatchObject({ credentialsCreated: 1, credentialsDeleted: 1, phoneNumbersCreated: 1, phoneNumbersDeleted: 1 });
  });

  it('telnyx: credential (GUESSED shape) then number', async () => {
    const cred = await vapi.createCredential({ provider: 'telnyx', apiKey: TELNYX_KEY });
    expect(cred.provider).toBe('telnyx');
    const n = await vapi.createPhoneNumber({ provider: 'telnyx', number: '+13125550100', credentialId: cred.id, assistantId: ASSISTANT });
    expect(n).toMatchObject({ provider: 'telnyx', credentialId: cred.id, assistantId: ASSISTANT });
    expect((await vapi.listCredentials()).map((c) => c.id)).toEqual([cred.id]);
  });

  it('byo-sip-trunk: trunk credential, then an E.164 number and a non-E.164 extension on it', async () => {
    const cred = await vapi.createCredential({
      provider: 'byo-sip-trunk',
      name: 'Acme PBX',
      gateways: [{ ip: '203.0.113.10', netmask: 30 }, { ip: 'sip.example.com', inboundEnabled: false }],
      authUsername: 'acme',
      authPassword: SIP_PASSWORD,
      outboundLeadingPlusEnabled: true,
    });
    expect(cred).toMatchObject({ provider: 'byo-sip-trunk', gateways: [{ ip: '203.0.113.10', netmask: 30 }, { ip: 'sip.example.com', inboundEnabled: false }] });
    expect(JSON.stringify(await raw('GET', `/credential/${cred.id}`))).not.toContain(SIP_PASSWORD);
    const e164 = await vapi.createPhoneNumber({ provider: 'byo-phone-number', number: '+14155550123', credentialId: cred.id });
    const ext = await vapi.createPhoneNumber({ provider: 'byo-phone-number', number: 'frontdesk01', credentialId: cred.id, numberE164CheckEnabled: false });
    expect(ext).toMatchObject({ provider: 'byo-phone-number', number: 'frontdesk01' });
    expect((await vapi.listPhoneNumbers()).map((x) => x.id).sort()).toEqual([e164.id, ext.id].sort());
    const renamed = await vapi.updatePhoneNumber(ext.id, { name: 'Front desk', provider: 'byo-phone-number' });
    expect(renamed.name).toBe('Front desk');
  });
});

describe('imports are checked with the providers, as Vapi does', () => {
  it('twilio: wrong credentials are 400 with Vapi’s answer; a number the account does not hold is 400; the right ones 201', async () => {
    const wrongToken = await failure(vapi.createPhoneNumber({ provider: 'twilio', number: '+14155550100', twilioAccountSid: TWILIO_SID, twilioAuthToken: 'f'.repeat(32) }));
    expect(wrongToken.info).toMatchObject({ httpStatus: 400, kind: 'invalid_request' });
    expect(wrongToken.message).toMatch(/Couldn't validate Twilio credentials/);
    const apiKey = await failure(vapi.createPhoneNumber({ provider: 'twilio', number: '+14155550101', twilioAccountSid: TWILIO_SID, twilioApiKey: 'SK' + '0'.repeat(32), twilioApiSecret: 'twilio-api-secret-1' }));
    expect(apiKey.message).toMatch(/Couldn't validate Twilio credentials/); // the sandbox account has no such API key
    const notTheirs = await failure(vapi.createPhoneNumber({ provider: 'twilio', number: '+14155550199', twilioAccountSid: TWILIO_SID, twilioAuthToken: TWILIO_TOKEN }));
    expect(notTheirs.info).toMatchObject({ httpStatus: 400, kind: 'invalid_request' });
    expect(notTheirs.message).toBe('Vapi HTTP 400: Number +14155550199 was not found in your Twilio account.');
    expect(await vapi.createPhoneNumber({ provider: 'twilio', number: '+14155550101', twilioAccountSid: TWILIO_SID, twilioAuthToken: TWILIO_TOKEN })).toMatchObject({ number: '+14155550101' });
    expect(sandbox.counts()).toMatchObject({ phoneNumbersCreated: 1 });
  });

  it('vonage / telnyx: a credential the provider refuses is 400; a number outside the credential’s account is 400', async () => {
    expect((await failure(vapi.createCredential({ provider: 'vonage', apiKey: VONAGE_KEY, apiSecret: 'wrong-secret' }))).message).toBe(
      "Vapi HTTP 400: Couldn't validate Vonage credential. Vonage rejected the credentials (401 Unauthorized).",
    );
    expect((await failure(vapi.createCredential({ provider: 'telnyx', apiKey: 'KEY' + 'X'.repeat(30) }))).message).toMatch(/Couldn't validate Telnyx credential/);
    expect(sandbox.counts().credentialsCreated).toBe(0);
    const vonageCred = await vapi.createCredential({ provider: 'vonage', apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET });
    expect(JSON.stringify(await vapi.listCredentials())).not.toContain('__account');
    expect((await failure(vapi.createPhoneNumber({ provider: 'vonage', number: '+447911100999', credentialId: vonageCred.id }))).message).toBe(
      'Vapi HTTP 400: Number +447911100999 was not found in your Vonage account.',
    );
    const telnyxCred = await vapi.createCredential({ provider: 'telnyx', apiKey: TELNYX_KEY });
    expect((await failure(vapi.createPhoneNumber({ provider: 'telnyx', number: '+13125550199', credentialId: telnyxCred.id }))).message).toMatch(/not found in your Telnyx account/);
    expect(await vapi.createPhoneNumber({ provider: 'telnyx', number: '+13125550100', credentialId: telnyxCred.id })).toMatchObject({ number: '+13125550100' });
  });
});

describe('validation (Vapi-style 400s)', () => {
  it('401 without / with a wrong key', async () => {
    for (const key of [null, 'nope']) {
      const res = await raw('GET', '/phone-number', undefined, key);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'Unauthorized', statusCode: 401 });
    }
    expect((await failure(clientFor('wrong-key').listPhoneNumbers())).info).toMatchObject({ httpStatus: 401, kind: 'auth' });
  });

  it('per-provider required fields and E.164', async () => {
    const twilio = await raw<VapiError>('POST', '/phone-number', { provider: 'twilio', number: '4155550100' });
    expect(twilio.status).toBe(400);
    expect(twilio.body.message).toEqual(
      expect.arrayContaining([
        'number must be a valid phone number in the E.164 format. Hot tip, you may be missing the country code (Eg. US: +1).',
        'twilioAccountSid must be a string',
        'twilioAuthToken or both twilioApiKey and twilioApiSecret must be provided',
      ]),
    );
    const vonage = await raw<VapiError>('POST', '/phone-number', { provider: 'vonage', number: '+447911100123' });
    expect(vonage.body.message).toEqual(expect.arrayContaining(['credentialId must be a UUID']));
    const byo = await raw<VapiError>('POST', '/phone-number', { provider: 'byo-phone-number', number: 'abc def', numberE164CheckEnabled: false, credentialId: ASSISTANT });
    expect(byo.body.message).toEqual(expect.arrayContaining(['number must match /^\\+?[a-zA-Z0-9]+$/ regular expression', `credentialId ${ASSISTANT} was not found`]));
    const unknown = await raw<VapiError>('POST', '/phone-number', { provider: 'vapi', serverUrl: 'https://x.example.com' });
    expect(unknown.body.message).toEqual(['property serverUrl should not exist']);
    const provider = await raw<VapiError>('POST', '/phone-number', { provider: 'plivo' });
    expect(provider.body.message).toEqual(['provider must be one of the following values: vapi, twilio, vonage, telnyx, byo-phone-number']);
  });

  it('the client surfaces them as invalid_request with Vapi\'s text', async () => {
    const err = await failure(vapi.createPhoneNumber({ provider: 'telnyx', number: '+1555', credentialId: ASSISTANT }));
    expect(err.info).toMatchObject({ httpStatus: 400, kind: 'invalid_request', retryable: false, ambiguous: false });
    expect(err.message).toMatch(/^Vapi HTTP 400: number must be a valid phone number in the E\.164 format/);
    expect(err.message).toContain(`credentialId ${ASSISTANT} was not found`);
  });

  it('credentialId must be of the provider\'s kind', async () => {
    const vonage = await vapi.createCredential({ provider: 'vonage', apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET });
    const err = await failure(vapi.createPhoneNumber({ provider: 'byo-phone-number', number: '+14155550100', credentialId: vonage.id }));
    expect(err.message).toContain('credentialId must reference a byo-sip-trunk credential (got vonage)');
  });

  it('credentials: required fields, gateway checks, an inbound hostname gateway', async () => {
    const vonage = await raw<VapiError>('POST', '/credential', { provider: 'vonage', apiKey: 'k' });
    expect(vonage.body.message).toEqual(['apiSecret should not be empty', 'apiSecret must be a string']);
    const gateways = await raw<VapiError>('POST', '/credential', { provider: 'byo-sip-trunk', gateways: [{ ip: 'not an ip!', port: 0, netmask: 8, extra: 1 }] });
    expect(gateways.body.message).toEqual([
      'gateways.0.property extra should not exist',
      'gateways.0.ip must be an IPv4 address or a fully qualified domain name',
      'gateways.0.port must not be less than 1',
      'gateways.0.netmask must not be less than 24',
    ]);
    const inboundHost = await failure(vapi.createCredential({ provider: 'byo-sip-trunk', gateways: [{ ip: 'sip.example.com' }] }));
    expect(inboundHost.message).toBe("Vapi HTTP 400: Couldn't validate SIP trunk credential. SIP gateway creation failed.");
    const empty = await raw<VapiError>('POST', '/credential', { provider: 'byo-sip-trunk', gateways: [] });
    expect(empty.body.message).toEqual(['gateways must contain at least 1 elements']);
    expect(sandbox.counts().credentialsCreated).toBe(0);
  });

  it('PATCH checks the number\'s own Update DTO', async () => {
    const cred = await vapi.createCredential({ provider: 'vonage', apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET });
    const n = await vapi.createPhoneNumber({ provider: 'vonage', number: '+447911100123', credentialId: cred.id });
    expect((await raw<VapiError>('PATCH', `/phone-number/${n.id}`, { smsEnabled: false })).body.message).toEqual(['property smsEnabled should not exist']);
    expect((await raw<VapiError>('PATCH', `/phone-number/${n.id}`, { provider: 'twilio', name: 'x' })).body.message).toMatch(/provider cannot be changed/);
    expect((await raw<VapiError>('PATCH', `/phone-number/${n.id}`, { fallbackDestination: { type: 'number', number: '12' } })).body.message).toEqual([
      'fallbackDestination.number must be a valid phone number in the E.164 format. Hot tip, you may be missing the country code (Eg. US: +1).',
    ]);
    expect((await raw('GET', '/phone-number/123')).body).toEqual({ message: 'Validation failed (uuid is expected)', error: 'Bad Request', statusCode: 400 });
  });

  it('duplicates: 400 "already exists" (or 409) → not_available', async () => {
    const input = { provider: 'twilio' as const, number: '+14155550100', twilioAccountSid: TWILIO_SID, twilioAuthToken: TWILIO_TOKEN };
    await vapi.createPhoneNumber(input);
    const dup = await failure(vapi.createPhoneNumber(input));
    expect(dup.info).toMatchObject({ httpStatus: 400, kind: 'not_available', ambiguous: false });
    expect(dup.message).toBe('Vapi HTTP 400: Number +14155550100 already exists');
    sandbox.configure({ duplicateNumberStatus: 409 });
    expect((await failure(vapi.createPhoneNumber(input))).info).toMatchObject({ httpStatus: 409, kind: 'not_available' });
    // Another org cannot import it either (one number routes to one place).
    expect((await failure(clientFor(OTHER_KEY).createPhoneNumber(input))).info.kind).toBe('not_available');
    expect(sandbox.counts().phoneNumberCreatesByNumber).toEqual({ '+14155550100': 1 });
  });

  it('free numbers can be switched off', async () => {
    sandbox.configure({ allowFreeNumbers: false });
    expect((await failure(vapi.createPhoneNumber({ provider: 'vapi' }))).info).toMatchObject({ httpStatus: 400, kind: 'invalid_request' });
  });
});

describe('faults, two-step failures, reconciliation', () => {
  it('number creation fails after the credential was created: nothing imported, the credential is cleaned up', async () => {
    sandbox.injectFault({ method: 'POST', pathPattern: '^/phone-number$', status: 500 });
    const cred = await vapi.createCredential({ provider: 'telnyx', apiKey: TELNYX_KEY });
    const err = await failure(vapi.createPhoneNumber({ provider: 'telnyx', number: '+13125550100', credentialId: cred.id }));
    expect(err.info).toMatchObject({ httpStatus: 500, kind: 'unavailable', ambiguous: true });
    expect(await vapi.findPhoneNumber({ number: '+13125550100' })).toBeUndefined(); // reconcile: it was not created
    expect(await vapi.deleteCredential(cred.id)).toBe(true);
    expect(sandbox.counts()).toMatchObject({ credentialsCreated: 1, credentialsDeleted: 1, phoneNumbersCreated: 0, credentials: 0 });
    // A create is never retried automatically.
    expect(sandbox.requestLog().filter((r) => r.method === 'POST' && r.path === '/phone-number')).toHaveLength(1);
  });

  it('an ambiguous failure AFTER the number was created is reconciled with findPhoneNumber', async () => {
    const cred = await vapi.createCredential({ provider: 'vonage', apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET });
    sandbox.injectFault({ method: 'POST', pathPattern: '^/phone-number$', status: 503, afterEffect: true });
    const err = await failure(vapi.createPhoneNumber({ provider: 'vonage', number: '+447911100124', credentialId: cred.id }));
    expect(err.ambiguous).toBe(true);
    const found = await vapi.findPhoneNumber({ number: '+447911100124' });
    expect(found).toMatchObject({ provider: 'vonage', credentialId: cred.id });
    sandbox.injectFault({ method: 'POST', pathPattern: '^/credential$', dropConnection: true, afterEffect: true, status: 500 });
    expect((await failure(vapi.createCredential({ provider: 'vonage', apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET, name: 'tenant-42' }))).ambiguous).toBe(true);
    expect((await vapi.listCredentials()).map((c) => c.name)).toContain('tenant-42');
  });

  it('429 and 5xx on reads are retried; the second attempt succeeds', async () => {
    const n = sandbox.seedPhoneNumber({ provider: 'vapi', name: 'seeded' });
    sandbox.injectFault({ method: 'GET', status: 429, retryAfterSeconds: 1 });
    sandbox.injectFault({ method: 'GET', status: 502 });
    expect((await vapi.getPhoneNumber(n.id)).name).toBe('seeded');
    expect(sandbox.requestLog().map((r) => r.status)).toEqual([429, 502, 200]);
  });

  it('update with a provider hint is a single PATCH; without, GET + PATCH', async () => {
    const n = sandbox.seedPhoneNumber({ provider: 'twilio', number: '+14155550111', twilioAccountSid: TWILIO_SID });
    await vapi.updatePhoneNumber(n.id, { name: 'A', provider: 'twilio' });
    await vapi.updatePhoneNumber(n.id, { name: 'B' });
    expect(sandbox.requestLog().map((r) => `${r.method} ${r.path}`)).toEqual(['PATCH /phone-number/{id}', 'GET /phone-number/{id}', 'PATCH /phone-number/{id}']);
    expect((await vapi.getPhoneNumber(n.id)).name).toBe('B');
  });
});

describe('listing, paging, seeding, orgs, controls, state', () => {
  it('numbers created outside our API are listed, paged, searched and found', async () => {
    const seeded = Array.from({ length: 5 }, (_, i) => sandbox.seedPhoneNumber({ provider: 'twilio', number: `+1415555014${i}`, twilioAccountSid: TWILIO_SID, name: `line ${i}` }));
    const all = await vapi.listPhoneNumbers({ limit: 3 });
    expect(all.map((n) => n.number)).toEqual(['+14155550144', '+14155550143', '+14155550142']); // newest first
    const after = await vapi.listPhoneNumbers({ createdAtGt: seeded[2]!.createdAt });
    expect(after).toHaveLength(2);
    const p2 = await vapi.listPhoneNumbersPage({ page: 2, limit: 2, sortOrder: 'ASC' });
    expect(p2).toMatchObject({ page: 2, totalItems: 5, totalPages: 3, hasNextPage: true });
    expect(p2.numbers.map((n) => n.number)).toEqual(['+14155550142', '+14155550143']);
    expect((await vapi.listPhoneNumbersPage({ search: 'LINE 4' })).numbers.map((n) => n.name)).toEqual(['line 4']);
    expect(await vapi.findPhoneNumber({ number: '+14155550141' })).toMatchObject({ id: seeded[1]!.id });
    expect(await vapi.findPhoneNumber({ name: 'line 3' })).toMatchObject({ id: seeded[3]!.id });
    expect(await vapi.findPhoneNumber({ number: '+1415555014' })).toBeUndefined(); // partial matches are not matches
    const bad = await raw<VapiError>('GET', '/phone-number?limit=5000&cursor=x');
    expect(bad.body.message).toEqual(['property cursor should not exist', 'limit must not be greater than 1000']);
  });

  it('each API key is its own org', async () => {
    const n = await vapi.createPhoneNumber({ provider: 'vapi' });
    const other = clientFor(OTHER_KEY);
    expect(await other.listPhoneNumbers()).toEqual([]);
    expect((await failure(other.getPhoneNumber(n.id))).info.kind).toBe('not_found');
    expect(await other.deletePhoneNumber(n.id)).toBe(false);
    expect(sandbox.counts().phoneNumbers).toBe(1);
  });

  it('HTTP controls: faults, counts, requests, seeding', async () => {
    const post = (p: string, body: unknown) => fetch(`${sandbox.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/__sandbox/faults', { method: 'DELETE', status: 503, times: -1 })).status).toBe(201);
    const cred = (await (await post('/__sandbox/credentials', { provider: 'byo-sip-trunk', name: 'seeded trunk' })).json()) as { id: string };
    const seeded = (await (await post('/__sandbox/phone-numbers', { provider: 'byo-phone-number', number: '+14155550177', credentialId: cred.id })).json()) as { id: string };
    expect((await vapi.getPhoneNumber(seeded.id)).credentialId).toBe(cred.id);
    expect((await failure(vapi.deletePhoneNumber(seeded.id))).info).toMatchObject({ httpStatus: 503, ambiguous: false });
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
    expect(await vapi.deletePhoneNumber(seeded.id)).toBe(true);
    expect(await (await fetch(`${sandbox.url}/__sandbox/counts`)).json()).toMatchObject({ phoneNumbersDeleted: 1, phoneNumbers: 0, credentials: 1 });
    const { requests } = (await (await fetch(`${sandbox.url}/__sandbox/requests`)).json()) as { requests: Array<{ status: number }> };
    expect(requests.filter((r) => r.status === 503)).toHaveLength(3); // 1 + 2 retries (DELETE is idempotent)
  });

  it('a state file keeps credentials and numbers across restarts, never secrets', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vapi-sandbox-'));
    const stateFile = path.join(dir, 'vapi.json');
    try {
      let box = await startVapiSandbox({ apiKeys: [KEY], stateFile });
      let client = createVapiClient({ apiKey: KEY, baseUrl: box.url, logger });
      const cred = await client.createCredential({ provider: 'byo-sip-trunk', gateways: [{ ip: '198.51.100.4' }], authUsername: 'u', authPassword: SIP_PASSWORD });
      const n = await client.createPhoneNumber({ provider: 'twilio', number: '+14155550188', twilioAccountSid: TWILIO_SID, twilioAuthToken: TWILIO_TOKEN });
      await box.close();
      const text = readFileSync(stateFile, 'utf8');
      expect(text).not.toContain(SIP_PASSWORD);
      expect(text).not.toContain(TWILIO_TOKEN);
      box = await startVapiSandbox({ apiKeys: [KEY], stateFile });
      client = createVapiClient({ apiKey: KEY, baseUrl: box.url, logger });
      expect((await client.getCredential(cred.id)).provider).toBe('byo-sip-trunk');
      expect((await client.getPhoneNumber(n.id)).number).toBe('+14155550188');
      expect(box.counts()).toMatchObject({ credentialsCreated: 1, phoneNumbersCreated: 1 });
      await box.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
