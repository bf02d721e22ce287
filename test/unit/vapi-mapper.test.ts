import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createVapiClient } from '../../shared/providers/vapi/client.js';
import {
  buildCreateCredentialDto,
  buildCreatePhoneNumberDto,
  buildTelnyxCredentialDto,
  buildUpdatePhoneNumberDto,
  credentialSecrets,
  isEmptyUpdate,
  mapCredential,
  mapPhoneNumber,
  mapPhoneNumberList,
  mapPhoneNumberPage,
  mapVapiError,
  phoneNumberSecrets,
  rescrubError,
  scrubSecrets,
  type CreateCredentialInput,
  type CreatePhoneNumberInput,
} from '../../shared/providers/vapi/mapper.js';
import { ProviderError } from '../../shared/providers/types.js';

const TOKEN = 'twilio-auth-token-5f1e9c0a7b3d';
const API_SECRET = 'vonage-api-secret-77aa';
const TELNYX_KEY = 'KEY0188AABBCCDDEEFF_telnyxsecret';
const SIP_PASSWORD = 'sip-trunk-password-19x';
const VAPI_KEY = 'vapi-private-key-0011223344';
const CRED_ID = '2f3c7a8e-9b1d-4c5e-8f7a-0b1c2d3e4f50';
const NUMBER_ID = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('credential DTOs (POST /credential)', () => {
  it('twilio with an auth token: CreateTwilioCredentialDTO {provider, accountSid, authToken, name}', () => {
    expect(buildCreateCredentialDto({ provider: 'twilio', accountSid: 'AC123', authToken: TOKEN, name: 'Acme Twilio' })).toEqual({
      provider: 'twilio',
      accountSid: 'AC123',
      authToken: TOKEN,
      name: 'Acme Twilio',
    });
  });

  it('twilio with an API key: {provider, accountSid, apiKey, apiSecret} (current schema only)', () => {
    expect(buildCreateCredentialDto({ provider: 'twilio', accountSid: 'AC123', apiKey: 'SK1', apiSecret: 'shh-secret' })).toEqual({
      provider: 'twilio',
      accountSid: 'AC123',
      apiKey: 'SK1',
      apiSecret: 'shh-secret',
    });
  });

  it('twilio refuses both auth forms, or neither', () => {
    const both = { provider: 'twilio', accountSid: 'AC1', authToken: TOKEN, apiKey: 'SK1', apiSecret: 'x' } as unknown as CreateCredentialInput;
    expect(thrown(() => buildCreateCredentialDto(both)).info.kind).toBe('invalid_request');
    const neither = { provider: 'twilio', accountSid: 'AC1' } as unknown as CreateCredentialInput;
    expect(thrown(() => buildCreateCredentialDto(neither)).message).toMatch(/apiKey \(or authToken\) is required/);
  });

  it('vonage: CreateVonageCredentialDTO {provider, apiKey, apiSecret}', () => {
    expect(buildCreateCredentialDto({ provider: 'vonage', apiKey: 'a1b2c3d4', apiSecret: API_SECRET })).toEqual({ provider: 'vonage', apiKey: 'a1b2c3d4', apiSecret: API_SECRET });
    expect(thrown(() => buildCreateCredentialDto({ provider: 'vonage', apiKey: 'a1b2c3d4', apiSecret: '' })).message).toBe('apiSecret is required');
  });

  it('telnyx: the GUESSED {provider, apiKey, name?} shape comes from one function', () => {
    const input = { provider: 'telnyx' as const, apiKey: TELNYX_KEY, name: 'T' };
    expect(buildCreateCredentialDto(input)).toEqual({ provider: 'telnyx', apiKey: TELNYX_KEY, name: 'T' });
    expect(buildCreateCredentialDto(input)).toEqual(buildTelnyxCredentialDto(input));
  });

  it('byo-sip-trunk: gateways[] as in SipTrunkGateway, auth under outboundAuthenticationPlan', () => {
    expect(
      buildCreateCredentialDto({
        provider: 'byo-sip-trunk',
        name: 'Acme trunk',
        gateways: [
          { ip: '203.0.113.10', port: 5060, netmask: 30, inboundEnabled: true, outboundEnabled: false },
          { ip: 'sip.example.com', inboundEnabled: false, outboundProtocol: 'tls' },
        ],
        authUsername: 'acme',
        authPassword: SIP_PASSWORD,
        outboundLeadingPlusEnabled: true,
      }),
    ).toEqual({
      provider: 'byo-sip-trunk',
      name: 'Acme trunk',
      gateways: [
        { ip: '203.0.113.10', port: 5060, netmask: 30, inboundEnabled: true, outboundEnabled: false },
        { ip: 'sip.example.com', inboundEnabled: false, outboundProtocol: 'tls' },
      ],
      outboundAuthenticationPlan: { authUsername: 'acme', authPassword: SIP_PASSWORD },
      outboundLeadingPlusEnabled: true,
    });
    expect(buildCreateCredentialDto({ provider: 'byo-sip-trunk', gateways: [{ ip: '198.51.100.7' }] })).toEqual({ provider: 'byo-sip-trunk', gateways: [{ ip: '198.51.100.7' }] });
  });

  it('byo-sip-trunk: checks what the spec bounds (gateways, port, netmask, username+password, name)', () => {
    const base = { provider: 'byo-sip-trunk' as const };
    expect(thrown(() => buildCreateCredentialDto({ ...base, gateways: [] })).message).toMatch(/at least one gateway/);
    expect(thrown(() => buildCreateCredentialDto({ ...base, gateways: [{ ip: '1.2.3.4', port: 70000 }] })).message).toMatch(/port must be 1..65535/);
    expect(thrown(() => buildCreateCredentialDto({ ...base, gateways: [{ ip: '1.2.3.4', netmask: 16 }] })).message).toMatch(/netmask must be 24..32/);
    expect(thrown(() => buildCreateCredentialDto({ ...base, gateways: [{ ip: '' }] })).message).toMatch(/gateways\[0\]\.ip is required/);
    expect(thrown(() => buildCreateCredentialDto({ ...base, gateways: [{ ip: '1.2.3.4' }], authUsername: 'u' })).message).toMatch(/go together/);
    expect(thrown(() => buildCreateCredentialDto({ ...base, gateways: [{ ip: '1.2.3.4' }], name: 'x'.repeat(41) })).message).toMatch(/1..40/);
    expect(thrown(() => buildCreateCredentialDto({ ...base, gateways: [{ ip: '1.2.3.4' }], name: '' })).message).toMatch(/1..40/);
  });

  it('an unknown provider is refused', () => {
    expect(thrown(() => buildCreateCredentialDto({ provider: 'plivo' } as unknown as CreateCredentialInput)).message).toMatch(/unsupported credential provider 'plivo'/);
  });

  it('credentialSecrets lists exactly the tenant secrets', () => {
    expect(credentialSecrets({ provider: 'twilio', accountSid: 'AC1', authToken: TOKEN })).toEqual([TOKEN]);
    expect(credentialSecrets({ provider: 'twilio', accountSid: 'AC1', apiKey: 'SKkey', apiSecret: 'sec' })).toEqual(['sec', 'SKkey']);
    expect(credentialSecrets({ provider: 'vonage', apiKey: 'k', apiSecret: API_SECRET })).toEqual([API_SECRET]);
    expect(credentialSecrets({ provider: 'telnyx', apiKey: TELNYX_KEY })).toEqual([TELNYX_KEY]);
    expect(credentialSecrets({ provider: 'byo-sip-trunk', gateways: [{ ip: '1.2.3.4' }], authUsername: 'u', authPassword: SIP_PASSWORD })).toEqual([SIP_PASSWORD]);
  });
});

describe('phone-number DTOs (POST /phone-number)', () => {
  const common = { name: 'Support', assistantId: 'a5f8e2b1-0c3d-4e6f-9a7b-1c2d3e4f5a6b', serverUrl: 'https://hooks.example.com/vapi', fallbackNumber: '+14155550199' };
  const commonDto = {
    name: 'Support',
    assistantId: 'a5f8e2b1-0c3d-4e6f-9a7b-1c2d3e4f5a6b',
    server: { url: 'https://hooks.example.com/vapi' },
    fallbackDestination: { type: 'number', number: '+14155550199' },
  };

  const cases: Array<[string, CreatePhoneNumberInput, Record<string, unknown>]> = [
    ['vapi (free number)', { provider: 'vapi', numberDesiredAreaCode: '415', name: 'Free' }, { provider: 'vapi', numberDesiredAreaCode: '415', name: 'Free' }],
    ['vapi (SIP URI)', { provider: 'vapi', sipUri: 'sip:acme-support@sip.vapi.ai' }, { provider: 'vapi', sipUri: 'sip:acme-support@sip.vapi.ai' }],
    ['vapi (nothing)', { provider: 'vapi' }, { provider: 'vapi' }],
    [
      'twilio (auth token)',
      { provider: 'twilio', number: '+14155550100', twilioAccountSid: 'AC1', twilioAuthToken: TOKEN, smsEnabled: false },
      { provider: 'twilio', number: '+14155550100', twilioAccountSid: 'AC1', twilioAuthToken: TOKEN, smsEnabled: false },
    ],
    [
      'twilio (API key)',
      { provider: 'twilio', number: '+14155550100', twilioAccountSid: 'AC1', twilioApiKey: 'SK1', twilioApiSecret: 'sec-ret' },
      { provider: 'twilio', number: '+14155550100', twilioAccountSid: 'AC1', twilioApiKey: 'SK1', twilioApiSecret: 'sec-ret' },
    ],
    ['vonage', { provider: 'vonage', number: '+447700900123', credentialId: CRED_ID }, { provider: 'vonage', number: '+447700900123', credentialId: CRED_ID }],
    ['telnyx', { provider: 'telnyx', number: '+13125550100', credentialId: CRED_ID }, { provider: 'telnyx', number: '+13125550100', credentialId: CRED_ID }],
    [
      'byo-phone-number (no E.164 check)',
      { provider: 'byo-phone-number', number: 'frontdesk01', credentialId: CRED_ID, numberE164CheckEnabled: false },
      { provider: 'byo-phone-number', number: 'frontdesk01', credentialId: CRED_ID, numberE164CheckEnabled: false },
    ],
    ['byo-phone-number (no number)', { provider: 'byo-phone-number', credentialId: CRED_ID }, { provider: 'byo-phone-number', credentialId: CRED_ID }],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(buildCreatePhoneNumberDto(input)).toEqual(expected);
  });

  it('name / assistantId / serverUrl / fallbackNumber map to name, assistantId, server.url, fallbackDestination for every provider', () => {
    for (const [, input, expected] of cases) {
      expect(buildCreatePhoneNumberDto({ ...input, ...common })).toEqual({ ...expected, ...commonDto });
    }
  });

  it('refuses what the DTOs would reject, before sending', () => {
    expect(thrown(() => buildCreatePhoneNumberDto({ provider: 'vapi', numberDesiredAreaCode: '41' })).message).toMatch(/3 digits/);
    expect(thrown(() => buildCreatePhoneNumberDto({ provider: 'vonage', number: '+447700900123', credentialId: '' })).message).toBe('credentialId is required');
    expect(thrown(() => buildCreatePhoneNumberDto({ provider: 'telnyx', number: '', credentialId: CRED_ID })).message).toBe('number is required');
    expect(thrown(() => buildCreatePhoneNumberDto({ provider: 'vapi', name: 'n'.repeat(41) })).message).toMatch(/0..40/);
    const both = { provider: 'twilio', number: '+14155550100', twilioAccountSid: 'AC1', twilioAuthToken: TOKEN, twilioApiKey: 'SK1' } as unknown as CreatePhoneNumberInput;
    expect(thrown(() => buildCreatePhoneNumberDto(both)).message).toMatch(/either twilioAuthToken/);
    const sip = { provider: 'byo-phone-number', sipUri: 'sip:a@b.c', credentialId: CRED_ID } as unknown as CreatePhoneNumberInput;
    expect(thrown(() => buildCreatePhoneNumberDto(sip)).message).toMatch(/has no sipUri/);
    expect(thrown(() => buildCreatePhoneNumberDto({ provider: 'plivo' } as unknown as CreatePhoneNumberInput)).message).toMatch(/unsupported phone number provider/);
  });

  it('phoneNumberSecrets: only Twilio imports carry tenant secrets', () => {
    expect(phoneNumberSecrets({ provider: 'twilio', number: '+1', twilioAccountSid: 'AC1', twilioAuthToken: TOKEN })).toEqual([TOKEN]);
    expect(phoneNumberSecrets({ provider: 'vonage', number: '+1', credentialId: CRED_ID })).toEqual([]);
  });
});

describe('update DTOs (PATCH /phone-number/{id})', () => {
  it('always carries the provider discriminator of the number', () => {
    for (const provider of ['vapi', 'twilio', 'vonage', 'telnyx', 'byo-phone-number'] as const) {
      expect(buildUpdatePhoneNumberDto(provider, { name: 'N' })).toEqual({ provider, name: 'N' });
    }
  });

  it('sets and clears (null) assistantId, server and fallbackDestination', () => {
    expect(buildUpdatePhoneNumberDto('twilio', { assistantId: 'asst-1', serverUrl: 'https://h.example.com/x', fallbackNumber: '+14155550100' })).toEqual({
      provider: 'twilio',
      assistantId: 'asst-1',
      server: { url: 'https://h.example.com/x' },
      fallbackDestination: { type: 'number', number: '+14155550100' },
    });
    expect(buildUpdatePhoneNumberDto('vonage', { assistantId: null, serverUrl: null, fallbackNumber: null })).toEqual({
      provider: 'vonage',
      assistantId: null,
      server: null,
      fallbackDestination: null,
    });
  });

  it('isEmptyUpdate ignores the provider hint', () => {
    expect(isEmptyUpdate({})).toBe(true);
    expect(isEmptyUpdate({ provider: 'vapi' })).toBe(true);
    expect(isEmptyUpdate({ assistantId: null })).toBe(false);
    expect(thrown(() => buildUpdatePhoneNumberDto('sip' as never, { name: 'x' })).message).toMatch(/unsupported/);
  });
});

describe('mapping responses', () => {
  const twilioNumber = {
    id: NUMBER_ID,
    orgId: 'org-1',
    provider: 'twilio',
    number: '+14155550100',
    twilioAccountSid: 'AC1',
    twilioAuthToken: TOKEN,
    twilioApiSecret: 'api-secret-value',
    assistantId: 'asst-1',
    name: 'Support',
    status: 'active',
    server: { url: 'https://hooks.example.com/vapi', headers: { authorization: 'Bearer hook-secret' } },
    fallbackDestination: { type: 'number', number: '+14155550199' },
    smsEnabled: true,
    createdAt: '2025-01-02T03:04:05.000Z',
    updatedAt: '2025-01-02T03:04:06.000Z',
  };

  it('a Twilio number: normalized fields, NO secret', () => {
    const n = mapPhoneNumber(twilioNumber);
    expect(n).toEqual({
      id: NUMBER_ID,
      provider: 'twilio',
      number: '+14155550100',
      twilioAccountSid: 'AC1',
      assistantId: 'asst-1',
      name: 'Support',
      serverUrl: 'https://hooks.example.com/vapi',
      fallbackNumber: '+14155550199',
      status: 'active',
      createdAt: '2025-01-02T03:04:05.000Z',
      updatedAt: '2025-01-02T03:04:06.000Z',
    });
    expect(JSON.stringify(n)).not.toMatch(/twilio-auth-token|api-secret-value|hook-secret/);
  });

  it('SIP fallback, SIP URI and credentialId are read; unknown status is dropped', () => {
    expect(
      mapPhoneNumber({ id: 'x1', provider: 'vapi', sipUri: 'sip:a@sip.vapi.ai', status: 'weird', fallbackDestination: { type: 'sip', sipUri: 'sip:desk@pbx.example.com' }, createdAt: 'c' }),
    ).toEqual({ id: 'x1', provider: 'vapi', sipUri: 'sip:a@sip.vapi.ai', fallbackSipUri: 'sip:desk@pbx.example.com', createdAt: 'c' });
    expect(mapPhoneNumber({ id: 'x2', provider: 'byo-phone-number', credentialId: CRED_ID, createdAt: 'c' })).toMatchObject({ credentialId: CRED_ID });
  });

  it('refuses bodies it cannot read', () => {
    expect(() => mapPhoneNumber(null)).toThrow(/not an object/);
    expect(() => mapPhoneNumber({ provider: 'twilio' })).toThrow(/no id/);
    expect(() => mapPhoneNumber({ id: 'x', provider: 'plivo' })).toThrow(/unknown provider/);
    expect(() => mapPhoneNumberList({})).toThrow(/not an array/);
  });

  it('a /v2 page', () => {
    const page = mapPhoneNumberPage({ results: [twilioNumber], metadata: { itemsPerPage: 1, totalItems: 3, currentPage: 2, totalPages: 3 } }, 2);
    expect(page).toMatchObject({ page: 2, itemsPerPage: 1, totalItems: 3, totalPages: 3, hasNextPage: true });
    expect(page.numbers).toHaveLength(1);
    expect(mapPhoneNumberPage({ results: [], metadata: { itemsPerPage: 100, totalItems: 0, currentPage: 1, hasNextPage: false } }, 1).hasNextPage).toBe(false);
    expect(() => mapPhoneNumberPage({ metadata: {} }, 1)).toThrow(/no results/);
  });

  it('credentials: never a secret; byo gateways; provider inferred for a gateway list', () => {
    expect(mapCredential({ id: 'c1', provider: 'twilio', accountSid: 'AC1', authToken: TOKEN, name: 'T', createdAt: 'c', updatedAt: 'u' })).toEqual({
      id: 'c1',
      provider: 'twilio',
      accountSid: 'AC1',
      name: 'T',
      createdAt: 'c',
      updatedAt: 'u',
    });
    const byo = mapCredential({ id: 'c2', gateways: [{ ip: '1.2.3.4', port: 5060, bogus: 1 }, { nope: true }], outboundAuthenticationPlan: { authUsername: 'u', authPassword: SIP_PASSWORD } });
    expect(byo).toEqual({ id: 'c2', provider: 'byo-sip-trunk', gateways: [{ ip: '1.2.3.4', port: 5060 }] });
    expect(JSON.stringify(byo)).not.toContain(SIP_PASSWORD);
    expect(mapCredential({ id: 'c3', apiKey: TELNYX_KEY }, 'telnyx')).toEqual({ id: 'c3', provider: 'telnyx' });
    expect(() => mapCredential({ id: 'c4', provider: 'openai' })).toThrow(/unknown provider/);
  });
});

describe('mapVapiError', () => {
  it('400 keeps the class-validator messages, joined', () => {
    const err = mapVapiError(400, { message: ['number must be a valid phone number in the E.164 format', 'credentialId must be a UUID'], error: 'Bad Request', statusCode: 400 });
    expect(err.message).toBe('Vapi HTTP 400: number must be a valid phone number in the E.164 format; credentialId must be a UUID');
    expect(err.info).toMatchObject({ httpStatus: 400, providerCode: 'Bad Request', kind: 'invalid_request', retryable: false });
  });

  it.each([
    [401, { message: 'Invalid Key. Hot tip, …', error: 'Unauthorized', statusCode: 401 }, 'auth'],
    [403, { message: 'Forbidden resource', error: 'Forbidden', statusCode: 403 }, 'auth'],
    [402, { message: 'Insufficient credits', error: 'Payment Required', statusCode: 402 }, 'insufficient_funds'],
    [404, { message: 'Phone Number not found', error: 'Not Found', statusCode: 404 }, 'not_found'],
    [409, { message: 'Conflict', error: 'Conflict', statusCode: 409 }, 'not_available'],
    [400, { message: 'Number +14155550100 already exists', error: 'Bad Request', statusCode: 400 }, 'not_available'],
    [400, { message: 'This number is already in use by another organization', statusCode: 400 }, 'not_available'],
    [429, { message: 'Too Many Requests', statusCode: 429 }, 'rate_limited'],
    [500, { message: 'Internal server error', statusCode: 500 }, 'unavailable'],
    [503, 'upstream down', 'unavailable'],
  ] as const)('%i → %s', (status, body, kind) => {
    const err = mapVapiError(status, body, { 'retry-after': '7' });
    expect(err.info.kind).toBe(kind);
    expect(err.info.httpStatus).toBe(status);
    expect(err.info.retryable).toBe(status === 429 || status >= 500);
    expect(err.info.retryAfterSeconds).toBe(7);
  });

  it('a mock (Prism) 422 problem+json reads as invalid_request with its validation messages', () => {
    const err = mapVapiError(422, { type: 'https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY', title: 'Invalid request', validation: [{ message: 'a' }, { message: 'a' }, { message: 'b' }] });
    expect(err.message).toBe('Vapi HTTP 422: Invalid request: a; b');
    expect(err.info.kind).toBe('invalid_request');
    expect(mapVapiError(400, undefined).message).toBe('Vapi HTTP 400: no error message');
  });

  it('scrubs tenant secrets, our key and auth headers out of the text', () => {
    const err = mapVapiError(
      400,
      { message: [`twilioAuthToken ${TOKEN} is invalid`, `Authorization: Bearer ${VAPI_KEY}`, `apiSecret=${API_SECRET}`], error: 'Bad Request' },
      {},
      [TOKEN, API_SECRET, VAPI_KEY],
    );
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain(API_SECRET);
    expect(err.message).not.toContain(VAPI_KEY);
    expect(err.message).toContain('***masked***');
  });

  it('scrubSecrets: longest first, short strings ignored, long texts capped', () => {
    expect(scrubSecrets('abc secret-long secret', ['secret', 'secret-long', 'abc'])).toBe('abc ***masked*** ***masked***');
    expect(scrubSecrets('x'.repeat(600), []).length).toBe(501);
  });

  it('rescrubError scrubs message and stack, keeps the info', () => {
    const original = new ProviderError('vapi', `Vapi HTTP 400: bad token ${TOKEN}`, { httpStatus: 400, retryable: false, kind: 'invalid_request' });
    const out = rescrubError(original, [TOKEN]);
    expect(out.message).toBe('Vapi HTTP 400: bad token ***masked***');
    expect(out.stack ?? '').not.toContain(TOKEN);
    expect(out.info).toEqual(original.info);
  });
});

describe('client plumbing (undici MockAgent, no network)', () => {
  let agent: MockAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  function setup() {
    agent = new MockAgent();
    agent.disableNetConnect();
    const logged: unknown[] = [];
    const logger: Logger = {
      debug: (m, f) => logged.push([m, f]),
      info: (m, f) => logged.push([m, f]),
      warn: (m, f) => logged.push([m, f]),
      error: (m, f) => logged.push([m, f]),
      child: () => logger,
    };
    const client = createVapiClient({ apiKey: VAPI_KEY, baseUrl: 'https://api.vapi.test', logger, http: { dispatcher: agent, maxRetries: 0 } });
    return { pool: agent.get('https://api.vapi.test'), client, logged };
  }
  const json = { headers: { 'content-type': 'application/json' } };

  it('an echoed tenant secret never reaches the error or the logs', async () => {
    const { pool, client, logged } = setup();
    pool
      .intercept({ path: '/phone-number', method: 'POST' })
      .reply(400, { message: [`Twilio rejected ${TOKEN} for AC1`, `key ${VAPI_KEY}`], error: 'Bad Request', statusCode: 400 }, json);
    const err = await rejection(client.createPhoneNumber({ provider: 'twilio', number: '+14155550100', twilioAccountSid: 'AC1', twilioAuthToken: TOKEN }));
    expect(err.info).toMatchObject({ httpStatus: 400, kind: 'invalid_request', ambiguous: false });
    const everything = `${err.message}\n${err.stack}\n${JSON.stringify(err.info)}\n${JSON.stringify(logged)}`;
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(VAPI_KEY);
    expect(err.message).toContain('for AC1');
  });

  it('a credential secret never reaches the error, nor does a 5xx on create get retried (ambiguous)', async () => {
    const { pool, client, logged } = setup();
    pool.intercept({ path: '/credential', method: 'POST' }).reply(502, { message: `gateway choked on ${SIP_PASSWORD}`, statusCode: 502 }, json);
    const err = await rejection(client.createCredential({ provider: 'byo-sip-trunk', gateways: [{ ip: '203.0.113.10' }], authUsername: 'u', authPassword: SIP_PASSWORD }));
    expect(err.info).toMatchObject({ httpStatus: 502, kind: 'unavailable', ambiguous: true, retryable: true });
    expect(`${err.message}${err.stack}${JSON.stringify(logged)}`).not.toContain(SIP_PASSWORD);
  });

  it('Bearer auth, JSON body; a create answer without an id is ambiguous (it may exist)', async () => {
    const { pool, client } = setup();
    let seen: { headers?: unknown; body?: unknown } = {};
    pool.intercept({ path: '/phone-number', method: 'POST' }).reply(201, (opts) => {
      seen = { headers: opts.headers, body: opts.body };
      return { provider: 'vapi' };
    }, json);
    const err = await rejection(client.createPhoneNumber({ provider: 'vapi', numberDesiredAreaCode: '415' }));
    expect(err.info).toMatchObject({ httpStatus: 201, ambiguous: true, retryable: false });
    expect(JSON.parse(String(seen.body))).toEqual({ provider: 'vapi', numberDesiredAreaCode: '415' });
    expect(JSON.stringify(seen.headers)).toContain(`Bearer ${VAPI_KEY}`);
  });

  it('ids are checked before sending; DELETE 404 means already gone', async () => {
    const { pool, client } = setup();
    await expect(client.getPhoneNumber('not-a-uuid')).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(client.deleteCredential(' ')).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    pool.intercept({ path: `/phone-number/${NUMBER_ID}`, method: 'DELETE' }).reply(404, { message: 'Not Found', statusCode: 404 }, json);
    pool.intercept({ path: `/credential/${CRED_ID}`, method: 'DELETE' }).reply(200, { id: CRED_ID, provider: 'vonage' }, json);
    expect(await client.deletePhoneNumber(NUMBER_ID)).toBe(false);
    expect(await client.deleteCredential(CRED_ID)).toBe(true);
  });

  it('update without a provider hint reads the number first, then PATCHes its DTO', async () => {
    const { pool, client } = setup();
    const number = { id: NUMBER_ID, provider: 'telnyx', number: '+13125550100', credentialId: CRED_ID, createdAt: 'c' };
    let patched: unknown;
    pool.intercept({ path: `/phone-number/${NUMBER_ID}`, method: 'GET' }).reply(200, number, json);
    pool.intercept({ path: `/phone-number/${NUMBER_ID}`, method: 'PATCH' }).reply(200, (opts) => {
      if (typeof opts.body !== 'string') throw new Error(`expected a JSON text body, got ${typeof opts.body}`);
      patched = JSON.parse(opts.body);
      return { ...number, assistantId: 'asst-9' };
    }, json);
    const n = await client.updatePhoneNumber(NUMBER_ID, { assistantId: 'asst-9' });
    expect(patched).toEqual({ provider: 'telnyx', assistantId: 'asst-9' });
    expect(n.assistantId).toBe('asst-9');
  });
});
