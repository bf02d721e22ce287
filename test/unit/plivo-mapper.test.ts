import { describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createPlivoProvider, plivoCapabilities } from '../../shared/providers/plivo/client.js';
import {
  buyOutcome,
  decodePageToken,
  encodePageToken,
  fromPlivoNumber,
  mapCapabilities,
  mapOwnedNumber,
  mapOwnedPage,
  mapOwnedType,
  mapPlivoError,
  mapSearchObject,
  mapSearchPage,
  matchesCriteria,
  nextOffset,
  plivoTypeByNumberType,
  searchPattern,
  servicesParam,
  toPlivoNumber,
} from '../../shared/providers/plivo/mapper.js';
import { ProviderError, type SearchCriteria } from '../../shared/providers/types.js';

// Payloads with the field lists of shared/contracts/plivo/README.md (lines 12, 14, 16), values from
// the plivo-python fixtures it cites (phoneNumberListResponse.json, numberGetResponse.json,
// phoneNumberCreateResponse.json).
const searchPage = {
  api_id: '859428b0-1c88-11e4-a2d1-22000ac5040c',
  meta: { limit: 20, next: null, offset: 0, previous: null, total_count: 2 },
  objects: [
    {
      country: 'UNITED STATES',
      lata: 722,
      monthly_rental_rate: '0.80000',
      number: '14154009186',
      type: 'fixed',
      sub_type: 'local',
      prefix: '415',
      city: 'SAN FRANCISCO',
      rate_center: 'SNFC CNTRL',
      region: 'United States',
      resource_uri: '/v1/Account/MANWVLYTK4ZWU1YTY4ZT/PhoneNumber/14154009186/',
      restriction: null,
      restriction_text: null,
      setup_rate: '0.00000',
      sms_enabled: true,
      sms_rate: '0.00800',
      voice_enabled: true,
      voice_rate: '0.00500',
      mms_enabled: false,
      mms_rate: '0.00000',
    },
    {
      country: 'UNITED STATES',
      lata: 722,
      monthly_rental_rate: '0.80000',
      number: '14154009187',
      type: 'fixed',
      prefix: '415',
      rate_center: 'SNFC CNTRL',
      region: 'United States',
      restriction: 'city-address',
      setup_rate: '0.00000',
      sms_enabled: false,
      voice_enabled: true,
    },
  ],
};

const ownedNumber = {
  added_on: '2014-02-14',
  active: false,
  alias: null,
  api_id: '88625e5e-1c92-11e4-80aa-12313f048015',
  application: '/v1/Account/MANWVLYTK4ZWU1YTY4ZT/Application/29986316244302815/',
  carrier: 'Plivo',
  monthly_rental_rate: '0.80000',
  number: '17609915566',
  number_type: 'local',
  city: 'USA',
  compliance_application_id: null,
  compliance_status: null,
  country: 'United States',
  mms_enabled: false,
  mms_rate: '0.00000',
  tendlc_campaign_id: null,
  tendlc_registration_status: 'UNREGISTERED',
  toll_free_sms_verification: null,
  renewal_date: '2014-03-14',
  region: 'California, UNITED STATES',
  resource_uri: '/v1/Account/MANWVLYTK4ZWU1YTY4ZT/Number/17609915566/',
  sms_enabled: true,
  sms_rate: '0.00000',
  sub_account: null,
  voice_enabled: true,
  voice_rate: '0.00850',
};

const buyFulfilled = {
  api_id: 'aa52882c-1c88-11e4-bd8a-12313f016a39',
  message: 'created',
  numbers: [{ number: '14154009186', status: 'Success' }],
  status: 'fulfilled',
};

const criteria = (over: Partial<SearchCriteria> = {}): SearchCriteria => ({ country: 'US', type: 'local', limit: 20, ...over });

describe('E.164 <-> Plivo number', () => {
  it('strips and restores the plus', () => {
    expect(toPlivoNumber('+14155550123')).toBe('14155550123');
    expect(toPlivoNumber('14155550123')).toBe('14155550123');
    expect(toPlivoNumber(' +442079460123 ')).toBe('442079460123');
    expect(fromPlivoNumber('14155550123')).toBe('+14155550123');
    expect(fromPlivoNumber('+442079460123')).toBe('+442079460123');
  });

  it('rejects what is not a number', () => {
    for (const bad of ['', '+', '415-555-0123', '+0123456789', '12345', '1234567890123456', 'abc', '+1 415 555 0123']) {
      expect(toPlivoNumber(bad), bad).toBeUndefined();
    }
  });

  it('never throws on odd input when restoring', () => {
    expect(fromPlivoNumber('99')).toBe('+99');
    expect(fromPlivoNumber('1 (415) 555-0123')).toBe('+14155550123');
  });
});

describe('search results', () => {
  it('maps the README fields onto AvailableNumber', () => {
    const [first, second] = mapSearchPage(searchPage, 'local', 'US');
    expect(first).toEqual({
      phoneNumber: '+14154009186',
      friendlyName: '(415) 400-9186',
      provider: 'plivo',
      country: 'US',
      type: 'local',
      locality: 'SAN FRANCISCO',
      region: 'United States',
      rateCenter: 'SNFC CNTRL',
      lata: '722',
      capabilities: { voice: true, sms: true, mms: false, fax: false },
      monthlyCost: { amount: '0.80000', currency: 'USD' },
      addressRequirements: 'none',
    });
    expect(second).toMatchObject({
      phoneNumber: '+14154009187',
      capabilities: { voice: true, sms: false, mms: false, fax: false },
      addressRequirements: 'local',
    });
    expect(second).not.toHaveProperty('locality');
  });

  it('derives the ISO country from the number, not from Plivo country names', () => {
    expect(mapSearchObject({ number: '442079460123', country: 'UNITED KINGDOM' }, 'local', 'XX')?.country).toBe('GB');
    expect(mapSearchObject({ number: '442079460123' }, 'local', 'GB')?.friendlyName).toBe('020 7946 0123');
    // An unparseable number keeps the caller's country.
    expect(mapSearchObject({ number: '999' }, 'local', 'us')?.country).toBe('US');
  });

  it('skips entries without a number and survives junk pages', () => {
    expect(mapSearchPage({ objects: [null, 'x', {}, { number: '' }, { number: '14154009186' }] }, 'toll_free', 'US')).toHaveLength(1);
    expect(mapSearchPage(undefined, 'local', 'US')).toEqual([]);
    expect(mapSearchPage('oops', 'local', 'US')).toEqual([]);
    expect(mapSearchPage({ objects: 'nope' }, 'local', 'US')).toEqual([]);
  });

  it('ignores rates that are not amounts', () => {
    expect(mapSearchObject({ number: '14154009186', monthly_rental_rate: 'n/a' }, 'local', 'US')).not.toHaveProperty('monthlyCost');
  });

  it('reads capability flags strictly', () => {
    expect(mapCapabilities({ voice_enabled: true, sms_enabled: 'true', mms_enabled: 1 })).toEqual({ voice: true, sms: true, mms: false, fax: false });
    expect(mapCapabilities(null)).toEqual({ voice: false, sms: false, mms: false, fax: false });
  });
});

describe('search criteria', () => {
  it('maps our number types to Plivo search types', () => {
    expect(plivoTypeByNumberType).toEqual({ local: 'local', toll_free: 'tollfree', mobile: 'mobile', national: 'national' });
  });

  it('turns areaCode / startsWith into one prefix pattern', () => {
    expect(searchPattern({})).toEqual({ conflict: false });
    expect(searchPattern({ areaCode: '415' })).toEqual({ pattern: '415', conflict: false });
    expect(searchPattern({ startsWith: '4155' })).toEqual({ pattern: '4155', conflict: false });
    expect(searchPattern({ areaCode: '415', startsWith: '41555' })).toEqual({ pattern: '41555', conflict: false });
    expect(searchPattern({ areaCode: '415', startsWith: '41' })).toEqual({ pattern: '415', conflict: false });
    expect(searchPattern({ areaCode: '415', startsWith: '212' })).toEqual({ conflict: true });
  });

  it('lists services in a fixed order', () => {
    expect(servicesParam(undefined)).toBeUndefined();
    expect(servicesParam({})).toBeUndefined();
    expect(servicesParam({ mms: true, voice: true })).toBe('voice,mms');
    expect(servicesParam({ sms: true, mms: true, voice: true })).toBe('voice,sms,mms');
  });

  it('checks results against the prefix, country and capabilities asked for', () => {
    const raw = searchPage.objects[0]!;
    const n = mapSearchObject(raw, 'local', 'US')!;
    expect(matchesCriteria(n, raw, criteria(), '415')).toBe(true);
    expect(matchesCriteria(n, raw, criteria(), '4154')).toBe(true);
    expect(matchesCriteria(n, raw, criteria(), '212')).toBe(false);
    expect(matchesCriteria(n, raw, criteria({ country: 'CA' }), undefined)).toBe(false);
    expect(matchesCriteria(n, raw, criteria({ capabilities: { sms: true } }), undefined)).toBe(true);
    expect(matchesCriteria(n, raw, criteria({ capabilities: { mms: true } }), undefined)).toBe(false);
    // A flag Plivo did not send is not held against the number.
    const bare = { number: '14154009186' };
    expect(matchesCriteria(mapSearchObject(bare, 'local', 'US')!, bare, criteria({ capabilities: { mms: true } }), undefined)).toBe(true);
  });

  it('declares only the filters Plivo can express', () => {
    expect([...plivoCapabilities.searchFilters].sort()).toEqual(['areaCode', 'capabilities', 'locality', 'region', 'startsWith']);
    expect(plivoCapabilities.searchFilters).not.toContain('contains');
    expect(plivoCapabilities.searchFilters).not.toContain('endsWith');
    expect(plivoCapabilities.maxSearchLimit).toBe(100);
  });
});

describe('owned numbers', () => {
  it('maps an account number (README line 16 fields)', () => {
    expect(mapOwnedNumber(ownedNumber)).toEqual({
      providerNumberId: '17609915566',
      phoneNumber: '+17609915566',
      friendlyName: '(760) 991-5566',
      provider: 'plivo',
      country: 'US',
      type: 'local',
      capabilities: { voice: true, sms: true, mms: false, fax: false },
      monthlyCost: { amount: '0.80000', currency: 'USD' },
      applicationId: '29986316244302815', // from `application`, its resource URI
    });
    expect(mapOwnedNumber({ ...ownedNumber, alias: 'Front desk' }).label).toBe('Front desk');
    expect(mapOwnedNumber({ ...ownedNumber, application: null })).not.toHaveProperty('applicationId');
    expect(mapOwnedNumber({ ...ownedNumber, application: '20372631212782780' }).applicationId).toBe('20372631212782780');
  });

  it('maps Plivo number types', () => {
    expect(mapOwnedType('local')).toBe('local');
    expect(mapOwnedType('fixed')).toBe('local');
    expect(mapOwnedType('tollfree')).toBe('toll_free');
    expect(mapOwnedType('toll-free')).toBe('toll_free');
    expect(mapOwnedType('mobile')).toBe('mobile');
    expect(mapOwnedType('national')).toBe('national');
    expect(mapOwnedType('shortcode')).toBeUndefined();
    expect(mapOwnedType(undefined)).toBeUndefined();
  });

  it('refuses a resource without a number', () => {
    expect(() => mapOwnedNumber({ alias: 'x' })).toThrow(ProviderError);
    expect(() => mapOwnedNumber(null)).toThrow(/without a usable number/);
  });

  it('pages with an opaque offset token', () => {
    const token = encodePageToken(40);
    expect(token).not.toContain('40');
    expect(decodePageToken(token)).toBe(40);
    expect(decodePageToken('not-a-token')).toBeUndefined();
    expect(decodePageToken(encodePageToken(-1))).toBeUndefined();

    const page = mapOwnedPage(
      { meta: { limit: 2, next: '/v1/Account/MAXXX/Number/?limit=2&offset=2', offset: 0, previous: null, total_count: 3 }, objects: [ownedNumber, { junk: true }] },
      0,
      2,
    );
    expect(page.numbers.map((n) => n.phoneNumber)).toEqual(['+17609915566']);
    expect(decodePageToken(page.nextPageToken!)).toBe(2);
    expect(mapOwnedPage({ meta: { next: null }, objects: [ownedNumber] }, 2, 2)).not.toHaveProperty('nextPageToken');
  });

  it('finds the next offset from meta, total_count or a full page', () => {
    expect(nextOffset({ next: '/x/?limit=20&offset=20' }, 0, 20, 20)).toBe(20);
    expect(nextOffset({ next: '/x/?limit=20' }, 0, 20, 20)).toBe(20);
    expect(nextOffset({ next: null }, 0, 20, 20)).toBeUndefined();
    expect(nextOffset({ total_count: 25 }, 20, 5, 20)).toBeUndefined();
    expect(nextOffset({ total_count: 45 }, 20, 20, 20)).toBe(40);
    expect(nextOffset(undefined, 0, 20, 20)).toBe(20);
    expect(nextOffset(undefined, 0, 7, 20)).toBeUndefined();
    expect(nextOffset({ next: '/x/?offset=20' }, 0, 0, 20)).toBeUndefined();
  });
});

describe('buy answers', () => {
  it('reads fulfilled, pending, failed and unknown', () => {
    expect(buyOutcome(buyFulfilled, '14154009186')).toEqual({ outcome: 'fulfilled', status: 'fulfilled', apiId: buyFulfilled.api_id });
    expect(buyOutcome({ api_id: 'a', status: 'pending', numbers: [{ number: '1', status: 'Pending' }] }).outcome).toBe('pending');
    expect(buyOutcome({ numbers: [{ number: '14154009186', status: 'Success' }] }, '14154009186').outcome).toBe('fulfilled');
    expect(buyOutcome({ status: 'failed' }).outcome).toBe('failed');
    expect(buyOutcome({ message: 'created' }).outcome).toBe('unknown');
    expect(buyOutcome('garbage').outcome).toBe('unknown');
  });
});

describe('errors', () => {
  const secrets = ['s3cr3t-token-value-0123456789', Buffer.from('MAXXXXXXXXXXXXXXXXXX:s3cr3t-token-value-0123456789').toString('base64')];

  it('classifies by status and message', () => {
    const cases: Array<[number, unknown, string, string]> = [
      [400, { api_id: 'x', error: 'Number 14155550123 is not available for rent' }, 'not_available', '400:number_not_available'],
      [400, { api_id: 'x', error: 'number could not be rented' }, 'not_available', '400:number_not_available'],
      [400, { api_id: 'x', error: 'insufficient credit to rent this number' }, 'insufficient_funds', '400:insufficient_credit'],
      [402, { api_id: 'x', error: 'payment required' }, 'insufficient_funds', '402'],
      [400, { api_id: 'x', error: 'country_iso is required' }, 'invalid_request', '400'],
      [401, { api_id: 'x', error: 'authentication failed' }, 'auth', '401:authentication_failed'],
      [401, 'Could not verify your access level for that URL.', 'auth', '401:authentication_failed'],
      [404, { api_id: 'x', error: 'not found' }, 'not_found', '404:not_found'],
      [405, { api_id: 'x', error: 'method not allowed' }, 'invalid_request', '405:method_not_allowed'],
      [429, { api_id: 'x', error: 'too many requests' }, 'rate_limited', '429:rate_limited'],
      [500, { api_id: 'x', error: 'internal server error' }, 'unavailable', '500'],
      [503, undefined, 'unavailable', '503'],
    ];
    for (const [status, body, kind, code] of cases) {
      const err = mapPlivoError(status, body);
      expect(err, `${status} ${JSON.stringify(body)}`).toBeInstanceOf(ProviderError);
      expect(err.provider).toBe('plivo');
      expect(err.info.kind, `${status} ${JSON.stringify(body)}`).toBe(kind);
      expect(err.info.providerCode, `${status} ${JSON.stringify(body)}`).toBe(code);
      expect(err.info.httpStatus).toBe(status);
      expect(err.retryable).toBe(status === 429 || status >= 500);
    }
  });

  it('keeps the text of structured and plain errors', () => {
    expect(mapPlivoError(400, { api_id: 'x', error: { limit: ['must be <= 20'] } }).message).toBe('Plivo HTTP 400: {"limit":["must be <= 20"]}');
    expect(mapPlivoError(502, '<html>Bad Gateway</html>').message).toBe('Plivo HTTP 502: <html>Bad Gateway</html>');
    expect(mapPlivoError(500, {}).message).toBe('Plivo HTTP 500: HTTP 500');
  });

  it('reads Retry-After', () => {
    expect(mapPlivoError(429, { error: 'slow down' }, { 'retry-after': '7' }).info.retryAfterSeconds).toBe(7);
  });

  it('scrubs credentials echoed back in messages', () => {
    const err = mapPlivoError(400, { error: `bad token s3cr3t-token-value-0123456789 in Basic ${secrets[1]}` }, {}, secrets);
    expect(err.message).not.toContain('s3cr3t-token-value');
    expect(err.message).not.toContain(secrets[1]!);
    expect(mapPlivoError(400, { error: 'x'.repeat(900) }).message.length).toBeLessThan(560);
  });
});

describe('client guards (no request is sent)', () => {
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
  // Port 9 (discard) is not listening: a request would surface as kind 'unavailable', not 'invalid_request'.
  const plivo = createPlivoProvider({
    credentials: { authId: 'MAXXXXXXXXXXXXXXXXXX', authToken: 'token-token-token-token' },
    baseUrl: 'http://127.0.0.1:9',
    logger: silent,
    http: { maxRetries: 0 },
  });
  const rejects = async (p: Promise<unknown>, pattern: RegExp) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info.kind).toBe('invalid_request');
    expect((err as ProviderError).message).toMatch(pattern);
  };

  it('rejects filters Plivo cannot express instead of ignoring them', async () => {
    await rejects(plivo.search(criteria({ contains: '55*5' })), /contains/);
    await rejects(plivo.search(criteria({ endsWith: '0000' })), /endsWith/);
    await rejects(plivo.search(criteria({ postalCode: '94107' })), /postalCode/);
    await rejects(plivo.search(criteria({ nearLatLong: { latitude: 1, longitude: 2 }, distanceMiles: 5 })), /nearLatLong, distanceMiles/);
    await rejects(plivo.search(criteria({ capabilities: { fax: true } })), /fax/);
    await rejects(plivo.search(criteria({ areaCode: '4x5' })), /areaCode/);
    await rejects(plivo.search(criteria({ country: 'USA' })), /ISO/);
  });

  it('answers contradictory prefixes with nothing', async () => {
    await expect(plivo.search(criteria({ areaCode: '415', startsWith: '212' }))).resolves.toEqual([]);
  });

  it('rejects per-number webhook URLs, which Plivo does not have', async () => {
    await rejects(plivo.update('14155550123', { smsUrl: 'https://hooks.example.com/sms' }), /no per-number smsUrl.*Application/);
    await rejects(plivo.purchase({ phoneNumber: '+14155550123', voiceUrl: 'https://hooks.example.com/voice' }), /voiceUrl/);
  });

  it('rejects malformed numbers and page tokens', async () => {
    await rejects(plivo.get('PN123'), /E\.164/);
    await rejects(plivo.purchase({ phoneNumber: '415-555-0123' }), /E\.164/);
    await rejects(plivo.list({ pageToken: 'garbage' }), /pageToken/);
    await rejects(plivo.list({ phoneNumber: '+1 415' }), /digits/);
  });
});
