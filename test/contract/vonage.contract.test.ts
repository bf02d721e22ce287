/**
 * The REAL Vonage client against a Prism mock of ../shared/contracts/vonage/numbers.yml.
 *
 * Two adaptations to the shared harness (test/helpers/prism.ts, unchanged):
 * - loadSpec()/undeclaredParameters() read JSON only: the YAML spec is converted once to a JSON
 *   copy in a temp dir for that check (Prism itself is given the original YAML).
 * - api_key / api_secret are the spec's security scheme (apiKey in query), not declared
 *   parameters: they are checked here explicitly and left out of the undeclared-parameter check.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createVonageProvider } from '../../shared/providers/vonage/client.js';
import { encodePageToken } from '../../shared/providers/vonage/mapper.js';
import { ProviderError, type NumberProvider, type SearchCriteria } from '../../shared/providers/types.js';
import { contractPath, startPrism, undeclaredParameters, type PrismExchange, type PrismHandle } from '../helpers/prism.js';

const SPEC = contractPath('vonage', 'numbers.yml');
const API_KEY = 'a1b2c3d4';
const API_SECRET = 'contract-test-secret-0123';
const EXAMPLE = '447700900000'; // the msisdn of the spec's examples
const APP = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

let prism: PrismHandle;
let vonage: NumberProvider;
let jsonDir: string;
let SPEC_JSON: string;

function providerWith(headers?: Record<string, string>): NumberProvider {
  return createVonageProvider({
    credentials: { apiKey: API_KEY, apiSecret: API_SECRET },
    baseUrl: prism.url,
    logger: silent,
    // One attempt per call: every operation maps to exactly the recorded exchanges.
    http: { maxRetries: 0, ...(headers ? { defaultHeaders: headers } : {}) },
  });
}

const SECURITY_PARAMS = ['api_key', 'api_secret'];

/** The exchange without the security-scheme query parameters (declared under components.securitySchemes). */
function withoutCredentials(ex: PrismExchange): PrismExchange {
  const query = new URLSearchParams(ex.query);
  for (const p of SECURITY_PARAMS) query.delete(p);
  return { ...ex, query };
}

/** Fails unless every exchange conforms to the spec. */
function expectConforming(exchanges: PrismExchange[], count: number): void {
  expect(exchanges, 'number of HTTP calls').toHaveLength(count);
  for (const ex of exchanges) {
    const where = `${ex.method} ${ex.path}`;
    expect(ex.requestViolations, `Prism request violations for ${where}`).toEqual([]);
    expect(ex.prismError, `Prism-generated error (${ex.status}) for ${where}: ${ex.responseBody}`).toBe(false);
    expect(ex.status, `status for ${where}`).toBeLessThan(300);
    expect(undeclaredParameters(SPEC_JSON, withoutCredentials(ex)), `parameters the spec does not declare, ${where}`).toEqual([]);
    expect(ex.query.getAll('api_key'), `api_key query parameter, ${where}`).toEqual([API_KEY]);
    expect(ex.query.getAll('api_secret'), `api_secret query parameter, ${where}`).toEqual([API_SECRET]);
    expect(ex.requestHeaders.authorization).toBeUndefined();
  }
}

/** Runs provider calls; violations are reported before any provider error. */
async function conforming<T>(count: number, fn: () => Promise<T>): Promise<{ result: T; exchanges: PrismExchange[] }> {
  let outcome: { ok: true; result: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, result: await fn() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const exchanges = prism.take();
  expectConforming(exchanges, count);
  if (!outcome.ok) throw outcome.error;
  return { result: outcome.result, exchanges };
}

const params = (ex: PrismExchange) => Object.fromEntries(withoutCredentials(ex).query);
const form = (ex: PrismExchange) => Object.fromEntries(new URLSearchParams(ex.requestBody));

beforeAll(async () => {
  // The YAML parser Prism itself uses (a dependency of @stoplight/prism-cli).
  const prismRequire = createRequire(createRequire(import.meta.url).resolve('@stoplight/prism-cli/package.json'));
  const yaml = prismRequire('@stoplight/yaml') as { parse: (text: string) => unknown };
  jsonDir = mkdtempSync(path.join(tmpdir(), 'vonage-contract-'));
  SPEC_JSON = path.join(jsonDir, 'numbers.json');
  writeFileSync(SPEC_JSON, JSON.stringify(yaml.parse(readFileSync(SPEC, 'utf8'))));
  prism = await startPrism(SPEC);
  vonage = providerWith();
   
  console.info(`Prism (Vonage spec) ready in ${prism.startupMs} ms`);
});

afterAll(async () => {
  await prism?.stop();
  if (jsonDir) rmSync(jsonDir, { recursive: true, force: true });
});

beforeEach(() => {
  prism.take();
});

describe('Vonage provider vs the Vonage Numbers OpenAPI spec (Prism)', () => {
  it('verifyCredentials is one GET /account/numbers?size=1', async () => {
    const { exchanges } = await conforming(1, () => vonage.verifyCredentials());
    expect(exchanges[0]!.path).toBe('/account/numbers');
    expect(params(exchanges[0]!)).toEqual({ size: '1' });
  });

  const searches: Array<[string, SearchCriteria, Record<string, string>]> = [
    ['local + areaCode + every feature', { country: 'US', type: 'local', areaCode: '415', capabilities: { sms: true, voice: true, mms: true }, limit: 20 }, { country: 'US', type: 'landline', pattern: '1415', search_pattern: '0', features: 'SMS,MMS,VOICE', size: '20' }],
    ['mobile + contains', { country: 'GB', type: 'mobile', contains: '7700', capabilities: { sms: true }, limit: 5 }, { country: 'GB', type: 'mobile-lvn', pattern: '7700', search_pattern: '1', features: 'SMS', size: '5' }],
    ['toll_free + endsWith', { country: 'US', type: 'toll_free', endsWith: '0000', capabilities: { voice: true, mms: true }, limit: 100 }, { country: 'US', type: 'landline-toll-free', pattern: '0000', search_pattern: '2', features: 'VOICE,MMS', size: '100' }],
    ['local + startsWith', { country: 'GB', type: 'local', startsWith: '20', limit: 1 }, { country: 'GB', type: 'landline', pattern: '4420', search_pattern: '0', size: '1' }],
    ['contains with a * wildcard (broader pattern, largest page)', { country: 'GB', type: 'mobile', contains: '77*0', limit: 3 }, { country: 'GB', type: 'mobile-lvn', pattern: '77', search_pattern: '1', size: '100' }],
    ['no optional filter', { country: 'DE', type: 'local', limit: 10 }, { country: 'DE', type: 'landline', size: '10' }],
  ];

  it.each(searches)('search: %s conforms', async (_name, criteria, expected) => {
    const { result, exchanges } = await conforming(1, () => vonage.search(criteria));
    expect(exchanges[0]!.method).toBe('GET');
    expect(exchanges[0]!.path).toBe('/number/search');
    expect(params(exchanges[0]!)).toEqual(expected);
    // The mock answers with the spec's example; mapping it must work.
    if (!criteria.contains?.includes('*')) {
      expect(result).toEqual([
        expect.objectContaining({ phoneNumber: `+${EXAMPLE}`, provider: 'vonage', country: 'GB', type: 'mobile', monthlyCost: { amount: '1.25', currency: 'EUR' }, capabilities: { voice: true, sms: true, mms: true, fax: false } }),
      ]);
    } else {
      expect(result.map((n) => n.phoneNumber)).toEqual([`+${EXAMPLE}`]); // 447700900000 matches 77*0 (client-side)
    }
  });

  it('purchase is one form POST /number/buy, then the owned-number lookup', async () => {
    const { result: bought, exchanges } = await conforming(2, () => vonage.purchase({ phoneNumber: `+${EXAMPLE}`, label: 'ignored: Vonage has no label' }));
    const [buy, lookup] = exchanges as [PrismExchange, PrismExchange];
    expect(buy.method).toBe('POST');
    expect(buy.path).toBe('/number/buy');
    expect(buy.requestHeaders['content-type']).toBe('application/x-www-form-urlencoded');
    expect(buy.requestBody).toBe(`country=GB&msisdn=${EXAMPLE}`);
    expect(buy.responseBody).toBe('{"error-code":"200","error-code-label":"success"}');
    expect(lookup.path).toBe('/account/numbers');
    expect(params(lookup)).toEqual({ country: 'GB', pattern: EXAMPLE, search_pattern: '1' });
    expect(bought).toMatchObject({ providerNumberId: `GB:${EXAMPLE}`, phoneNumber: `+${EXAMPLE}`, country: 'GB', type: 'mobile', smsUrl: 'https://example.com/webhooks/inbound-sms' });
  });

  it('purchase with an Application and webhooks adds one /number/update', async () => {
    const { result: bought, exchanges } = await conforming(3, () =>
      vonage.purchase({ phoneNumber: `+${EXAMPLE}`, applicationId: APP, smsUrl: 'https://hooks.example.com/sms', statusCallbackUrl: 'https://hooks.example.com/status' }),
    );
    expect(exchanges.map((e) => `${e.method} ${e.path}`)).toEqual(['POST /number/buy', 'GET /account/numbers', 'POST /number/update']);
    expect(form(exchanges[2]!)).toEqual({ country: 'GB', msisdn: EXAMPLE, app_id: APP, moHttpUrl: 'https://hooks.example.com/sms', voiceStatusCallback: 'https://hooks.example.com/status' });
    expect(bought).toMatchObject({ smsUrl: 'https://hooks.example.com/sms', statusCallbackUrl: 'https://hooks.example.com/status' });
  });

  it('findOwned conforms and returns only an exact match', async () => {
    const { result, exchanges } = await conforming(2, async () => [await vonage.findOwned(`+${EXAMPLE}`), await vonage.findOwned('+447700900001')]);
    expect(params(exchanges[0]!)).toEqual({ pattern: EXAMPLE, search_pattern: '1' });
    expect(result[0]).toMatchObject({ providerNumberId: `GB:${EXAMPLE}` });
    expect(result[1]).toBeUndefined(); // the mock's example is a different number
  });

  it('get conforms', async () => {
    const { result, exchanges } = await conforming(1, () => vonage.get(`GB:${EXAMPLE}`));
    expect(params(exchanges[0]!)).toEqual({ country: 'GB', pattern: EXAMPLE, search_pattern: '1' });
    expect(result).toMatchObject({ providerNumberId: `GB:${EXAMPLE}`, capabilities: { voice: true, sms: true, mms: true, fax: false } });
  });

  it('list conforms, with and without paging parameters', async () => {
    const { result, exchanges } = await conforming(3, async () => [
      await vonage.list(),
      await vonage.list({ phoneNumber: `+${EXAMPLE}`, pageSize: 100 }),
      await vonage.list({ pageToken: encodePageToken(3, 20) }),
    ]);
    expect(exchanges.map(params)).toEqual([
      { size: '10', index: '1' },
      { pattern: EXAMPLE, search_pattern: '1', size: '100', index: '1' },
      { size: '20', index: '3' },
    ]);
    expect(result[0]!.numbers.map((n) => n.phoneNumber)).toEqual([`+${EXAMPLE}`]);
    expect(result[0]!.nextPageToken).toBeUndefined(); // the example's count is 1
  });

  it('update reads the number, then writes the full configuration', async () => {
    const { result, exchanges } = await conforming(2, () =>
      vonage.update(`GB:${EXAMPLE}`, { smsUrl: 'https://hooks.example.com/sms2', statusCallbackUrl: 'https://hooks.example.com/status', label: 'ignored' }),
    );
    expect(exchanges.map((e) => `${e.method} ${e.path}`)).toEqual(['GET /account/numbers', 'POST /number/update']);
    // app_id comes from the example's messagesCallbackValue: the Application is kept.
    expect(form(exchanges[1]!)).toEqual({ country: 'GB', msisdn: EXAMPLE, app_id: APP, moHttpUrl: 'https://hooks.example.com/sms2', voiceStatusCallback: 'https://hooks.example.com/status' });
    expect(result).toMatchObject({ smsUrl: 'https://hooks.example.com/sms2' });
  });

  it('update detaching the Application and clearing the SMS webhook conforms (moHttpUrl "")', async () => {
    const { result, exchanges } = await conforming(2, () => vonage.update(`GB:${EXAMPLE}`, { applicationId: null, smsUrl: null }));
    expect(form(exchanges[1]!)).toEqual({ country: 'GB', msisdn: EXAMPLE, moHttpUrl: '' });
    expect(result.smsUrl).toBeUndefined();
  });

  it('update with only unsupported fields makes no write', async () => {
    const { exchanges } = await conforming(1, () => vonage.update(`GB:${EXAMPLE}`, { label: 'x', voiceUrl: null }));
    expect(exchanges[0]!.method).toBe('GET');
  });

  it('release conforms (one form POST /number/cancel)', async () => {
    const { result, exchanges } = await conforming(1, () => vonage.release(`GB:${EXAMPLE}`));
    expect(result).toBeUndefined();
    expect(exchanges[0]!.path).toBe('/number/cancel');
    expect(form(exchanges[0]!)).toEqual({ country: 'GB', msisdn: EXAMPLE });
  });

  it("the spec's own error examples map to our kinds (Prefer: code=...)", async () => {
    const refused = await providerWith({ prefer: 'code=420' })
      .purchase({ phoneNumber: `+${EXAMPLE}` })
      .catch((e: unknown) => e);
    let ex = prism.take();
    expect(ex).toHaveLength(1);
    expect(ex[0]!.requestViolations).toEqual([]);
    expect(ex[0]!.status).toBe(420);
    expect(refused).toBeInstanceOf(ProviderError);
    // response420's example: the number needs a local address / the Dashboard — not a mere "taken".
    expect((refused as ProviderError).info).toMatchObject({ httpStatus: 420, providerCode: '420', kind: 'invalid_request', retryable: false, ambiguous: false });
    expect((refused as Error).message).toMatch(/^Vonage error 420: Numbers from this country can be requested from the Dashboard/);

    const denied = await providerWith({ prefer: 'code=401' })
      .verifyCredentials()
      .catch((e: unknown) => e);
    ex = prism.take();
    expect(ex[0]!.status).toBe(401);
    expect((denied as ProviderError).info).toMatchObject({ httpStatus: 401, providerCode: '401', kind: 'auth' });
    expect((denied as Error).message).not.toContain(API_SECRET);
  });
});

describe('negative controls: the harness does fail on non-conforming calls', () => {
  const auth = `api_key=${API_KEY}&api_secret=${API_SECRET}`;
  const get = async (query: string) => {
    const res = await fetch(`${prism.url}/number/search?${query}`);
    await res.arrayBuffer();
    return res.status;
  };

  it('size above the spec maximum (100) gets 422 and fails expectConforming', async () => {
    expect(await get(`country=GB&size=500&${auth}`)).toBe(422);
    const exchanges = prism.take();
    expect(exchanges[0]!.requestViolations.map((v) => v.code)).toContain('maximum');
    expect(() => expectConforming(exchanges, 1)).toThrow();
  });

  it('search_pattern outside 0..2, an unknown type and a missing country are flagged', async () => {
    expect(await get(`country=GB&pattern=1&search_pattern=3&${auth}`)).toBe(422);
    expect(await get(`country=GB&type=mobile&${auth}`)).toBe(422);
    expect(await get(`type=landline&${auth}`)).toBe(422);
    const exchanges = prism.take();
    expect(exchanges.map((e) => e.requestViolations.map((v) => v.code))).toEqual([['enum'], ['enum'], ['required']]);
  });

  it('a buy form without msisdn gets 422; a JSON body gets 415', async () => {
    const noMsisdn = await fetch(`${prism.url}/number/buy?${auth}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'country=GB' });
    await noMsisdn.arrayBuffer();
    expect(noMsisdn.status).toBe(422);
    const json = await fetch(`${prism.url}/number/buy?${auth}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ country: 'GB', msisdn: EXAMPLE }) });
    await json.arrayBuffer();
    expect(json.status).toBe(415);
    const exchanges = prism.take();
    expect(exchanges[0]!.requestViolations.map((v) => v.code)).toContain('required');
    for (const ex of exchanges) expect(() => expectConforming([ex], 1)).toThrow();
  });

  it('a request without api_key / api_secret gets 401 from Prism', async () => {
    expect(await get('country=GB')).toBe(401);
    expect(() => expectConforming(prism.take(), 1)).toThrow();
  });

  it('a misspelt parameter passes Prism but is caught by the undeclared-parameter check', async () => {
    expect(await get(`country=GB&pattern=44&serch_pattern=1&${auth}`)).toBe(200);
    const exchanges = prism.take();
    expect(undeclaredParameters(SPEC_JSON, withoutCredentials(exchanges[0]!))).toEqual(['query serch_pattern']);
    expect(() => expectConforming(exchanges, 1)).toThrow();
  });

  it('a cancel form with a three-letter country (the spec: maxLength 2) is flagged', async () => {
    // The client validates providerNumberIds before sending (see the unit tests), so the form a
    // broken release() would send is built by hand here.
    const res = await fetch(`${prism.url}/number/cancel?${auth}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `country=GBR&msisdn=${EXAMPLE}` });
    await res.arrayBuffer();
    expect(res.status).toBe(422);
    const exchanges = prism.take();
    expect(exchanges[0]!.requestViolations.map((v) => v.code)).toContain('maxLength');
    expect(() => expectConforming(exchanges, 1)).toThrow();
  });
});
