import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isValidPhoneNumber } from 'libphonenumber-js';
import { startTwilioSandbox, type TwilioSandbox, type TwilioSandboxAccount } from '../../scripts/sandboxes/twilio.js';

const A: TwilioSandboxAccount = { accountSid: `AC${'a1'.repeat(16)}`, authToken: 'b2'.repeat(16) };
const B: TwilioSandboxAccount = { accountSid: `AC${'c3'.repeat(16)}`, authToken: 'd4'.repeat(16) };

const spec = JSON.parse(
  readFileSync(new URL('../../../shared/contracts/twilio/twilio_api_v2010.json', import.meta.url), 'utf8'),
) as {
  paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> }>>;
  components: { schemas: Record<string, { properties: Record<string, unknown> }> };
};

interface TwilioError {
  code: number;
  message: string;
  more_info: string;
  status: number;
}
interface Available {
  phone_number: string;
  friendly_name: string;
  region: string | null;
  locality: string | null;
  latitude: string | null;
  longitude: string | null;
  capabilities: { voice: boolean; SMS: boolean; MMS: boolean; fax: boolean };
}
interface Incoming {
  sid: string;
  account_sid: string;
  phone_number: string;
  friendly_name: string;
  sms_url: string | null;
  voice_url: string | null;
  sms_method: string;
  [key: string]: unknown;
}
/** An AvailablePhoneNumbers list: the numbers and the list's own fields. */
interface AvailableList {
  uri: string;
  page_size: number;
  available_phone_numbers: Available[];
  [key: string]: unknown;
}
interface Page {
  incoming_phone_numbers: Incoming[];
  next_page_uri: string | null;
  previous_page_uri: string | null;
  first_page_uri: string;
  page: number;
  page_size: number;
  start: number;
  end: number;
}

let sandbox: TwilioSandbox;

const authHeader = (acct: TwilioSandboxAccount) =>
  `Basic ${Buffer.from(`${acct.accountSid}:${acct.authToken}`).toString('base64')}`;

/** One request to the sandbox, answered as Twilio would; `T` is what the test expects the JSON body to be. */
async function call<T = unknown>(
  path: string,
  opts: { method?: string; form?: Record<string, string>; as?: TwilioSandboxAccount | null; headers?: Record<string, string>; body?: string; signal?: AbortSignal; base?: string } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const as = opts.as === undefined ? A : opts.as;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (as) headers.authorization = authHeader(as);
  let body = opts.body;
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  const res = await fetch(`${opts.base ?? sandbox.url}${path}`, { method: opts.method ?? 'GET', headers, body, signal: opts.signal });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const acct = (a: TwilioSandboxAccount = A) => `/2010-04-01/Accounts/${a.accountSid}`;
const search = <T = AvailableList>(query: string, country = 'US', type = 'Local', as: TwilioSandboxAccount = A) =>
  call<T>(`${acct(as)}/AvailablePhoneNumbers/${country}/${type}.json?${query}`, { as });
const purchase = <T = Incoming>(form: Record<string, string>, as: TwilioSandboxAccount = A) =>
  call<T>(`${acct(as)}/IncomingPhoneNumbers.json`, { method: 'POST', form, as });

async function firstAvailable(query = 'AreaCode=415&PageSize=1'): Promise<Available> {
  const res = await search(query);
  expect(res.status).toBe(200);
  const n = res.body.available_phone_numbers[0];
  if (!n) throw new Error(`no number for ${query}`);
  return n;
}

function expectError(res: { status: number; body: unknown }, status: number, code: number): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ code, message: expect.any(String), more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

beforeAll(async () => {
  sandbox = await startTwilioSandbox({ accounts: [A, B], seed: 7 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

describe('auth and routing', () => {
  it('rejects missing and wrong credentials with 401 / 20003', async () => {
    const missing = await call<TwilioError>(`${acct()}/IncomingPhoneNumbers.json`, { as: null });
    expectError(missing, 401, 20003);
    expect(missing.body.message).toBe('Authenticate');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic/);
    expectError(await call(`${acct()}/IncomingPhoneNumbers.json`, { as: { ...A, authToken: 'f'.repeat(32) } }), 401, 20003);
    expectError(await call(`${acct()}/IncomingPhoneNumbers.json`, { headers: { authorization: 'Bearer nope' }, as: null }), 401, 20003);
  });

  it("rejects one account's credentials on another account's URL", async () => {
    expectError(await call(`${acct(A)}/IncomingPhoneNumbers.json`, { as: B }), 401, 20003);
  });

  it('answers unknown resources, countries and types with 404 / 20404', async () => {
    const unknown = await call<TwilioError>(`${acct()}/Messages.json`);
    expectError(unknown, 404, 20404);
    expect(unknown.body.message).toBe(`The requested resource ${acct()}/Messages.json was not found`);
    expectError(await search('', 'ZZ'), 404, 20404);
    expectError(await search('', 'US', 'Mobile'), 404, 20404);
    expectError(await call(`${acct()}/IncomingPhoneNumbers/PN${'0'.repeat(32)}.json`), 404, 20404);
    expect((await call(`${acct()}/IncomingPhoneNumbers.json`, { method: 'PUT' })).status).toBe(405);
  });
});

describe('AvailablePhoneNumbers', () => {
  it('returns the spec list shape with realistic metadata', async () => {
    const res = await search('AreaCode=415&PageSize=5');
    expect(res.status).toBe(200);
    const listProps = Object.keys(
      spec.paths['/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json']!.get!.responses['200']!.content['application/json']!.schema.properties,
    );
    for (const p of listProps) expect(res.body).toHaveProperty(p);
    expect(res.body.uri).toBe(`${acct()}/AvailablePhoneNumbers/US/Local.json?AreaCode=415&PageSize=5`);
    const numbers = res.body.available_phone_numbers;
    expect(numbers).toHaveLength(5);
    const itemProps = Object.keys(spec.components.schemas['api.v2010.account.available_phone_number_country.available_phone_number_local']!.properties);
    for (const n of numbers) {
      for (const p of itemProps) expect(n).toHaveProperty(p);
      expect(n.phone_number).toMatch(/^\+1415\d{7}$/);
      expect(n.friendly_name).toMatch(/^\(415\) \d{3}-\d{4}$/);
      expect(n).toMatchObject({ region: 'CA', iso_country: 'US', address_requirements: 'none', beta: false });
      expect(n.locality).toBeTruthy();
      expect(Number(n.latitude)).toBeCloseTo(37.8, 0);
      expect(Object.keys(n.capabilities).sort()).toEqual(['MMS', 'SMS', 'fax', 'voice']);
    }
  });

  it('filters by Contains with * wildcards and keypad letters', async () => {
    const ref = await firstAvailable('AreaCode=212&PageSize=1');
    const nsn = ref.phone_number.slice(2);
    const pattern = `${nsn.slice(3, 5)}*${nsn.slice(6, 8)}`;
    const res = await search(`Contains=${encodeURIComponent(pattern)}&PageSize=100`);
    expect(res.status).toBe(200);
    const re = new RegExp(pattern.replace('*', '\\d'));
    const found = res.body.available_phone_numbers;
    expect(found.map((n) => n.phone_number)).toContain(ref.phone_number);
    for (const n of found) expect(n.phone_number.slice(2)).toMatch(re);

    const letters = await search('Contains=TAXI&PageSize=50');
    const digits = await search('Contains=8294&PageSize=50');
    expect(letters.body.available_phone_numbers).toEqual(digits.body.available_phone_numbers);
    for (const n of letters.body.available_phone_numbers) expect(n.phone_number).toContain('8294');

    expectError(await search('Contains=5'), 400, 20001);
  });

  it('filters by capabilities, region, locality, distance and page size', async () => {
    const noMms = (await search('AreaCode=512&MmsEnabled=false&PageSize=20')).body.available_phone_numbers;
    expect(noMms.length).toBeGreaterThan(0);
    for (const n of noMms) expect(n.capabilities.MMS).toBe(false);
    const fax = (await search('FaxEnabled=true&SmsEnabled=true&PageSize=30')).body.available_phone_numbers;
    for (const n of fax) expect(n.capabilities).toMatchObject({ fax: true, SMS: true });

    const ny = (await search('InRegion=NY&PageSize=40')).body.available_phone_numbers;
    expect(ny).toHaveLength(40);
    for (const n of ny) expect(n.region).toBe('NY');
    expect(new Set(ny.map((n) => n.phone_number.slice(2, 5)))).toEqual(new Set(['212', '646']));

    const boulder = (await search('InLocality=boulder&PageSize=10')).body.available_phone_numbers;
    expect(boulder).toHaveLength(10);
    for (const n of boulder) expect(n.locality).toBe('Boulder');

    const near = (await search('NearLatLong=37.7749,-122.4194&Distance=10&PageSize=60')).body.available_phone_numbers;
    expect(near.length).toBe(60);
    const miles = (lat: number, lon: number) => {
      const r = Math.PI / 180;
      const a = Math.sin(((lat - 37.7749) * r) / 2) ** 2 + Math.cos(37.7749 * r) * Math.cos(lat * r) * Math.sin(((lon + 122.4194) * r) / 2) ** 2;
      return 3958.8 * 2 * Math.asin(Math.sqrt(a));
    };
    for (const n of near) expect(miles(Number(n.latitude), Number(n.longitude))).toBeLessThanOrEqual(10);
    expect(new Set(near.map((n) => n.phone_number.slice(2, 5)))).toEqual(new Set(['415']));

    expect((await search('PageSize=7')).body.available_phone_numbers).toHaveLength(7);
    expect((await search('')).body.available_phone_numbers).toHaveLength(50);
    expect((await search('')).body.page_size).toBe(50);
  });

  it('validates query parameter types against the spec', async () => {
    for (const [query, param] of [
      ['AreaCode=abc', 'AreaCode'],
      ['SmsEnabled=yes', 'SmsEnabled'],
      ['PageSize=ten', 'PageSize'],
      ['PageSize=1001', 'PageSize'],
      ['Distance=1.5', 'Distance'],
      ['NearLatLong=north', 'NearLatLong'],
    ] as const) {
      const res = await search<TwilioError>(query);
      expectError(res, 400, 20001);
      expect(res.body.message).toContain(param);
    }
  });

  it('stocks toll-free and GB numbers, all valid per libphonenumber-js', async () => {
    const tollFree = (await search('PageSize=1000', 'US', 'TollFree')).body.available_phone_numbers;
    expect(new Set(tollFree.map((n) => n.phone_number.slice(2, 5)))).toEqual(new Set(['800', '833', '844', '855', '866', '877', '888']));
    for (const n of tollFree) expect(n).toMatchObject({ locality: null, region: null, latitude: null });
    const mobile = (await search('PageSize=300', 'GB', 'Mobile')).body.available_phone_numbers;
    expect(mobile).toHaveLength(300);
    for (const n of mobile) expect(n.phone_number).toMatch(/^\+447\d{9}$/);
    const gbLocal = (await search('PageSize=300', 'GB', 'Local')).body.available_phone_numbers;
    const usLocal = (await search('PageSize=1000')).body.available_phone_numbers;
    const caLocal = (await search('PageSize=1000', 'CA')).body.available_phone_numbers;
    expect(new Set(usLocal.map((n) => n.phone_number.slice(2, 5)))).toEqual(
      new Set(['415', '650', '213', '310', '212', '646', '312', '512', '214', '713', '206', '303', '720', '617', '305', '404', '702', '202', '215', '808']),
    );
    expect(caLocal.some((n) => n.phone_number.startsWith('+1604'))).toBe(true);
    expect(caLocal.some((n) => n.phone_number.startsWith('+1416'))).toBe(true);
    const all = [...tollFree, ...mobile, ...gbLocal, ...usLocal, ...caLocal];
    expect(all.length).toBeGreaterThan(2500);
    expect(all.filter((n) => !isValidPhoneNumber(n.phone_number)).map((n) => n.phone_number)).toEqual([]);
    expect(new Set(all.map((n) => n.phone_number)).size).toBe(all.length);
    // capabilities vary
    expect(usLocal.some((n) => !n.capabilities.MMS) && usLocal.some((n) => n.capabilities.MMS)).toBe(true);
  });

  it('is deterministic for a seed and hides owned numbers', async () => {
    const first = await search('AreaCode=303&PageSize=10');
    const again = await search('AreaCode=303&PageSize=10');
    expect(again.body.available_phone_numbers).toEqual(first.body.available_phone_numbers);
    const taken = first.body.available_phone_numbers[0]!.phone_number;
    sandbox.seedOwned(B.accountSid, taken);
    const after = (await search('AreaCode=303&PageSize=10')).body.available_phone_numbers;
    expect(after.map((n) => n.phone_number)).not.toContain(taken);
  });
});

describe('IncomingPhoneNumbers purchase', () => {
  it('buys a number and returns every property of the spec resource', async () => {
    const n = await firstAvailable();
    const res = await purchase({ PhoneNumber: n.phone_number, SmsUrl: 'https://hooks.example.com/sms', SmsMethod: 'get', StatusCallback: 'https://hooks.example.com/status' });
    expect(res.status).toBe(201);
    const props = Object.keys(spec.components.schemas['api.v2010.account.incoming_phone_number']!.properties);
    expect(props.length).toBeGreaterThan(30);
    for (const p of props) expect(res.body).toHaveProperty(p);
    const r = res.body;
    expect(r.sid).toMatch(/^PN[0-9a-f]{32}$/);
    expect(r).toMatchObject({
      account_sid: A.accountSid,
      phone_number: n.phone_number,
      friendly_name: n.friendly_name,
      api_version: '2010-04-01',
      origin: 'twilio',
      status: 'in-use',
      sms_url: 'https://hooks.example.com/sms',
      sms_method: 'GET',
      status_callback: 'https://hooks.example.com/status',
      voice_url: null,
      voice_fallback_url: null,
      voice_method: 'POST',
      uri: `${acct()}/IncomingPhoneNumbers/${r.sid}.json`,
    });
    expect(Object.keys(r.capabilities as object).sort()).toEqual(['fax', 'mms', 'sms', 'voice']);
    expect(r.capabilities).toEqual({ voice: n.capabilities.voice, sms: n.capabilities.SMS, mms: n.capabilities.MMS, fax: n.capabilities.fax });
    expect(r.date_created).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(sandbox.purchaseCounts()).toEqual({ [n.phone_number]: 1 });

    const fetched = await call(`${acct()}/IncomingPhoneNumbers/${r.sid}.json`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(r);
    // Other accounts cannot see it.
    expectError(await call(`${acct(B)}/IncomingPhoneNumbers/${r.sid}.json`, { as: B }), 404, 20404);
  });

  it('answers 21422 for owned or unstocked numbers, 21421 for invalid ones', async () => {
    const n = await firstAvailable('AreaCode=617&PageSize=1');
    sandbox.seedOwned(B.accountSid, n.phone_number);
    const owned = await purchase<TwilioError>({ PhoneNumber: n.phone_number });
    expectError(owned, 400, 21422);
    expect(owned.body.message).toBe('PhoneNumber is not available');
    expectError(await purchase({ PhoneNumber: '+19075550123' }), 400, 21422); // valid, never stocked
    const invalid = await purchase<TwilioError>({ PhoneNumber: '+1234' });
    expectError(invalid, 400, 21421);
    expect(invalid.body.message).toBe('PhoneNumber is invalid');
    expect(sandbox.purchaseCounts()).toEqual({});
  });

  it('buys by AreaCode, 21452 when the area code has nothing, 21451 for a bad one', async () => {
    const byArea = await purchase({ AreaCode: '206' });
    expect(byArea.status).toBe(201);
    expect(byArea.body.phone_number).toMatch(/^\+1206/);
    expectError(await purchase({ AreaCode: '907' }), 400, 21452);
    expectError(await purchase({ AreaCode: '12' }), 400, 21451);
    expect((await purchase({})).status).toBe(400);
  });

  it('validates content type, URLs and methods', async () => {
    const n = await firstAvailable();
    const json = await call(`${acct()}/IncomingPhoneNumbers.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ PhoneNumber: n.phone_number }),
    });
    expect(json.status).toBe(400);
    expectError(await purchase({ PhoneNumber: n.phone_number, VoiceUrl: 'ftp://example.com/x' }), 400, 21402);
    expectError(await purchase({ PhoneNumber: n.phone_number, SmsUrl: '/relative' }), 400, 21402);
    expectError(await purchase({ PhoneNumber: n.phone_number, VoiceMethod: 'PUT' }), 400, 21403);
    expectError(await purchase({ PhoneNumber: n.phone_number, FriendlyName: 'x'.repeat(65) }), 400, 20002);
    expectError(await purchase({ PhoneNumber: n.phone_number, VoiceCallerIdLookup: 'maybe' }), 400, 20001);
    expect(sandbox.purchaseCounts()).toEqual({});
  });

  it('sells a number once under concurrent purchases', async () => {
    const n = await firstAvailable('AreaCode=312&PageSize=1');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => purchase({ PhoneNumber: n.phone_number }, i % 2 ? B : A)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expectError(r, 400, 21422);
    expect(sandbox.purchaseCounts()).toEqual({ [n.phone_number]: 1 });
  });
});

describe('IncomingPhoneNumbers update, release and list', () => {
  it('updates partially and clears a URL with an empty string', async () => {
    const bought = (await purchase({ PhoneNumber: (await firstAvailable()).phone_number, VoiceUrl: 'https://v.example.com/a' })).body;
    const path = `${acct()}/IncomingPhoneNumbers/${bought.sid}.json`;
    const updated = await call(path, { method: 'POST', form: { SmsUrl: 'https://s.example.com/b', FriendlyName: 'Front desk' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ sms_url: 'https://s.example.com/b', voice_url: 'https://v.example.com/a', friendly_name: 'Front desk' });
    const cleared = await call(path, { method: 'POST', form: { VoiceUrl: '' } });
    expect(cleared.body).toMatchObject({ sms_url: 'https://s.example.com/b', voice_url: null, friendly_name: 'Front desk' });
    expectError(await call(path, { method: 'POST', form: { StatusCallback: 'not a url' } }), 400, 21402);
    expect((await call<Incoming>(path)).body.voice_url).toBeNull();
  });

  it('releases with 204, then 404; the number ages out of stock (30 sandbox days) before it returns to inventory', async () => {
    const n = await firstAvailable('AreaCode=404&PageSize=1');
    const bought = (await purchase({ PhoneNumber: n.phone_number })).body;
    const path = `${acct()}/IncomingPhoneNumbers/${bought.sid}.json`;
    const contains = `Contains=${n.phone_number.slice(2)}`;
    expect((await search(contains)).body.available_phone_numbers).toHaveLength(0);
    const del = await call(path, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expectError(await call(path), 404, 20404);
    expectError(await call(path, { method: 'DELETE' }), 404, 20404);
    // Released numbers age: neither listed nor sold (to anyone) until the aging period has passed.
    expect((await search(contains)).body.available_phone_numbers).toHaveLength(0);
    expectError(await purchase({ PhoneNumber: n.phone_number }, B), 400, 21422);
    sandbox.advanceClock(29 * 24 * 3600_000);
    expect((await search(contains)).body.available_phone_numbers).toHaveLength(0);
    const clock = await fetch(`${sandbox.url}/__sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: 24 * 3600_000 }) });
    expect(await clock.json()).toMatchObject({ agingMs: 30 * 24 * 3600_000 });
    expect((await search(contains)).body.available_phone_numbers).toHaveLength(1);
  });

  it('lists only own numbers with PageToken paging and filters', async () => {
    const available = (await search('AreaCode=305&PageSize=6')).body.available_phone_numbers;
    const mine: string[] = [];
    for (const n of available.slice(0, 5)) mine.push((await purchase({ PhoneNumber: n.phone_number })).body.sid);
    await purchase({ PhoneNumber: available[5]!.phone_number }, B);

    const seen: string[] = [];
    let next: string | null = `${acct()}/IncomingPhoneNumbers.json?PageSize=2`;
    const pages: Page[] = [];
    while (next) {
      const res = await call(next);
      expect(res.status).toBe(200);
      const page = res.body as Page;
      pages.push(page);
      seen.push(...page.incoming_phone_numbers.map((r) => r.sid));
      next = page.next_page_uri;
    }
    expect(pages.map((p) => p.incoming_phone_numbers.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => [p.page, p.start, p.end])).toEqual([[0, 0, 1], [1, 2, 3], [2, 4, 4]]);
    expect(pages[1]!.next_page_uri).toMatch(/PageSize=2&Page=2&PageToken=PAPN[0-9a-f]{32}$/);
    expect(seen).toEqual(mine);
    const back = (await call(pages[2]!.previous_page_uri!)).body as Page;
    expect(back.incoming_phone_numbers.map((r) => r.sid)).toEqual(mine.slice(2, 4));

    const listProps = Object.keys(
      spec.paths['/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json']!.get!.responses['200']!.content['application/json']!.schema.properties,
    );
    for (const p of listProps) expect(pages[0]).toHaveProperty(p);

    const target = available[3]!.phone_number;
    const byNumber = (await call(`${acct()}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(target)}`)).body as Page;
    expect(byNumber.incoming_phone_numbers.map((r) => r.phone_number)).toEqual([target]);
    const byPartial = (await call(`${acct()}/IncomingPhoneNumbers.json?PhoneNumber=1305*`)).body as Page;
    expect(byPartial.incoming_phone_numbers).toHaveLength(5);
    const other = (await call(`${acct(B)}/IncomingPhoneNumbers.json`, { as: B })).body as Page;
    expect(other.incoming_phone_numbers.map((r) => r.phone_number)).toEqual([available[5]!.phone_number]);
    expectError(await call(`${acct()}/IncomingPhoneNumbers.json?PageSize=0`), 400, 20001);
  });
});

describe('failure injection', () => {
  it('ambiguous fault: the purchase happens but the client sees a 500', async () => {
    const n = await firstAvailable('AreaCode=720&PageSize=1');
    sandbox.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 500, afterEffect: true });
    expectError(await purchase({ PhoneNumber: n.phone_number }), 500, 20500);
    const list = (await call(`${acct()}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(n.phone_number)}`)).body as Page;
    expect(list.incoming_phone_numbers).toHaveLength(1);
    expect(sandbox.purchaseCounts()).toEqual({ [n.phone_number]: 1 });
    // The fault was used once; a retry now sees the truth.
    expectError(await purchase({ PhoneNumber: n.phone_number }), 400, 21422);
  });

  it('ambiguous timeout: the client gives up while the provider acts', async () => {
    const n = await firstAvailable('AreaCode=720&PageSize=1');
    sandbox.injectFault({ method: 'POST', status: 504, afterEffect: true, delayMs: 2_000 });
    await expect(
      call(`${acct()}/IncomingPhoneNumbers.json`, { method: 'POST', form: { PhoneNumber: n.phone_number }, signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    expect(sandbox.purchaseCounts()).toEqual({ [n.phone_number]: 1 });
  });

  it('pre-effect 429 carries Retry-After and changes nothing', async () => {
    const n = await firstAvailable('AreaCode=702&PageSize=1');
    sandbox.injectFault({ method: 'POST', status: 429, retryAfterSeconds: 3, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await purchase({ PhoneNumber: n.phone_number });
      expectError(res, 429, 20429);
      expect(res.headers.get('retry-after')).toBe('3');
    }
    expect(sandbox.purchaseCounts()).toEqual({});
    expect((await purchase({ PhoneNumber: n.phone_number })).status).toBe(201);
  });

  it('can be driven over HTTP under /__sandbox/', async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${sandbox.url}/__sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await post('faults', { method: 'GET', pathPattern: '/IncomingPhoneNumbers\\.json$', status: 503, times: -1 })).status).toBe(201);
    expectError(await call(`${acct()}/IncomingPhoneNumbers.json`), 503, 20503);
    expectError(await call(`${acct()}/IncomingPhoneNumbers.json`), 503, 20503);
    expect((await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${acct()}/IncomingPhoneNumbers.json`)).status).toBe(200);

    const n = await firstAvailable('AreaCode=202&PageSize=1');
    expect((await post('owned', { accountSid: A.accountSid, phoneNumber: n.phone_number })).status).toBe(201);
    expect((await purchase({ PhoneNumber: (await firstAvailable('AreaCode=202&PageSize=1')).phone_number })).status).toBe(201);
    const counts = (await (await fetch(`${sandbox.url}/__sandbox/purchases`)).json()) as Record<string, number>;
    expect(Object.values(counts)).toEqual([1]);
    const log = ((await (await fetch(`${sandbox.url}/__sandbox/requests`)).json()) as { requests: Array<{ method: string; path: string; status: number }> }).requests;
    expect(log).toContainEqual(expect.objectContaining({ method: 'GET', path: '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json', status: 503 }));
    expect(log).toContainEqual(expect.objectContaining({ method: 'POST', path: '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json', status: 201 }));
    expect(log).toContainEqual(expect.objectContaining({ method: 'GET', path: '/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json', status: 200 }));
    expect((await post('reset')).status).toBe(204);
    expect(sandbox.purchaseCounts()).toEqual({});
    expect(sandbox.requestLog()).toEqual([]);
  });

  it('transientFailureRate answers 503 / 20500 without effect, deterministically per seed', async () => {
    const run = async () => {
      const flaky = await startTwilioSandbox({ accounts: [A], transientFailureRate: 0.5, seed: 42 });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 30; i++) statuses.push((await call(`${acct()}/IncomingPhoneNumbers.json`, { base: flaky.url })).status);
        const failed = await (async () => {
          for (;;) {
            const avail = await call<AvailableList>(`${acct()}/AvailablePhoneNumbers/US/Local.json?AreaCode=646&PageSize=1`, { base: flaky.url });
            if (avail.status !== 200) continue;
            const num = avail.body.available_phone_numbers[0]!.phone_number;
            const res = await call(`${acct()}/IncomingPhoneNumbers.json`, { base: flaky.url, method: 'POST', form: { PhoneNumber: num } });
            if (res.status === 503) return { res, num };
          }
        })();
        expectError(failed.res, 503, 20500);
        expect(flaky.purchaseCounts()[failed.num]).toBeUndefined();
        return statuses;
      } finally {
        await flaky.close();
      }
    };
    const first = await run();
    expect(first.filter((s) => s === 503).length).toBeGreaterThan(5);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(5);
    expect(await run()).toEqual(first);
  });

  it('accountRateLimitPerSecond answers the excess 429 / 20429 with Retry-After: 1, per account, without effect', async () => {
    // The window's clock stands still unless the test moves it: a stalled machine cannot slide it.
    let now = 1_000_000;
    const limited = await startTwilioSandbox({ accounts: [A, B], accountRateLimitPerSecond: 5, seed: 7, rateClock: () => now });
    try {
      const list = (as: TwilioSandboxAccount) => call(`${acct(as)}/IncomingPhoneNumbers.json`, { base: limited.url, as });
      const n = (
        await call<AvailableList>(`${acct()}/AvailablePhoneNumbers/US/Local.json?AreaCode=415&PageSize=1`, { base: limited.url })
      ).body.available_phone_numbers[0]!.phone_number; // 1 of A's 5
      const burst = await Promise.all([...Array(6)].map(() => list(A)));
      const statuses = burst.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const rejected = burst.find((r) => r.status === 429)!;
      expectError(rejected, 429, 20429);
      expect(rejected.headers.get('retry-after')).toBe('1');
      // The window is full for A: a purchase is refused and changes nothing; B has its own window.
      const refused = await call(`${acct()}/IncomingPhoneNumbers.json`, { base: limited.url, method: 'POST', form: { PhoneNumber: n } });
      expectError(refused, 429, 20429);
      expect(limited.purchaseCounts()).toEqual({});
      expect((await list(B)).status).toBe(200);
      expect(limited.rateLimitedCount()).toBe(3);
      // Rejected requests do not count: once the second has passed, A may call again.
      now += 1_050;
      const bought = await call(`${acct()}/IncomingPhoneNumbers.json`, { base: limited.url, method: 'POST', form: { PhoneNumber: n } });
      expect(bought.status).toBe(201);
      expect(limited.purchaseCounts()).toEqual({ [n]: 1 });
      expect(limited.requestLog().filter((e) => e.status === 429)).toHaveLength(3);
      // Changeable at runtime (in-process and over HTTP); 0 removes the limit.
      limited.configure({ accountRateLimitPerSecond: 0 });
      expect((await Promise.all([...Array(12)].map(() => list(A)))).every((r) => r.status === 200)).toBe(true);
      const config = await fetch(`${limited.url}/__sandbox/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accountRateLimitPerSecond: 2 }),
      });
      expect(await config.json()).toMatchObject({ accountRateLimitPerSecond: 2 });
      expect((await Promise.all([...Array(3)].map(() => list(A)))).map((r) => r.status).sort()).toEqual([200, 200, 429]);
      limited.reset();
      expect(limited.rateLimitedCount()).toBe(0);
    } finally {
      await limited.close();
    }
  });
});
