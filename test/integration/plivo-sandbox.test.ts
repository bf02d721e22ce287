import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import type { Logger } from '../../shared/log.js';
import { createPlivoProvider } from '../../shared/providers/plivo/client.js';
import { ProviderError, type NumberProvider } from '../../shared/providers/types.js';
import { startPlivoSandbox, type PlivoSandbox, type PlivoSandboxAccount } from '../../scripts/sandboxes/plivo.js';

const A: PlivoSandboxAccount = { authId: 'MAAAAAAAAAAAAAAAAAA1', authToken: 'token-a-0123456789abcdef' };
const B: PlivoSandboxAccount = { authId: 'MABBBBBBBBBBBBBBBBB2', authToken: 'token-b-0123456789abcdef' };

interface SearchObject {
  number: string;
  prefix: string;
  city: string | null;
  country: string;
  region: string;
  rate_center: string | null;
  lata: number | null;
  type: string;
  sub_type: string;
  monthly_rental_rate: string;
  sms_enabled: boolean;
  voice_enabled: boolean;
  mms_enabled: boolean;
  restriction: string | null;
  resource_uri: string;
}
interface Meta {
  limit: number;
  next: string | null;
  offset: number;
  previous: string | null;
  total_count: number;
}
/** A Plivo list answer: one page of objects and its meta. */
interface PlivoList<T> {
  api_id: string;
  meta: Meta;
  objects: T[];
}

let sandbox: PlivoSandbox;

const authHeader = (acct: PlivoSandboxAccount) => `Basic ${Buffer.from(`${acct.authId}:${acct.authToken}`).toString('base64')}`;

/** One request to the sandbox, answered as Plivo would; `T` is what the test expects the JSON body to be. */
async function call<T = unknown>(
  p: string,
  opts: { method?: string; json?: unknown; as?: PlivoSandboxAccount | null; headers?: Record<string, string>; body?: string; base?: string } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const as = opts.as === undefined ? A : opts.as;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (as) headers.authorization = authHeader(as);
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(`${opts.base ?? sandbox.url}${p}`, { method: opts.method ?? 'GET', headers, body });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const acct = (a: PlivoSandboxAccount = A) => `/v1/Account/${a.authId}`;
const search = (query: string, as: PlivoSandboxAccount = A) => call<PlivoList<SearchObject>>(`${acct(as)}/PhoneNumber/?${query}`, { as });
const buy = (number: string, as: PlivoSandboxAccount = A, json: unknown = {}) => call(`${acct(as)}/PhoneNumber/${number}/`, { method: 'POST', json, as });

async function firstAvailable(query = 'country_iso=US&type=local&pattern=415&limit=1'): Promise<SearchObject> {
  const res = await search(query);
  expect(res.status).toBe(200);
  const n = res.body.objects[0];
  if (!n) throw new Error(`no number for ${query}`);
  return n;
}

function expectError(res: { status: number; body: unknown }, status: number, text?: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ api_id: expect.stringMatching(/^[0-9a-f-]{36}$/), error: expect.any(String) });
  if (text) expect((res.body as { error: string }).error).toMatch(text);
}

beforeAll(async () => {
  sandbox = await startPlivoSandbox({ accounts: [A, B], seed: 11 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

describe('auth and routing', () => {
  it('rejects missing and wrong credentials with 401 {api_id, error}', async () => {
    expectError(await call(`${acct()}/Number/`, { as: null }), 401, /authentication failed/);
    expectError(await call(`${acct()}/Number/`, { as: { ...A, authToken: 'wrong-token-0123456789' } }), 401);
    expectError(await call(`${acct()}/Number/`, { as: null, headers: { authorization: 'Bearer nope' } }), 401);
  });

  it("rejects one account's credentials on another account's URL", async () => {
    expectError(await call(`${acct(A)}/Number/`, { as: B }), 401);
  });

  it('requires the trailing slash and known resources', async () => {
    expectError(await call(`${acct()}/Number`), 404, /not found/);
    expectError(await call(`${acct()}/PhoneNumber?country_iso=US`), 404);
    expectError(await call(`${acct()}`), 404);
    expectError(await call(`${acct()}/Message/`), 404);
    expectError(await call(`${acct()}/Number/`, { method: 'DELETE' }), 405);
    expectError(await call(`${acct()}/PhoneNumber/`, { method: 'POST', json: {} }), 405);
  });

  it('answers the account resource (the credentials check)', async () => {
    const res = await call(`${acct()}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ auth_id: A.authId, resource_uri: `/v1/Account/${A.authId}/`, api_id: expect.any(String) });
  });

  it('accepts JSON bodies only', async () => {
    const n = await firstAvailable();
    expectError(await call(`${acct()}/PhoneNumber/${n.number}/`, { method: 'POST', body: 'app_id=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, /application\/json/);
    expectError(await call(`${acct()}/PhoneNumber/${n.number}/`, { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } }), 400, /JSON/);
    expectError(await call(`${acct()}/PhoneNumber/${n.number}/`, { method: 'POST', json: [1] }), 400, /object/);
    expect(sandbox.purchaseCounts()).toEqual({});
  });
});

describe('search', () => {
  it('validates its parameters', async () => {
    expectError(await search('type=local'), 400, /country_iso/);
    expectError(await search('country_iso=USA'), 400);
    expectError(await search('country_iso=US&type=shortcode'), 400, /type/);
    expectError(await search('country_iso=US&limit=21'), 400, /20/);
    expectError(await search('country_iso=US&limit=0'), 400);
    expectError(await search('country_iso=US&offset=-1'), 400);
    expectError(await search('country_iso=US&services=fax'), 400, /services/);
    expectError(await search('country_iso=US&pattern=41%2B5'), 400, /pattern/);
    expectError(await search('country_iso=US&region=C'), 400, /region/);
  });

  it('stocks valid numbers of each kind (libphonenumber max metadata)', async () => {
    const kinds: Array<[string, string, string, string]> = [
      ['US', 'local', 'fixed', 'local'],
      ['US', 'tollfree', 'tollfree', 'tollfree'],
      ['CA', 'local', 'fixed', 'local'],
      ['GB', 'local', 'fixed', 'local'],
      ['GB', 'mobile', 'mobile', 'mobile'],
    ];
    for (const [country, type, plivoType, subType] of kinds) {
      const res = await search(`country_iso=${country}&type=${type}&limit=20`);
      expect(res.status, `${country} ${type}`).toBe(200);
      const objects = res.body.objects;
      expect(objects.length, `${country} ${type}`).toBe(20);
      for (const o of objects) {
        expect(isValidPhoneNumber(`+${o.number}`), o.number).toBe(true);
        expect(o).toMatchObject({ type: plivoType, sub_type: subType, resource_uri: `/v1/Account/${A.authId}/PhoneNumber/${o.number}/` });
      }
    }
    for (const npa of ['415', '212', '312', '646', '512', '206', '303', '617', '305', '404', '720']) {
      const res = await search(`country_iso=US&type=local&pattern=${npa}&limit=5`);
      expect(res.body.objects.length, npa).toBe(5);
      for (const o of res.body.objects) expect(o.number.startsWith(`1${npa}`)).toBe(true);
    }
    expect((await search('country_iso=US&type=national')).body.objects).toEqual([]);
    expect((await search('country_iso=FR&type=local')).body).toMatchObject({ meta: { total_count: 0 }, objects: [] });
  });

  it('matches pattern after the country code, with ? and * wildcards', async () => {
    const uk = (await search('country_iso=GB&type=local&pattern=20&limit=20')).body.objects;
    expect(uk.length).toBe(20);
    for (const o of uk) expect(o.number.startsWith('4420')).toBe(true);
    const q = (await search('country_iso=US&type=local&pattern=4?5&limit=20')).body.objects;
    expect(q.length).toBeGreaterThan(0);
    for (const o of q) expect(o.number).toMatch(/^14\d5/);
    const star = (await search('country_iso=US&type=tollfree&pattern=8*0&limit=20')).body.objects;
    for (const o of star) expect(o.number).toMatch(/^18\d*0/);
  });

  it('filters by region, city, services and type', async () => {
    const byCode = (await search('country_iso=US&type=local&region=TX&limit=20')).body.objects;
    expect(byCode.length).toBe(20);
    for (const o of byCode) expect(o.region).toBe('Texas, UNITED STATES');
    const byName = (await search('country_iso=US&type=local&region=california&limit=20')).body.objects;
    for (const o of byName) expect(o.region).toBe('California, UNITED STATES');
    const city = (await search('country_iso=US&type=local&city=boulder&limit=20')).body.objects;
    expect(city.length).toBeGreaterThan(0);
    for (const o of city) expect(o).toMatchObject({ city: 'BOULDER', prefix: '303' });
    const all = (await search('country_iso=US&type=local&services=voice,sms,mms&limit=20')).body.objects;
    expect(all.length).toBe(20);
    for (const o of all) expect([o.voice_enabled, o.sms_enabled, o.mms_enabled]).toEqual([true, true, true]);
    const tollfree = (await search('country_iso=US&type=tollfree&limit=20')).body.objects;
    for (const o of tollfree) expect(o.number).toMatch(/^18(00|33|44|55|66|77|88)/);
    const any = (await search('country_iso=GB&limit=20&offset=0')).body as { meta: Meta };
    expect(any.meta.total_count).toBeGreaterThan(700); // local + mobile
  });

  it('pages with limit/offset and meta next/previous/total_count', async () => {
    const p1 = await search('country_iso=US&type=local&pattern=415&limit=20');
    const meta1 = p1.body.meta;
    expect(meta1).toMatchObject({ limit: 20, offset: 0, previous: null });
    expect(meta1.total_count).toBe(200);
    expect(meta1.next).toBe(`/v1/Account/${A.authId}/PhoneNumber/?country_iso=US&type=local&pattern=415&limit=20&offset=20`);
    const p2 = await call<PlivoList<SearchObject>>(meta1.next!);
    expect(p2.body.meta.previous).toContain('offset=0');
    const numbers1 = p1.body.objects.map((o) => o.number);
    const numbers2 = p2.body.objects.map((o) => o.number);
    expect(new Set([...numbers1, ...numbers2]).size).toBe(40);
    const last = await search('country_iso=US&type=local&pattern=415&limit=20&offset=190');
    expect(last.body.objects).toHaveLength(10);
    expect(last.body.meta.next).toBeNull();
    // Deterministic: the same query answers the same numbers.
    expect((await search('country_iso=US&type=local&pattern=415&limit=20')).body.objects.map((o) => o.number)).toEqual(numbers1);
  });
});

describe('buy', () => {
  it('rents a stocked number once', async () => {
    const n = await firstAvailable();
    const res = await buy(n.number, A, { app_id: '29986316244302815' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ api_id: expect.any(String), message: 'created', numbers: [{ number: n.number, status: 'Success' }], status: 'fulfilled' });
    expect(sandbox.purchaseCounts()).toEqual({ [`+${n.number}`]: 1 });
    // Gone from the inventory, taken for everybody.
    const after = (await search('country_iso=US&type=local&pattern=415&limit=20')).body.objects;
    expect(after.map((o) => o.number)).not.toContain(n.number);
    expectError(await buy(n.number, A), 400, /not available/);
    expectError(await buy(n.number, B), 400, /not available/);
    expect(sandbox.purchaseCounts()).toEqual({ [`+${n.number}`]: 1 });
    const owned = await call(`${acct()}/Number/${n.number}/`);
    expect(owned.body).toMatchObject({ number: n.number, application: `/v1/Account/${A.authId}/Application/29986316244302815/`, number_type: 'local', alias: null });
  });

  it('answers 404 for numbers it does not stock', async () => {
    expectError(await buy('14155550100'), 404, /not found/);
    expectError(await buy('+14155550100'), 404);
    expect(sandbox.purchaseCounts()).toEqual({});
  });

  it('sells one number once under concurrent buys', async () => {
    const n = await firstAvailable('country_iso=US&type=tollfree&limit=1');
    const results = await Promise.all([buy(n.number, A), buy(n.number, B), buy(n.number, A), buy(n.number, B)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 400, 400, 400]);
    expect(sandbox.purchaseCounts()).toEqual({ [`+${n.number}`]: 1 });
  });

  it('sells restricted numbers as pending orders', async () => {
    const n = await firstAvailable('country_iso=GB&type=local&limit=1');
    expect(n.restriction).toBe('city-address');
    const res = await buy(n.number);
    expect(res.body).toMatchObject({ status: 'pending', numbers: [{ number: n.number, status: 'Pending' }] });
    expect((await call(`${acct()}/Number/${n.number}/`)).body).toMatchObject({ compliance_status: 'pending' });
  });

  it('validates the body', async () => {
    const n = await firstAvailable();
    expectError(await buy(n.number, A, { app_id: 42 }), 400, /app_id/);
    expectError(await buy(n.number, A, { cnam_lookup: 'maybe' }), 400, /cnam_lookup/);
  });
});

describe('account numbers', () => {
  it('lists with filters, limit/offset, per account', async () => {
    const local = (await search('country_iso=US&type=local&pattern=212&limit=3')).body.objects;
    const tollfree = await firstAvailable('country_iso=US&type=tollfree&limit=1');
    for (const o of local) expect((await buy(o.number)).status).toBe(201);
    expect((await buy(tollfree.number)).status).toBe(201);
    const other = await firstAvailable('country_iso=US&type=local&pattern=312&limit=1');
    expect((await buy(other.number, B)).status).toBe(201);
    await call(`${acct()}/Number/${local[0]!.number}/`, { method: 'POST', json: { alias: 'Front desk' } });

    const all = await call<PlivoList<{ number: string }>>(`${acct()}/Number/`);
    expect(all.body.meta).toMatchObject({ total_count: 4, offset: 0, next: null });
    expect((all.body.objects as Array<{ number: string }>).map((o) => o.number)).toEqual([...local.map((o) => o.number), tollfree.number]);
    const page = await call<PlivoList<{ number: string }>>(`${acct()}/Number/?limit=2&offset=2`);
    expect((page.body.objects as unknown[]).length).toBe(2);
    expect(page.body.meta.previous).toContain('offset=0');
    expect((await call<PlivoList<{ number: string }>>(`${acct()}/Number/?type=tollfree`)).body.objects.map((o: { number: string }) => o.number)).toEqual([tollfree.number]);
    expect((await call<PlivoList<{ number: string }>>(`${acct()}/Number/?number_startswith=1212`)).body.meta.total_count).toBe(3);
    expect((await call<PlivoList<{ number: string }>>(`${acct()}/Number/?number_startswith=${local[1]!.number}`)).body.objects.map((o: { number: string }) => o.number)).toEqual([local[1]!.number]);
    expect((await call<PlivoList<{ number: string }>>(`${acct()}/Number/?alias=Front%20desk`)).body.objects.map((o: { number: string }) => o.number)).toEqual([local[0]!.number]);
    expect((await call<PlivoList<{ number: string }>>(`${acct()}/Number/?services=voice`)).body.meta.total_count).toBe(4);
    expect((await call<PlivoList<{ number: string }>>(`${acct(B)}/Number/`, { as: B })).body.objects.map((o: { number: string }) => o.number)).toEqual([other.number]);
    expectError(await call(`${acct()}/Number/?limit=50`), 400);
    expectError(await call(`${acct()}/Number/?type=premium`), 400);
  });

  it('gets, updates and unrents; other accounts get 404', async () => {
    const n = await firstAvailable();
    await buy(n.number);
    const one = `${acct()}/Number/${n.number}/`;
    const got = await call(one);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      number: n.number,
      alias: null,
      application: null,
      carrier: 'Plivo',
      number_type: 'local',
      country: 'United States',
      region: expect.stringContaining('UNITED STATES'),
      sms_enabled: n.sms_enabled,
      voice_enabled: true,
      monthly_rental_rate: n.monthly_rental_rate,
      resource_uri: one,
    });

    const updated = await call(one, { method: 'POST', json: { alias: 'Support', app_id: '123456789' } });
    expect(updated.status).toBe(202);
    expect(updated.body).toEqual({ api_id: expect.any(String), message: 'changed' });
    expect((await call(one)).body).toMatchObject({ alias: 'Support', application: `/v1/Account/${A.authId}/Application/123456789/` });
    await call(one, { method: 'POST', json: { app_id: '' } });
    expect((await call(one)).body).toMatchObject({ alias: 'Support', application: null });
    expectError(await call(one, { method: 'POST', json: { subaccount: 'SAXXXXXXXXXXXXXXXXXX' } }), 400, /subaccount/);

    const asB = `${acct(B)}/Number/${n.number}/`;
    expectError(await call(asB, { as: B }), 404);
    expectError(await call(asB, { as: B, method: 'POST', json: { alias: 'mine' } }), 404);
    expectError(await call(asB, { as: B, method: 'DELETE' }), 404);

    const del = await call(one, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expectError(await call(one), 404);
    expectError(await call(one, { method: 'DELETE' }), 404);
    // An unrented number ages: out of stock (not listed, not for rent) for 30 sandbox days, then back in stock.
    expect((await search('country_iso=US&type=local&pattern=415&limit=1')).body.objects[0]!.number).not.toBe(n.number);
    expectError(await buy(n.number, B), 400, /not available/);
    sandbox.advanceClock(30 * 24 * 3600_000);
    expect((await search('country_iso=US&type=local&pattern=415&limit=1')).body.objects[0]!.number).toBe(n.number);
  });

  it('seeds numbers bought elsewhere', async () => {
    const seeded = sandbox.seedOwned(B.authId, '+12125550147');
    expect(seeded).toMatchObject({ number: '12125550147', number_type: 'local' });
    expect((await call(`${acct(B)}/Number/12125550147/`, { as: B })).status).toBe(200);
    expectError(await buy('12125550147'), 400, /not available/);
    expect(() => sandbox.seedOwned(A.authId, '+12125550147')).toThrow(/already rented/);
    expect(() => sandbox.seedOwned(A.authId, '+1212')).toThrow(/Invalid/);
  });
});

describe('faults and controls', () => {
  it('fails before effect, after effect, and by dropping the connection', async () => {
    const [n1, n2] = (await search('country_iso=US&type=local&pattern=206&limit=2')).body.objects;
    sandbox.injectFault({ method: 'POST', pathPattern: '/PhoneNumber/', status: 503 });
    expectError(await buy(n1!.number), 503, /service unavailable/);
    expect(sandbox.purchaseCounts()).toEqual({});
    expect((await buy(n1!.number)).status).toBe(201);

    sandbox.injectFault({ method: 'POST', pathPattern: '/PhoneNumber/', status: 500, afterEffect: true, message: 'boom' });
    expectError(await buy(n2!.number), 500, /^boom$/);
    expect(sandbox.purchaseCounts()[`+${n2!.number}`]).toBe(1);
    expect((await call(`${acct()}/Number/${n2!.number}/`)).status).toBe(200);
    expect(() => sandbox.injectFault({ status: 42 })).toThrow(/Invalid fault status/);
  });

  it('drops connections and sends Retry-After on 429', async () => {
    const n = await firstAvailable();
    sandbox.injectFault({ method: 'POST', status: 500, dropConnection: true, afterEffect: true });
    await expect(buy(n.number)).rejects.toThrow();
    expect(sandbox.purchaseCounts()).toEqual({ [`+${n.number}`]: 1 });
    sandbox.injectFault({ status: 429, times: 2 });
    const limited = await call(`${acct()}/`);
    expectError(limited, 429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await call(`${acct()}/`)).status).toBe(429);
    expect((await call(`${acct()}/`)).status).toBe(200);
    expect(sandbox.requestLog().slice(-4)).toEqual([
      { method: 'POST', path: '/v1/Account/{auth_id}/PhoneNumber/{number}/', status: 0 },
      { method: 'GET', path: '/v1/Account/{auth_id}/', status: 429 },
      { method: 'GET', path: '/v1/Account/{auth_id}/', status: 429 },
      { method: 'GET', path: '/v1/Account/{auth_id}/', status: 200 },
    ]);
  });

  it('answers transient failures when configured', async () => {
    sandbox.configure({ transientFailureRate: 1 });
    expectError(await call(`${acct()}/`), 503, /transient/);
    sandbox.configure({ transientFailureRate: 0 });
    expect((await call(`${acct()}/`)).status).toBe(200);
  });

  it('offers the same controls over HTTP', async () => {
    const control = <T = unknown>(p: string, method = 'GET', json?: unknown) => call<T>(`/__sandbox/${p}`, { method, as: null, ...(json !== undefined ? { json } : {}) });
    expect((await control('health')).body).toEqual({ ok: true });
    expect((await control('faults', 'POST', { status: 502, times: -1, pathPattern: '/Number/' })).status).toBe(201);
    expect((await control<{ faults: unknown[] }>('faults')).body.faults).toEqual([{ status: 502, times: -1, pathPattern: '/Number/', remaining: null }]);
    expect((await call(`${acct()}/Number/`)).status).toBe(502);
    expect((await call(`${acct()}/Number/`)).status).toBe(502);
    expect((await control('faults', 'DELETE')).status).toBe(204);
    expect((await call(`${acct()}/Number/`)).status).toBe(200);
    expect((await control('owned', 'POST', { authId: A.authId, phoneNumber: '+13035550123' })).body).toMatchObject({ number: '13035550123' });
    const n = await firstAvailable();
    await buy(n.number);
    expect((await control('purchases')).body).toEqual({ [`+${n.number}`]: 1 });
    expect((await control<{ requests: unknown[] }>('requests')).body.requests.length).toBeGreaterThan(0);
    expect((await control('config', 'POST', { latencyMs: 0, transientFailureRate: 0 })).body).toEqual({ latencyMs: 0, transientFailureRate: 0 });
    expect((await control('reset', 'POST')).status).toBe(204);
    expect((await control('purchases')).body).toEqual({});
    expect((await control('nope')).status).toBe(404);
  });

  it('keeps owned numbers in its state file across restarts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plivo-sandbox-'));
    try {
      const stateFile = path.join(dir, 'state.json');
      const first = await startPlivoSandbox({ accounts: [A], seed: 11, stateFile });
      const n = (await call<PlivoList<SearchObject>>(`${acct()}/PhoneNumber/?country_iso=US&type=local&limit=1`, { base: first.url })).body.objects[0] as SearchObject;
      expect((await call(`${acct()}/PhoneNumber/${n.number}/`, { method: 'POST', json: {}, base: first.url })).status).toBe(201);
      await call(`${acct()}/Number/${n.number}/`, { method: 'POST', json: { alias: 'Kept' }, base: first.url });
      await first.close();
      const second = await startPlivoSandbox({ accounts: [A], seed: 11, stateFile });
      try {
        expect((await call(`${acct()}/Number/${n.number}/`, { base: second.url })).body).toMatchObject({ number: n.number, alias: 'Kept' });
        expect((await call(`${acct()}/PhoneNumber/${n.number}/`, { method: 'POST', json: {}, base: second.url })).status).toBe(400);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the real Plivo client against the sandbox', () => {
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
  let plivo: NumberProvider;
  beforeAll(() => {
    plivo = createPlivoProvider({ credentials: A, baseUrl: sandbox.url, timeoutMs: 2_000, logger: silent, http: { maxRetries: 0 } });
  });

  it('verifies credentials', async () => {
    await expect(plivo.verifyCredentials()).resolves.toBeUndefined();
    const wrong = createPlivoProvider({ credentials: { ...A, authToken: 'nope-nope-nope-nope-nope' }, baseUrl: sandbox.url, logger: silent });
    await expect(wrong.verifyCredentials()).rejects.toMatchObject({ info: { kind: 'auth', httpStatus: 401 } });
  });

  it('searches with every supported filter and pages past 20', async () => {
    const found = await plivo.search({ country: 'US', type: 'local', areaCode: '512', startsWith: '512', region: 'TX', locality: 'Austin', capabilities: { voice: true, sms: true }, limit: 30 });
    expect(found).toHaveLength(30);
    for (const n of found) {
      expect(n.phoneNumber.startsWith('+1512')).toBe(true);
      expect(n).toMatchObject({ provider: 'plivo', country: 'US', type: 'local', locality: 'AUSTIN', capabilities: { voice: true, sms: true, fax: false } });
      expect(isValidPhoneNumber(n.phoneNumber)).toBe(true);
    }
    expect(new Set(found.map((n) => n.phoneNumber)).size).toBe(30);
    const searches = sandbox.requestLog().filter((r) => r.path === '/v1/Account/{auth_id}/PhoneNumber/');
    expect(searches).toHaveLength(2);
    expect(await plivo.search({ country: 'US', type: 'toll_free', limit: 5 })).toHaveLength(5);
    expect((await plivo.search({ country: 'GB', type: 'mobile', limit: 3 }))[0]).toMatchObject({ country: 'GB', type: 'mobile' });
  });

  it('buys with a label, finds, lists, updates and releases', async () => {
    const [target] = await plivo.search({ country: 'US', type: 'local', areaCode: '617', limit: 1 });
    const bought = await plivo.purchase({ phoneNumber: target!.phoneNumber, label: 'Boston line', applicationId: '555000111' });
    expect(bought).toMatchObject({ providerNumberId: target!.phoneNumber.slice(1), phoneNumber: target!.phoneNumber, label: 'Boston line', type: 'local', country: 'US' });
    expect(bought).not.toHaveProperty('order');
    expect(sandbox.purchaseCounts()).toEqual({ [target!.phoneNumber]: 1 });
    expect(await plivo.findOwned(target!.phoneNumber)).toMatchObject({ label: 'Boston line' });
    expect(await plivo.findOwned('+16175550100')).toBeUndefined();

    await expect(plivo.purchase({ phoneNumber: target!.phoneNumber })).rejects.toMatchObject({ info: { kind: 'not_available', httpStatus: 400 } });
    await expect(plivo.purchase({ phoneNumber: '+14155550100' })).rejects.toMatchObject({ info: { kind: 'not_available', httpStatus: 404, ambiguous: false } });

    const more = await plivo.search({ country: 'US', type: 'local', areaCode: '404', limit: 2 });
    for (const n of more) await plivo.purchase({ phoneNumber: n.phoneNumber });
    const page1 = await plivo.list({ pageSize: 2 });
    expect(page1.numbers).toHaveLength(2);
    const page2 = await plivo.list({ pageSize: 2, pageToken: page1.nextPageToken! });
    expect(page2.numbers).toHaveLength(1);
    expect(page2.nextPageToken).toBeUndefined();
    expect((await plivo.list({ phoneNumber: target!.phoneNumber })).numbers.map((n) => n.phoneNumber)).toEqual([target!.phoneNumber]);

    const renamed = await plivo.update(bought.providerNumberId, { label: 'Boston HQ', applicationId: null });
    expect(renamed.label).toBe('Boston HQ');
    expect((await call<{ application: string | null }>(`${acct()}/Number/${bought.providerNumberId}/`)).body.application).toBeNull();
    // Clearing URLs Plivo does not have per number is a no-op.
    await expect(plivo.update(bought.providerNumberId, { smsUrl: null, voiceUrl: null })).resolves.toMatchObject({ label: 'Boston HQ' });

    await plivo.release(bought.providerNumberId);
    await plivo.release(bought.providerNumberId); // already gone: fine
    expect(await plivo.findOwned(target!.phoneNumber)).toBeUndefined();
    await expect(plivo.get(bought.providerNumberId)).rejects.toMatchObject({ info: { kind: 'not_found' } });
  });

  it('returns pending orders for restricted numbers', async () => {
    const [uk] = await plivo.search({ country: 'GB', type: 'local', areaCode: '20', limit: 1 });
    const bought = await plivo.purchase({ phoneNumber: uk!.phoneNumber, label: 'London' });
    expect(bought).toMatchObject({ phoneNumber: uk!.phoneNumber, label: 'London', order: { id: expect.any(String), status: 'pending' } });
  });

  it('never buys twice: an ambiguous failure is settled with findOwned', async () => {
    const [n] = await plivo.search({ country: 'US', type: 'local', areaCode: '720', limit: 1 });
    sandbox.injectFault({ method: 'POST', pathPattern: '/PhoneNumber/', status: 503, afterEffect: true });
    const err = await plivo.purchase({ phoneNumber: n!.phoneNumber }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info).toMatchObject({ ambiguous: true, retryable: true, httpStatus: 503 });
    expect(sandbox.purchaseCounts()).toEqual({ [n!.phoneNumber]: 1 });
    expect(await plivo.findOwned(n!.phoneNumber)).toMatchObject({ phoneNumber: n!.phoneNumber });
    const buys = sandbox.requestLog().filter((r) => r.method === 'POST' && r.path.includes('PhoneNumber'));
    expect(buys).toHaveLength(1);
  });

  it('retries idempotent reads through transient 503s', async () => {
    const retrying = createPlivoProvider({ credentials: A, baseUrl: sandbox.url, logger: silent, http: { sleep: async () => {} } });
    sandbox.injectFault({ method: 'GET', status: 503, times: 2 });
    await expect(retrying.verifyCredentials()).resolves.toBeUndefined();
  });
});
