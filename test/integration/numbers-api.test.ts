import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestStack } from '../helpers/stack.js';
import { apiClient, expectEnvelope, type ApiClient, type ErrorEnvelope } from '../helpers/api.js';
import { SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import type { TwilioSandbox } from '../../scripts/sandboxes/twilio.js';
import type { AvailableNumbers, Page, PhoneNumber } from '../helpers/api-types.js';

// The first vertical slice end to end: HTTP → gateway → function → Firestore emulator → Twilio sandbox.
let stack: Stack;
let twilio: TwilioSandbox;
let admin: ApiClient;
let member: ApiClient;
let otherTenant: ApiClient;
let anonymous: ApiClient;

beforeAll(async () => {
  stack = await startTestStack('demo-numbers-api');
  twilio = stack.twilio!;
  admin = apiClient(stack.url, await stack.token('clinic-a', 'admin', 'alice'));
  member = apiClient(stack.url, await stack.token('clinic-a', 'member', 'bob'));
  otherTenant = apiClient(stack.url, await stack.token('clinic-b', 'admin', 'eve'));
  anonymous = apiClient(stack.url);
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => twilio.clearFaults());

const search = async (query: string) => {
  const res = await member.get<AvailableNumbers>(`/v1/numbers/available?provider=twilio&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { phoneNumber: string; region?: string; capabilities: Record<string, boolean> }[];
};
let keySeq = 0;
const newKey = () => `test-key-${Date.now()}-${keySeq++}`;
const buy = (client: ApiClient, phoneNumber: string, extra: Record<string, unknown> = {}, key?: string) =>
  client.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber, ...extra }, key ? { headers: { 'idempotency-key': key } } : {});

describe('public and auth', () => {
  it('serves the OpenAPI document without auth', async () => {
    const res = await anonymous.get<{ openapi: string; paths: Record<string, unknown> }>('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.paths['/v1/numbers']).toHaveProperty('post');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers 401 without or with a bad token, 403 for the wrong role', async () => {
    expectEnvelope(await anonymous.get('/v1/numbers'), 401, 'UNAUTHENTICATED');
    expectEnvelope(await anonymous.get('/v1/numbers', { token: 'garbage' }), 401, 'UNAUTHENTICATED');
    expectEnvelope(await anonymous.get('/v1/numbers', { headers: { authorization: 'Basic abc' } }), 401, 'UNAUTHENTICATED');
    expectEnvelope(await member.delete('/v1/numbers/num_00000000000000000000'), 403, 'FORBIDDEN');
  });

  it('echoes a caller-supplied request id and answers unknown routes and methods in the envelope', async () => {
    const res = await member.get('/v1/numbers', { headers: { 'x-request-id': 'trace-12345678' } });
    expect(res.headers.get('x-request-id')).toBe('trace-12345678');
    expectEnvelope(await member.get('/v1/nothing-here'), 404, 'NOT_FOUND');
    expectEnvelope(await member.call('PUT', '/v1/numbers'), 405, 'METHOD_NOT_ALLOWED');
  });
});

describe('search', () => {
  it('finds local numbers in an area code, honouring pattern and capability filters', async () => {
    const all = await search('country=US&type=local&areaCode=415&limit=10');
    expect(all.length).toBeGreaterThan(0);
    expect(all.length).toBeLessThanOrEqual(10);
    for (const n of all) expect(n.phoneNumber).toMatch(/^\+1415\d{7}$/);

    const withMms = await search('areaCode=415&capabilities=sms,mms&limit=20');
    for (const n of withMms) expect(n.capabilities).toMatchObject({ sms: true, mms: true });

    const pattern = await search('areaCode=415&contains=55*&limit=5');
    for (const n of pattern) expect(n.phoneNumber.slice(2)).toMatch(/55\d/);

    const tollFree = await search('type=toll_free&areaCode=800&limit=3');
    for (const n of tollFree) expect(n.phoneNumber).toMatch(/^\+1800/);
  });

  it.each([
    ['provider missing', 'country=US'],
    ['unknown provider', 'provider=acme'],
    ['invalid NPA', 'provider=twilio&areaCode=911'],
    ['toll-free NPA on local', 'provider=twilio&areaCode=800'],
    ['limit too large', 'provider=twilio&limit=1000'],
    ['negative limit', 'provider=twilio&limit=-1'],
    ['unknown filter', 'provider=twilio&areacode=415'],
    ['bad capability', 'provider=twilio&capabilities=telepathy'],
    ['bad country', 'provider=twilio&country=USA'],
    ['repeated parameter', 'provider=twilio&areaCode=415&areaCode=212'],
  ])('rejects %s with 400', async (_name, query) => {
    const error = expectEnvelope(await member.get(`/v1/numbers/available?${query}`), 400, 'VALIDATION_ERROR');
    expect(error.details!.issues!.length).toBeGreaterThan(0);
  });
});

describe('buy, list, update, release', () => {
  it('buys once per Idempotency-Key and replays the first answer', async () => {
    const [candidate] = await search('areaCode=212&limit=1');
    const key = newKey();
    const first = await buy(member, candidate!.phoneNumber, { displayName: 'Front desk', tags: ['clinic-1'] }, key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      phoneNumber: candidate!.phoneNumber,
      provider: 'twilio',
      status: 'active',
      displayName: 'Front desk',
      tags: ['clinic-1'],
      type: 'local',
      country: 'US',
    });
    expect(first.body.providerNumberId).toMatch(/^PN[0-9a-f]{32}$/);
    expect(first.headers.get('location')).toBe(`/v1/numbers/${first.body.id}`);

    const replay = await buy(member, candidate!.phoneNumber, { displayName: 'Front desk', tags: ['clinic-1'] }, key);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    const reused = await buy(member, candidate!.phoneNumber, { displayName: 'Other' }, key);
    expect(expectEnvelope(reused, 409, 'CONFLICT').message).toMatch(/different request/);

    const again = await buy(member, candidate!.phoneNumber, {}, newKey());
    expect(expectEnvelope(again, 409, 'CONFLICT').message).toMatch(/already holds/);
    expect(twilio.purchaseCounts()[candidate!.phoneNumber]).toBe(1);
  });

  it('turns concurrent duplicates of one request into a single provider purchase', async () => {
    const [candidate] = await search('areaCode=312&limit=1');
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 5 }, () => buy(member, candidate!.phoneNumber, {}, key)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(twilio.purchaseCounts()[candidate!.phoneNumber]).toBe(1);
  });

  it('answers 409 with Twilio’s code when the number is no longer available, and writes nothing', async () => {
    const [candidate] = await search('areaCode=646&limit=1');
    twilio.seedOwned('AC' + 'f'.repeat(32), candidate!.phoneNumber); // bought by someone else meanwhile
    const res = await buy(member, candidate!.phoneNumber, {}, newKey());
    const error = expectEnvelope(res, 409, 'CONFLICT');
    expect(error.details).toMatchObject({ provider: 'twilio', providerCode: '21422', retryable: false });
    const list = await member.get<Page<PhoneNumber>>('/v1/numbers?limit=100');
    expect(list.body.data.map((n: { phoneNumber: string }) => n.phoneNumber)).not.toContain(candidate!.phoneNumber);
  });

  it('replays a provider’s refusal under the same Idempotency-Key (unlike our own 400s, it may follow earlier steps)', async () => {
    const [candidate] = await search('areaCode=646&limit=1');
    const key = newKey();
    twilio.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 400, code: 21421 });
    const refused = await buy(member, candidate!.phoneNumber, {}, key);
    expect(expectEnvelope(refused, 400, 'VALIDATION_ERROR').details).toMatchObject({ provider: 'twilio', providerCode: '21421' });
    const again = await buy(member, candidate!.phoneNumber, {}, key);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(twilio.purchaseCounts()[candidate!.phoneNumber] ?? 0).toBe(0);
  });

  it('settles an ambiguous purchase by looking the number up instead of buying again', async () => {
    const [candidate] = await search('areaCode=512&limit=1');
    twilio.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 500, code: 20500, afterEffect: true });
    const res = await buy(member, candidate!.phoneNumber, {}, newKey());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe('active');
    expect(twilio.purchaseCounts()[candidate!.phoneNumber]).toBe(1);
    // Asked again (the number is sold once, so the refusal proves the first attempt bought it), then looked up.
    const calls = twilio.requestLog().filter((r) => r.path.endsWith('/IncomingPhoneNumbers.json')).slice(-3);
    expect(calls.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 500', 'POST 400', 'GET 200']);
  });

  it('asks again after a 5xx that bought nothing: one purchase, no look-up call', async () => {
    const [candidate] = await search('areaCode=303&limit=1');
    twilio.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 503, code: 20503 });
    const before = twilio.requestLog().length;
    const res = await buy(member, candidate!.phoneNumber, {}, newKey());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe('active');
    expect(twilio.purchaseCounts()[candidate!.phoneNumber]).toBe(1);
    const calls = twilio.requestLog().slice(before).filter((r) => r.path.endsWith('/IncomingPhoneNumbers.json'));
    expect(calls.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 503', 'POST 201']);
  });

  it('looks a number up before anything else when the purchase got no answer at all', async () => {
    const [candidate] = await search('areaCode=404&limit=1');
    twilio.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 500, afterEffect: true, dropConnection: true });
    const before = twilio.requestLog().length;
    const res = await buy(member, candidate!.phoneNumber, {}, newKey());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(twilio.purchaseCounts()[candidate!.phoneNumber]).toBe(1);
    const calls = twilio.requestLog().slice(before).filter((r) => r.path.endsWith('/IncomingPhoneNumbers.json'));
    expect(calls.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 0', 'GET 200']);
  });

  it('keeps an unknown outcome pending and settles it on retry with the same key', async () => {
    const [candidate] = await search('areaCode=206&limit=1');
    const key = newKey();
    twilio.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 500, code: 20500, afterEffect: true });
    twilio.injectFault({ method: 'GET', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 503, code: 20503, times: 10 });
    const first = await buy(member, candidate!.phoneNumber, {}, key);
    const error = expectEnvelope(first, 502, 'PROVIDER_ERROR');
    expect(error.details).toMatchObject({ retryable: true, ambiguous: true });
    expect(first.headers.get('retry-after')).toBeTruthy();

    const stored = (await member.get<Page<PhoneNumber>>('/v1/numbers?status=pending&limit=100')).body.data;
    expect(stored.map((n: { phoneNumber: string }) => n.phoneNumber)).toContain(candidate!.phoneNumber);

    twilio.clearFaults();
    const retry = await buy(member, candidate!.phoneNumber, {}, key);
    expect(retry.status, JSON.stringify(retry.body)).toBe(201); // looked up, found, settled — not bought again
    expect(retry.body).toMatchObject({ status: 'active', id: error.details!.numberId });
    expect(twilio.purchaseCounts()[candidate!.phoneNumber]).toBe(1);
  });

  it('lists with filters and stable cursor pagination, scoped to the tenant', async () => {
    const candidates = await search('areaCode=303&limit=3');
    for (const c of candidates) expect((await buy(member, c.phoneNumber, { tags: ['paged'] }, newKey())).status).toBe(201);
    const first = await member.get<Page<PhoneNumber>>('/v1/numbers?tag=paged&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.nextCursor).toBeTruthy();
    const second = await member.get<Page<PhoneNumber>>(`/v1/numbers?tag=paged&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.nextCursor).toBeUndefined();
    const seen = [...first.body.data, ...second.body.data].map((n: { phoneNumber: string }) => n.phoneNumber).sort();
    expect(seen).toEqual(candidates.map((c) => c.phoneNumber).sort());

    const active = await member.get<Page<PhoneNumber>>('/v1/numbers?status=active&provider=twilio&limit=100');
    expect(active.body.data.every((n: { status: string }) => n.status === 'active')).toBe(true);
    expectEnvelope(await member.get('/v1/numbers?cursor=not-a-cursor'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await member.get('/v1/numbers?status=sold'), 400, 'VALIDATION_ERROR');
    expect((await otherTenant.get<Page<PhoneNumber>>('/v1/numbers?tag=paged')).body.data).toEqual([]);
  });

  it('updates a number at the provider and here; hides it from other tenants', async () => {
    const [candidate] = await search('areaCode=617&limit=1');
    const bought = await buy(member, candidate!.phoneNumber, {}, newKey());
    const id = bought.body.id;

    const updated = await member.patch<PhoneNumber>(`/v1/numbers/${id}`, {
      displayName: 'Dr. Smith',
      tags: ['staff'],
      webhookUrl: 'https://clinic.example.com/hooks/sms',
      voiceEnabled: false,
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toMatchObject({ displayName: 'Dr. Smith', tags: ['staff'], webhookUrl: 'https://clinic.example.com/hooks/sms', voiceEnabled: false });
    const atTwilio = await fetch(
      `${twilio.url}/2010-04-01/Accounts/${stackAccount()}/IncomingPhoneNumbers/${updated.body.providerNumberId}.json`,
      { headers: { authorization: basicAuth() } },
    ).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(atTwilio).toMatchObject({ friendly_name: 'Dr. Smith', sms_url: `${stack.url}/webhooks/twilio/inbound` }); // messages go through our relay
    expect(atTwilio.voice_url ?? '').toBe('');

    const inactive = await member.patch<PhoneNumber>(`/v1/numbers/${id}`, { status: 'inactive' });
    expect(inactive.body.status).toBe('inactive');
    expect((await member.patch<PhoneNumber>(`/v1/numbers/${id}`, { status: 'active' })).body.status).toBe('active');

    expectEnvelope(await member.patch(`/v1/numbers/${id}`, { webhookUrl: 'http://insecure.example.com' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await member.patch(`/v1/numbers/${id}`, {}), 400, 'VALIDATION_ERROR');
    expectEnvelope(await member.patch(`/v1/numbers/${id}`, { status: 'released' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await otherTenant.get(`/v1/numbers/${id}`), 404, 'NOT_FOUND');
    expectEnvelope(await otherTenant.patch(`/v1/numbers/${id}`, { displayName: 'x' }), 404, 'NOT_FOUND');
    expectEnvelope(await otherTenant.delete(`/v1/numbers/${id}`), 404, 'NOT_FOUND');
    expect((await member.get<PhoneNumber>(`/v1/numbers/${id}`)).body.displayName).toBe('Dr. Smith');
  });

  it('releases once; a released number cannot be changed or released again', async () => {
    const [candidate] = await search('areaCode=305&limit=1');
    const bought = await buy(member, candidate!.phoneNumber, {}, newKey());
    const id = bought.body.id;
    const released = await admin.delete<PhoneNumber>(`/v1/numbers/${id}`, { reason: 'clinic closed' });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body).toMatchObject({ status: 'released', releaseReason: 'clinic closed' });
    expect(released.body.releasedAt).toBeTruthy();
    expect(expectEnvelope(await admin.delete(`/v1/numbers/${id}`), 409, 'CONFLICT').message).toMatch(/released/);
    expect(expectEnvelope(await member.patch(`/v1/numbers/${id}`, { displayName: 'x' }), 409, 'CONFLICT').message).toMatch(/released/);
    // The claim went with the release, but the provider holds a released number back while it ages:
    // not at once, but once it is back in stock the tenant may buy it again.
    expectEnvelope(await buy(member, candidate!.phoneNumber, {}, newKey()), 409, 'CONFLICT');
    stack.twilio!.advanceClock(31 * 24 * 3600_000);
    expect((await buy(member, candidate!.phoneNumber, {}, newKey())).status).toBe(201);
  });
});

describe('bad input never reaches a 500', () => {
  it('rejects malformed JSON, wrong content types and oversized bodies in the envelope', async () => {
    const raw = (body: string, type: string) =>
      member.call<PhoneNumber>('POST', '/v1/numbers', { rawBody: body, headers: { 'content-type': type } });
    expectEnvelope(await raw('{"provider":', 'application/json'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await raw('"just a string"', 'application/json'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await raw('provider=twilio', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectEnvelope(await raw('hello', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const huge = JSON.stringify({ provider: 'twilio', phoneNumber: '+14155550142', displayName: 'x'.repeat(1_100_000) });
    expectEnvelope(await raw(huge, 'application/json'), 413, 'PAYLOAD_TOO_LARGE');
    expectEnvelope(await member.post('/v1/numbers'), 400, 'VALIDATION_ERROR');
  });

  it.each([
    ['POST', '/v1/numbers', { provider: 'twilio', phoneNumber: '12345' }],
    ['POST', '/v1/numbers', { provider: 'twilio', phoneNumber: '+14155550142', tenantId: 'clinic-b' }],
    ['POST', '/v1/numbers', { provider: ['twilio'], phoneNumber: 4155550142 }],
    ['POST', '/v1/numbers', { provider: 'twilio', phoneNumber: '+14155550142', tags: 'x' }],
    ['GET', '/v1/numbers/not-an-id', undefined],
    ['PATCH', '/v1/numbers/not-an-id', { displayName: 'x' }],
    ['PATCH', '/v1/numbers/num_00000000000000000000', { displayName: 123 }],
    ['DELETE', '/v1/numbers/%E0%A4%A', undefined],
  ])('%s %s with bad input → 4xx envelope', async (method, path, body) => {
    const client = method === 'DELETE' ? admin : member;
    const res = await client.call<ErrorEnvelope>(method, path, body === undefined ? {} : { body });
    expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.requestId).toBeTruthy();
  });
});

const stackAccount = () => SANDBOX_ACCOUNTS.twilio.accountSid;
const basicAuth = () =>
  'Basic ' + Buffer.from(`${SANDBOX_ACCOUNTS.twilio.accountSid}:${SANDBOX_ACCOUNTS.twilio.authToken}`).toString('base64');
