/**
 * Contract test: the REAL Plivo provider against the documented request shapes.
 *
 * Plivo publishes no OpenAPI (see ../../../shared/contracts/plivo/README.md, line 3), so the
 * contract is the README's table of endpoints, transcribed below (CONTRACT, each entry citing its
 * README line). The client talks to a small recording HTTP server that answers with README-shaped
 * bodies; every request it sends is checked for method, path (authId, trailing slash), Basic auth,
 * JSON content type, body keys and query parameters. A negative control proves the checker does
 * flag non-conforming requests.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createPlivoProvider } from '../../shared/providers/plivo/client.js';
import { decodePageToken } from '../../shared/providers/plivo/mapper.js';
import { ProviderError, type NumberProvider } from '../../shared/providers/types.js';

const AUTH_ID = 'MAXXXXXXXXXXXXXXXXX1';
const AUTH_TOKEN = 'contract-test-token-0123456789';
const BASIC = `Basic ${Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString('base64')}`;
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

// ---------------------------------------------------------------------------------------------
// The contract, transcribed from shared/contracts/plivo/README.md

interface ContractOp {
  name: string;
  /** README line the entry is transcribed from. */
  readmeLine: number;
  method: 'GET' | 'POST' | 'DELETE';
  /** Below /v1/Account/{auth_id}/ ; {number} is a path parameter. */
  path: string;
  query?: { allowed: readonly string[]; required?: readonly string[] };
  /** Allowed JSON body keys (POST only). */
  body?: readonly string[];
}

const CONTRACT: readonly ContractOp[] = [
  // README line 9: "Base: https://api.plivo.com/v1/Account/{auth_id}/" — the base resource is the account
  // (plivo-python tests/resources/fixtures/accountGetResponse.json: resource_uri "/v1/Account/MA.../").
  { name: 'account', readmeLine: 9, method: 'GET', path: '' },
  // README line 11: "Search inventory: GET PhoneNumber/?country_iso=US&type=&pattern=&region=&services=&lata=
  // &rate_center=&city=&npanxx=&local_calling_area=&eligible=&limit=(<=20)&offset="
  {
    name: 'search',
    readmeLine: 11,
    method: 'GET',
    path: 'PhoneNumber/',
    query: {
      allowed: ['country_iso', 'type', 'pattern', 'region', 'services', 'lata', 'rate_center', 'city', 'npanxx', 'local_calling_area', 'eligible', 'limit', 'offset'],
      required: ['country_iso'],
    },
  },
  // README line 13: "Buy: POST PhoneNumber/{number}/, body {app_id?, cnam_lookup?, ha_enable?,
  // compliance_application_id?} (the Python SDK also has verification_info)"
  { name: 'buy', readmeLine: 13, method: 'POST', path: 'PhoneNumber/{number}/', body: ['app_id', 'cnam_lookup', 'ha_enable', 'compliance_application_id', 'verification_info'] },
  // README line 15: "List owned numbers: GET Number/?type=&number_startswith=&subaccount=&alias=&services=
  // &cnam_lookup=&renewal_date[__lt|__lte|__gt|__gte]=&tendlc_registration_status=&tendlc_campaign_id=
  // &toll_free_sms_verification=&limit=&offset="
  {
    name: 'list',
    readmeLine: 15,
    method: 'GET',
    path: 'Number/',
    query: {
      allowed: [
        'type', 'number_startswith', 'subaccount', 'alias', 'services', 'cnam_lookup',
        'renewal_date', 'renewal_date__lt', 'renewal_date__lte', 'renewal_date__gt', 'renewal_date__gte',
        'tendlc_registration_status', 'tendlc_campaign_id', 'toll_free_sms_verification', 'limit', 'offset',
      ],
    },
  },
  // README line 17: "Get one owned number: GET Number/{number}/"
  { name: 'get', readmeLine: 17, method: 'GET', path: 'Number/{number}/' },
  // README line 18: "Update: POST Number/{number}/, body {app_id?, subaccount?, alias?, compliance_application_id?,
  // cnam_lookup?, cnam?, cnam_callback_url?, cnam_callback_method?, caller_reputation?, profile_uuid?, ...}"
  {
    name: 'update',
    readmeLine: 18,
    method: 'POST',
    path: 'Number/{number}/',
    body: ['app_id', 'subaccount', 'alias', 'compliance_application_id', 'cnam_lookup', 'cnam', 'cnam_callback_url', 'cnam_callback_method', 'caller_reputation', 'profile_uuid'],
  },
  // README line 19: "Release (unrent): DELETE Number/{number}/ (204)"
  { name: 'release', readmeLine: 19, method: 'DELETE', path: 'Number/{number}/' },
];

interface Recorded {
  method: string;
  path: string;
  query: Array<[string, string]>;
  headers: IncomingHttpHeaders;
  body: string;
}

function opFor(req: Pick<Recorded, 'method' | 'path'>): { op: ContractOp; number?: string } | undefined {
  const prefix = `/v1/Account/${AUTH_ID}/`;
  if (!req.path.startsWith(prefix)) return undefined;
  const rest = req.path.slice(prefix.length);
  for (const op of CONTRACT) {
    if (op.method !== req.method) continue;
    const re = new RegExp(`^${op.path.replace('{number}', '([^/]+)')}$`);
    const m = re.exec(rest);
    if (m) return m[1] !== undefined ? { op, number: m[1] } : { op };
  }
  return undefined;
}

/** Every way a recorded request departs from CONTRACT (empty when it conforms). */
function violations(req: Recorded): string[] {
  const out: string[] = [];
  // README line 9: base /v1/Account/{auth_id}/, HTTP Basic auth_id:auth_token, JSON bodies, paths end with '/'.
  if (!req.path.startsWith(`/v1/Account/${AUTH_ID}/`)) out.push(`path ${req.path} is not below /v1/Account/{auth_id}/`);
  if (!req.path.endsWith('/')) out.push(`path ${req.path} lacks the trailing slash`);
  if (req.headers.authorization !== BASIC) out.push('Authorization is not HTTP Basic auth_id:auth_token');
  const match = opFor(req);
  if (!match) {
    out.push(`${req.method} ${req.path} is no documented operation`);
    return out;
  }
  const { op, number } = match;
  // Numbers in paths are Plivo's form: E.164 digits without '+' (plivo-python fixtures:
  // resource_uri "/v1/Account/MANWVLYTK4ZWU1YTY4ZT/Number/17609915566/").
  if (number !== undefined && !/^[1-9]\d{5,14}$/.test(decodeURIComponent(number))) out.push(`{number} '${number}' is not E.164 digits without '+'`);

  const keys = req.query.map(([k]) => k);
  const allowed = op.query?.allowed ?? [];
  for (const k of keys) if (!allowed.includes(k)) out.push(`query parameter '${k}' is not documented for ${op.name} (README line ${op.readmeLine})`);
  for (const k of op.query?.required ?? []) if (!keys.includes(k)) out.push(`query parameter '${k}' is required for ${op.name}`);
  if (new Set(keys).size !== keys.length) out.push('a query parameter is repeated');
  const value = (k: string) => req.query.find(([q]) => q === k)?.[1];
  const limit = value('limit');
  // "limit=(<=20)" (README line 11); the same cap on Number/ (plivo-python numbers.py list(): 0 < limit <= 20).
  if (limit !== undefined && !(/^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= 20)) out.push(`limit=${limit} is not 1..20`);
  const offset = value('offset');
  if (offset !== undefined && !/^\d+$/.test(offset)) out.push(`offset=${offset} is not a non-negative integer`);
  const services = value('services');
  if (services !== undefined && !services.split(',').every((s) => ['voice', 'sms', 'mms'].includes(s))) out.push(`services=${services} is not a list of voice/sms/mms`);
  const type = value('type');
  if (op.name === 'search' && type !== undefined && !['local', 'tollfree', 'mobile', 'national', 'fixed'].includes(type)) out.push(`type=${type} is not a Plivo number type`);

  if (op.body) {
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (contentType !== 'application/json') out.push(`Content-Type '${contentType}' is not application/json (README line 9)`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body);
    } catch {
      out.push('body is not JSON');
    }
    if (parsed !== undefined) {
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) out.push('body is not a JSON object');
      else for (const k of Object.keys(parsed)) if (!op.body.includes(k)) out.push(`body key '${k}' is not documented for ${op.name} (README line ${op.readmeLine})`);
    }
  } else if (req.body !== '') {
    out.push(`${op.name} takes no body`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The recording server (answers README-shaped bodies)

const NOT_OWNED = '14155550199';
const api_id = '0b8e2a4e-1c88-11e4-a2d1-22000ac5040c';

function searchObject(number: string) {
  // README line 12 field list.
  return {
    number,
    prefix: number.slice(1, 4),
    city: 'SAN FRANCISCO',
    country: 'UNITED STATES',
    region: 'California, UNITED STATES',
    rate_center: 'SNFC CNTRL',
    lata: 722,
    type: 'fixed',
    sub_type: 'local',
    setup_rate: '0.00000',
    monthly_rental_rate: '0.80000',
    sms_enabled: true,
    sms_rate: '0.00800',
    voice_enabled: true,
    voice_rate: '0.00500',
    mms_enabled: true,
    mms_rate: '0.00000',
    restriction: null,
    restriction_text: null,
    resource_uri: `/v1/Account/${AUTH_ID}/PhoneNumber/${number}/`,
  };
}

function ownedObject(number: string, alias: string | null = null) {
  // README line 16 field list.
  return {
    number,
    alias,
    application: null,
    carrier: 'Plivo',
    number_type: 'local',
    region: 'California, UNITED STATES',
    city: 'SAN FRANCISCO',
    country: 'United States',
    sub_account: null,
    added_on: '2026-01-05',
    renewal_date: '2026-02-05',
    active: true,
    sms_enabled: true,
    voice_enabled: true,
    mms_enabled: false,
    monthly_rental_rate: '0.80000',
    compliance_application_id: null,
    compliance_status: null,
    tendlc_campaign_id: null,
    tendlc_registration_status: 'UNREGISTERED',
    toll_free_sms_verification: null,
    cnam_lookup: 'disabled',
    resource_uri: `/v1/Account/${AUTH_ID}/Number/${number}/`,
  };
}

const SEARCH_TOTAL = 45;
let recorded: Recorded[] = [];
let server: Server;
let baseUrl: string;
let plivo: NumberProvider;

function respond(req: Recorded): { status: number; body?: unknown } {
  const match = violations(req).some((v) => v.includes('trailing slash') || v.includes('no documented operation')) ? undefined : opFor(req);
  if (!match) return { status: 404, body: { api_id, error: 'not found' } };
  if (req.headers.authorization !== BASIC) return { status: 401, body: { api_id, error: 'authentication failed' } };
  const q = new URLSearchParams(req.query);
  const limit = Number(q.get('limit') ?? 20);
  const offset = Number(q.get('offset') ?? 0);
  const n = match.number;
  switch (match.op.name) {
    case 'account':
      return { status: 200, body: { api_id, auth_id: AUTH_ID, account_type: 'standard', cash_credits: '4.88860', resource_uri: `/v1/Account/${AUTH_ID}/` } };
    case 'search': {
      const pattern = q.get('pattern') ?? '415';
      const count = Math.max(0, Math.min(limit, SEARCH_TOTAL - offset));
      const country = q.get('country_iso');
      const numberAt = (i: number) =>
        country === 'GB'
          ? `44${q.get('type') === 'mobile' ? '7700900' : '2079460'}${String(i).padStart(3, '0')}`
          : `1${pattern.padEnd(3, '5').slice(0, 3)}400${String(i).padStart(4, '0')}`;
      const objects = Array.from({ length: count }, (_, i) => searchObject(numberAt(offset + i)));
      const next = offset + count < SEARCH_TOTAL ? `/v1/Account/${AUTH_ID}/PhoneNumber/?limit=${limit}&offset=${offset + count}` : null;
      return { status: 200, body: { api_id, meta: { limit, next, offset, previous: null, total_count: SEARCH_TOTAL }, objects } };
    }
    case 'buy': // README line 14
      return n!.startsWith('44')
        ? { status: 201, body: { api_id, message: 'created', status: 'pending', numbers: [{ number: n, status: 'Pending' }] } }
        : { status: 201, body: { api_id, message: 'created', status: 'fulfilled', numbers: [{ number: n, status: 'Success' }] } };
    case 'get':
      if (n === NOT_OWNED || n!.startsWith('44')) return { status: 404, body: { api_id, error: 'not found' } };
      return { status: 200, body: { api_id, ...ownedObject(n!, 'Front desk') } };
    case 'update': // README line 18
      return { status: 202, body: { api_id, message: 'changed' } };
    case 'release': // README line 19
      return n === NOT_OWNED ? { status: 404, body: { api_id, error: 'not found' } } : { status: 204 };
    case 'list': {
      const total = 3;
      const objects = ['14155550101', '14155550102', '14155550103'].slice(offset, offset + limit).map((x) => ownedObject(x));
      const next = offset + limit < total ? `/v1/Account/${AUTH_ID}/Number/?limit=${limit}&offset=${offset + limit}` : null;
      return { status: 200, body: { api_id, meta: { limit, next, offset, previous: null, total_count: total }, objects } };
    }
    default:
      return { status: 404, body: { api_id, error: 'not found' } };
  }
}

/** The requests the client sent since the last call, each checked against the contract. */
function take(count: number): Recorded[] {
  const out = recorded;
  recorded = [];
  expect(out, 'number of HTTP calls').toHaveLength(count);
  for (const r of out) expect(violations(r), `${r.method} ${r.path}`).toEqual([]);
  return out;
}

const q = (r: Recorded) => Object.fromEntries(r.query);
const body = (r: Recorded) => JSON.parse(r.body) as Record<string, unknown>;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://recorder.local');
      const rec: Recorded = { method: req.method ?? 'GET', path: url.pathname, query: [...url.searchParams.entries()], headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      recorded.push(rec);
      const { status, body: answer } = respond(rec);
      if (answer === undefined) {
        res.writeHead(status);
        res.end();
        return;
      }
      const text = JSON.stringify(answer);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  plivo = createPlivoProvider({ credentials: { authId: AUTH_ID, authToken: AUTH_TOKEN }, baseUrl, timeoutMs: 2_000, logger: silent, http: { maxRetries: 0 } });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  recorded = [];
});

describe('Plivo client vs the documented request shapes (README)', () => {
  it('verifyCredentials: GET the account base resource', async () => {
    await plivo.verifyCredentials();
    const [r] = take(1);
    expect(r).toMatchObject({ method: 'GET', path: `/v1/Account/${AUTH_ID}/`, query: [], body: '' });
  });

  it('search: GET PhoneNumber/ with every supported filter', async () => {
    const found = await plivo.search({
      country: 'us',
      type: 'local',
      areaCode: '415',
      startsWith: '4154',
      capabilities: { voice: true, sms: true, mms: true },
      region: 'CA',
      locality: 'San Francisco',
      limit: 10,
    });
    const [r] = take(1);
    expect(r!.method).toBe('GET');
    expect(r!.path).toBe(`/v1/Account/${AUTH_ID}/PhoneNumber/`);
    expect(q(r!)).toEqual({ country_iso: 'US', type: 'local', pattern: '4154', region: 'CA', services: 'voice,sms,mms', city: 'San Francisco', limit: '10', offset: '0' });
    expect(found).toHaveLength(10);
    expect(found[0]).toEqual({
      phoneNumber: '+14154000000',
      friendlyName: '(415) 400-0000',
      provider: 'plivo',
      country: 'US',
      type: 'local',
      locality: 'SAN FRANCISCO',
      region: 'California, UNITED STATES',
      rateCenter: 'SNFC CNTRL',
      lata: '722', // a number in Plivo's answer, a string in ours
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      monthlyCost: { amount: '0.80000', currency: 'USD' },
      addressRequirements: 'none',
    });
  });

  it('search: maps our types (toll_free → tollfree) and sends no empty parameter', async () => {
    await plivo.search({ country: 'US', type: 'toll_free', limit: 1 });
    await plivo.search({ country: 'GB', type: 'mobile', limit: 1 });
    await plivo.search({ country: 'GB', type: 'national', limit: 1 });
    const [tf, mobile, national] = take(3);
    expect(q(tf!)).toEqual({ country_iso: 'US', type: 'tollfree', limit: '1', offset: '0' });
    expect(q(mobile!).type).toBe('mobile');
    expect(q(national!).type).toBe('national');
  });

  it('search: pages of at most 20 with offset until the limit is reached', async () => {
    const found = await plivo.search({ country: 'US', type: 'local', areaCode: '415', limit: 50 });
    const pages = take(3);
    expect(pages.map((r) => [q(r).limit, q(r).offset])).toEqual([
      ['20', '0'],
      ['20', '20'],
      ['10', '40'],
    ]);
    // The recorder holds 45: the last page comes back short and the search stops there.
    expect(found).toHaveLength(45);
    expect(new Set(found.map((n) => n.phoneNumber)).size).toBe(45);
  });

  it('search: numbers Plivo returns that miss the pattern are dropped, and paging is bounded', async () => {
    // The recorder only honours the first 3 digits of `pattern`: every number misses '4159'.
    const found = await plivo.search({ country: 'US', type: 'local', startsWith: '4159', limit: 5 });
    expect(found).toEqual([]);
    const pages = take(8);
    expect(pages.every((r) => q(r).pattern === '4159')).toBe(true);
  });

  it('buy: one POST PhoneNumber/{number}/ (JSON, app_id), then the alias update and the read-back', async () => {
    const bought = await plivo.purchase({ phoneNumber: '+14154000007', label: 'Front desk', applicationId: '29986316244302815' });
    const [buy, alias, get] = take(3);
    expect(buy).toMatchObject({ method: 'POST', path: `/v1/Account/${AUTH_ID}/PhoneNumber/14154000007/` });
    expect(body(buy!)).toEqual({ app_id: '29986316244302815' });
    expect(alias).toMatchObject({ method: 'POST', path: `/v1/Account/${AUTH_ID}/Number/14154000007/` });
    expect(body(alias!)).toEqual({ alias: 'Front desk' });
    expect(get).toMatchObject({ method: 'GET', path: `/v1/Account/${AUTH_ID}/Number/14154000007/`, body: '' });
    expect(bought).toEqual({
      providerNumberId: '14154000007',
      phoneNumber: '+14154000007',
      friendlyName: '(415) 400-0007',
      provider: 'plivo',
      country: 'US',
      type: 'local',
      label: 'Front desk',
      capabilities: { voice: true, sms: true, mms: false, fax: false },
      monthlyCost: { amount: '0.80000', currency: 'USD' },
    });
  });

  it('buy: an empty JSON object without app_id; a pending order carries the api_id', async () => {
    const pending = await plivo.purchase({ phoneNumber: '+442079460123' });
    const [buy, get] = take(2);
    expect(buy!.body).toBe('{}');
    expect(get!.method).toBe('GET');
    expect(pending).toMatchObject({ providerNumberId: '442079460123', phoneNumber: '+442079460123', order: { id: api_id, status: 'pending' } });
  });

  it('buy: a fulfilled number that cannot be read back yet is still returned as bought', async () => {
    const bought = await plivo.purchase({ phoneNumber: `+${NOT_OWNED}` });
    const [buy, get] = take(2);
    expect(buy!.method).toBe('POST');
    expect(get!.path).toBe(`/v1/Account/${AUTH_ID}/Number/${NOT_OWNED}/`);
    expect(bought).toEqual({
      providerNumberId: NOT_OWNED,
      phoneNumber: `+${NOT_OWNED}`,
      friendlyName: '(415) 555-0199',
      provider: 'plivo',
      capabilities: { voice: false, sms: false, mms: false, fax: false },
    });
  });

  it('get / findOwned: GET Number/{number}/ without the plus', async () => {
    expect(await plivo.get('+14155550101')).toMatchObject({ providerNumberId: '14155550101', label: 'Front desk' });
    expect(await plivo.findOwned('+14155550101')).toMatchObject({ phoneNumber: '+14155550101' });
    expect(await plivo.findOwned(`+${NOT_OWNED}`)).toBeUndefined();
    const calls = take(3);
    expect(calls.map((r) => r.path)).toEqual([
      `/v1/Account/${AUTH_ID}/Number/14155550101/`,
      `/v1/Account/${AUTH_ID}/Number/14155550101/`,
      `/v1/Account/${AUTH_ID}/Number/${NOT_OWNED}/`,
    ]);
  });

  it('list: GET Number/ with number_startswith, limit <= 20 and an offset token', async () => {
    const first = await plivo.list({ pageSize: 2, phoneNumber: '+1415' });
    const second = await plivo.list({ pageSize: 500, pageToken: first.nextPageToken! });
    const [r1, r2] = take(2);
    expect(q(r1!)).toEqual({ number_startswith: '1415', limit: '2', offset: '0' });
    expect(q(r2!)).toEqual({ limit: '20', offset: '2' });
    expect(first.numbers.map((n) => n.phoneNumber)).toEqual(['+14155550101', '+14155550102']);
    expect(decodePageToken(first.nextPageToken!)).toBe(2);
    expect(second.numbers.map((n) => n.phoneNumber)).toEqual(['+14155550103']);
    expect(second.nextPageToken).toBeUndefined();
  });

  it('update: POST Number/{number}/ with alias and app_id ("" unlinks), then the read-back', async () => {
    await plivo.update('14155550101', { label: 'Support', applicationId: '777' });
    await plivo.update('14155550101', { applicationId: null });
    await plivo.update('14155550101', {});
    const [set, readBack, unlink, readBack2, onlyGet] = take(5);
    expect(set).toMatchObject({ method: 'POST', path: `/v1/Account/${AUTH_ID}/Number/14155550101/` });
    expect(body(set!)).toEqual({ alias: 'Support', app_id: '777' });
    expect(readBack!.method).toBe('GET');
    expect(body(unlink!)).toEqual({ app_id: '' });
    expect(readBack2!.method).toBe('GET');
    expect(onlyGet!.method).toBe('GET');
  });

  it('update: per-number webhook URLs are refused without any request', async () => {
    await expect(plivo.update('14155550101', { voiceUrl: 'https://hooks.example.com/v' })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    take(0);
  });

  it('release: DELETE Number/{number}/; 404 counts as released', async () => {
    await plivo.release('14155550101');
    await plivo.release(NOT_OWNED);
    const [r1, r2] = take(2);
    expect(r1).toMatchObject({ method: 'DELETE', path: `/v1/Account/${AUTH_ID}/Number/14155550101/`, body: '' });
    expect(r2!.path).toBe(`/v1/Account/${AUTH_ID}/Number/${NOT_OWNED}/`);
  });

  it('errors: README line 20 bodies become ProviderErrors', async () => {
    const wrong = createPlivoProvider({ credentials: { authId: AUTH_ID, authToken: 'wrong-token-0123456789' }, baseUrl, logger: silent, http: { maxRetries: 0 } });
    await expect(wrong.verifyCredentials()).rejects.toMatchObject({ info: { kind: 'auth', httpStatus: 401, providerCode: '401:authentication_failed' } });
    const [sent] = recorded;
    recorded = [];
    expect(violations(sent!)).toEqual(['Authorization is not HTTP Basic auth_id:auth_token']);
    const notOwned = await plivo.get(NOT_OWNED).catch((e: unknown) => e);
    expect(notOwned).toBeInstanceOf(ProviderError);
    expect((notOwned as ProviderError).info).toMatchObject({ httpStatus: 404, kind: 'not_found', providerCode: '404:not_found' });
    take(1);
  });
});

describe('negative control: the checker flags requests that break the contract', () => {
  const good: Recorded = {
    method: 'GET',
    path: `/v1/Account/${AUTH_ID}/Number/`,
    query: [['limit', '20']],
    headers: { authorization: BASIC },
    body: '',
  };

  it('accepts a conforming request', () => {
    expect(violations(good)).toEqual([]);
    expect(
      violations({ method: 'POST', path: `/v1/Account/${AUTH_ID}/Number/14155550101/`, query: [], headers: { authorization: BASIC, 'content-type': 'application/json' }, body: '{"alias":"x"}' }),
    ).toEqual([]);
  });

  it('flags hand-built violations', () => {
    const cases: Array<[Partial<Recorded>, RegExp]> = [
      [{ path: `/v1/Account/${AUTH_ID}/Number` }, /trailing slash/],
      [{ path: `/v1/Account/MAOTHERACCOUNT0000001/Number/` }, /not below/],
      [{ headers: { authorization: `Bearer ${AUTH_TOKEN}` } }, /Basic/],
      [{ query: [['PageSize', '20']] }, /'PageSize' is not documented/],
      [{ query: [['limit', '50']] }, /limit=50/],
      [{ query: [['limit', '20'], ['limit', '10']] }, /repeated/],
      [{ method: 'PUT' }, /no documented operation/],
      [{ path: `/v1/Account/${AUTH_ID}/PhoneNumber/`, query: [['type', 'local']] }, /'country_iso' is required/],
      [{ path: `/v1/Account/${AUTH_ID}/PhoneNumber/`, query: [['country_iso', 'US'], ['type', 'toll_free']] }, /type=toll_free/],
      [{ path: `/v1/Account/${AUTH_ID}/Number/%2B14155550101/` }, /without '\+'/],
      [{ query: [['services', 'voice,fax']] }, /services=voice,fax/],
      [{ path: `/v1/Account/${AUTH_ID}/Number/14155550101/`, method: 'DELETE', body: '{}' }, /takes no body/],
    ];
    for (const [change, pattern] of cases) {
      const found = violations({ ...good, ...change });
      expect(found.join('; '), JSON.stringify(change)).toMatch(pattern);
    }
    const form = { method: 'POST', path: `/v1/Account/${AUTH_ID}/Number/14155550101/`, query: [], headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' }, body: 'alias=x' };
    expect(violations(form).join('; ')).toMatch(/application\/json.*; body is not JSON/);
    const extraKey = { ...form, headers: { authorization: BASIC, 'content-type': 'application/json' }, body: '{"FriendlyName":"x"}' };
    expect(violations(extraKey).join('; ')).toMatch(/body key 'FriendlyName'/);
  });

  it('flags a real request without the trailing slash that went through the recorder', async () => {
    await fetch(`${baseUrl}/v1/Account/${AUTH_ID}/Number/14155550101`, { headers: { authorization: BASIC } });
    const out = recorded;
    recorded = [];
    expect(out).toHaveLength(1);
    expect(violations(out[0]!)).toEqual([`path /v1/Account/${AUTH_ID}/Number/14155550101 lacks the trailing slash`, `GET /v1/Account/${AUTH_ID}/Number/14155550101 is no documented operation`]);
    // And take() would fail the test on it.
    recorded = out;
    expect(() => take(1)).toThrow();
  });
});
