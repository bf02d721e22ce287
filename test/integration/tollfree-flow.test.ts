import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient, type ApiResponse, type ErrorEnvelope } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import { SANDBOX_ACCOUNTS, SOMOS_LOCAL_ENV, type Stack } from '../../scripts/local/stack.js';
import type { SomosSandbox } from '../../scripts/sandboxes/somos.js';
import { taskEndpoints } from '../../shared/api/task-targets.js';
import { textEnablementDueDate } from '../../shared/providers/somos/tss.js';
import { testFirestore } from '../helpers/firestore.js';
import type { AuditRecord, Page, RegistryRouting, RespOrgEntities, RespOrgTransfer, SomosFollowupResult, SomosTokenRefreshResult, TextEnablement, TollFreeDetail, TollFreeNumber, TollFreePending, TollFreeRequest, TollFreeReserved, TollFreeSearchResult } from '../helpers/api-types.js';

// Issue 5: a carrier acting as a RespOrg searches, reserves, activates, routes and text-enables
// toll-free numbers, and moves numbers in from another RespOrg — all through the API, against the
// Somos sandbox, with the scheduled function keeping the registry token fresh.
const TENANT = 'carrier-tf';
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
let stack: Stack;
let admin: ApiClient;
let member: ApiClient;
let other: ApiClient;
const somos = (): SomosSandbox => stack.sandboxes.somos!;
const bodies: string[] = [];
type CallOptions = Parameters<ApiClient['call']>[2];

beforeAll(async () => {
  stack = await startTestStack('demo-tollfree', { LOCAL_SOMOS_REFRESH_INTERVAL_MINUTES: '0' });
  const record = (client: ApiClient): ApiClient => {
    const call = async <T = unknown>(...args: Parameters<ApiClient['call']>): Promise<ApiResponse<T>> => {
      const res = await client.call<T>(...args);
      bodies.push(JSON.stringify(res.body ?? ''));
      return res;
    };
    return {
      call,
      get: <T = unknown>(p: string, o?: CallOptions) => call<T>('GET', p, o),
      post: <T = unknown>(p: string, b?: unknown, o?: CallOptions) => call<T>('POST', p, { ...o, body: b }),
      patch: <T = unknown>(p: string, b?: unknown, o?: CallOptions) => call<T>('PATCH', p, { ...o, body: b }),
      delete: <T = unknown>(p: string, b?: unknown, o?: CallOptions) => call<T>('DELETE', p, { ...o, ...(b !== undefined ? { body: b } : {}) }),
    };
  };
  admin = record(apiClient(stack.url, await stack.token(TENANT, 'admin', 'noc-admin')));
  member = record(apiClient(stack.url, await stack.token(TENANT, 'member', 'noc')));
  other = record(apiClient(stack.url, await stack.token('other-carrier', 'admin', 'eve')));
});
afterAll(async () => {
  await stack?.stop();
});

const put = <T = unknown>(client: ApiClient, path: string, body: unknown) => client.call<T>('PUT', path, { body });
const contact = { contactName: 'NOC desk', contactPhone: '+13125550111' };

async function runTask<T = unknown>(path: string, body: unknown): Promise<ApiResponse<T>> {
  const url = `${stack.url}${path}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}
const followup = (body: Record<string, unknown>) => runTask<SomosFollowupResult>(taskEndpoints.somosFollowup.path, { tenantId: TENANT, attempt: 0, ...body });

function notify(kind: 'rsv' | 'rch', body: unknown, secret: string | undefined) {
  return fetch(`${stack.url}/webhooks/somos/v3/ext/uns/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret !== undefined ? { 'x-somos-notification-secret': secret } : {}) },
    body: JSON.stringify(body),
  });
}

const issuePaths = (res: ApiResponse) => ((res.body as Partial<ErrorEnvelope> | undefined)?.error?.details?.issues ?? []).map((i: { path: string }) => i.path);

let searched: string[] = [];
let main: string; // reserved → activated → routed → text-enabled
let spare: string[] = []; // reserved by search spec

describe('search', () => {
  it('searches randomly, by pattern, by vanity and by number — exactly one mode — cached for 5 minutes', async () => {
    const first = await member.get<TollFreeSearchResult>('/v1/tollfree/available?npa=833&quantity=3');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ mode: 'random', cached: false });
    expect(first.body.data).toHaveLength(3);
    for (const n of first.body.data) {
      expect(n.number).toMatch(/^833\d{7}$/);
      expect(n.phoneNumber).toBe(`+1${n.number}`);
    }
    searched = first.body.data.map((n: { number: string }) => n.number);
    const searches = () => somos().requestLog().filter((r) => r.path === '/v3/ip/num/tfn/random').length;
    const before = searches();
    const again = await member.get<TollFreeSearchResult>('/v1/tollfree/available?npa=833&quantity=3');
    expect(again.body).toMatchObject({ cached: true, data: first.body.data });
    expect(searches()).toBe(before);

    const vanity = await member.get<TollFreeSearchResult>('/v1/tollfree/available?vanity=FLOWERS&quantity=2');
    expect(vanity.status, JSON.stringify(vanity.body)).toBe(200);
    expect(vanity.body).toMatchObject({ mode: 'vanity', pattern: '8**3569377' });
    expect(vanity.body.data.length).toBeGreaterThan(0);
    for (const n of vanity.body.data) expect(n.number).toMatch(/^8(00|33|44|55|66|77|88)3569377$/);

    const pattern = await member.get<TollFreeSearchResult>('/v1/tollfree/available?pattern=8**9**0023&quantity=2');
    expect(pattern.status, JSON.stringify(pattern.body)).toBe(200);
    for (const n of pattern.body.data) expect(n.number).toMatch(/^8\d\d9\d\d0023$/);

    const specific = await member.get<TollFreeSearchResult>(`/v1/tollfree/available?numbers=${searched[0]},%2B1${searched[1]}`);
    expect(specific.body.mode).toBe('specific');
    expect(specific.body.data.map((n: { number: string }) => n.number).sort()).toEqual([searched[0], searched[1]].sort());
  });

  it.each([
    ['?pattern=8**9**0023&vanity=FLOWERS', 'query.vanity'],
    [`?numbers=8335550100&npa=833`, 'query.npa'],
    ['?pattern=8**9**0023&nxx=555', 'query.nxx'],
    ['?vanity=FLOWERS&line=1234', 'query.line'],
    ['?quantity=11', 'query.quantity'],
    ['?quantity=0', 'query.quantity'],
    ['?npa=900', 'query.npa'],
    ['?pattern=12345', 'query.pattern'],
    ['?vanity=TOOLONGWORD', 'query.vanity'],
    ['?numbers=2125550100', 'query.numbers'],
    ['?area=833', 'query'],
  ])('%s → 400 naming %s', async (qs, path) => {
    const res = await member.get(`/v1/tollfree/available${qs}`);
    expectEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toContain(path);
  });
});

describe('reserve and release', () => {
  it('reserves named numbers and a search spec (admin only, idempotent), each for at most 45 days', async () => {
    expectEnvelope(await member.post('/v1/tollfree/reservations', { numbers: [searched[0]], ...contact }), 403, 'FORBIDDEN');
    const missing = await admin.post('/v1/tollfree/reservations', { numbers: [searched[0]], contactName: 'NOC desk' });
    expectEnvelope(missing, 400, 'VALIDATION_ERROR');
    expect(issuePaths(missing)).toContain('body.contactPhone');

    const key = { headers: { 'idempotency-key': 'reserve-main-1' } };
    const reserved = await admin.post<TollFreeReserved>('/v1/tollfree/reservations', { numbers: [`+1${searched[0]}`], ...contact, notes: 'main line' }, key);
    expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);
    expect(reserved.body.failed).toEqual([]);
    const [record] = reserved.body.data;
    main = record!.id;
    expect(record).toMatchObject({ id: searched[0], phoneNumber: `+1${searched[0]}`, status: 'reserved', respOrgId: 'NPS01', contactName: 'NOC desk' });
    const until = Date.parse(record!.reservedUntil!) - Date.now();
    expect(until).toBeGreaterThan(44 * DAY);
    expect(until).toBeLessThanOrEqual(45 * DAY);
    expect(somos().number(main)).toMatchObject({ status: 'RESERVED', ctrlRespOrgId: 'NPS01', conPhone: '3125550111' });

    const replay = await admin.post('/v1/tollfree/reservations', { numbers: [`+1${searched[0]}`], ...contact, notes: 'main line' }, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(reserved.body);
    expectEnvelope(await admin.post('/v1/tollfree/reservations', { numbers: [main], ...contact }), 409, 'CONFLICT');

    const bySpec = await admin.post<TollFreeReserved>('/v1/tollfree/reservations', { npa: '844', quantity: 2, ...contact });
    expect(bySpec.status, JSON.stringify(bySpec.body)).toBe(201);
    expect(bySpec.body.data).toHaveLength(2);
    spare = bySpec.body.data.map((r: { id: string }) => r.id);
    for (const n of spare) expect(somos().number(n).status).toBe('RESERVED');

    // The registry reserves a number but its answer is lost (500): the client's retry gets the number,
    // not a "not available" for the reservation its own first try made.
    somos().seedNumber('8775550412', { status: 'SPARE' });
    somos().injectFault({ method: 'POST', pathPattern: 'srchres/specific', status: 500, afterEffect: true, times: 1 });
    const lost = await admin.post<ErrorEnvelope>('/v1/tollfree/reservations', { numbers: ['8775550412'], ...contact });
    expect(lost.status).toBeGreaterThanOrEqual(500);
    expect(lost.body.error.details).toMatchObject({ retryable: true });
    expect(somos().number('8775550412').status).toBe('RESERVED');
    const retried = await admin.post('/v1/tollfree/reservations', { numbers: ['8775550412'], ...contact });
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect(retried.body).toMatchObject({ data: [{ id: '8775550412', status: 'reserved' }], failed: [] });
    // Another tenant asking for it now is told it is not available: it is this tenant's.
    expect((await other.post('/v1/tollfree/reservations', { numbers: ['8775550412'], ...contact })).status).toBe(409);
    expectEnvelope(await other.get('/v1/tollfree/8775550412'), 404, 'NOT_FOUND');

    // Tenant isolation: another tenant sees none of it.
    expectEnvelope(await other.get(`/v1/tollfree/${main}`), 404, 'NOT_FOUND');
    expectEnvelope(await other.delete(`/v1/tollfree/reservations/${main}`), 404, 'NOT_FOUND');
  });

  it('releases a reservation back to spare (the record stays, marked released)', async () => {
    const released = await admin.delete<TollFreeNumber>(`/v1/tollfree/reservations/%2B1${spare[1]}`);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body).toMatchObject({ id: spare[1], status: 'released' });
    expect(released.body.releasedAt).toEqual(expect.any(String));
    expect(somos().number(spare[1]!).status).toBe('SPARE');
    const detail = await member.get<TollFreeDetail>(`/v1/tollfree/${spare[1]}`);
    expect(detail.body).toMatchObject({ status: 'released', registry: { status: 'SPARE' } });
    expect((await admin.delete<TollFreeNumber>(`/v1/tollfree/reservations/${spare[1]}`)).body.status).toBe('released'); // idempotent
    expectEnvelope(await member.delete(`/v1/tollfree/reservations/${spare[0]}`), 403, 'FORBIDDEN');
  });
});

const tod = (over: Record<string, unknown> = {}) => ({
  days: ['mon', 'tue'],
  start: '08:00',
  end: '17:00',
  timezone: 'America/New_York',
  destination: '+13125550123',
  ...over,
});
const primary = { type: 'pstn', destination: '+13125550140' };

describe('routing', () => {
  it.each([
    ['missing routing', undefined, 'body.routing'],
    ['unknown field', { primary, fallback: 1 }, 'body.routing'],
    ['primary.type', { primary: { type: 'voip', destination: '+13125550140' } }, 'body.routing.primary.type'],
    ['SIP URI', { primary: { type: 'sip', destination: 'sip:example.com' } }, 'body.routing.primary.destination'],
    ['E.164', { primary: { type: 'pstn', destination: '13125550140' } }, 'body.routing.primary.destination'],
    ['disaster', { primary, disaster: { type: 'pstn', destination: '+1312' } }, 'body.routing.disaster.destination'],
    ['empty timeOfDay', { primary, timeOfDay: [] }, 'body.routing.timeOfDay'],
    ['no days', { primary, timeOfDay: [tod({ days: [] })] }, 'body.routing.timeOfDay.0.days'],
    ['bad day', { primary, timeOfDay: [tod({ days: ['funday'] })] }, 'body.routing.timeOfDay.0.days.0'],
    ['repeated day', { primary, timeOfDay: [tod({ days: ['mon', 'mon'] })] }, 'body.routing.timeOfDay.0.days'],
    ['time format', { primary, timeOfDay: [tod({ start: '8:00' })] }, 'body.routing.timeOfDay.0.start'],
    ['quarter hour', { primary, timeOfDay: [tod({ start: '08:10' })] }, 'body.routing.timeOfDay.0.start'],
    ['end after start', { primary, timeOfDay: [tod({ start: '17:00', end: '08:00' })] }, 'body.routing.timeOfDay.0.end'],
    ['IANA zone', { primary, timeOfDay: [tod({ timezone: 'Mars/Olympus' })] }, 'body.routing.timeOfDay.0.timezone'],
    ['registry zone', { primary, timeOfDay: [tod({ timezone: 'Europe/Paris' })] }, 'body.routing.timeOfDay.0.timezone'],
    ['one zone', { primary, timeOfDay: [tod(), tod({ days: ['sat'], timezone: 'America/Chicago' })] }, 'body.routing.timeOfDay.1.timezone'],
    ['overlap', { primary, timeOfDay: [tod(), tod({ days: ['tue'], start: '16:00', end: '18:00' })] }, 'body.routing.timeOfDay.1'],
    ['timeOfDay destination', { primary, timeOfDay: [tod({ destination: 'support' })] }, 'body.routing.timeOfDay.0.destination'],
    ['sum to 100', { primary, percentage: [{ percent: 50, destination: '+13125550140' }, { percent: 40, destination: '+13125550141' }] }, 'body.routing.percentage'],
    ['two entries', { primary, percentage: [{ percent: 100, destination: '+13125550140' }] }, 'body.routing.percentage'],
    ['percent ≥ 1', { primary, percentage: [{ percent: 0, destination: '+13125550140' }, { percent: 100, destination: '+13125550141' }] }, 'body.routing.percentage.0.percent'],
    ['whole percent', { primary, percentage: [{ percent: 50.5, destination: '+13125550140' }, { percent: 49.5, destination: '+13125550141' }] }, 'body.routing.percentage.0.percent'],
    ['percentage destination', { primary, percentage: [{ percent: 50, destination: '+13125550140' }, { percent: 50, destination: 'sip:nohost' }] }, 'body.routing.percentage.1.destination'],
    ['percentage with timeOfDay', { primary, timeOfDay: [tod()], percentage: [{ percent: 50, destination: '+13125550140' }, { percent: 50, destination: '+13125550141' }] }, 'body.routing.percentage'],
    ['empty areaOfService', { primary, areaOfService: {} }, 'body.routing.areaOfService'],
    ['NPA', { primary, areaOfService: { npas: ['123'] } }, 'body.routing.areaOfService.npas.0'],
    ['state', { primary, areaOfService: { states: ['XX'] } }, 'body.routing.areaOfService.states.0'],
    ['LATA', { primary, areaOfService: { latas: ['12'] } }, 'body.routing.areaOfService.latas.0'],
    ['duplicates', { primary, areaOfService: { npas: ['212', '212'] } }, 'body.routing.areaOfService.npas'],
  ])('refuses %s with 400 naming %s', async (_rule, routing, path) => {
    const res = await admin.post(`/v1/tollfree/${main}/activate`, routing === undefined ? {} : { routing });
    const error = expectEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res), JSON.stringify(error)).toContain(path);
    expect(error.message).toContain(path);
  });

  it('has created no customer record for any refused routing', () => {
    expect(somos().number(main).status).toBe('RESERVED');
    expect(somos().requestLog().filter((r) => r.path === '/v3/ip/cus/rec')).toEqual([]);
  });

  it('activates with SIP primary, time-of-day and the default disaster number, then changes the routing', async () => {
    const routing = {
      primary: { type: 'sip', destination: 'sip:support@sbc.carrier.example:5061' },
      timeOfDay: [{ days: ['sat', 'sun'], start: '00:00', end: '24:00', timezone: 'America/Chicago', destination: '+13125550123' }],
      areaOfService: { states: ['IL', 'WI'] },
    };
    expectEnvelope(await member.post(`/v1/tollfree/${main}/activate`, { routing }), 403, 'FORBIDDEN');
    const activated = await admin.post<TollFreeNumber>(`/v1/tollfree/${main}/activate`, { routing });
    expect(activated.status, JSON.stringify(activated.body)).toBe(200);
    expect(activated.body).toMatchObject({
      status: 'active',
      routing: { ...routing, disaster: { type: 'pstn', destination: SOMOS_LOCAL_ENV.SOMOS_DEFAULT_DISASTER_NUMBER } },
      disasterDefaulted: true,
      routingMode: 'normal',
      customerRecord: { status: 'ACTIVE' },
    });
    expect(activated.body.reservedUntil).toBeUndefined();
    expect(somos().number(main).status).toBe('WORKING');
    expectEnvelope(await admin.post(`/v1/tollfree/${main}/activate`, { routing }), 409, 'CONFLICT');

    const detail = await member.get<TollFreeDetail>(`/v1/tollfree/%2B1${main}`);
    expect(detail.status, JSON.stringify(detail.body)).toBe(200);
    expect(detail.body).toMatchObject({
      status: 'active',
      respOrgId: 'NPS01',
      registry: { status: 'WORKING', respOrgId: 'NPS01' },
      registryRouting: {
        primary: { type: 'sip_gateway', destination: SOMOS_LOCAL_ENV.SOMOS_SIP_GATEWAY_NUMBER },
        timeOfDay: [{ days: ['sat', 'sun'], start: '00:00', end: '24:00', timezone: 'America/Chicago', destination: { type: 'pstn', destination: '+13125550123' } }],
        areaOfService: { states: ['IL', 'WI'] },
        customerRecordStatus: 'ACTIVE',
      },
    });

    const split = {
      primary,
      percentage: [
        { percent: 70, destination: '+13125550140' },
        { percent: 30, destination: 'sip:overflow@sbc.carrier.example' },
      ],
    };
    expectEnvelope(await put(member, `/v1/tollfree/${main}/routing`, { routing: split }), 403, 'FORBIDDEN');
    const changed = await put<TollFreeNumber>(admin, `/v1/tollfree/${main}/routing`, { routing: split });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.routing!.percentage).toEqual(split.percentage);
    const after = await member.get<TollFreeDetail>(`/v1/tollfree/${main}`);
    expect((after.body.registryRouting as RegistryRouting).percentage).toEqual([
      { percent: 70, destination: { type: 'pstn', destination: '+13125550140' } },
      { percent: 30, destination: { type: 'sip_gateway', destination: SOMOS_LOCAL_ENV.SOMOS_SIP_GATEWAY_NUMBER } },
    ]);
    const invalid = await put(admin, `/v1/tollfree/${main}/routing`, { routing: { primary, percentage: [{ percent: 100, destination: '+13125550140' }] } });
    expect(issuePaths(invalid)).toContain('body.routing.percentage');

    // The PSTN fallback: everything to the disaster destination, and back.
    const disaster = await put<TollFreeNumber>(admin, `/v1/tollfree/${main}/routing`, { routing: split, mode: 'disaster' });
    expect(disaster.body.routingMode).toBe('disaster');
    expect(((await member.get<TollFreeDetail>(`/v1/tollfree/${main}`)).body.registryRouting as RegistryRouting).primary).toEqual({ type: 'pstn', destination: SOMOS_LOCAL_ENV.SOMOS_DEFAULT_DISASTER_NUMBER });
    expect((await put<TollFreeNumber>(admin, `/v1/tollfree/${main}/routing`, { routing: split })).body.routingMode).toBe('normal');
    expectEnvelope(await put(admin, `/v1/tollfree/${spare[0]}/routing`, { routing: split }), 409, 'CONFLICT'); // not active yet
  });
});

describe('text enablement', () => {
  it('goes pending → enabled, due within 2 business days, polled by the follow-up', async () => {
    expectEnvelope(await member.post(`/v1/tollfree/${main}/sms`, { sms: true, mms: true }), 403, 'FORBIDDEN');
    expectEnvelope(await admin.post(`/v1/tollfree/${main}/sms`, { sms: false, mms: false }), 400, 'VALIDATION_ERROR');
    const requested = await admin.post<TextEnablement>(`/v1/tollfree/${main}/sms`, { sms: true, mms: true, webhookUrl: 'https://carrier.example/sms' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(200);
    expect(requested.body).toMatchObject({ number: `+1${main}`, status: 'pending', sms: true, mms: true, webhookUrl: 'https://carrier.example/sms', overdue: false });
    expect(requested.body.dueBy).toBe(textEnablementDueDate(new Date(requested.body.submittedAt!)).toISOString());
    const tssId = requested.body.tssRequestId as string;
    expect(somos().textEnablement(tssId)).toMatchObject({ num: main, respOrgId: 'NPS01', status: 'pending' });
    expect(somos().textEnablement(tssId)?.webhookUrl).toBeUndefined(); // the tenant's URL never reaches TSS
    expectEnvelope(await admin.post(`/v1/tollfree/${main}/sms`, { sms: true, mms: false }), 409, 'CONFLICT');

    const stillPending = await followup({ kind: 'sms', number: main });
    expect(stillPending.body).toEqual({ kind: 'sms', status: 'pending', polledAgain: true });
    await somos().advanceTextEnablement(tssId, 'enabled');
    const decided = await followup({ kind: 'sms', number: main, attempt: 1 });
    expect(decided.body).toEqual({ kind: 'sms', status: 'enabled', polledAgain: false });
    const state = await member.get<TextEnablement>(`/v1/tollfree/${main}/sms`);
    expect(state.body).toMatchObject({ status: 'enabled', sms: true, mms: true });
    expect(state.body.decidedAt).toEqual(expect.any(String));
    expect((await member.get(`/v1/tollfree/${spare[0]}/sms`)).body).toEqual({ number: `+1${spare[0]}`, status: 'none' });
    expectEnvelope(await other.get(`/v1/tollfree/${main}/sms`), 404, 'NOT_FOUND');

    const audit = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=tollfree-numbers/${main}&limit=50`);
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    const actions = audit.body.data.map((r: { action: string }) => r.action);
    for (const action of ['tollfree.reserve', 'tollfree.activate', 'tollfree.routing', 'tollfree.sms_request', 'tollfree.sms_enabled']) expect(actions).toContain(action);
    expect(audit.body.data.find((r: { action: string }) => r.action === 'tollfree.activate')!.actor).toMatchObject({ type: 'user', uid: 'noc-admin' });
  });
});

describe('202: the registry is still working', () => {
  it('answers a job-like 202 and the follow-up applies the result exactly once', async () => {
    somos().configure({ syncTimeoutPaths: ['/v3/ip/num/tfn/srchres'] });
    const res = await admin.post<TollFreePending>('/v1/tollfree/reservations', { npa: '855', quantity: 1, ...contact });
    somos().configure({ syncTimeoutPaths: [] });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({ status: 'pending', requestId: expect.stringMatching(/^tfr_[a-f0-9]{16}$/), poll: `/v1/tollfree/requests/${res.body.requestId}` });
    expect(res.headers.get('location')).toBe(res.body.poll);
    const pending = await member.get<TollFreeRequest>(res.body.poll);
    expect(pending.body).toMatchObject({ id: res.body.requestId, operation: 'reserve', status: expect.stringMatching(/pending|completed/) });
    expect(JSON.stringify(pending.body)).not.toContain('reqId');
    expectEnvelope(await other.get(res.body.poll), 404, 'NOT_FOUND');

    const applied = await followup({ kind: 'request', id: res.body.requestId });
    expect(applied.status).toBe(200);
    expect(applied.body.status).toBe('completed');
    expect((await followup({ kind: 'request', id: res.body.requestId })).body).toEqual({ kind: 'request', status: 'completed', polledAgain: false });
    const done = await member.get<TollFreeRequest & { result: { data: [TollFreeNumber] } }>(res.body.poll); // quantity 1
    expect(done.body.status).toBe('completed');
    const [number] = done.body.result.data;
    expect(number).toMatchObject({ status: 'reserved', respOrgId: 'NPS01' });
    expect(number.id).toMatch(/^855/);
    expect((await member.get(`/v1/tollfree/${number.id}`)).body).toMatchObject({ status: 'reserved', registry: { status: 'RESERVED' } });
    const audit = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=tollfree-numbers/${number.id}`);
    expect(audit.body.data.filter((r: { action: string }) => r.action === 'tollfree.reserve')).toHaveLength(1);

    // A 202 on activation: the number is busy until the follow-up applies the customer record.
    somos().configure({ syncTimeoutPaths: ['/v3/ip/cus/rec'] });
    const activating = await admin.post<TollFreePending>(`/v1/tollfree/${number.id}/activate`, { routing: { primary } });
    somos().configure({ syncTimeoutPaths: [] });
    expect(activating.status, JSON.stringify(activating.body)).toBe(202);
    expect(activating.body.resource).toBe(`/v1/tollfree/${number.id}`);
    const busy = await admin.post(`/v1/tollfree/${number.id}/activate`, { routing: { primary } });
    if (busy.status !== 409) expect((await member.get<TollFreeDetail>(`/v1/tollfree/${number.id}`)).body.status).toBe('active'); // the queue was quicker
    await followup({ kind: 'request', id: activating.body.requestId });
    const active = await member.get<TollFreeDetail>(`/v1/tollfree/${number.id}`);
    expect(active.body).toMatchObject({ status: 'active', registry: { status: 'WORKING' } });
    expect(active.body.pendingRequestId).toBeUndefined();
  });
});

describe('RespOrg', () => {
  it('lists the tenant’s entity and its active units only', async () => {
    const entities = await member.get<RespOrgEntities>('/v1/resporg/entities');
    expect(entities.status, JSON.stringify(entities.body)).toBe(200);
    expect(entities.body.data).toEqual([
      {
        entityId: 'NP',
        respOrgId: 'NPS01',
        units: expect.arrayContaining([
          { respOrgId: 'NPS01', status: 'ACTIVE' },
          { respOrgId: 'NPS09', status: 'INACTIVE' },
        ]),
      },
    ]);
    const roids = await member.get('/v1/resporg/entities/NP/roids');
    expect(roids.body).toEqual({ entityId: 'NP', data: [{ respOrgId: 'NPS01', status: 'ACTIVE' }, { respOrgId: 'NPS02', status: 'ACTIVE' }] });
    expectEnvelope(await member.get('/v1/resporg/entities/XY/roids'), 404, 'NOT_FOUND');
    expectEnvelope(await member.get('/v1/resporg/entities/np/roids'), 400, 'VALIDATION_ERROR');
  });

  it('moves a number in: pending → approved → completed by uns/rch, then routes and text-enables it', async () => {
    const moving = '8445550177';
    somos().seedNumber(moving, { status: 'RESERVED', respOrgId: 'OTH01' });
    somos().seedNumber('8445550178', { status: 'RESERVED', respOrgId: 'OTH02' });
    // The signed LOA is uploaded first (a PDF, kept by reference) and named by the transfer.
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')], { type: 'application/pdf' }), 'loa.pdf');
    const upload = await fetch(`${stack.url}/v1/resporg/loas`, { method: 'POST', headers: { authorization: `Bearer ${await stack.token(TENANT, 'admin', 'noc-admin')}` }, body: form });
    expect(upload.status).toBe(201);
    const loaId = ((await upload.json()) as { id: string }).id;
    const wrongFrom = await admin.post('/v1/resporg/transfers', { numbers: ['8445550178'], fromRespOrgId: 'OTH01', loaId, loaReference: 'LOA-1' });
    expectEnvelope(wrongFrom, 409, 'CONFLICT');
    expectEnvelope(await member.post('/v1/resporg/transfers', { numbers: [moving], loaId }), 403, 'FORBIDDEN');
    expectEnvelope(await admin.post('/v1/resporg/transfers', { numbers: [main], loaId }), 409, 'CONFLICT'); // ours already

    const created = await admin.post<RespOrgTransfer>('/v1/resporg/transfers', { numbers: [`+1${moving}`], fromRespOrgId: 'OTH01', loaId, loaReference: 'LOA-2026-0042' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending', toRespOrgId: 'NPS01', fromRespOrgId: 'OTH01', loaReference: 'LOA-2026-0042' });
    const [item] = created.body.items;
    expect(item).toMatchObject({ number: moving, status: 'pending', oldRespOrgId: 'OTH01', rchId: expect.any(String) });
    const transferPath = `/v1/resporg/transfers/${created.body.id}`;
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${moving}`)).body).toMatchObject({ status: 'transferring', transferId: created.body.id });
    expectEnvelope(await other.get(transferPath), 404, 'NOT_FOUND');

    // Forged, missing or wrong-length secrets: 401 and nothing changes.
    const forgedBody = { tfNum: moving, respOrgId: 'NPS01', oldRespOrgId: 'OTH01', newRespOrgId: 'NPS01', status: 'COMPLETED' };
    const secret = SOMOS_LOCAL_ENV.SOMOS_NOTIFICATION_SECRET;
    for (const bad of [undefined, '', 'x', `${secret.slice(0, -1)}X`, `${secret}0`]) {
      const res = await notify('rch', forgedBody, bad);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
    }
    expect((await notify('rsv', { tfNumList: [{ tfn_number: spare[0] }], RespOrgId: 'NPS01' }, 'wrong')).status).toBe(401);
    expect((await member.get<RespOrgTransfer>(transferPath)).body.status).toBe('pending');

    await somos().advanceRespOrgChange(item!.rchId!, 'APPROVED');
    expect(somos().notificationsSent().at(-1)).toMatchObject({ status: 200, body: { tfNum: moving, status: 'APPROVED' } });
    expect((await member.get<RespOrgTransfer>(transferPath)).body.status).toBe('approved');
    await somos().advanceRespOrgChange(item!.rchId!, 'COMPLETED');
    const completed = await member.get<RespOrgTransfer>(transferPath);
    expect(completed.body).toMatchObject({ status: 'completed', items: [{ number: moving, status: 'completed' }] });
    expect(completed.body.completedAt).toEqual(expect.any(String));
    expect(completed.body.history.map((h: { status: string; source: string }) => `${h.status}/${h.source}`)).toEqual([
      'submitted/request',
      'pending/request',
      'approved/notification',
      'completed/notification',
    ]);
    // A replayed (or late) notification never moves it back.
    const replay = await notify('rch', { ...forgedBody, status: 'APPROVED' }, secret);
    expect(await replay.json()).toMatchObject({ received: true, outcome: 'stale' });

    const arrived = await member.get(`/v1/tollfree/${moving}`);
    expect(arrived.body).toMatchObject({ status: 'reserved', respOrgId: 'NPS01', registry: { status: 'RESERVED', respOrgId: 'NPS01' } });
    const routed = await admin.post<TollFreeNumber>(`/v1/tollfree/${moving}/activate`, { routing: { primary: { type: 'sip', destination: 'sip:moved@sbc.carrier.example' } } });
    expect(routed.status, JSON.stringify(routed.body)).toBe(200);
    expect(routed.body.status).toBe('active');
    const sms = await admin.post<TextEnablement>(`/v1/tollfree/${moving}/sms`, { sms: true, mms: false });
    expect(sms.body.status).toBe('pending');
    const audit = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=resporg-transfers/${created.body.id}`);
    expect(audit.body.data.map((r: { action: string }) => r.action)).toEqual(
      expect.arrayContaining(['resporg.transfer_submit', 'resporg.transfer_approved', 'resporg.transfer_completed']),
    );
  });

  it('uns/rsv: a reservation that lapsed at the registry becomes expired', async () => {
    somos().seedNumber(spare[0]!, { status: 'SPARE' }); // the registry let it lapse
    const sent = await somos().sendReservationNotification([spare[0]!], 'NPS01');
    expect(sent.status).toBe(200);
    expect((await member.get(`/v1/tollfree/${spare[0]}`)).body).toMatchObject({ status: 'expired', registry: { status: 'SPARE' } });
  });
});

describe('shared RespOrg units', () => {
  it('refuses to change a number the owner index gives to another tenant (a stale record never reaches it)', async () => {
    const db = testFirestore('demo-tollfree');
    try {
      await db.doc(`tollfreeOwners/${main}`).update({ tenantId: 'other-carrier' });
      expectEnvelope(await put(admin, `/v1/tollfree/${main}/routing`, { routing: { primary } }), 409, 'CONFLICT');
      expectEnvelope(await admin.post(`/v1/tollfree/${main}/sms`, { sms: true, mms: false }), 409, 'CONFLICT');
      await db.doc(`tollfreeOwners/${main}`).update({ tenantId: TENANT });
    } finally {
      await db.terminate();
    }
  });
});

describe('token lifecycle', () => {
  it('the scheduled refresh renews once before expiry; no request ever sees an expired token', async () => {
    const refresh = () => runTask<SomosTokenRefreshResult>(taskEndpoints.somosTokenRefresh.path, {});
    expect(somos().sessionsOpened()).toBe(1);
    expect(somos().tokensRefreshed()).toBe(0);
    expect((await refresh()).body.action).toBe('none'); // plenty of time left

    somos().advanceClock(40 * MIN); // 20 minutes left: inside the scheduled 25-minute margin, outside the requests' 10
    const renewed = await refresh();
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    expect(renewed.body.action).toBe('refreshed');
    expect(somos().tokensRefreshed()).toBe(1);
    expect((await refresh()).body.action).toBe('none');
    expect(somos().tokensRefreshed()).toBe(1);

    somos().advanceClock(25 * MIN); // the first token has now expired at the registry
    const detail = await member.get<TollFreeDetail>(`/v1/tollfree/${main}`);
    expect(detail.status).toBe(200);
    expect(detail.body.registry.status).toBe('WORKING');
    expect(somos().requestLog().filter((r) => r.status === 401)).toEqual([]);
    expect(somos().sessionsOpened()).toBe(1);
    expect(somos().tokensRefreshed()).toBe(1);
    expect((await runTask(taskEndpoints.somosTokenRefresh.path, { extra: 1 })).status).toBe(400);
  });

  it('never puts a credential or the notification secret in a response', () => {
    const all = bodies.join('\n');
    expect(all).not.toContain(SANDBOX_ACCOUNTS.somos.password);
    expect(all).not.toContain(SOMOS_LOCAL_ENV.SOMOS_NOTIFICATION_SECRET);
    for (const s of somos().sessions()) expect(all).not.toContain(s.clientKey);
  });
});
