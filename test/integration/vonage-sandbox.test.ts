import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import type { Logger } from '../../shared/log.js';
import { createVonageProvider } from '../../shared/providers/vonage/client.js';
import { startVonageSandbox, type VonageSandbox, type VonageSandboxAccount } from '../../scripts/sandboxes/vonage.js';

const A: VonageSandboxAccount = { apiKey: 'aaaa1111', apiSecret: 'secret-of-account-a' };
const B: VonageSandboxAccount = { apiKey: 'bbbb2222', apiSecret: 'secret-of-account-b' };
const APP = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

const spec = readFileSync(new URL('../../../shared/contracts/vonage/numbers.yml', import.meta.url), 'utf8');

interface Available {
  country: string;
  msisdn: string;
  type: string;
  cost: string;
  features: string[];
}
interface Owned {
  country: string;
  msisdn: string;
  type: string;
  features: string[];
  moHttpUrl?: string;
  messagesCallbackType?: string;
  messagesCallbackValue?: string;
  voiceCallbackType?: string;
  voiceCallbackValue?: string;
}

/** A Vonage list answer: the count of all matches, and this page's numbers (absent when there are none). */
interface VonageList<T> {
  count: number;
  numbers?: T[];
}

let sandbox: VonageSandbox;

/** One request to the sandbox, answered as Vonage would; `T` is what the test expects the JSON body to be. */
async function call<T = unknown>(
  p: string,
  opts: { method?: string; query?: Record<string, string>; form?: Record<string, string>; as?: VonageSandboxAccount | null; headers?: Record<string, string>; body?: string; signal?: AbortSignal; base?: string } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const as = opts.as === undefined ? A : opts.as;
  const q = new URLSearchParams(opts.query ?? {});
  if (as) {
    q.set('api_key', as.apiKey);
    q.set('api_secret', as.apiSecret);
  }
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body = opts.body;
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  const qs = q.toString();
  const res = await fetch(`${opts.base ?? sandbox.url}${p}${qs ? `?${qs}` : ''}`, { method: opts.method ?? (opts.form || body ? 'POST' : 'GET'), headers, body, signal: opts.signal });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const search = (query: Record<string, string>, as: VonageSandboxAccount = A) => call<VonageList<Available>>('/number/search', { query, as });
const owned = (query: Record<string, string> = {}, as: VonageSandboxAccount = A) => call<VonageList<Owned>>('/account/numbers', { query, as });
const buy = (n: { country: string; msisdn: string }, as: VonageSandboxAccount = A) => call('/number/buy', { form: { country: n.country, msisdn: n.msisdn }, as });
const cancel = (n: { country: string; msisdn: string }, as: VonageSandboxAccount = A) => call('/number/cancel', { form: { country: n.country, msisdn: n.msisdn }, as });
const update = (form: Record<string, string>, as: VonageSandboxAccount = A) => call('/number/update', { form, as });

async function first(query: Record<string, string>): Promise<Available> {
  const res = await search({ size: '1', ...query });
  expect(res.status).toBe(200);
  const n = res.body.numbers?.[0];
  if (!n) throw new Error(`nothing for ${JSON.stringify(query)}`);
  return n;
}

function expectVonageError(res: { status: number; body: unknown }, status: number, label?: string | RegExp): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ 'error-code': String(status), 'error-code-label': expect.any(String) });
  if (label !== undefined) expect((res.body as Record<string, string>)['error-code-label']).toMatch(label);
}

beforeAll(async () => {
  sandbox = await startVonageSandbox({ accounts: [A, B], seed: 7 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

describe('auth and routing', () => {
  it('answers missing or wrong credentials with the spec 401 body', async () => {
    const attempts = [
      await call('/account/numbers', { as: null }),
      await search({ country: 'GB' }, { ...A, apiSecret: 'wrong-secret-here' }),
      await call('/number/search', { as: null, query: { country: 'GB', api_key: A.apiKey } }),
      await buy({ country: 'GB', msisdn: '447700900000' }, { apiKey: 'unknown99', apiSecret: A.apiSecret }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ 'error-code': '401', 'error-code-label': 'authentication failed' });
    }
  });

  it('accepts the credentials in a POST form body too, as the live API does', async () => {
    const n = await first({ country: 'GB', type: 'mobile-lvn' });
    const res = await call('/number/buy', { as: null, form: { country: 'GB', msisdn: n.msisdn, api_key: A.apiKey, api_secret: A.apiSecret } });
    expect(res.status).toBe(200);
  });

  it('404 for unknown paths, 405 for a wrong method, 415 for a non-form POST body', async () => {
    expectVonageError(await call('/number/lookup'), 404);
    expect((await call('/number/search', { method: 'POST', form: { country: 'GB' } })).status).toBe(405);
    const json = await call('/number/buy', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ country: 'GB', msisdn: '447700900000' }) });
    expect(json.status).toBe(415);
  });
});

describe('GET /number/search', () => {
  it('returns the spec shape: {count, numbers: [availablenumber]}, 10 by default', async () => {
    const res = await search({ country: 'GB' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.count).toBe(1240);
    const numbers = res.body.numbers as Available[];
    expect(numbers).toHaveLength(10);
    for (const n of numbers) {
      expect(Object.keys(n).sort()).toEqual(['cost', 'country', 'features', 'msisdn', 'type']);
      expect(n.country).toBe('GB');
      expect(n.msisdn).toMatch(/^44\d{9,10}$/);
      expect(['landline', 'mobile-lvn']).toContain(n.type);
      expect(n.cost).toMatch(/^\d+\.\d{2}$/);
    }
    // Every property used here is one the spec declares for availablenumber.
    for (const prop of ['country:', 'msisdn:', 'type:', 'cost:', 'features:']) expect(spec).toContain(prop);
  });

  it('filters by type and features', async () => {
    const mobile = (await search({ country: 'DE', type: 'mobile-lvn', size: '100' })).body;
    expect(mobile.count).toBe(300);
    for (const n of mobile.numbers as Available[]) expect(n.type).toBe('mobile-lvn');
    const voice = (await search({ country: 'DE', type: 'mobile-lvn', features: 'VOICE', size: '100' })).body;
    expect(voice.count).toBeGreaterThan(50);
    expect(voice.count).toBeLessThan(300);
    for (const n of voice.numbers as Available[]) expect(n.features).toContain('VOICE');
    const mms = (await search({ country: 'US', type: 'landline', features: 'SMS,MMS,VOICE', size: '100' })).body.numbers as Available[];
    for (const n of mms) expect(n.features).toEqual(['VOICE', 'SMS', 'MMS']);
    const tollFree = (await search({ country: 'US', type: 'landline-toll-free', size: '100' })).body.numbers as Available[];
    for (const n of tollFree) expect(n.msisdn).toMatch(/^18(00|33|44|55|66|77|88)/);
    expect((await search({ country: 'GB', type: 'landline', features: 'SMS' })).body).toEqual({ count: 0 });
  });

  it('implements search_pattern 0 (E.164 start, country code included; the default), 1 contains, 2 ends', async () => {
    const starts = (await search({ country: 'US', pattern: '1415', search_pattern: '0', size: '100' })).body;
    expect(starts.count).toBe(200);
    for (const n of starts.numbers as Available[]) expect(n.msisdn.startsWith('1415')).toBe(true);
    expect((await search({ country: 'US', pattern: '415', search_pattern: '0' })).body).toEqual({ count: 0 });
    expect((await search({ country: 'US', pattern: '1415' })).body.count).toBe(200); // default 0
    const ref = await first({ country: 'FR', type: 'mobile-lvn', index: '7' });
    const middle = ref.msisdn.slice(4, 9);
    const contains = (await search({ country: 'FR', pattern: middle, search_pattern: '1', size: '100' })).body.numbers as Available[];
    expect(contains.map((n) => n.msisdn)).toContain(ref.msisdn);
    for (const n of contains) expect(n.msisdn).toContain(middle);
    const ends = (await search({ country: 'FR', pattern: ref.msisdn.slice(-4), search_pattern: '2', size: '100' })).body.numbers as Available[];
    expect(ends.map((n) => n.msisdn)).toContain(ref.msisdn);
    for (const n of ends) expect(n.msisdn.endsWith(ref.msisdn.slice(-4))).toBe(true);
    // No wildcard syntax: '*' is matched literally.
    expect((await search({ country: 'US', pattern: '1415*', search_pattern: '0' })).body).toEqual({ count: 0 });
  });

  it('pages with size / index and a stable count', async () => {
    const all = (await search({ country: 'US', pattern: '1212', size: '10' })).body;
    const p1 = (await search({ country: 'US', pattern: '1212', size: '5', index: '1' })).body;
    const p2 = (await search({ country: 'US', pattern: '1212', size: '5', index: '2' })).body;
    expect([p1.count, p2.count]).toEqual([all.count, all.count]);
    expect([...p1.numbers!, ...p2.numbers!]).toEqual(all.numbers);
    expect((await search({ country: 'US', pattern: '1212', size: '100', index: '3' })).body.numbers).toBeUndefined();
  });

  it('validates parameters as the spec types them', async () => {
    for (const [query, what] of [
      [{ country: 'US', size: '101' }, /size/],
      [{ country: 'US', size: 'ten' }, /size/],
      [{ country: 'US', index: '0' }, /index/],
      [{ country: 'US', search_pattern: '3' }, /search_pattern/],
      [{ country: 'US', type: 'mobile' }, /type/],
      [{ country: 'US', features: 'FAX' }, /features/],
      [{ country: 'USA' }, /country/],
      [{}, /country/],
    ] as const) {
      expectVonageError(await search(query), 400, what);
    }
  });

  it('stocks GB, US (incl. the listed NANP area codes and toll-free), DE and FR numbers, all valid per libphonenumber-js/max', async () => {
    const all: Available[] = [];
    for (const country of ['GB', 'US', 'DE', 'FR']) {
      for (let index = 1; ; index++) {
        const page = (await search({ country, size: '100', index: String(index) })).body;
        if (!page.numbers) break;
        all.push(...page.numbers);
      }
    }
    expect(all.length).toBe(1240 + 2700 + 780 + 800);
    expect(all.filter((n) => !isValidPhoneNumber(`+${n.msisdn}`)).map((n) => n.msisdn)).toEqual([]);
    expect(new Set(all.map((n) => n.msisdn)).size).toBe(all.length);
    const npas = new Set(all.filter((n) => n.country === 'US' && n.type === 'landline').map((n) => n.msisdn.slice(1, 4)));
    expect(npas).toEqual(new Set(['415', '212', '312', '646', '512', '206', '303', '617', '305', '404']));
    const types = new Set(all.map((n) => `${n.country}:${n.type}`));
    expect(types).toEqual(new Set(['GB:landline', 'GB:mobile-lvn', 'US:landline', 'US:landline-toll-free', 'DE:landline', 'DE:mobile-lvn', 'FR:landline', 'FR:mobile-lvn']));
  });

  it('is deterministic for a seed and hides owned numbers', async () => {
    const one = (await search({ country: 'US', pattern: '1303', size: '5' })).body;
    expect((await search({ country: 'US', pattern: '1303', size: '5' })).body).toEqual(one);
    const taken = (one.numbers as Available[])[0]!;
    sandbox.seedOwned(B.apiKey, `+${taken.msisdn}`);
    const after = (await search({ country: 'US', pattern: '1303', size: '5' })).body;
    expect(after.count).toBe(one.count - 1);
    expect((after.numbers as Available[]).map((n) => n.msisdn)).not.toContain(taken.msisdn);
    const other = await startVonageSandbox({ accounts: [A], seed: 8 });
    try {
      const differs = await call<VonageList<Available>>('/number/search', { base: other.url, query: { country: 'US', pattern: '1303', size: '5' } });
      expect(differs.body.numbers).not.toEqual(one.numbers);
    } finally {
      await other.close();
    }
  });
});

describe('POST /number/buy', () => {
  it('buys: the spec success body, listed for the buyer only, gone from search', async () => {
    const n = await first({ country: 'US', pattern: '1617' });
    const res = await buy(n);
    expect(res).toMatchObject({ status: 200, body: { 'error-code': '200', 'error-code-label': 'success' } });
    expect(sandbox.purchaseCounts()).toEqual({ [`+${n.msisdn}`]: 1 });
    const mine = (await owned()).body;
    expect(mine).toEqual({ count: 1, numbers: [{ country: 'US', msisdn: n.msisdn, type: 'landline', features: n.features }] });
    expect((await owned({}, B)).body).toEqual({ count: 0 });
    expect((await search({ country: 'US', pattern: n.msisdn, search_pattern: '1' })).body).toEqual({ count: 0 });
  });

  it('refuses a taken, unstocked or mismatched number with 420 "method failed"; malformed forms with 400', async () => {
    const n = await first({ country: 'GB', type: 'mobile-lvn' });
    sandbox.seedOwned(B.apiKey, `+${n.msisdn}`);
    for (const res of [await buy(n), await buy({ country: 'GB', msisdn: '447400000000' }), await buy({ country: 'FR', msisdn: (await first({ country: 'GB', type: 'landline' })).msisdn })]) {
      expect(res.status).toBe(420);
      expect(res.body).toEqual({ 'error-code': '420', 'error-code-label': 'method failed' });
    }
    expectVonageError(await call('/number/buy', { form: { country: 'GB' } }), 400, /msisdn/);
    expectVonageError(await call('/number/buy', { form: { msisdn: n.msisdn } }), 400, /country/);
    expect(sandbox.purchaseCounts()).toEqual({});
  });

  it('sells a number once under concurrent purchases', async () => {
    const n = await first({ country: 'US', pattern: '1512' });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => buy(n, i % 2 ? B : A)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body).toEqual({ 'error-code': '420', 'error-code-label': 'method failed' });
    expect(sandbox.purchaseCounts()).toEqual({ [`+${n.msisdn}`]: 1 });
  });
});

describe('POST /number/update and /number/cancel, GET /account/numbers', () => {
  it('update replaces the configuration; an Application shows as messages/voice callback "app"', async () => {
    const n = await first({ country: 'GB', type: 'mobile-lvn' });
    await buy(n);
    const base = { country: 'GB', msisdn: n.msisdn };
    expect((await update({ ...base, app_id: APP, moHttpUrl: 'https://hooks.example.com/sms' })).body).toEqual({ 'error-code': '200', 'error-code-label': 'success' });
    let listed = ((await owned()).body.numbers as Owned[])[0]!;
    expect(listed).toMatchObject({ moHttpUrl: 'https://hooks.example.com/sms', messagesCallbackType: 'app', messagesCallbackValue: APP, voiceCallbackType: 'app', voiceCallbackValue: APP });
    expect((await owned({ application_id: APP })).body.count).toBe(1);
    expect((await owned({ has_application: 'false' })).body).toEqual({ count: 0 });

    // Only a tel forward sent: the webhook and the Application are cleared.
    expect((await update({ ...base, voiceCallbackType: 'tel', voiceCallbackValue: '447911123456' })).status).toBe(200);
    listed = ((await owned()).body.numbers as Owned[])[0]!;
    expect(listed).toEqual({ country: 'GB', msisdn: n.msisdn, type: 'mobile-lvn', features: n.features, voiceCallbackType: 'tel', voiceCallbackValue: '447911123456' });
    expect((await owned({ has_application: 'true' })).body).toEqual({ count: 0 });

    expect((await update({ ...base, moHttpUrl: '' })).status).toBe(200);
    expect(((await owned()).body.numbers as Owned[])[0]).toEqual({ country: 'GB', msisdn: n.msisdn, type: 'mobile-lvn', features: n.features });

    expectVonageError(await update({ ...base, app_id: 'not-an-app' }), 400, /app_id/);
    expectVonageError(await update({ ...base, moHttpUrl: 'ftp://x' }), 400, /moHttpUrl/);
    expectVonageError(await update({ ...base, voiceCallbackType: 'sip' }), 400, /voiceCallbackValue/);
    expectVonageError(await update({ ...base, voiceCallbackType: 'fax', voiceCallbackValue: '1' }), 400, /voiceCallbackType/);
    expect((await update(base, B)).status).toBe(420);
    expect((await update({ country: 'GB', msisdn: '447400000000' })).status).toBe(420);
  });

  it('cancel: 200, then 420; the number ages out of stock (30 sandbox days), then goes back to the inventory', async () => {
    const n = await first({ country: 'US', pattern: '1404' });
    await buy(n);
    expect((await cancel(n, B)).status).toBe(420);
    expect((await cancel(n)).body).toEqual({ 'error-code': '200', 'error-code-label': 'success' });
    expect((await cancel(n)).body).toEqual({ 'error-code': '420', 'error-code-label': 'method failed' });
    expect((await owned()).body).toEqual({ count: 0 });
    expect((await search({ country: 'US', pattern: n.msisdn, search_pattern: '1' })).body.count).toBe(0);
    expect((await buy(n, B)).status).toBe(420);
    sandbox.advanceClock(30 * 24 * 3600_000);
    expect((await search({ country: 'US', pattern: n.msisdn, search_pattern: '1' })).body.count).toBe(1);
  });

  it('lists own numbers with size / index paging and pattern / country filters', async () => {
    const available = (await search({ country: 'US', pattern: '1305', size: '6' })).body.numbers as Available[];
    for (const n of available.slice(0, 5)) expect((await buy(n)).status).toBe(200);
    await buy(available[5]!, B);
    const gb = await first({ country: 'GB', type: 'landline' });
    await buy(gb);
    const pages = [];
    for (let index = 1; index <= 3; index++) pages.push((await owned({ size: '2', index: String(index), country: 'US' })).body);
    expect(pages.map((p) => p.count)).toEqual([5, 5, 5]);
    expect(pages.map((p) => p.numbers!.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => (p.numbers as Owned[]).map((n) => n.msisdn))).toEqual(available.slice(0, 5).map((n) => n.msisdn));
    expect((await owned()).body.count).toBe(6);
    const target = available[3]!.msisdn;
    expect(((await owned({ pattern: target, search_pattern: '1' })).body.numbers as Owned[]).map((n) => n.msisdn)).toEqual([target]);
    expect((await owned({ pattern: target.slice(-5), search_pattern: '2' })).body.count).toBe(1);
    expect((await owned({}, B)).body.count).toBe(1);
    expectVonageError(await owned({ has_application: 'maybe' }), 400, /has_application/);
  });
});

describe('the real Vonage client against the sandbox', () => {
  it('search → purchase → findOwned → update → list → release', async () => {
    const vonage = createVonageProvider({ credentials: A, baseUrl: sandbox.url, logger: silent });
    await vonage.verifyCredentials();
    const found = await vonage.search({ country: 'US', type: 'local', areaCode: '206', capabilities: { sms: true }, limit: 3 });
    expect(found).toHaveLength(3);
    for (const n of found) expect(n).toMatchObject({ provider: 'vonage', country: 'US', type: 'local', capabilities: { sms: true }, monthlyCost: { currency: 'EUR' } });
    const wild = await vonage.search({ country: 'US', type: 'local', contains: '206*5', limit: 5 });
    for (const n of wild) expect(n.phoneNumber.slice(1)).toMatch(/206\d5/);
    const bought = await vonage.purchase({ phoneNumber: found[0]!.phoneNumber, smsUrl: 'https://hooks.example.com/sms', applicationId: APP });
    expect(bought).toMatchObject({ providerNumberId: `US:${found[0]!.phoneNumber.slice(1)}`, smsUrl: 'https://hooks.example.com/sms', capabilities: found[0]!.capabilities });
    await expect(vonage.purchase({ phoneNumber: found[0]!.phoneNumber })).rejects.toMatchObject({ info: { kind: 'not_available', ambiguous: false } });
    expect(await vonage.findOwned(found[0]!.phoneNumber)).toEqual(bought);
    expect(await vonage.findOwned(found[1]!.phoneNumber)).toBeUndefined();
    const updated = await vonage.update(bought.providerNumberId, { statusCallbackUrl: 'https://hooks.example.com/status' });
    expect(updated.smsUrl).toBe('https://hooks.example.com/sms'); // kept although /number/update replaces
    expect((await owned({ application_id: APP })).body.count).toBe(1); // the Application was kept too
    expect(await vonage.get(bought.providerNumberId)).toMatchObject({ smsUrl: 'https://hooks.example.com/sms' });
    expect((await vonage.update(bought.providerNumberId, { smsUrl: null })).smsUrl).toBeUndefined();
    const page = await vonage.list({ pageSize: 1 });
    expect(page.numbers.map((n) => n.phoneNumber)).toEqual([found[0]!.phoneNumber]);
    expect(page.nextPageToken).toBeUndefined();
    await vonage.release(bought.providerNumberId);
    await vonage.release(bought.providerNumberId); // not owned any more: released
    await expect(vonage.get(bought.providerNumberId)).rejects.toMatchObject({ info: { kind: 'not_found' } });
    expect(sandbox.purchaseCounts()).toEqual({ [found[0]!.phoneNumber]: 1 });
    await expect(createVonageProvider({ credentials: { ...A, apiSecret: 'wrong-secret-x' }, baseUrl: sandbox.url, logger: silent }).verifyCredentials()).rejects.toMatchObject({
      info: { kind: 'auth', httpStatus: 401 },
    });
  });
});

describe('failure injection', () => {
  it('ambiguous fault: the purchase happens but the client sees a 500', async () => {
    const n = await first({ country: 'US', pattern: '1646' });
    sandbox.injectFault({ method: 'POST', pathPattern: '^/number/buy$', status: 500, afterEffect: true });
    expectVonageError(await buy(n), 500, 'Internal Server Error');
    expect((await owned()).body.count).toBe(1);
    expect(sandbox.purchaseCounts()).toEqual({ [`+${n.msisdn}`]: 1 });
    expect((await buy(n)).status).toBe(420); // the fault was used once; a retry sees the truth
  });

  it('ambiguous timeout: the client gives up while the provider acts', async () => {
    const n = await first({ country: 'US', pattern: '1646' });
    sandbox.injectFault({ method: 'POST', status: 504, afterEffect: true, delayMs: 2_000 });
    await expect(call('/number/buy', { form: { country: n.country, msisdn: n.msisdn }, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(sandbox.purchaseCounts()).toEqual({ [`+${n.msisdn}`]: 1 });
  });

  it('pre-effect 429 carries Retry-After and changes nothing; a dropped connection after effect buys', async () => {
    const n = await first({ country: 'US', pattern: '1312' });
    sandbox.injectFault({ method: 'POST', status: 429, retryAfterSeconds: 3, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await buy(n);
      expectVonageError(res, 429, 'Too Many Requests');
      expect(res.headers.get('retry-after')).toBe('3');
    }
    expect(sandbox.purchaseCounts()).toEqual({});
    sandbox.injectFault({ method: 'POST', pathPattern: 'buy', status: 500, dropConnection: true, afterEffect: true });
    await expect(buy(n)).rejects.toThrow();
    expect(sandbox.purchaseCounts()).toEqual({ [`+${n.msisdn}`]: 1 });
    sandbox.injectFault({ status: 420, code: 420, message: 'Insufficient balance' });
    expect((await search({ country: 'GB' })).body).toEqual({ 'error-code': '420', 'error-code-label': 'Insufficient balance' });
  });

  it('the real client: a 500 after the buy took effect is ambiguous and not retried; findOwned settles it', async () => {
    const vonage = createVonageProvider({ credentials: A, baseUrl: sandbox.url, logger: silent, http: { sleep: async () => {} } });
    const n = await first({ country: 'DE', type: 'landline' });
    sandbox.injectFault({ method: 'POST', pathPattern: 'buy', status: 503, afterEffect: true });
    await expect(vonage.purchase({ phoneNumber: `+${n.msisdn}` })).rejects.toMatchObject({ info: { ambiguous: true, retryable: true } });
    expect(sandbox.requestLog().filter((r) => r.path === '/number/buy')).toHaveLength(1);
    expect(await vonage.findOwned(`+${n.msisdn}`)).toMatchObject({ providerNumberId: `DE:${n.msisdn}`, country: 'DE', type: 'local' });
  });

  it('can be driven over HTTP under /__sandbox/, and never logs the query (credentials)', async () => {
    const post = (p: string, body?: unknown) =>
      fetch(`${sandbox.url}/__sandbox/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await post('faults', { method: 'GET', pathPattern: '^/account/numbers$', status: 503, times: -1 })).status).toBe(201);
    expectVonageError(await owned(), 503);
    expectVonageError(await owned(), 503);
    expect((await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await owned()).status).toBe(200);

    const n = await first({ country: 'FR', type: 'landline' });
    expect((await post('owned', { apiKey: A.apiKey, phoneNumber: `+${n.msisdn}` })).status).toBe(201);
    expect((await owned()).body.count).toBe(1);
    expect((await buy(await first({ country: 'FR', type: 'landline' }))).status).toBe(200);
    const counts = (await (await fetch(`${sandbox.url}/__sandbox/purchases`)).json()) as Record<string, number>;
    expect(Object.values(counts)).toEqual([1]);
    const log = ((await (await fetch(`${sandbox.url}/__sandbox/requests`)).json()) as { requests: Array<{ method: string; path: string; status: number }> }).requests;
    expect(log).toContainEqual({ method: 'GET', path: '/account/numbers', status: 503 });
    expect(log).toContainEqual({ method: 'POST', path: '/number/buy', status: 200 });
    expect(JSON.stringify(log)).not.toContain(A.apiSecret);
    expect((await post('config', { latencyMs: 1 })).status).toBe(200);
    expect((await post('reset')).status).toBe(204);
    expect(sandbox.purchaseCounts()).toEqual({});
    expect(sandbox.requestLog()).toEqual([]);
  });

  it('transientFailureRate answers 503 without effect, deterministically per seed', async () => {
    const run = async () => {
      const flaky = await startVonageSandbox({ accounts: [A], transientFailureRate: 0.5, seed: 42 });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 30; i++) statuses.push((await call('/account/numbers', { base: flaky.url })).status);
        for (;;) {
          const avail = await call<VonageList<Available>>('/number/search', { base: flaky.url, query: { country: 'GB', size: '1' } });
          if (avail.status !== 200) continue;
          const num = avail.body.numbers![0] as Available;
          const res = await call('/number/buy', { base: flaky.url, form: { country: num.country, msisdn: num.msisdn } });
          if (res.status === 503) {
            expectVonageError(res, 503);
            expect(flaky.purchaseCounts()[`+${num.msisdn}`]).toBeUndefined();
            break;
          }
        }
        return statuses;
      } finally {
        await flaky.close();
      }
    };
    const firstRun = await run();
    expect(firstRun.filter((s) => s === 503).length).toBeGreaterThan(5);
    expect(firstRun.filter((s) => s === 200).length).toBeGreaterThan(5);
    expect(await run()).toEqual(firstRun);
  });

  it('keeps owned numbers in the state file across restarts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vonage-sandbox-'));
    try {
      const stateFile = path.join(dir, 'state', 'vonage.json');
      const one = await startVonageSandbox({ accounts: [A], stateFile });
      const n = (await call<VonageList<Available>>('/number/search', { base: one.url, query: { country: 'GB', size: '1' } })).body.numbers![0] as Available;
      await call('/number/buy', { base: one.url, form: { country: n.country, msisdn: n.msisdn } });
      await call('/number/update', { base: one.url, form: { country: n.country, msisdn: n.msisdn, moHttpUrl: 'https://hooks.example.com/sms' } });
      await one.close();
      const two = await startVonageSandbox({ accounts: [A], stateFile });
      try {
        const listed = (await call('/account/numbers', { base: two.url })).body;
        expect(listed).toMatchObject({ count: 1, numbers: [{ msisdn: n.msisdn, moHttpUrl: 'https://hooks.example.com/sms' }] });
        expect(readFileSync(stateFile, 'utf8')).not.toContain(A.apiSecret);
      } finally {
        await two.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
