import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { buildUpdateForm, createVonageProvider, vonageCapabilities } from '../../shared/providers/vonage/client.js';
import {
  decodePageToken,
  encodePageToken,
  featuresParam,
  kindOf,
  mapAvailableNumbers,
  mapFeatures,
  mapOwnedNumber,
  mapOwnedNumbers,
  mapOwnedPage,
  mapVonageError,
  mapVonageType,
  parseVonageNumberId,
  patternQuery,
  toMsisdn,
  vonageNumberId,
} from '../../shared/providers/vonage/mapper.js';
import { ProviderError } from '../../shared/providers/types.js';

// Payloads from the examples of shared/contracts/vonage/numbers.yml (availablenumber, ownednumber,
// response, unauthorized, response420).
const searchExample = { count: 1234, numbers: [{ country: 'GB', msisdn: '447700900000', type: 'mobile-lvn', cost: '1.25', features: ['VOICE', 'SMS', 'MMS'] }] };
const ownedExample = {
  count: 1,
  numbers: [
    {
      country: 'GB',
      msisdn: '447700900000',
      moHttpUrl: 'https://example.com/webhooks/inbound-sms',
      type: 'mobile-lvn',
      features: ['VOICE', 'SMS', 'MMS'],
      messagesCallbackType: 'app',
      messagesCallbackValue: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
      voiceCallbackType: 'app',
      voiceCallbackValue: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
    },
  ],
};
const success = { 'error-code': '200', 'error-code-label': 'success' };
const unauthorized = { 'error-code': '401', 'error-code-label': 'authentication failed' };
const response420 = {
  'error-code': '420',
  'error-code-label':
    'Numbers from this country can be requested from the Dashboard (https://dashboard.nexmo.com/buy-numbers) as they require a valid local address to be provided before being purchased.',
};
const methodFailed = { 'error-code': '420', 'error-code-label': 'method failed' };

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const KEY = 'k3y0001x';
const SECRET = 'Sup3rS3cretValue';

const kindOfError = (fn: () => unknown): ProviderError['info'] | undefined => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return (err as ProviderError).info;
  }
  return undefined;
};

describe('available numbers', () => {
  it('maps the spec example: msisdn → E.164, features → capabilities, cost → EUR', () => {
    expect(mapAvailableNumbers(searchExample, 'mobile')).toEqual([
      {
        phoneNumber: '+447700900000',
        friendlyName: expect.stringMatching(/^07700 ?900 ?000$/),
        provider: 'vonage',
        country: 'GB',
        type: 'mobile',
        capabilities: { voice: true, sms: true, mms: true, fax: false },
        monthlyCost: { amount: '1.25', currency: 'EUR' },
      },
    ]);
  });

  it('reads the documented comma-separated features form and the number type', () => {
    expect(mapFeatures('SMS,VOICE')).toEqual({ voice: true, sms: true, mms: false, fax: false });
    expect(mapFeatures(null)).toEqual({ voice: false, sms: false, mms: false, fax: false });
    expect(mapVonageType('landline')).toBe('local');
    expect(mapVonageType('landline-toll-free')).toBe('toll_free');
    expect(mapVonageType('mobile-lvn')).toBe('mobile');
    expect(mapVonageType('shortcode')).toBeUndefined();
    const [us] = mapAvailableNumbers({ count: 1, numbers: [{ msisdn: '14155550100', type: 'landline', cost: 'n/a' }] }, 'local');
    expect(us).toMatchObject({ phoneNumber: '+14155550100', country: 'US', type: 'local', friendlyName: '(415) 555-0100' });
    expect(us!.monthlyCost).toBeUndefined();
  });

  it('returns [] for {count: 0} (no numbers key) and skips entries without msisdn', () => {
    expect(mapAvailableNumbers({ count: 0 }, 'local')).toEqual([]);
    expect(mapAvailableNumbers(undefined, 'local')).toEqual([]);
    expect(mapAvailableNumbers({ numbers: [{ country: 'GB' }, null, { msisdn: '447700900001' }] }, 'mobile').map((n) => n.phoneNumber)).toEqual(['+447700900001']);
  });
});

describe('owned numbers and ids', () => {
  it('maps the spec example with providerNumberId <country>:<msisdn>', () => {
    expect(mapOwnedNumbers(ownedExample)).toEqual([
      {
        providerNumberId: 'GB:447700900000',
        phoneNumber: '+447700900000',
        friendlyName: expect.any(String),
        provider: 'vonage',
        country: 'GB',
        type: 'mobile',
        capabilities: { voice: true, sms: true, mms: true, fax: false },
        smsUrl: 'https://example.com/webhooks/inbound-sms',
        applicationId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
      },
    ]);
  });

  it('throws a ProviderError without msisdn; a page skips such elements', () => {
    expect(kindOfError(() => mapOwnedNumber({ country: 'GB' }))).toMatchObject({ retryable: false });
    expect(mapOwnedNumbers({ count: 2, numbers: [{ country: 'GB' }, ownedExample.numbers[0]] })).toHaveLength(1);
    expect(mapOwnedNumber({ msisdn: '14155550100' })).toMatchObject({ providerNumberId: 'US:14155550100', country: 'US' });
  });

  it('round-trips ids and rejects anything else before a call is made', () => {
    expect(vonageNumberId('gb', '447700900000')).toBe('GB:447700900000');
    expect(parseVonageNumberId('GB:447700900000')).toEqual({ country: 'GB', msisdn: '447700900000' });
    for (const bad of ['447700900000', 'GB:+447700900000', 'GBR:447700900000', 'PN0123', 'GB:4477/../x']) {
      expect(kindOfError(() => parseVonageNumberId(bad))).toMatchObject({ kind: 'invalid_request' });
    }
    expect(toMsisdn('+447700900000')).toBe('447700900000');
    expect(toMsisdn('not a number')).toBeUndefined();
  });

  it('pages with count / index / size and an opaque token', () => {
    const first = mapOwnedPage({ count: 25, numbers: ownedExample.numbers }, 1, 10);
    expect(decodePageToken(first.nextPageToken!)).toEqual({ index: 2, size: 10 });
    expect(mapOwnedPage({ count: 25, numbers: ownedExample.numbers }, 3, 10).nextPageToken).toBeUndefined();
    expect(mapOwnedPage({ count: 0 }, 1, 10)).toEqual({ numbers: [] });
    expect(decodePageToken(encodePageToken(4, 100))).toEqual({ index: 4, size: 100 });
    for (const bad of ['x', encodePageToken(0, 10), encodePageToken(1, 101), Buffer.from('{"i":"2","s":10}').toString('base64url')]) {
      expect(kindOfError(() => decodePageToken(bad))).toMatchObject({ kind: 'invalid_request' });
    }
  });
});

describe('search criteria → pattern / search_pattern / features', () => {
  it('startsWith and areaCode prefix the country calling code (search_pattern 0 matches the E.164 start)', () => {
    expect(patternQuery({ country: 'US', areaCode: '415' })).toEqual({ pattern: '1415', search_pattern: 0 });
    expect(patternQuery({ country: 'GB', startsWith: '20' })).toEqual({ pattern: '4420', search_pattern: 0 });
    expect(patternQuery({ country: 'de', startsWith: '30' })).toEqual({ pattern: '4930', search_pattern: 0 });
  });

  it('contains → 1, endsWith → 2, nothing → no pattern', () => {
    expect(patternQuery({ country: 'US', contains: '5309' })).toEqual({ pattern: '5309', search_pattern: 1 });
    expect(patternQuery({ country: 'US', endsWith: '0100' })).toEqual({ pattern: '0100', search_pattern: 2 });
    expect(patternQuery({ country: 'US' })).toEqual({});
  });

  it('translates * wildcards: the longest literal run is sent, the full pattern filters client-side', () => {
    const q = patternQuery({ country: 'US', contains: '41*555' });
    expect(q).toMatchObject({ pattern: '555', search_pattern: 1 });
    expect(q.clientFilter!.test('14105551234')).toBe(true); // 41 0 555
    expect(q.clientFilter!.test('14159551234')).toBe(false); // 41 5 955
    const only = patternQuery({ country: 'US', contains: '***' });
    expect(only.pattern).toBeUndefined();
    expect(only.clientFilter!.source).toBe('\\d\\d\\d');
  });

  it('refuses more than one pattern filter, bad digits and unknown countries', () => {
    const info = kindOfError(() => patternQuery({ country: 'US', areaCode: '415', contains: '123' }));
    expect(info).toMatchObject({ kind: 'invalid_request', retryable: false });
    let message = '';
    try {
      patternQuery({ country: 'US', startsWith: '415', endsWith: '1' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/one number pattern per search.*startsWith \+ endsWith/);
    expect(kindOfError(() => patternQuery({ country: 'US', startsWith: '41*' }))).toMatchObject({ kind: 'invalid_request' });
    expect(kindOfError(() => patternQuery({ country: 'US', contains: '12a' }))).toMatchObject({ kind: 'invalid_request' });
    expect(kindOfError(() => patternQuery({ country: 'XX', areaCode: '415' }))).toMatchObject({ kind: 'invalid_request' });
  });

  it('builds only the feature values the spec enum allows; fax is refused', () => {
    const allowed = ['SMS', 'VOICE', 'SMS,VOICE', 'MMS', 'SMS,MMS', 'VOICE,MMS', 'SMS,MMS,VOICE'];
    const combos: Array<Partial<Record<'sms' | 'voice' | 'mms', true>>> = [{ sms: true }, { voice: true }, { mms: true }, { sms: true, voice: true }, { sms: true, mms: true }, { voice: true, mms: true }, { sms: true, voice: true, mms: true }];
    expect(combos.map((c) => featuresParam(c))).toEqual(['SMS', 'VOICE', 'MMS', 'SMS,VOICE', 'SMS,MMS', 'VOICE,MMS', 'SMS,MMS,VOICE']);
    for (const c of combos) expect(allowed).toContain(featuresParam(c));
    expect(featuresParam(undefined)).toBeUndefined();
    expect(featuresParam({})).toBeUndefined();
    expect(kindOfError(() => featuresParam({ fax: true }))).toMatchObject({ kind: 'invalid_request' });
  });
});

describe('mapVonageError', () => {
  it('maps the spec 401 example to auth', () => {
    const err = mapVonageError(401, unauthorized);
    expect(err.message).toBe('Vonage error 401: authentication failed');
    expect(err.info).toMatchObject({ httpStatus: 401, providerCode: '401', kind: 'auth', retryable: false });
  });

  it('maps 420 per operation: purchase → not_available; the dashboard/address refusal → invalid_request', () => {
    expect(mapVonageError(420, methodFailed, {}, [], 'purchase').info).toMatchObject({ kind: 'not_available', providerCode: '420', retryable: false });
    expect(mapVonageError(420, response420, {}, [], 'purchase').info.kind).toBe('invalid_request');
    expect(mapVonageError(420, methodFailed).info.kind).toBe('invalid_request');
    expect(mapVonageError(420, { 'error-code': '420', 'error-code-label': 'This number is not available' }).info.kind).toBe('not_available');
    // The legacy API also answers refusals with HTTP 200 and the code in the body.
    expect(mapVonageError(200, methodFailed, {}, [], 'purchase').info).toMatchObject({ httpStatus: 200, providerCode: '420', kind: 'not_available' });
  });

  it('maps balance problems, throttling and server errors', () => {
    expect(mapVonageError(420, { 'error-code': '420', 'error-code-label': 'Insufficient balance to buy this number' }, {}, [], 'purchase').info.kind).toBe('insufficient_funds');
    const throttled = mapVonageError(429, { 'error-code': '429', 'error-code-label': 'Too Many Requests' }, { 'retry-after': '3' });
    expect(throttled.info).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterSeconds: 3 });
    expect(mapVonageError(503, undefined).info).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(mapVonageError(400, { country: 'Is required.' }).message).toBe('Vonage HTTP 400: country: Is required.');
    expect(mapVonageError(422, { type: 'https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY', title: 'Invalid request', detail: 'bad' }).info.kind).toBe('invalid_request');
    expect(mapVonageError(502, '<html>Bad gateway</html>').message).toBe('Vonage HTTP 502: <html>Bad gateway</html>');
    expect(kindOf(404, undefined, undefined)).toBe('not_found');
    expect(kindOf(200, '403', 'forbidden')).toBe('auth');
  });

  it('never echoes the api key or secret', () => {
    const body = { 'error-code': '401', 'error-code-label': `Bad credentials api_key=${KEY}&api_secret=${SECRET} (secret ${SECRET}, key ${KEY})` };
    const err = mapVonageError(401, body, {}, [SECRET, KEY]);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(KEY);
    expect(JSON.stringify(err.info)).not.toContain(SECRET);
    // Even without knowing the values, anything shaped like the query parameters is masked.
    const unknown = mapVonageError(400, `GET /number/search?api_key=zzzz1234&api_secret=qqqq5678 failed`);
    expect(unknown.message).not.toMatch(/zzzz1234|qqqq5678/);
  });
});

describe('buildUpdateForm: /number/update replaces the configuration, so what is kept is resent', () => {
  const current = ownedExample.numbers[0]!;

  it('keeps the current webhook and Application when only another field changes', () => {
    expect(buildUpdateForm('GB', '447700900000', current, { statusCallbackUrl: 'https://example.com/status' })).toEqual({
      country: 'GB',
      msisdn: '447700900000',
      app_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
      moHttpUrl: 'https://example.com/webhooks/inbound-sms',
      voiceStatusCallback: 'https://example.com/status',
    });
  });

  it('null smsUrl sends an empty moHttpUrl; null applicationId leaves app_id out', () => {
    expect(buildUpdateForm('GB', '447700900000', current, { smsUrl: null, applicationId: null })).toEqual({ country: 'GB', msisdn: '447700900000', moHttpUrl: '' });
  });

  it('keeps a SIP / tel forward, never resends the deprecated app callback types', () => {
    const forwarded = { ...current, voiceCallbackType: 'sip', voiceCallbackValue: 'sip:desk@example.com' };
    expect(buildUpdateForm('GB', '447700900000', forwarded, { applicationId: 'bbbbbbbb-bbbb-cccc-dddd-0123456789ab' })).toEqual({
      country: 'GB',
      msisdn: '447700900000',
      app_id: 'bbbbbbbb-bbbb-cccc-dddd-0123456789ab',
      moHttpUrl: 'https://example.com/webhooks/inbound-sms',
      voiceCallbackType: 'sip',
      voiceCallbackValue: 'sip:desk@example.com',
    });
  });
});

describe('vonageCapabilities', () => {
  it('declares the types and filters this adapter supports', () => {
    expect(vonageCapabilities.numberTypes).toEqual(['local', 'mobile', 'toll_free']);
    expect(vonageCapabilities.numberTypes).not.toContain('national');
    expect(vonageCapabilities.searchFilters).toEqual(['areaCode', 'startsWith', 'contains', 'endsWith', 'capabilities']);
    expect(vonageCapabilities.maxSearchLimit).toBe(100);
  });
});

describe('Vonage client error paths (loopback)', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ method: string; url: string; body: string }> = [];
  let replies: Array<{ status: number; body: unknown }> = [];
  const logLines: string[] = [];
  const capture: Logger = {
    debug: (m, f) => logLines.push(`${m} ${JSON.stringify(f ?? {})}`),
    info: (m, f) => logLines.push(`${m} ${JSON.stringify(f ?? {})}`),
    warn: (m, f) => logLines.push(`${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => logLines.push(`${m} ${JSON.stringify(f ?? {})}`),
    child: () => capture,
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body });
        const next = replies.shift() ?? { status: 500, body: { 'error-code': '500', 'error-code-label': 'no reply queued' } };
        res.writeHead(next.status, { 'content-type': 'application/json' }).end(JSON.stringify(next.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    seen.length = 0;
    logLines.length = 0;
    replies = [];
  });

  const provider = () => createVonageProvider({ credentials: { apiKey: KEY, apiSecret: SECRET }, baseUrl: url, logger: capture, http: { sleep: async () => {} } });
  const query = (i: number) => new URL(seen[i]!.url, 'http://x').searchParams;

  it('purchase of a taken number → not_available, not ambiguous, one form POST with query auth', async () => {
    replies = [{ status: 420, body: methodFailed }];
    const err = await provider()
      .purchase({ phoneNumber: '+447700900123' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info).toMatchObject({ kind: 'not_available', providerCode: '420', retryable: false, ambiguous: false });
    expect((err as Error).message).not.toContain(SECRET);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url.split('?')[0]).toBe('/number/buy');
    expect(query(0).get('api_key')).toBe(KEY);
    expect(query(0).get('api_secret')).toBe(SECRET);
    expect(seen[0]!.body).toBe('country=GB&msisdn=447700900123');
  });

  it('a refusal inside an HTTP 200 body is an error too; a 5xx answer to buy is ambiguous and not retried', async () => {
    replies = [{ status: 200, body: methodFailed }];
    await expect(provider().purchase({ phoneNumber: '+447700900123' })).rejects.toMatchObject({ info: { kind: 'not_available', httpStatus: 200 } });
    replies = [{ status: 500, body: { 'error-code': '500', 'error-code-label': 'Internal Error' } }];
    seen.length = 0;
    const err = (await provider()
      .purchase({ phoneNumber: '+447700900123' })
      .catch((e: unknown) => e)) as ProviderError;
    expect(err.info).toMatchObject({ ambiguous: true, retryable: true });
    expect(seen).toHaveLength(1);
    replies = [{ status: 200, body: {} }];
    await expect(provider().purchase({ phoneNumber: '+447700900123' })).rejects.toMatchObject({ info: { ambiguous: true } });
  });

  it('a purchase that succeeded is returned even when the follow-up lookup fails', async () => {
    replies = [{ status: 200, body: success }, { status: 401, body: unauthorized }];
    const bought = await provider().purchase({ phoneNumber: '+14155550100', label: 'ignored' });
    expect(bought).toMatchObject({ providerNumberId: 'US:14155550100', phoneNumber: '+14155550100', country: 'US' });
    expect(logLines.some((l) => l.startsWith('Vonage numbers have no label'))).toBe(true);
  });

  it('release: a 420 for a number the account no longer owns counts as released; one it still owns is an error', async () => {
    replies = [{ status: 420, body: methodFailed }, { status: 200, body: { count: 0 } }];
    await expect(provider().release('GB:447700900000')).resolves.toBeUndefined();
    expect(seen.map((s) => `${s.method} ${s.url.split('?')[0]}`)).toEqual(['POST /number/cancel', 'GET /account/numbers']);
    replies = [{ status: 420, body: methodFailed }, { status: 200, body: ownedExample }];
    await expect(provider().release('GB:447700900000')).rejects.toMatchObject({ info: { providerCode: '420' } });
    replies = [{ status: 401, body: unauthorized }];
    await expect(provider().release('GB:447700900000')).rejects.toMatchObject({ info: { kind: 'auth' } });
  });

  it('update reads, then writes the merged form, and returns the new state', async () => {
    replies = [{ status: 200, body: ownedExample }, { status: 200, body: success }];
    const updated = await provider().update('GB:447700900000', { smsUrl: 'https://example.com/new-sms', voiceUrl: 'https://example.com/voice', label: 'x' });
    expect(seen.map((s) => s.method)).toEqual(['GET', 'POST']);
    expect(Object.fromEntries(query(0))).toMatchObject({ country: 'GB', pattern: '447700900000', search_pattern: '1' });
    expect(Object.fromEntries(new URLSearchParams(seen[1]!.body))).toEqual({
      country: 'GB',
      msisdn: '447700900000',
      app_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
      moHttpUrl: 'https://example.com/new-sms',
    });
    expect(updated).toMatchObject({ providerNumberId: 'GB:447700900000', smsUrl: 'https://example.com/new-sms' });
    expect(updated.voiceUrl).toBeUndefined();
    expect(logLines.some((l) => l.includes('voiceUrl ignored'))).toBe(true);
  });

  it('keeps credentials out of errors and logs', async () => {
    replies = [{ status: 401, body: { 'error-code': '401', 'error-code-label': `authentication failed for ${KEY}/${SECRET}` } }];
    const err = (await provider()
      .verifyCredentials()
      .catch((e: unknown) => e)) as ProviderError;
    expect(err.info).toMatchObject({ kind: 'auth', httpStatus: 401 });
    expect(`${err.message} ${err.stack}`).not.toContain(SECRET);
    expect(`${err.message}`).not.toContain(KEY);
    expect(seen[0]!.url).toBe(`/account/numbers?size=1&api_key=${KEY}&api_secret=${SECRET}`);
    expect(logLines.join('\n')).not.toContain(SECRET);
    expect(logLines.join('\n')).not.toContain(KEY);
  });

  it('search translates criteria and filters wildcards client-side', async () => {
    replies = [{ status: 200, body: { count: 3, numbers: [{ msisdn: '14159551234', type: 'landline' }, { msisdn: '14105551234', type: 'landline' }, { msisdn: '12125550000', type: 'landline' }] } }];
    const found = await provider().search({ country: 'US', type: 'local', contains: '41*555', capabilities: { sms: true, voice: true }, limit: 1 });
    expect(Object.fromEntries(query(0))).toEqual({ country: 'US', type: 'landline', pattern: '555', search_pattern: '1', features: 'SMS,VOICE', size: '100', api_key: KEY, api_secret: SECRET });
    expect(found.map((n) => n.phoneNumber)).toEqual(['+14105551234']);
  });

  it('rejects what Vonage cannot do before sending anything', async () => {
    const p = provider();
    await expect(p.search({ country: 'US', type: 'national', limit: 5 })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(p.search({ country: 'US', type: 'local', region: 'CA', limit: 5 })).rejects.toThrow(/does not support region/);
    await expect(p.search({ country: 'US', type: 'local', areaCode: '415', endsWith: '1', limit: 5 })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(p.search({ country: 'US', type: 'local', capabilities: { fax: true }, limit: 5 })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(p.get('PN0123')).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(p.purchase({ phoneNumber: 'nope' })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(p.list({ pageToken: 'garbage' })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    expect(seen).toHaveLength(0);
  });
});
