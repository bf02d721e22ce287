/**
 * Contract test: the REAL Twilio provider against a Prism mock of Twilio's official
 * OpenAPI spec (../shared/contracts/twilio/twilio_api_v2010.json).
 *
 * A call conforms when Prism reports no request violation (no 422, nothing about the
 * request in `sl-violations`) AND every query parameter / form field we send is one the
 * operation declares (Prism does not flag unknown ones). Response-side violations are
 * defects of the spec's own examples (e.g. latitude "19.720000" for a number) and are
 * not ours; the mapper has to survive them, which these tests also check.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createTwilioProvider } from '../../shared/providers/twilio/client.js';
import { ProviderError, type NumberProvider, type NumberType, type OwnedPage } from '../../shared/providers/types.js';
import { contractPath, startPrism, undeclaredParameters, type PrismExchange, type PrismHandle } from '../helpers/prism.js';

const SPEC = contractPath('twilio', 'twilio_api_v2010.json');
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'contract-test-token-0123456789abcdef';
const NUMBER_SID = 'PN0123456789abcdef0123456789abcdef';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

let prism: PrismHandle;
let twilio: NumberProvider;

function providerFor(accountSid: string): NumberProvider {
  return createTwilioProvider({
    credentials: { accountSid, authToken: AUTH_TOKEN },
    baseUrl: prism.url,
    logger: silent,
    // One attempt per call: every operation must map to exactly one recorded exchange.
    http: { maxRetries: 0 },
  });
}

/** Fails unless every exchange conforms to the spec. */
function expectConforming(exchanges: PrismExchange[], count: number): void {
  expect(exchanges, 'number of HTTP calls').toHaveLength(count);
  for (const ex of exchanges) {
    const where = `${ex.method} ${ex.url}`;
    expect(ex.requestViolations, `Prism request violations for ${where}`).toEqual([]);
    expect(ex.prismError, `Prism-generated error (${ex.status}) for ${where}: ${ex.responseBody}`).toBe(false);
    expect(ex.status, `status for ${where}`).toBeLessThan(300);
    expect(undeclaredParameters(SPEC, ex), `parameters the spec does not declare, ${where}`).toEqual([]);
    expect(ex.requestHeaders.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
  }
}

/**
 * Runs provider calls and checks what they sent. Violations are reported before any
 * provider error, so a failure names the offending parameter, not just "422".
 */
async function conforming<T>(count: number, fn: () => Promise<T>): Promise<{ result: T; exchanges: PrismExchange[] }> {
  let outcome: { ok: true; result: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, result: await fn() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const exchanges = prism.take();
  expectConforming(exchanges, count);
  if (!outcome.ok) throw outcome.error;
  return { result: outcome.result, exchanges };
}

beforeAll(async () => {
  prism = await startPrism(SPEC);
  twilio = providerFor(ACCOUNT_SID);
   
  console.info(`Prism (Twilio spec) ready in ${prism.startupMs} ms`);
});

afterAll(async () => {
  await prism?.stop();
});

beforeEach(() => {
  prism.take();
});

describe('Twilio provider vs the Twilio 2010 OpenAPI spec (Prism)', () => {
  const searches: Array<[NumberType, string, string, string]> = [
    ['local', 'US', 'Local', '808'],
    ['toll_free', 'US', 'TollFree', '800'],
    ['mobile', 'NO', 'Mobile', '59'],
  ];

  it.each(searches)('search %s with every filter conforms', async (type, country, pathKind, areaCode) => {
    const { result: results, exchanges } = await conforming(1, () =>
      twilio.search({
        country,
        type,
        areaCode,
        contains: '925*',
        capabilities: { voice: true, sms: true, mms: true, fax: true },
        region: 'HI',
        postalCode: '96720',
        locality: 'Hilo',
        nearLatLong: { latitude: 19.72, longitude: -155.09 },
        distanceMiles: 25,
        limit: 10,
      }),
    );
    const ex = exchanges[0]!;
    expect(ex.method).toBe('GET');
    expect(ex.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/AvailablePhoneNumbers/${country}/${pathKind}.json`);
    expect(Object.fromEntries(ex.query)).toEqual({
      AreaCode: areaCode,
      Contains: '925*',
      SmsEnabled: 'true',
      MmsEnabled: 'true',
      VoiceEnabled: 'true',
      FaxEnabled: 'true',
      InRegion: 'HI',
      InPostalCode: '96720',
      InLocality: 'Hilo',
      NearLatLong: '19.72,-155.09',
      Distance: '25',
      PageSize: '10',
    });
    // The mock answers with the spec's example; mapping it must work.
    expect(results.length).toBeGreaterThan(0);
    for (const n of results) {
      expect(n.provider).toBe('twilio');
      expect(n.type).toBe(type);
      expect(n.phoneNumber).toMatch(/^\+\d+$/);
      expect(typeof n.capabilities.sms).toBe('boolean');
    }
    if (type === 'local') expect(results[0]).toMatchObject({ phoneNumber: '+18089251571', latitude: 19.72, longitude: -155.09, country: 'US' });
  });

  it('search with no optional filter conforms', async () => {
    const { exchanges } = await conforming(1, () => twilio.search({ country: 'US', type: 'local', limit: 1 }));
    expect(Object.fromEntries(exchanges[0]!.query)).toEqual({ PageSize: '1' });
  });

  it('purchase with every optional field conforms (a single POST)', async () => {
    const { result: bought, exchanges } = await conforming(1, () =>
      twilio.purchase({
        phoneNumber: '+18089251571',
        label: 'Support line',
        smsUrl: 'https://hooks.example.com/twilio/sms',
        voiceUrl: 'https://hooks.example.com/twilio/voice',
        statusCallbackUrl: 'https://hooks.example.com/twilio/status',
      }),
    );
    const ex = exchanges[0]!;
    expect(ex.method).toBe('POST');
    expect(ex.status).toBe(201);
    expect(ex.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`);
    expect(ex.requestHeaders['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(ex.requestBody))).toEqual({
      PhoneNumber: '+18089251571',
      FriendlyName: 'Support line',
      SmsUrl: 'https://hooks.example.com/twilio/sms',
      VoiceUrl: 'https://hooks.example.com/twilio/voice',
      StatusCallback: 'https://hooks.example.com/twilio/status',
    });
    expect(bought).toMatchObject({ providerNumberId: 'PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', phoneNumber: '+18089255327', provider: 'twilio' });
  });

  it('purchase with only the number conforms', async () => {
    const { exchanges } = await conforming(1, () => twilio.purchase({ phoneNumber: '+18089251571' }));
    expect(exchanges[0]!.requestBody).toBe('PhoneNumber=%2B18089251571');
  });

  it('findOwned conforms and returns only an exact match', async () => {
    const { result, exchanges } = await conforming(2, async () => [await twilio.findOwned('+18089255327'), await twilio.findOwned('+15105550142')]);
    const [found, missing] = result;
    expect(exchanges[0]!.query.get('PhoneNumber')).toBe('+18089255327');
    expect(found).toMatchObject({ providerNumberId: 'PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', phoneNumber: '+18089255327' });
    expect(missing).toBeUndefined(); // the mock's example number is a different one
  });

  it('list conforms, with and without paging parameters', async () => {
    // A token as list() builds it from next_page_uri (Page + PageToken), and a bare PageToken.
    const tokenFromUri = Buffer.from(JSON.stringify({ p: 1, t: 'PAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' })).toString('base64url');
    const { result, exchanges } = await conforming(4, async () => [
      await twilio.list(),
      await twilio.list({ phoneNumber: '+18089255327', pageSize: 20 }),
      await twilio.list({ pageSize: 20, pageToken: tokenFromUri }),
      await twilio.list({ pageToken: 'PAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' }),
    ]);
    const [first, filtered] = result as [OwnedPage, OwnedPage];
    expect(Object.fromEntries(exchanges[1]!.query)).toEqual({ PhoneNumber: '+18089255327', PageSize: '20' });
    expect(Object.fromEntries(exchanges[2]!.query)).toEqual({ PageSize: '20', Page: '1', PageToken: 'PAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(Object.fromEntries(exchanges[3]!.query)).toEqual({ PageToken: 'PAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' });
    expect(first.numbers.length).toBeGreaterThan(0);
    expect(first.nextPageToken).toBeUndefined(); // the example's next_page_uri is null
    expect(filtered.numbers[0]).toMatchObject({ phoneNumber: '+18089255327', type: 'local' });
  });

  it('get conforms', async () => {
    const { result: n, exchanges } = await conforming(1, () => twilio.get(NUMBER_SID));
    expect(exchanges[0]!.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers/${NUMBER_SID}.json`);
    expect(n).toMatchObject({ providerNumberId: 'PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', phoneNumber: '+18089255327', label: '(808) 925-5327' });
  });

  it('update setting every field conforms', async () => {
    const { result: n, exchanges } = await conforming(1, () =>
      twilio.update(NUMBER_SID, {
        label: 'Sales',
        smsUrl: 'https://hooks.example.com/sms',
        voiceUrl: 'https://hooks.example.com/voice',
        statusCallbackUrl: 'https://hooks.example.com/status',
      }),
    );
    expect(exchanges[0]!.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(exchanges[0]!.requestBody))).toEqual({
      FriendlyName: 'Sales',
      SmsUrl: 'https://hooks.example.com/sms',
      VoiceUrl: 'https://hooks.example.com/voice',
      StatusCallback: 'https://hooks.example.com/status',
    });
    expect(n.providerNumberId).toBe('PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
  });

  it('update clearing a URL sends an empty value — the one KNOWN spec gap', async () => {
    // Twilio clears a webhook with an empty value; its own examples return "sms_url": "" for
    // cleared URLs. The spec nevertheless declares these fields `format: uri`, so Prism rejects
    // "". We pin exactly that violation and nothing else: if the client ever stopped sending
    // the field (so the URL would silently stay set) or broke anything else, this fails.
    const err = await twilio.update(NUMBER_SID, { voiceUrl: null, statusCallbackUrl: null, label: 'Cleared' }).catch((e: unknown) => e);
    const exchanges = prism.take();
    expect(exchanges).toHaveLength(1);
    const ex = exchanges[0]!;
    expect(Object.fromEntries(new URLSearchParams(ex.requestBody))).toEqual({ FriendlyName: 'Cleared', VoiceUrl: '', StatusCallback: '' });
    expect(ex.status).toBe(422);
    const violations = ex.requestViolations.map((v) => `${v.location.join('.')}:${v.code}`).sort();
    expect(violations).toEqual(['body.StatusCallback:format', 'body.VoiceUrl:format']);
    expect(undeclaredParameters(SPEC, ex)).toEqual([]);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info).toMatchObject({ httpStatus: 422, retryable: false, kind: 'invalid_request' });
  });

  it('release conforms (DELETE → 204)', async () => {
    const { result, exchanges } = await conforming(1, () => twilio.release(NUMBER_SID));
    expect(result).toBeUndefined();
    expect(exchanges[0]!.method).toBe('DELETE');
    expect(exchanges[0]!.status).toBe(204);
  });
});

describe('negative controls: the harness does fail on non-conforming calls', () => {
  const auth = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;

  it('an AccountSid that does not match ^AC[0-9a-fA-F]{32}$ gets 422 and fails expectConforming', async () => {
    const res = await fetch(`${prism.url}/2010-04-01/Accounts/ACnot-a-sid/AvailablePhoneNumbers/US/Local.json`, { headers: { authorization: auth } });
    await res.arrayBuffer();
    expect(res.status).toBe(422);
    const exchanges = prism.take();
    expect(exchanges[0]!.requestViolations.map((v) => v.code)).toContain('pattern');
    expect(() => expectConforming(exchanges, 1)).toThrow();
  });

  it('AreaCode "abc" (the spec says integer) gets 422', async () => {
    const res = await fetch(`${prism.url}/2010-04-01/Accounts/${ACCOUNT_SID}/AvailablePhoneNumbers/US/Local.json?AreaCode=abc`, {
      headers: { authorization: auth },
    });
    await res.arrayBuffer();
    expect(res.status).toBe(422);
    const [ex] = prism.take();
    expect(ex!.requestViolations).toEqual([expect.objectContaining({ location: ['query', 'areacode'], code: 'type' })]);
  });

  it('the real provider with a malformed AccountSid is caught too', async () => {
    const bad = providerFor('AC_bad_sid');
    const err = await bad.search({ country: 'US', type: 'local', limit: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info).toMatchObject({ httpStatus: 422, kind: 'invalid_request' });
    const exchanges = prism.take();
    expect(exchanges[0]!.requestViolations.length).toBeGreaterThan(0);
    expect(() => expectConforming(exchanges, 1)).toThrow();
  });

  it('a misspelt filter passes Prism but is caught by the undeclared-parameter check', async () => {
    const res = await fetch(`${prism.url}/2010-04-01/Accounts/${ACCOUNT_SID}/AvailablePhoneNumbers/US/Local.json?InRegoin=HI`, {
      headers: { authorization: auth },
    });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    const exchanges = prism.take();
    expect(undeclaredParameters(SPEC, exchanges[0]!)).toEqual(['query InRegoin']);
    expect(() => expectConforming(exchanges, 1)).toThrow();
  });

  it('a JSON body where the spec only accepts form encoding is rejected', async () => {
    const res = await fetch(`${prism.url}/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ PhoneNumber: '+18089251571' }),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(415);
    expect(() => expectConforming(prism.take(), 1)).toThrow();
  });

  it('a request without credentials gets 401 from Prism', async () => {
    const res = await fetch(`${prism.url}/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json`);
    await res.arrayBuffer();
    expect(res.status).toBe(401);
    expect(() => expectConforming(prism.take(), 1)).toThrow();
  });
});
