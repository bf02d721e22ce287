import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createTwilioProvider, twilioCapabilities } from '../../shared/providers/twilio/client.js';
import {
  decodePageToken,
  mapAvailableNumbers,
  mapCapabilities,
  mapIncomingNumber,
  mapIncomingType,
  mapOwnedPage,
  mapTwilioError,
  pageTokenFromNextPageUri,
} from '../../shared/providers/twilio/mapper.js';
import { ProviderError } from '../../shared/providers/types.js';

// Payloads copied from the examples of shared/contracts/twilio/twilio_api_v2010.json.
const localExample = {
  available_phone_numbers: [
    {
      address_requirements: 'none',
      beta: false,
      capabilities: { mms: true, sms: false, voice: true },
      friendly_name: '(808) 925-1571',
      iso_country: 'US',
      lata: '834',
      latitude: '19.720000',
      locality: 'Hilo',
      longitude: '-155.090000',
      phone_number: '+18089251571',
      postal_code: '96720',
      rate_center: 'HILO',
      region: 'HI',
    },
  ],
  uri: '/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/AvailablePhoneNumbers/US/Local.json',
};
const tollFreeExample = {
  available_phone_numbers: [
    {
      address_requirements: 'none',
      beta: false,
      capabilities: { mms: true, sms: true, voice: true },
      friendly_name: '(800) 100-0052',
      iso_country: 'US',
      lata: null,
      latitude: null,
      locality: null,
      longitude: null,
      phone_number: '+18001000052',
      postal_code: null,
      rate_center: null,
      region: null,
    },
  ],
};
const mobileExample = {
  available_phone_numbers: [
    {
      address_requirements: 'none',
      beta: false,
      capabilities: { mms: false, sms: true, voice: false },
      friendly_name: '+4759440374',
      iso_country: 'NO',
      lata: null,
      latitude: null,
      locality: null,
      longitude: null,
      phone_number: '+4759440374',
      postal_code: null,
      rate_center: null,
      region: null,
    },
  ],
};
const incomingExample = {
  account_sid: 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  address_requirements: 'none',
  address_sid: 'ADaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  api_version: '2010-04-01',
  beta: false,
  capabilities: { voice: true, sms: false, mms: true, fax: false },
  date_created: 'Thu, 30 Jul 2015 23:19:04 +0000',
  date_updated: 'Thu, 30 Jul 2015 23:19:04 +0000',
  emergency_status: 'Active',
  emergency_address_sid: 'ADaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  emergency_address_status: 'registered',
  friendly_name: '(808) 925-5327',
  identity_sid: 'RIaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  origin: 'origin',
  phone_number: '+18089255327',
  sid: 'PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  sms_application_sid: '',
  sms_fallback_method: 'POST',
  sms_fallback_url: '',
  sms_method: 'POST',
  sms_url: '',
  status_callback: '',
  status_callback_method: 'POST',
  trunk_sid: null,
  uri: '/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/IncomingPhoneNumbers/PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json',
  voice_application_sid: '',
  voice_caller_id_lookup: false,
  voice_fallback_method: 'POST',
  voice_fallback_url: null,
  voice_method: 'POST',
  voice_url: null,
  voice_receive_mode: 'voice',
  status: 'in-use',
  bundle_sid: 'BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  type: 'local',
};
// The create example (201) sets every URL and a non-phone friendly_name.
const createdExample = {
  ...incomingExample,
  friendly_name: 'friendly_name',
  sms_url: 'https://example.com',
  voice_url: 'https://example.com',
  status_callback: 'https://example.com',
};

describe('mapCapabilities', () => {
  it('reads keys case-insensitively (SMS/MMS in searches, lower case in owned numbers)', () => {
    expect(mapCapabilities({ voice: true, SMS: true, MMS: false, fax: false })).toEqual({ voice: true, sms: true, mms: false, fax: false });
    expect(mapCapabilities({ Voice: false, sms: true, mms: true, Fax: true })).toEqual({ voice: false, sms: true, mms: true, fax: true });
  });
  it('defaults missing or null capabilities to false', () => {
    expect(mapCapabilities(null)).toEqual({ voice: false, sms: false, mms: false, fax: false });
    expect(mapCapabilities({ voice: true })).toEqual({ voice: true, sms: false, mms: false, fax: false });
  });
});

describe('mapAvailableNumbers', () => {
  it('maps the Local example, with coordinates sent as decimal strings', () => {
    expect(mapAvailableNumbers(localExample, 'local')).toEqual([
      {
        phoneNumber: '+18089251571',
        friendlyName: '(808) 925-1571',
        provider: 'twilio',
        country: 'US',
        type: 'local',
        locality: 'Hilo',
        region: 'HI',
        postalCode: '96720',
        rateCenter: 'HILO',
        lata: '834',
        latitude: 19.72,
        longitude: -155.09,
        capabilities: { voice: true, sms: false, mms: true, fax: false },
        addressRequirements: 'none',
      },
    ]);
  });

  it('maps the TollFree example with null location fields omitted', () => {
    const [n] = mapAvailableNumbers(tollFreeExample, 'toll_free');
    expect(n).toEqual({
      phoneNumber: '+18001000052',
      friendlyName: '(800) 100-0052',
      provider: 'twilio',
      country: 'US',
      type: 'toll_free',
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      addressRequirements: 'none',
    });
  });

  it('maps the Mobile example (non-NANP) with a national format when possible', () => {
    const [n] = mapAvailableNumbers(mobileExample, 'mobile');
    expect(n).toMatchObject({ phoneNumber: '+4759440374', country: 'NO', type: 'mobile', capabilities: { sms: true, voice: false } });
    expect(n!.friendlyName).toMatch(/^[\d ]+$/);
  });

  it('maps the real-API shape: upper-case capability keys and numeric coordinates', () => {
    const [n] = mapAvailableNumbers(
      {
        available_phone_numbers: [
          {
            friendly_name: '(415) 555-0142',
            phone_number: '+14155550142',
            iso_country: 'US',
            latitude: 37.7749,
            longitude: -122.4194,
            capabilities: { voice: true, SMS: true, MMS: true, fax: false },
            address_requirements: 'local',
          },
        ],
      },
      'local',
    );
    expect(n).toMatchObject({
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      latitude: 37.7749,
      longitude: -122.4194,
      addressRequirements: 'local',
    });
  });

  it('keeps an unparseable phone string instead of throwing, and drops entries without a number', () => {
    const out = mapAvailableNumbers(
      {
        available_phone_numbers: [
          { phone_number: 'not-a-number', friendly_name: 'weird', iso_country: 'US', latitude: 'n/a', address_requirements: 'sometimes' },
          { phone_number: null, friendly_name: 'x' },
          null,
        ],
      },
      'local',
    );
    expect(out).toEqual([
      {
        phoneNumber: 'not-a-number',
        friendlyName: 'weird',
        provider: 'twilio',
        country: 'US',
        type: 'local',
        capabilities: { voice: false, sms: false, mms: false, fax: false },
      },
    ]);
  });

  it('returns [] for empty or malformed pages', () => {
    expect(mapAvailableNumbers({ available_phone_numbers: [] }, 'local')).toEqual([]);
    expect(mapAvailableNumbers({}, 'local')).toEqual([]);
    expect(mapAvailableNumbers('oops', 'local')).toEqual([]);
    expect(mapAvailableNumbers(undefined, 'local')).toEqual([]);
  });
});

describe('mapIncomingNumber', () => {
  it('maps the fetch example: empty and null URLs are absent', () => {
    expect(mapIncomingNumber(incomingExample)).toEqual({
      providerNumberId: 'PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      phoneNumber: '+18089255327',
      friendlyName: '(808) 925-5327',
      provider: 'twilio',
      country: 'US',
      type: 'local',
      capabilities: { voice: true, sms: false, mms: true, fax: false },
      label: '(808) 925-5327',
    });
  });

  it('maps the create example: label is Twilio FriendlyName, URLs are kept', () => {
    expect(mapIncomingNumber(createdExample)).toMatchObject({
      friendlyName: '(808) 925-5327',
      label: 'friendly_name',
      smsUrl: 'https://example.com',
      voiceUrl: 'https://example.com',
      statusCallbackUrl: 'https://example.com',
    });
  });

  it('maps number types including toll-free spellings', () => {
    expect(mapIncomingType('local')).toBe('local');
    expect(mapIncomingType('tollfree')).toBe('toll_free');
    expect(mapIncomingType('toll-free')).toBe('toll_free');
    expect(mapIncomingType('mobile')).toBe('mobile');
    expect(mapIncomingType('national')).toBe('national');
    expect(mapIncomingType('machine-to-machine')).toBeUndefined();
    expect(mapIncomingType(null)).toBeUndefined();
  });

  it('throws a ProviderError (not a TypeError) when sid or phone number is missing', () => {
    expect(() => mapIncomingNumber({ phone_number: '+18089255327' })).toThrow(ProviderError);
    expect(() => mapIncomingNumber(undefined)).toThrow(ProviderError);
  });
});

describe('paging', () => {
  it('turns next_page_uri into an opaque token carrying Page and PageToken', () => {
    const token = pageTokenFromNextPageUri('/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?PageSize=50&Page=1&PageToken=PAabc');
    expect(token).toBeDefined();
    expect(decodePageToken(token!)).toEqual({ Page: 1, PageToken: 'PAabc' });
    expect(pageTokenFromNextPageUri(null)).toBeUndefined();
    expect(pageTokenFromNextPageUri('/x.json?PageSize=50')).toBeUndefined();
    expect(decodePageToken('PAraw')).toEqual({ PageToken: 'PAraw' });
  });

  it('maps a list page and skips unreadable elements', () => {
    const page = mapOwnedPage({
      incoming_phone_numbers: [incomingExample, { sid: null }],
      next_page_uri: '/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?Page=1&PageToken=PAnext',
    });
    expect(page.numbers.map((n) => n.providerNumberId)).toEqual(['PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']);
    expect(decodePageToken(page.nextPageToken!)).toEqual({ Page: 1, PageToken: 'PAnext' });
    expect(mapOwnedPage({ incoming_phone_numbers: [], next_page_uri: null })).toEqual({ numbers: [] });
  });
});

describe('mapTwilioError', () => {
  const cases: Array<[number, number, string, ProviderError['info']['kind'], boolean]> = [
    [400, 21422, 'PhoneNumber is not available', 'not_available', false],
    [400, 21452, 'No phone numbers found in area code', 'not_available', false],
    [400, 21421, 'PhoneNumber is invalid', 'invalid_request', false],
    [401, 20003, 'Authenticate', 'auth', false],
    [404, 20404, 'The requested resource /2010-04-01/Accounts/AC1/IncomingPhoneNumbers/PN1.json was not found', 'not_found', false],
    [429, 20429, 'Too Many Requests', 'rate_limited', true],
    [500, 20500, 'Internal Server Error', 'unavailable', true],
    [503, 20503, 'Service Unavailable', 'unavailable', true],
  ];
  it.each(cases)('HTTP %i code %i → kind', (status, code, message, kind, retryable) => {
    const err = mapTwilioError(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, {});
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.provider).toBe('twilio');
    expect(err.info).toMatchObject({ httpStatus: status, providerCode: String(code), kind, retryable });
    expect(err.message).toContain(message);
  });

  it('reads Retry-After on 429', () => {
    const err = mapTwilioError(429, { code: 20429, message: 'Too Many Requests', status: 429 }, { 'retry-after': '3' });
    expect(err.info.retryAfterSeconds).toBe(3);
  });

  it('falls back to the HTTP status when the body is not Twilio JSON', () => {
    expect(mapTwilioError(502, '<html>Bad Gateway</html>').info).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(mapTwilioError(403, undefined).info).toMatchObject({ kind: 'auth', retryable: false });
    expect(mapTwilioError(404, {}).info).toMatchObject({ kind: 'not_found' });
    expect(mapTwilioError(422, { title: 'Invalid request', detail: 'areacode must be integer' }).message).toContain('areacode must be integer');
    expect(mapTwilioError(400, {}).info.providerCode).toBeUndefined();
  });

  it('never echoes credentials', () => {
    const token = 'f00dfeedf00dfeedf00dfeedf00dfeed';
    const err = mapTwilioError(401, { code: 20003, message: `bad token ${token} / Basic QUMxOmYwMGRmZWVk` }, {}, [token]);
    expect(err.message).not.toContain(token);
    expect(err.message).not.toContain('QUMxOmYwMGRmZWVk');
  });
});

describe('twilioCapabilities', () => {
  it('declares the types and filters this adapter supports', () => {
    expect(twilioCapabilities.numberTypes).toEqual(['local', 'toll_free', 'mobile']);
    expect(twilioCapabilities.numberTypes).not.toContain('national');
    expect(twilioCapabilities.maxSearchLimit).toBeGreaterThan(0);
  });
});

// Prism cannot answer with Twilio error bodies: the error paths of the client are pinned here.
describe('Twilio client error paths (loopback)', () => {
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
  const SID = 'AC0123456789abcdef0123456789abcdef';
  const PN = 'PN0123456789abcdef0123456789abcdef';
  let server: Server;
  let url: string;
  let next: { status: number; body: unknown } = { status: 200, body: {} };
  const seen: Array<{ method: string; url: string; auth: string | undefined; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
        res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.status === 204 ? undefined : JSON.stringify(next.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const provider = () =>
    createTwilioProvider({ credentials: { accountSid: SID, authToken: 'secret-token' }, baseUrl: url, logger: silent, http: { sleep: async () => {} } });

  it('purchase of a taken number → not_available, not ambiguous, sent once with Basic auth', async () => {
    seen.length = 0;
    next = { status: 400, body: { code: 21422, message: 'PhoneNumber is not available', more_info: 'https://www.twilio.com/docs/errors/21422', status: 400 } };
    const err = await provider()
      .purchase({ phoneNumber: '+15105551234' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info).toMatchObject({ kind: 'not_available', providerCode: '21422', retryable: false, ambiguous: false });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.auth).toBe(`Basic ${Buffer.from(`${SID}:secret-token`).toString('base64')}`);
    expect(seen[0]!.body).toBe('PhoneNumber=%2B15105551234');
  });

  it('release treats 404 as already released', async () => {
    next = { status: 404, body: { code: 20404, message: 'The requested resource was not found', status: 404 } };
    await expect(provider().release(PN)).resolves.toBeUndefined();
  });

  it('update with null clears the URL with an empty value', async () => {
    seen.length = 0;
    next = { status: 200, body: incomingExample };
    await provider().update(PN, { voiceUrl: null, smsUrl: 'https://example.com/sms' });
    expect(seen[0]!.method).toBe('POST');
    expect(new URLSearchParams(seen[0]!.body)).toEqual(new URLSearchParams({ SmsUrl: 'https://example.com/sms', VoiceUrl: '' }));
  });

  it('rejects what Twilio cannot do before sending anything', async () => {
    seen.length = 0;
    const p = provider();
    await expect(p.search({ country: 'US', type: 'national', limit: 5 })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(p.search({ country: 'US', type: 'local', areaCode: 'abc', limit: 5 })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(p.get('../../Calls')).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    expect(seen).toHaveLength(0);
  });
});
