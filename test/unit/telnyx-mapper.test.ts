import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createTelnyxProvider, telnyxCapabilities, type TelnyxProvider } from '../../shared/providers/telnyx/client.js';
import {
  decodePageToken,
  enforceSearchCriteria,
  labelFromTags,
  mapAvailableNumbers,
  mapDocument,
  mapFeatures,
  mapGroupStatus,
  mapNumberOrder,
  mapOwnedPage,
  mapPhoneNumber,
  mapPhoneNumberType,
  mapRequirementGroup,
  mapRequirements,
  mapTelnyxError,
  orderToProviderNumber,
  tagsWithLabel,
} from '../../shared/providers/telnyx/mapper.js';
import { ProviderError, type AvailableNumber } from '../../shared/providers/types.js';

// Payloads shaped like the examples of shared/contracts/telnyx/spec3.yml.
const available = {
  data: [
    {
      best_effort: false,
      cost_information: { currency: 'USD', monthly_cost: '6.54', upfront_cost: '3.21' },
      features: [{ name: 'sms' }, { name: 'voice' }],
      phone_number: '+19705555098',
      quickship: true,
      record_type: 'available_phone_number',
      region_information: [
        { region_name: 'US', region_type: 'country_code' },
        { region_name: 'CO', region_type: 'state' },
        { region_name: 'FORT COLLINS', region_type: 'rate_center' },
      ],
      reservable: true,
      vanity_format: '',
    },
    { phone_number: null },
    'garbage',
  ],
  meta: { best_effort_results: 0, total_results: 1 },
};

const phoneNumber = {
  id: '1293384261075731499',
  record_type: 'phone_number',
  phone_number: '+19705555098',
  status: 'active',
  country_iso_alpha2: 'US',
  phone_number_type: 'local',
  connection_id: '1293384261075731499',
  messaging_profile_id: 'abc85f64-5717-4562-b3fc-2c9600000000',
  customer_reference: 'customer-reference',
  tags: ['tag_1', 'label:Sales'],
};

const order = {
  id: '12ade33a-21c0-473b-b055-b3c836e1c292',
  record_type: 'number_order',
  status: 'pending',
  customer_reference: 'MY REF 001',
  requirements_met: true,
  phone_numbers: [
    {
      id: 'dc8e4d67-33a0-4cbb-af74-7b58f05bd494',
      record_type: 'number_order_phone_number',
      phone_number: '+19705555098',
      country_code: 'US',
      phone_number_type: 'local',
      requirements_met: true,
      status: 'pending',
    },
  ],
};

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

describe('search mapping', () => {
  it('maps cost, features and region information', () => {
    const [n, ...rest] = mapAvailableNumbers(available, 'local');
    expect(rest).toEqual([]);
    expect(n).toEqual({
      phoneNumber: '+19705555098',
      friendlyName: '(970) 555-5098',
      provider: 'telnyx',
      country: 'US',
      type: 'local',
      capabilities: { voice: true, sms: true, mms: false, fax: false },
      region: 'CO',
      rateCenter: 'FORT COLLINS',
      monthlyCost: { amount: '6.54', currency: 'USD' },
    });
    expect(mapAvailableNumbers({ data: 'nope' }, 'local')).toEqual([]);
    expect(mapAvailableNumbers(undefined, 'local')).toEqual([]);
  });

  it('features tolerate plain strings and unknown names', () => {
    expect(mapFeatures(['SMS', { name: 'fax' }, { name: 'emergency' }, null])).toEqual({ voice: false, sms: true, mms: false, fax: true });
    expect(mapFeatures('x')).toEqual({ voice: false, sms: false, mms: false, fax: false });
  });

  const n = (phone: string, extra: Partial<AvailableNumber> = {}): AvailableNumber => ({
    phoneNumber: phone,
    friendlyName: phone,
    provider: 'telnyx',
    country: '',
    type: 'local',
    capabilities: { voice: true, sms: true, mms: false, fax: false },
    ...extra,
  });

  it('drops results that break the criteria and reports which filters were enforced here', () => {
    const numbers = [
      n('+14155550142', { region: 'CA', locality: 'San Francisco' }),
      n('+12125550142', { region: 'NY' }), // wrong area code + region
      n('+14155550199', { capabilities: { voice: true, sms: false, mms: false, fax: false } }), // no sms
      n('+18005550199'), // toll-free when local was asked
      n('+33142685300'), // another country
      n('+14155550100'), // no region info: cannot be proven wrong, kept
    ];
    const out = enforceSearchCriteria(
      numbers,
      { country: 'US', type: 'local', areaCode: '415', region: 'ca', capabilities: { sms: true }, limit: 10 },
      new Set(['country', 'type', 'areaCode', 'region', 'capabilities']),
    );
    expect(out.numbers.map((x) => x.phoneNumber)).toEqual(['+14155550142', '+14155550100']);
    expect(out.dropped).toBe(4);
    expect(out.filtersApplied).toEqual({ country: 'client', type: 'client', areaCode: 'client', region: 'client', capabilities: 'client' });
  });

  it("keeps 'provider' when Telnyx honoured a filter, 'client' when it was not sent", () => {
    const out = enforceSearchCriteria(
      [n('+14155550142'), n('+14155551234')],
      { country: 'US', type: 'local', startsWith: '415', endsWith: '42', contains: '5*0', locality: 'Austin', limit: 5 },
      new Set(['country', 'type', 'startsWith', 'endsWith']),
    );
    expect(out.numbers.map((x) => x.phoneNumber)).toEqual(['+14155550142']);
    expect(out.filtersApplied).toEqual({
      country: 'provider',
      type: 'provider',
      startsWith: 'provider',
      endsWith: 'client', // dropped +14155551234
      contains: 'client', // not sent (wildcard)
      locality: 'client', // not sent; no locality data on the results, nothing dropped
    });
  });

  it('matches localities loosely (accents, case, rate-center names)', () => {
    const out = enforceSearchCriteria(
      [n('+33142685300', { locality: 'Île-de-France Paris' }), n('+14155550142', { rateCenter: 'SN FRNCSCO' })],
      { country: 'FR', type: 'local', locality: 'ile de france paris', limit: 5 },
      new Set(['locality']),
    );
    expect(out.numbers.map((x) => x.phoneNumber)).toEqual(['+33142685300']);
  });
});

describe('owned numbers and orders', () => {
  it('maps a PhoneNumberDetailed; label from the label: tag', () => {
    expect(mapPhoneNumber(phoneNumber)).toEqual({
      providerNumberId: '1293384261075731499',
      phoneNumber: '+19705555098',
      friendlyName: '(970) 555-5098',
      provider: 'telnyx',
      country: 'US',
      type: 'local',
      label: 'Sales',
      capabilities: { voice: false, sms: false, mms: false, fax: false },
      capabilitiesUnknown: true, // the resource carries no features: keep what the search said
      connectionId: '1293384261075731499',
      messagingProfileId: 'abc85f64-5717-4562-b3fc-2c9600000000',
    });
    expect(() => mapPhoneNumber({ phone_number: '+19705555098' })).toThrow(ProviderError);
    expect(mapPhoneNumber({ id: 42, phone_number: '+33142685300' })).toMatchObject({ providerNumberId: '42', country: 'FR' });
  });

  it('types include the legacy values', () => {
    expect(['local', 'landline', 'longcode', 'tollfree', 'toll_free', 'mobile', 'national', 'shared_cost', 'shortcode'].map(mapPhoneNumberType)).toEqual([
      'local',
      'local',
      'local',
      'toll_free',
      'toll_free',
      'mobile',
      'national',
      undefined,
      undefined,
    ]);
  });

  it('label tags: replaced, removed, other tags kept', () => {
    expect(labelFromTags(['a', 'label:Front desk'])).toBe('Front desk');
    expect(labelFromTags(undefined)).toBeUndefined();
    expect(tagsWithLabel(['a', 'label:Old', 'b'], 'New')).toEqual(['a', 'b', 'label:New']);
    expect(tagsWithLabel(['a', 'label:Old'], '')).toEqual(['a']);
  });

  it('pages: next token from page_number / total_pages; bad tokens rejected', () => {
    const page = mapOwnedPage({ data: [phoneNumber, { id: 'x' }], meta: { page_number: 1, page_size: 1, total_pages: 3, total_results: 3 } });
    expect(page.numbers).toHaveLength(1);
    expect(page.nextPageToken).toBe('2');
    expect(mapOwnedPage({ data: [], meta: { page_number: 3, total_pages: 3 } }).nextPageToken).toBeUndefined();
    expect(decodePageToken('2')).toBe(2);
    expect(() => decodePageToken('abc')).toThrow(ProviderError);
  });

  it('maps an order; purchase result uses the E.164 as providerNumberId', () => {
    const o = mapNumberOrder(order);
    expect(o).toEqual({
      id: '12ade33a-21c0-473b-b055-b3c836e1c292',
      status: 'pending',
      customerReference: 'MY REF 001',
      requirementsMet: true,
      phoneNumbers: [{ phoneNumber: '+19705555098', status: 'pending', id: 'dc8e4d67-33a0-4cbb-af74-7b58f05bd494', requirementsMet: true }],
    });
    expect(orderToProviderNumber(o, '+19705555098', order)).toEqual({
      providerNumberId: '+19705555098',
      phoneNumber: '+19705555098',
      friendlyName: '(970) 555-5098',
      provider: 'telnyx',
      country: 'US',
      type: 'local',
      capabilities: { voice: false, sms: false, mms: false, fax: false },
      capabilitiesUnknown: true,
      order: { id: '12ade33a-21c0-473b-b055-b3c836e1c292', status: 'pending' },
    });
    // With the features of the number's search result, and a number held while its group is reviewed.
    const held = { ...order, phone_numbers: [{ ...order.phone_numbers[0], requirements_met: false, requirements_status: 'requirement-info-under-review' }] };
    expect(orderToProviderNumber(mapNumberOrder(held), '+19705555098', held, { voice: true, sms: false, mms: false, fax: true })).toMatchObject({
      capabilities: { voice: true, sms: false, mms: false, fax: true },
      order: { status: 'pending', requirementsStatus: 'requirement-info-under-review' },
    });
    expect(orderToProviderNumber(mapNumberOrder(held), '+19705555098', held, { voice: true, sms: false, mms: false, fax: true }).capabilitiesUnknown).toBeUndefined();
    expect(() => mapNumberOrder({ status: 'success' })).toThrow(ProviderError);
  });

  it('failure reasons: explicit field, per-number status_reason, or a rejected requirement status', () => {
    expect(mapNumberOrder({ ...order, status: 'failure', failure_reason: 'Carrier rejected' }).failureReason).toBe('Carrier rejected');
    const rejected = mapNumberOrder({
      ...order,
      status: 'failure',
      phone_numbers: [{ ...order.phone_numbers[0], status: 'failure', requirements_status: 'requirement-info-exception' }],
    });
    expect(rejected.failureReason).toMatch(/requirement-info-exception/);
    // Every number failed while the order still says pending: the order failed.
    const allFailed = mapNumberOrder({ ...order, phone_numbers: [{ ...order.phone_numbers[0], status: 'failure', status_reason: 'No stock' }] });
    expect(allFailed).toMatchObject({ status: 'failure', failureReason: 'No stock' });
    expect(mapNumberOrder({ ...order, status: 'weird' }).status).toBe('pending');
  });
});

describe('regulatory mapping', () => {
  const record = (over: Record<string, unknown>) => ({
    id: '6a09cdc3-8948-47f0-aa62-74ac943d6c58',
    record_type: 'requirement',
    country_code: 'FR',
    phone_number_type: 'local',
    action: 'both',
    requirement_types: [
      {
        id: 'aaaaaaaa-0000-4000-8000-000000000001',
        name: 'Proof of Address',
        type: 'document',
        description: 'Proves the address',
        example: 'Utility bill',
        acceptance_criteria: { time_limit: 'Current and not expired', max_length: 20, min_length: '2', acceptable_values: ['FR', 3] },
      },
      { id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'Company', type: 'textual' },
    ],
    ...over,
  });

  it('flattens requirement types, de-duplicates, re-checks country / action / type', () => {
    const list = mapRequirements(
      [
        { data: [record({}), record({ country_code: 'DE' }), record({ action: 'porting' }), record({ phone_number_type: 'toll_free' })] },
        { data: [record({ phone_number_type: undefined })] },
      ],
      { country: 'FR', type: 'local', action: 'ordering' },
    );
    expect(list.hasRequirements).toBe(true);
    expect(list.requirements).toEqual([
      {
        id: 'aaaaaaaa-0000-4000-8000-000000000001',
        name: 'Proof of Address',
        kind: 'document',
        description: 'Proves the address',
        example: 'Utility bill',
        acceptanceCriteria: { timeLimit: 'Current and not expired', maxLength: 20, minLength: 2, acceptableValues: ['FR'] },
      },
      { id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'Company', kind: 'textual', acceptanceCriteria: {} },
    ]);
    expect(mapRequirements([{ data: [] }], { country: 'US', type: 'local', action: 'ordering' })).toEqual({ hasRequirements: false, requirements: [] });
  });

  it('group statuses and values', () => {
    expect(['approved', 'unapproved', 'pending-approval', 'declined', 'expired', 'what'].map(mapGroupStatus)).toEqual([
      'approved',
      'draft',
      'pending',
      'rejected',
      'unapproved',
      'unapproved',
    ]);
    const g = mapRequirementGroup({
      id: 'g1',
      country_code: 'FR',
      phone_number_type: 'local',
      action: 'ordering',
      status: 'pending-approval',
      regulatory_requirements: [
        { requirement_id: 'r1', field_type: 'document', field_value: 'doc-1', status: 'pending-approval' },
        { requirement_id: 'r2', field_type: 'textual', status: 'unapproved' },
        { field_value: 'orphan' },
      ],
    });
    expect(g).toEqual({
      id: 'g1',
      status: 'pending',
      country: 'FR',
      type: 'local',
      action: 'ordering',
      values: [
        { requirementId: 'r1', value: 'doc-1', kind: 'document', status: 'pending' },
        { requirementId: 'r2', kind: 'textual', status: 'draft' },
      ],
    });
    expect(mapRequirementGroup({ data: { id: 'g2', status: 'approved' } })).toMatchObject({ id: 'g2', status: 'approved', values: [] });
    expect(() => mapRequirementGroup({})).toThrow(ProviderError);
  });

  it('documents', () => {
    expect(
      mapDocument({ data: { id: 'd1', filename: 'a.pdf', content_type: 'application/pdf', size: { amount: 123, unit: 'bytes' }, sha256: 'ab', status: 'pending' } }),
    ).toEqual({ id: 'd1', filename: 'a.pdf', contentType: 'application/pdf', sizeBytes: 123, sha256: 'ab', status: 'pending' });
  });
});

describe('mapTelnyxError', () => {
  const err = (code: string, title: string, detail?: string) => ({ errors: [{ code, title, ...(detail ? { detail } : {}) }] });

  it.each([
    [401, err('10009', 'Authentication failed', 'Could not understand the provided credentials.'), 'auth', '10009'],
    [403, err('10010', 'Authorization failed'), 'auth', '10010'],
    [404, err('10005', 'Resource not found'), 'not_found', '10005'],
    [429, err('10011', 'Too many requests'), 'rate_limited', '10011'],
    [422, err('10015', 'Bad Request', 'You must provide at least 1 phone number.'), 'invalid_request', '10015'],
    [422, err('10016', 'Phone number must be in +E.164 format'), 'invalid_request', '10016'],
    [422, err('10015', 'Bad Request', 'The phone number +33142685300 is no longer available. Please search again.'), 'not_available', '10015'],
    [400, err('number_already_registered', 'Number already registered'), 'already_owned', 'number_already_registered'],
    [422, err('10015', 'Bad Request', 'The phone number +33142685300 is already in your account.'), 'already_owned', '10015'],
    [422, err('10015', 'Bad Request', 'The phone number +33142685300 is not available. Please search again and order another number.'), 'not_available', '10015'],
    [422, err('10015', 'Bad Request', 'Insufficient funds to complete this order'), 'insufficient_funds', '10015'],
    [402, err('10007', 'Payment required'), 'insufficient_funds', '10007'],
    [422, err('10015', 'Bad Request', 'Requirement group g1 is not approved (status: unapproved).'), 'invalid_request', '10015'],
    [500, err('10007', 'Unexpected error'), 'unavailable', '10007'],
    [503, undefined, 'unavailable', undefined],
  ])('HTTP %i %j → %s', (status, body, kind, code) => {
    const e = mapTelnyxError(status, body);
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.info.kind).toBe(kind);
    expect(e.info.providerCode).toBe(code);
    expect(e.info.httpStatus).toBe(status);
    expect(e.info.retryable).toBe(status === 429 || status >= 500);
  });

  it('builds a readable message, scrubs the API key, reads Retry-After and problem+json', () => {
    const key = 'KEY0123456789abcdefghijklmnop';
    const e = mapTelnyxError(400, err('10015', 'Bad Request', `bad key ${key} Bearer ${key}`), { 'retry-after': '3' }, [key]);
    expect(e.message).toMatch(/^Telnyx error 10015: Bad Request: bad key/);
    expect(e.message).not.toContain(key);
    expect(e.info.retryAfterSeconds).toBe(3);
    const prism = mapTelnyxError(422, { type: 'https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY', title: 'Invalid request', detail: 'filter.limit must be integer' });
    expect(prism.message).toBe('Telnyx HTTP 422: Invalid request: filter.limit must be integer');
    expect(prism.info.kind).toBe('invalid_request');
    expect(mapTelnyxError(502, 'Bad Gateway').message).toBe('Telnyx HTTP 502: Bad Gateway');
  });
});

// ---------------------------------------------------------------------------------------------
// The client's requests, against a scripted local server.

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('createTelnyxProvider requests', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let replies: Array<{ status: number; body: unknown }> = [];
  const KEY = 'KEYunit0123456789abcdefghijk';
  let telnyx: TelnyxProvider;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const reply = replies.shift() ?? { status: 200, body: { data: [] } };
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
    telnyx = createTelnyxProvider({ credentials: { apiKey: KEY }, baseUrl: base, logger: silent, http: { maxRetries: 0 } });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen.length = 0;
    replies = [];
  });

  const query = (s: Seen) => [...new URL(s.url, 'http://x').searchParams];

  it('search: bearer auth, /v2 prefix kept, every filter, repeated features keys', async () => {
    replies = [{ status: 200, body: available }];
    const out = await telnyx.searchDetailed({
      country: 'us',
      type: 'local',
      areaCode: '970',
      startsWith: '9705',
      endsWith: '098',
      contains: '555',
      region: 'CO',
      locality: 'Fort Collins',
      capabilities: { sms: true, voice: true },
      limit: 5,
    });
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(new URL(seen[0]!.url, 'http://x').pathname).toBe('/v2/available_phone_numbers');
    expect(query(seen[0]!)).toEqual([
      ['filter[country_code]', 'US'],
      ['filter[phone_number_type]', 'local'],
      ['filter[national_destination_code]', '970'],
      ['filter[phone_number][starts_with]', '5'], // after the NDC, as Telnyx applies it
      ['filter[phone_number][ends_with]', '098'],
      ['filter[phone_number][contains]', '555'],
      ['filter[administrative_area]', 'CO'],
      ['filter[locality]', 'Fort Collins'],
      ['filter[features][]', 'sms'],
      ['filter[features][]', 'voice'],
      ['filter[limit]', '5'],
    ]);
    expect(out.numbers.map((n) => n.phoneNumber)).toEqual(['+19705555098']);
    expect(Object.values(out.filtersApplied).every((v) => v === 'provider')).toBe(true);
  });

  it('search: wildcard contains is enforced here; region outside US/CA too; unsupported filters rejected', async () => {
    replies = [{ status: 200, body: { data: [] } }];
    const out = await telnyx.searchDetailed({ country: 'FR', type: 'mobile', contains: '6*12', region: 'Bretagne', limit: 3 });
    expect(query(seen[0]!)).toEqual([
      ['filter[country_code]', 'FR'],
      ['filter[phone_number_type]', 'mobile'],
      ['filter[phone_number][contains]', '12'],
      ['filter[limit]', '100'],
    ]);
    expect(out.filtersApplied).toMatchObject({ contains: 'client', region: 'client' });
    await expect(telnyx.search({ country: 'US', type: 'local', postalCode: '94105', limit: 1 })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(telnyx.search({ country: 'USA', type: 'local', limit: 1 })).rejects.toBeInstanceOf(ProviderError);
    // areaCode 415 + startsWith 212: nothing can match, no request
    const none = await telnyx.searchDetailed({ country: 'US', type: 'local', areaCode: '415', startsWith: '212', limit: 1 });
    expect(none.numbers).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(telnyxCapabilities.searchFilters).not.toContain('postalCode');
  });

  it('purchase: the number’s features from its search result, then the number order body, pending order, not idempotent (a 503 is ambiguous)', async () => {
    const forSale = { status: 200, body: { data: [{ phone_number: '+19705555098', features: [{ name: 'voice' }, { name: 'sms' }] }] } };
    replies = [forSale, { status: 200, body: { data: order } }];
    const n = await telnyx.purchase({
      phoneNumber: '+19705555098',
      requirementGroupId: 'rg-1',
      connectionId: 'c-1',
      messagingProfileId: 'mp-1',
      customerReference: 'ref-1',
      label: 'not sent',
    });
    expect(seen[0]!.method).toBe('GET');
    expect(query(seen[0]!)).toEqual([
      ['filter[country_code]', 'US'],
      ['filter[phone_number][contains]', '9705555098'],
      ['filter[limit]', '5'],
    ]);
    expect(n.capabilities).toEqual({ voice: true, sms: true, mms: false, fax: false });
    expect(seen[1]!.method).toBe('POST');
    expect(JSON.parse(seen[1]!.body)).toEqual({
      phone_numbers: [{ phone_number: '+19705555098', requirement_group_id: 'rg-1' }],
      connection_id: 'c-1',
      messaging_profile_id: 'mp-1',
      customer_reference: 'ref-1',
    });
    expect(n.order).toEqual({ id: order.id, status: 'pending' });
    // A search that fails is no reason not to order (the features then stay unknown).
    replies = [{ status: 400, body: { errors: [{ code: '10015', title: 'Bad Request' }] } }, { status: 503, body: { errors: [{ code: '10007', title: 'Unexpected error' }] } }];
    await expect(telnyx.purchase({ phoneNumber: '+19705555098' })).rejects.toMatchObject({ info: { ambiguous: true, retryable: true } });
    replies = [{ status: 200, body: { data: [] } }, { status: 200, body: { data: { status: 'pending' } } }];
    await expect(telnyx.purchase({ phoneNumber: '+19705555098' })).rejects.toMatchObject({ info: { ambiguous: true, retryable: false } });
  });

  it('findOwned sends digits only and keeps the exact, still-owned number', async () => {
    replies = [
      {
        status: 200,
        body: { data: [{ ...phoneNumber, phone_number: '+119705555098' }, { ...phoneNumber, id: '2', status: 'purchase-failed' }, phoneNumber], meta: {} },
      },
    ];
    const n = await telnyx.findOwned('+19705555098');
    expect(query(seen[0]!)).toEqual([
      ['filter[phone_number]', '19705555098'],
      ['page[size]', '50'],
    ]);
    expect(n?.providerNumberId).toBe('1293384261075731499');
  });

  it('update by E.164: resolves the id, keeps other tags, messaging via /messaging, rejects URLs', async () => {
    replies = [
      { status: 200, body: { data: [phoneNumber] } },
      { status: 200, body: { data: { id: phoneNumber.id } } },
      { status: 200, body: { data: { ...phoneNumber, tags: ['tag_1', 'label:Front'] } } },
    ];
    const n = await telnyx.update('+19705555098', { label: 'Front', applicationId: null, messagingProfileId: 'mp-2', customerReference: 'r2' });
    expect(seen.map((s) => `${s.method} ${new URL(s.url, 'http://x').pathname}`)).toEqual([
      'GET /v2/phone_numbers',
      `PATCH /v2/phone_numbers/${phoneNumber.id}/messaging`,
      `PATCH /v2/phone_numbers/${phoneNumber.id}`,
    ]);
    expect(JSON.parse(seen[1]!.body)).toEqual({ messaging_profile_id: 'mp-2' });
    expect(JSON.parse(seen[2]!.body)).toEqual({ connection_id: '', customer_reference: 'r2', tags: ['tag_1', 'label:Front'] });
    expect(n.label).toBe('Front');
    await expect(telnyx.update('123', { smsUrl: 'https://x.test/sms' })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
  });

  it('release: 404 counts as released; an unknown E.164 needs no DELETE', async () => {
    replies = [{ status: 404, body: { errors: [{ code: '10005', title: 'Resource not found' }] } }];
    await expect(telnyx.release('1293384261075731499')).resolves.toBeUndefined();
    replies = [{ status: 200, body: { data: [] } }];
    await expect(telnyx.release('+19705555098')).resolves.toBeUndefined();
    expect(seen.map((s) => s.method)).toEqual(['DELETE', 'GET']);
  });

  it('list pages with page[number] / page[size]; requirements ask without type for mobile', async () => {
    replies = [{ status: 200, body: { data: [phoneNumber], meta: { page_number: 2, total_pages: 4 } } }];
    const page = await telnyx.list({ pageToken: '2', pageSize: 500, phoneNumber: '+1970' });
    expect(query(seen[0]!)).toEqual([
      ['filter[phone_number]', '1970'],
      ['page[number]', '2'],
      ['page[size]', '250'],
    ]);
    expect(page.nextPageToken).toBe('3');
    replies = [{ status: 200, body: { data: [], meta: { total_pages: 1 } } }];
    await telnyx.listRequirements({ country: 'de', type: 'mobile', action: 'ordering' });
    expect(query(seen[1]!)).toEqual([
      ['filter[country_code]', 'DE'],
      ['filter[action]', 'ordering'],
      ['page[number]', '1'],
      ['page[size]', '250'],
    ]);
  });

  it('uploadDocument posts base64 JSON', async () => {
    replies = [{ status: 200, body: { data: { id: 'd1', filename: 'p.pdf' } } }];
    const doc = await telnyx.uploadDocument({ filename: 'p.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF') });
    expect(JSON.parse(seen[0]!.body)).toEqual({ file: Buffer.from('%PDF').toString('base64'), filename: 'p.pdf' });
    expect(doc).toEqual({ id: 'd1', filename: 'p.pdf' });
  });
});
