/**
 * Contract test for the Somos TFN Registry client and token manager.
 *
 * Somos publishes no OpenAPI document, so there is nothing to run Prism against. Instead the
 * REAL client talks to a local recorder, and every request it sends (method, path, headers
 * Authorization / ROID / Accept-Version, body keys) is checked against a table transcribed from
 * the C and C1 lines of ../shared/contracts/somos/README.md (each row quotes its line). Parts the
 * README labels G are not asserted here (they are marked in the table). A negative control proves
 * the checker rejects requests that break the table.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import { createSomosClient, type SomosRegistryClient } from '../../shared/providers/somos/client.js';
import { createMemoryTokenLease, createSomosTokenManager } from '../../shared/providers/somos/token-manager.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const TOKEN = 'contract-access-token-0123456789';
const ROID = 'NPS01';

// ---------------------------------------------------------------------------------------------
// The table (README quotes; C = two or more sources, C1 = one source)

type Label = 'C' | 'C1';
interface ContractRow {
  name: string;
  label: Label;
  /** The README line the row transcribes. */
  readme: string;
  method: string;
  path: RegExp;
  /** 'functional': Bearer + ROID + Accept-Version (README "Hosts and headers", C). */
  auth: 'functional' | 'session' | 'basic';
  body?: 'json' | 'form' | 'none';
  requiredKeys?: string[];
  allowedKeys?: string[];
  /** Keys of array items / nested objects that must be allowed. */
  nested?: Record<string, string[]>;
  query?: string[];
}

const HEADERS_LINE = 'Headers: `Authorization: Bearer <oauthToken>`, `ROID: <5-char RespOrg unit>`, `Accept-Version: 3.x` (C)';
const CR_KEYS = [
  // C: "Body fields seen: num, effDtTm, cmd, newRespOrgId?, hldIndFlag, priority, svcOrderNum, suppFormNum, onAccCust, agent, telco, endSub, endSubAddr, conName, conTel, notes, aos{...}, interLATACarrier[], intraLATACarrier[], destNums[{destNum, numTermLine}]"
  'num', 'effDtTm', 'cmd', 'newRespOrgId', 'hldIndFlag', 'priority', 'svcOrderNum', 'suppFormNum', 'onAccCust', 'agent', 'telco', 'endSub',
  'endSubAddr', 'conName', 'conTel', 'notes', 'aos', 'interLATACarrier', 'intraLATACarrier', 'destNums',
  // C1: "Also cprSectName, lbl, tmZn, dayLightSavings, priIntraLT, priInterLT (C1, template variant)"
  'cprSectName', 'lbl', 'tmZn', 'dayLightSavings', 'priIntraLT', 'priInterLT',
];
const CR_NESTED = { aos: ['aosNet', 'aosNPA', 'aosLATA', 'aosState', 'aosLbl'], destNums: ['destNum', 'numTermLine'] };

export const CONTRACT: ContractRow[] = [
  {
    name: 'session open',
    label: 'C',
    readme: 'Open session: `POST /v3/ip/sec/session/open`, body `{usrName, password, withPerm}`. (C) … Repeat the same POST with `sessOverrideKey` added to the body. (C)',
    method: 'POST',
    path: /^\/v3\/ip\/sec\/session\/open$/,
    auth: 'session',
    body: 'json',
    requiredKeys: ['usrName', 'password', 'withPerm'],
    allowedKeys: ['usrName', 'password', 'withPerm', 'sessOverrideKey'],
  },
  {
    name: 'token refresh',
    label: 'C',
    readme: 'Token: `POST /token` (no /v3/ip prefix), form-urlencoded, HTTP Basic clientKey:clientSecret. (C) Grants: `grant_type=refresh_token&refresh_token=...` (C)',
    method: 'POST',
    path: /^\/token$/,
    auth: 'basic',
    body: 'form',
    requiredKeys: ['grant_type', 'refresh_token'],
    allowedKeys: ['grant_type', 'refresh_token'],
  },
  {
    name: 'session close',
    label: 'C',
    readme: 'Close session: `PUT /v3/ip/sec/session/close`, body `{clientKey, clientSecret}`. (C)',
    method: 'PUT',
    path: /^\/v3\/ip\/sec\/session\/close$/,
    auth: 'session',
    body: 'json',
    requiredKeys: ['clientKey', 'clientSecret'],
    allowedKeys: ['clientKey', 'clientSecret'],
  },
  {
    name: 'search random',
    label: 'C',
    readme: 'Search, no reservation, all PUT: `/v3/ip/num/tfn/random` `{qty, npa?, nxx?, line?, cons:"Y"|"N"}` (C)',
    method: 'PUT',
    path: /^\/v3\/ip\/num\/tfn\/random$/,
    auth: 'functional',
    body: 'json',
    requiredKeys: ['qty'],
    allowedKeys: ['qty', 'npa', 'nxx', 'line', 'cons'],
  },
  {
    name: 'search wildcard',
    label: 'C',
    readme: '`/num/tfn/wildcard` `{qty, wildCardNum:"8**9**0023"}` (C; the path `wildcard` vs `wildcards` is G — only the body is asserted as C, the path as the README\'s choice)',
    method: 'PUT',
    path: /^\/v3\/ip\/num\/tfn\/wildcard$/,
    auth: 'functional',
    body: 'json',
    requiredKeys: ['qty', 'wildCardNum'],
    allowedKeys: ['qty', 'wildCardNum'],
  },
  {
    name: 'search specific',
    label: 'C',
    readme: '`/num/tfn/specific` `{numList:[...]}`. Response `{numList:[...]}`. (C)',
    method: 'PUT',
    path: /^\/v3\/ip\/num\/tfn\/specific$/,
    auth: 'functional',
    body: 'json',
    requiredKeys: ['numList'],
    allowedKeys: ['numList'],
  },
  {
    name: 'search and reserve random',
    label: 'C',
    readme: 'Search and reserve, all POST: `/v3/ip/num/tfn/srchres/random` `{qty, npa, conName, conTel, shrtNotes?}` (C) [cons/nxx/line on srchres are G: not sent by this call]',
    method: 'POST',
    path: /^\/v3\/ip\/num\/tfn\/srchres\/random$/,
    auth: 'functional',
    body: 'json',
    requiredKeys: ['qty', 'conName', 'conTel'],
    // cons is sent by the client (G); tolerated here and flagged in the client's comments.
    allowedKeys: ['qty', 'npa', 'conName', 'conTel', 'shrtNotes', 'cons'],
  },
  {
    name: 'search and reserve wildcard',
    label: 'C',
    readme: '`/srchres/wildcard` `{qty, wildCardNum, conName, conTel}` (C)',
    method: 'POST',
    path: /^\/v3\/ip\/num\/tfn\/srchres\/wildcard$/,
    auth: 'functional',
    body: 'json',
    requiredKeys: ['qty', 'wildCardNum', 'conName', 'conTel'],
    allowedKeys: ['qty', 'wildCardNum', 'conName', 'conTel', 'shrtNotes'],
  },
  {
    name: 'search and reserve specific',
    label: 'C',
    readme: '`/srchres/specific` `{numList, conName, conTel}`. Response `{numList:[...]}`. (C)',
    method: 'POST',
    path: /^\/v3\/ip\/num\/tfn\/srchres\/specific$/,
    auth: 'functional',
    body: 'json',
    requiredKeys: ['numList', 'conName', 'conTel'],
    allowedKeys: ['numList', 'conName', 'conTel', 'shrtNotes'],
  },
  {
    name: 'number query',
    label: 'C',
    readme: 'Query: `GET /v3/ip/num/tfn/query/tfn/{num}` (C)',
    method: 'GET',
    path: /^\/v3\/ip\/num\/tfn\/query\/tfn\/(800|833|844|855|866|877|888)\d{7}$/,
    auth: 'functional',
    body: 'none',
  },
  {
    name: 'number update to spare',
    label: 'C',
    readme: 'Update or spare: `PUT /v3/ip/num/tfn/update` `{tfNumList:[{num, recVersionId}], status:"SPARE" | (…)}`. (C)',
    method: 'PUT',
    path: /^\/v3\/ip\/num\/tfn\/update$/,
    auth: 'functional',
    body: 'json',
    requiredKeys: ['tfNumList', 'status'],
    allowedKeys: ['tfNumList', 'status', 'conName', 'conPhone', 'resUntilDt', 'ctrlRespOrgId', 'shrtNotes'],
    nested: { tfNumList: ['num', 'recVersionId'] },
  },
  {
    name: 'customer record create',
    label: 'C',
    readme: 'Create `POST /v3/ip/cus/rec` (C). Body fields seen: … (C). Also cprSectName, lbl, tmZn, dayLightSavings, priIntraLT, priInterLT (C1)',
    method: 'POST',
    path: /^\/v3\/ip\/cus\/rec$/,
    auth: 'functional',
    body: 'json',
    requiredKeys: ['num', 'effDtTm', 'cmd', 'aos', 'destNums'],
    allowedKeys: CR_KEYS,
    nested: CR_NESTED,
  },
  {
    name: 'customer record update',
    label: 'C1',
    readme: 'Update `PUT /v3/ip/cus/rec` with `custRecStat, reqSntFrom, recVersionId` (C1).',
    method: 'PUT',
    path: /^\/v3\/ip\/cus\/rec$/,
    auth: 'functional',
    body: 'json',
    requiredKeys: ['num', 'recVersionId'],
    allowedKeys: [...CR_KEYS, 'recVersionId', 'custRecStat', 'reqSntFrom'],
    nested: CR_NESTED,
  },
  {
    name: 'customer record retrieve',
    label: 'C',
    readme: 'Retrieve `GET /v3/ip/cus/rec/tfnum/{num}` (C).',
    method: 'GET',
    path: /^\/v3\/ip\/cus\/rec\/tfnum\/\d{10}$/,
    auth: 'functional',
    body: 'none',
  },
  {
    name: 'RespOrg entity',
    label: 'C',
    readme: '`GET /v3/ip/org/resporg/ent/{entityId}` returns `associatedRespOrgs[{respOrgId, status}]` (C). Entity IDs are 2 characters (official)',
    method: 'GET',
    path: /^\/v3\/ip\/org\/resporg\/ent\/[A-Z0-9]{2}$/,
    auth: 'functional',
    body: 'none',
  },
  {
    name: 'RespOrg change (path only; method and body are G)',
    label: 'C',
    readme: 'RespOrg change: `/v3/ip/num/rch` (C, official).',
    method: '*',
    path: /^\/v3\/ip\/num\/rch$/,
    auth: 'functional',
  },
  {
    name: 'retrieve after 202',
    label: 'C',
    readme: 'Statuses handled: 200, 202 (sync timeout → retrieve later with `GET <same path>?reqId=...`) (C)',
    method: 'GET',
    path: /^\/v3\/ip\/num\/tfn\/(random|wildcard|specific|srchres\/(random|wildcard|specific)|query\/tfn\/\d{10})$/,
    auth: 'functional',
    body: 'none',
    query: ['reqId'],
  },
];

// ---------------------------------------------------------------------------------------------
// The checker

export interface Exchange {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  contentType: string;
  raw: string;
}

function bodyOf(ex: Exchange): { kind: 'json' | 'form' | 'none'; value: Record<string, unknown> } {
  if (!ex.raw) return { kind: 'none', value: {} };
  if (ex.contentType.startsWith('application/x-www-form-urlencoded')) return { kind: 'form', value: Object.fromEntries(new URLSearchParams(ex.raw)) };
  if (ex.contentType.startsWith('application/json')) return { kind: 'json', value: JSON.parse(ex.raw) as Record<string, unknown> };
  return { kind: 'none', value: {} };
}

/** The row this request must satisfy (by method + path), or undefined. */
export function rowFor(ex: Exchange): ContractRow | undefined {
  const candidates = CONTRACT.filter((r) => r.path.test(ex.path));
  const byQuery = candidates.filter((r) => (r.query ?? []).every((q) => q in ex.query) && (r.query ? true : !('reqId' in ex.query)));
  return byQuery.find((r) => r.method === ex.method) ?? byQuery.find((r) => r.method === '*') ?? byQuery[0];
}

/** Every way the exchange breaks the table ([] = conforming). */
export function violations(ex: Exchange): string[] {
  const out: string[] = [];
  const row = rowFor(ex);
  if (!row) return [`${ex.method} ${ex.path}: no README C/C1 line describes this path`];
  const where = `${ex.method} ${ex.path} (${row.name})`;
  if (row.method !== '*' && row.method !== ex.method) out.push(`${where}: method must be ${row.method}`);
  const auth = String(ex.headers.authorization ?? '');
  if (row.auth === 'functional') {
    if (!/^Bearer \S+$/.test(auth)) out.push(`${where}: Authorization: Bearer <token> missing (${HEADERS_LINE})`);
    if (!/^[A-Z0-9]{5}$/.test(String(ex.headers.roid ?? ''))) out.push(`${where}: ROID header must be a 5-character RespOrg unit`);
    if (!/^3\.\d+$/.test(String(ex.headers['accept-version'] ?? ''))) out.push(`${where}: Accept-Version must be 3.x`);
  }
  if (row.auth === 'basic' && !/^Basic \S+$/.test(auth)) out.push(`${where}: HTTP Basic clientKey:clientSecret missing`);
  const body = bodyOf(ex);
  if (row.body && row.body !== body.kind) out.push(`${where}: body must be ${row.body}, was ${body.kind}`);
  const keys = Object.keys(body.value);
  for (const k of row.requiredKeys ?? []) if (!keys.includes(k)) out.push(`${where}: body key ${k} is required`);
  if (row.allowedKeys) for (const k of keys) if (!row.allowedKeys.includes(k)) out.push(`${where}: body key ${k} is not in the README line`);
  for (const [field, allowed] of Object.entries(row.nested ?? {})) {
    const v = body.value[field];
    const items = Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : [];
    for (const item of items) for (const k of Object.keys(item as object)) if (!allowed.includes(k)) out.push(`${where}: ${field}.${k} is not in the README line`);
  }
  for (const q of Object.keys(ex.query)) if (!(row.query ?? []).includes(q)) out.push(`${where}: query parameter ${q} is not in the README line`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The recorder

let server: Server;
let base: string;
let exchanges: Exchange[] = [];
let deferNext = false;

function reply(ex: Exchange): { status: number; body: unknown } {
  if (deferNext && ex.path.startsWith('/v3/ip/num/') && !ex.query.reqId) {
    deferNext = false;
    return { status: 202, body: { reqId: 'REQ-1' } };
  }
  const p = ex.path;
  if (p === '/v3/ip/sec/session/open') {
    return { status: 200, body: { oauthToken: TOKEN, refreshToken: 'contract-refresh', clientKey: 'ck-contract', clientSecret: 'cs-contract', expiresIn: 3600, tokenType: 'Bearer' } };
  }
  if (p === '/token') return { status: 200, body: { access_token: `${TOKEN}-2`, refresh_token: 'contract-refresh-2', expires_in: 3600 } };
  if (p === '/v3/ip/sec/session/close') return { status: 200, body: {} };
  if (/^\/v3\/ip\/num\/tfn\/(srchres\/)?(random|wildcard|specific)$/.test(p)) return { status: 200, body: { numList: ['8445550100'] } };
  if (p.startsWith('/v3/ip/num/tfn/query/tfn/')) return { status: 200, body: { num: p.split('/').pop(), status: 'RESERVED', recVersionId: 'V1', ctrlRespOrgId: ROID } };
  if (p === '/v3/ip/num/tfn/update') return { status: 200, body: { recVersionId: 'V2' } };
  if (p === '/v3/ip/cus/rec') return { status: 200, body: { num: '8445550100', recVersionId: 'V3', custRecStat: 'ACTIVE' } };
  if (p.startsWith('/v3/ip/cus/rec/tfnum/')) return { status: 200, body: { num: '8445550100', recVersionId: 'V3', destNums: [{ destNum: '3125550100', numTermLine: 1 }] } };
  if (p.startsWith('/v3/ip/org/resporg/ent/')) return { status: 200, body: { associatedRespOrgs: [{ respOrgId: ROID, status: 'ACTIVE' }] } };
  if (p === '/v3/ip/num/rch') return { status: 200, body: { rchList: [{ rchId: 'R1', num: '8005550100', status: 'PENDING' }] } };
  return { status: 404, body: { errList: [{ errCode: '700404', errMsg: 'no route' }] } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://recorder');
      const ex: Exchange = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        contentType: String(req.headers['content-type'] ?? ''),
        raw,
      };
      exchanges.push(ex);
      const { status, body } = reply(ex);
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  exchanges = [];
  deferNext = false;
});

const tokens = { getToken: async () => TOKEN };
const client = (): SomosRegistryClient => createSomosClient({ tokens, baseUrl: base, logger: silent, http: { maxRetries: 0 } });
const ctx = { roid: ROID };

function expectConforming(count: number): void {
  expect(exchanges, 'number of HTTP calls').toHaveLength(count);
  for (const ex of exchanges) expect(violations(ex), `${ex.method} ${ex.path}`).toEqual([]);
}

describe('Somos requests conform to the README (C/C1)', () => {
  it('session open, refresh and close (token manager)', async () => {
    const secrets = new LocalSecretStore();
    await secrets.put('creds', JSON.stringify({ username: 'contract-user', password: 'contract-pass', environment: 'sandbox' }));
    const clock = { t: Date.parse('2026-03-02T15:00:00Z') };
    const m = createSomosTokenManager({ secrets, credentialsSecret: 'creds', stateSecret: 'state', lease: createMemoryTokenLease(), baseUrl: base, now: () => clock.t, logger: silent });
    await m.getToken(); // open
    clock.t += 55 * 60_000;
    await m.getToken(); // refresh
    clock.t += 24 * 60 * 60_000;
    await m.getToken(); // reopen: open + close of the old session
    expect(exchanges.map((e) => `${e.method} ${e.path}`)).toEqual([
      'POST /v3/ip/sec/session/open',
      'POST /token',
      'POST /v3/ip/sec/session/open',
      'PUT /v3/ip/sec/session/close',
    ]);
    expectConforming(4);
    expect(JSON.parse(exchanges[0]!.raw)).toEqual({ usrName: 'contract-user', password: 'contract-pass', withPerm: true });
    expect(exchanges[1]!.headers.authorization).toBe(`Basic ${Buffer.from('ck-contract:cs-contract').toString('base64')}`);
    expect(new URLSearchParams(exchanges[1]!.raw).get('grant_type')).toBe('refresh_token');
  });

  it('searches (no reservation): PUT random / wildcard / specific', async () => {
    const c = client();
    await c.search(ctx, { kind: 'random', qty: 2, npa: '844', nxx: '555', line: '0100', consecutive: true });
    await c.search(ctx, { kind: 'wildcard', qty: 1, pattern: '8**9**0023' });
    await c.search(ctx, { kind: 'specific', numbers: ['8445550100'] });
    expectConforming(3);
    expect(exchanges[0]!.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, roid: ROID, 'accept-version': '3.11' });
    expect(JSON.parse(exchanges[0]!.raw)).toEqual({ qty: 2, npa: '844', nxx: '555', line: '0100', cons: 'Y' });
  });

  it('search and reserve: POST srchres/*', async () => {
    const c = client();
    await c.searchAndReserve(ctx, { kind: 'random', qty: 1, npa: '844', contactName: 'Ops', contactPhone: '3125550100', notes: 'n' });
    await c.searchAndReserve(ctx, { kind: 'wildcard', qty: 1, pattern: '8**9**0023', contactName: 'Ops', contactPhone: '3125550100' });
    await c.searchAndReserve(ctx, { kind: 'specific', numbers: ['8445550100'], contactName: 'Ops', contactPhone: '3125550100' });
    expectConforming(3);
  });

  it('query, release to spare (with and without a known recVersionId)', async () => {
    const c = client();
    await c.query(ctx, '8445550100');
    await c.releaseReservation(ctx, '8445550100', 'V1');
    await c.releaseReservation(ctx, '8445550100'); // query first, then update
    expectConforming(4);
    expect(JSON.parse(exchanges[1]!.raw)).toEqual({ tfNumList: [{ num: '8445550100', recVersionId: 'V1' }], status: 'SPARE' });
  });

  it('customer records: create (with CPR), retrieve, update', async () => {
    const c = client();
    const routing = {
      primary: { type: 'pstn' as const, destination: '+13125550100' },
      timeOfDay: [{ days: ['mon' as const], start: '08:00', end: '17:00', timezone: 'America/Chicago', destination: '+13125550111' }],
      areaOfService: { states: ['IL'] },
    };
    await c.createCustomerRecord(ctx, { num: '8445550100', routing, carriers: { interLATA: ['ATX-0288'] }, contact: { name: 'Ops', phone: '+13125550100' }, notes: 'n' });
    await c.retrieveCustomerRecord(ctx, '8445550100');
    await c.updateCustomerRecord(ctx, { num: '8445550100', routing, recVersionId: 'V3' });
    expectConforming(3);
  });

  it('RespOrg entity and RespOrg change', async () => {
    const c = client();
    await c.getRespOrgEntity(ctx, 'NP');
    await c.requestRespOrgChange(ctx, { numbers: ['8005550100'] });
    expectConforming(2);
  });

  it('202 → retrieve: GET the same path with ?reqId=', async () => {
    const c = client();
    deferNext = true;
    const first = await c.search(ctx, { kind: 'random', qty: 1 });
    expect(first).toMatchObject({ pending: true, reqId: 'REQ-1', path: '/v3/ip/num/tfn/random' });
    if (!first.pending) throw new Error('expected 202');
    const later = await c.retrieve(ctx, first);
    expect(later).toEqual({ pending: false, data: ['8445550100'] });
    expectConforming(2);
    expect(exchanges[1]).toMatchObject({ method: 'GET', path: '/v3/ip/num/tfn/random', query: { reqId: 'REQ-1' } });
  });
});

describe('negative control: the checker rejects requests that break the table', () => {
  const ok: Exchange = {
    method: 'PUT',
    path: '/v3/ip/num/tfn/random',
    query: {},
    headers: { authorization: `Bearer ${TOKEN}`, roid: ROID, 'accept-version': '3.11' },
    contentType: 'application/json',
    raw: JSON.stringify({ qty: 1, cons: 'N' }),
  };

  it('a conforming exchange has no violations', () => expect(violations(ok)).toEqual([]));

  it.each([
    ['the older `wildcards` path (G)', { path: '/v3/ip/num/tfn/wildcards' }, /no README C\/C1 line/],
    ['POST for a search', { method: 'POST' }, /method must be PUT/],
    ['no ROID', { headers: { authorization: `Bearer ${TOKEN}`, 'accept-version': '3.11' } }, /ROID/],
    ['Accept-Version 2.0', { headers: { authorization: `Bearer ${TOKEN}`, roid: ROID, 'accept-version': '2.0' } }, /Accept-Version/],
    ['no bearer token', { headers: { roid: ROID, 'accept-version': '3.11' } }, /Authorization/],
    ['a body key the README does not list', { raw: JSON.stringify({ qty: 1, quantity: 1 }) }, /quantity is not in the README/],
    ['a missing required key', { raw: JSON.stringify({ cons: 'N' }) }, /qty is required/],
    ['a form body where JSON is expected', { contentType: 'application/x-www-form-urlencoded', raw: 'qty=1' }, /body must be json/],
    ['the token call with a bearer token', { method: 'POST', path: '/token', contentType: 'application/x-www-form-urlencoded', raw: 'grant_type=refresh_token&refresh_token=x' }, /HTTP Basic/],
  ])('%s', (_name, change, message) => {
    const v = violations({ ...ok, ...change });
    expect(v.length).toBeGreaterThan(0);
    expect(v.join('\n')).toMatch(message);
  });

  it('a real mis-shaped request through the recorder is caught', async () => {
    await fetch(`${base}/v3/ip/num/tfn/srchres/specific`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'accept-version': '3.11', 'content-type': 'application/json' },
      body: JSON.stringify({ numbers: ['8445550100'], contact: 'Ops' }),
    }).then((r) => r.arrayBuffer());
    const v = violations(exchanges[0]!);
    expect(v).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ROID/),
        expect.stringMatching(/numList is required/),
        expect.stringMatching(/conName is required/),
        expect.stringMatching(/numbers is not in the README/),
      ]),
    );
  });
});
