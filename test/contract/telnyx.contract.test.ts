/**
 * Contract test: the REAL Telnyx provider against a Prism mock of Telnyx's official
 * OpenAPI spec (../shared/contracts/telnyx/spec3.yml, trimmed). Prism serves the spec's
 * paths WITHOUT the /v2 prefix of the production base URL, so the client points at the
 * mock root.
 *
 * A call conforms when Prism reports no request violation (no 422, nothing about the
 * request in `sl-violations`) AND every query parameter / body field we send is declared
 * by the operation. The shared undeclaredParameters() helper cannot be used here: it reads
 * specs as JSON and matches query keys by parameter name, while Telnyx uses deepObject
 * parameters (`filter[country_code]`, `filter[phone_number][starts_with]`,
 * `filter[features][]`). declaredTelnyxParameters() below expands them from the spec
 * (parsed with @stoplight/yaml, the parser Prism itself uses).
 *
 * Prism quirks verified here (prism-cli 5.14.2):
 * - deepObject members are validated (type, enum, maximum), but unknown members
 *   (`filter[phone_number][bogus]`) pass silently: hence our own declared check;
 * - `filter[features][]=sms` (Telnyx's documented form) is accepted but its values are
 *   not validated; only the indexed form `filter[features][0]` is;
 * - multipart/form-data bodies are accepted for POST /documents.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from '@stoplight/yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createTelnyxProvider, type TelnyxProvider } from '../../shared/providers/telnyx/client.js';
import { ProviderError, type NumberType } from '../../shared/providers/types.js';
import { contractPath, findOperation, startPrism, type PrismExchange, type PrismHandle } from '../helpers/prism.js';

const SPEC = contractPath('telnyx', 'spec3.yml');
const API_KEY = 'KEYcontract0123456789abcdefghij';
const NUMBER_ID = '1293384261075731499';
const EXAMPLE_NUMBER = '+19705555098'; // what the spec's examples return
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

type Json = Record<string, unknown>;
const spec = parseYaml<Json>(readFileSync(SPEC, 'utf8'));

function deref(node: unknown): Json | undefined {
  let current = node as Json | undefined;
  for (let i = 0; i < 10 && current && typeof current.$ref === 'string'; i++) {
    current = (current.$ref)
      .slice(2)
      .split('/')
      .reduce<unknown>((acc, key) => (acc as Json | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec) as Json | undefined;
  }
  return current;
}

/** Query keys an operation declares, deepObject parameters expanded to `name[prop]`, `name[prop][]`, `name[prop][sub]`. */
function declaredQueryKeys(operation: Json, pathItem: Json): Set<string> {
  const keys = new Set<string>();
  const params = [...((pathItem.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])].map(deref).filter((p): p is Json => !!p && p.in === 'query');
  for (const p of params) {
    const name = String(p.name);
    const schema = deref(p.schema) ?? {};
    if (p.style !== 'deepObject' || !schema.properties) {
      keys.add(name);
      if (schema.type === 'array') keys.add(`${name}[]`);
      continue;
    }
    for (const [prop, raw] of Object.entries(schema.properties as Json)) {
      const s = deref(raw) ?? {};
      if (s.properties) for (const sub of Object.keys(s.properties)) keys.add(`${name}[${prop}][${sub}]`);
      else if (s.type === 'array') keys.add(`${name}[${prop}][]`);
      else keys.add(`${name}[${prop}]`);
    }
  }
  return keys;
}

/** Body members (recursively, arrays included) that the schema does not declare. */
function undeclaredBodyMembers(schemaNode: unknown, value: unknown, at: string): string[] {
  const schema = deref(schemaNode);
  if (!schema || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => undeclaredBodyMembers(schema.items, v, `${at}[${i}]`));
  const props: Json = {};
  for (const part of [schema, ...((schema.allOf as unknown[]) ?? []).map(deref)]) Object.assign(props, (part?.properties as Json | undefined) ?? {});
  if (Object.keys(props).length === 0) return [];
  return Object.entries(value as Json).flatMap(([k, v]) => (k in props ? undeclaredBodyMembers(props[k], v, `${at}.${k}`) : [`body ${at}.${k}`]));
}

function declaredTelnyxParameters(ex: Pick<PrismExchange, 'method' | 'path' | 'query' | 'requestBody' | 'requestHeaders'>): string[] {
  const found = findOperation(spec, ex.method, ex.path);
  if (!found) return [`no operation for ${ex.method} ${ex.path}`];
  const declared = declaredQueryKeys(found.operation, found.pathItem);
  const problems = [...new Set(ex.query.keys())].filter((k) => !declared.has(k)).map((k) => `query ${k}`);
  if (ex.requestBody) {
    const contentType = String(ex.requestHeaders['content-type'] ?? '').split(';')[0]!.trim();
    const media = (deref(found.operation.requestBody)?.content as Record<string, Json> | undefined)?.[contentType];
    if (!media) problems.push(`body content-type ${contentType || '(none)'}`);
    else if (contentType === 'application/json') problems.push(...undeclaredBodyMembers(media.schema, JSON.parse(ex.requestBody), '$'));
    else if (contentType === 'multipart/form-data') {
      const props = (deref(media.schema)?.properties as Json | undefined) ?? {};
      for (const m of ex.requestBody.matchAll(/;\s*name="([^"]+)"/g)) if (!(m[1]! in props)) problems.push(`multipart ${m[1]}`);
    }
  }
  return problems;
}

let prism: PrismHandle;
let telnyx: TelnyxProvider;

function expectConforming(exchanges: PrismExchange[], count: number): void {
  expect(exchanges, 'number of HTTP calls').toHaveLength(count);
  for (const ex of exchanges) {
    const where = `${ex.method} ${ex.url}`;
    expect(ex.requestViolations, `Prism request violations for ${where}`).toEqual([]);
    expect(ex.prismError, `Prism-generated error (${ex.status}) for ${where}: ${ex.responseBody}`).toBe(false);
    expect(ex.status, `status for ${where}`).toBeLessThan(300);
    expect(declaredTelnyxParameters(ex), `parameters the spec does not declare, ${where}`).toEqual([]);
    expect(ex.requestHeaders.authorization).toBe(`Bearer ${API_KEY}`);
  }
}

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

const queryOf = (ex: PrismExchange) => [...ex.query];

beforeAll(async () => {
  prism = await startPrism(SPEC);
  telnyx = createTelnyxProvider({ credentials: { apiKey: API_KEY }, baseUrl: prism.url, logger: silent, http: { maxRetries: 0 } });
   
  console.info(`Prism (Telnyx spec) ready in ${prism.startupMs} ms`);
});

afterAll(async () => {
  await prism?.stop();
});

beforeEach(() => {
  prism.take();
});

describe('Telnyx provider vs the Telnyx OpenAPI spec (Prism)', () => {
  it('search with every filter conforms (deepObject filters, repeated features)', async () => {
    const { result, exchanges } = await conforming(1, () =>
      telnyx.searchDetailed({
        country: 'US',
        type: 'local',
        areaCode: '970',
        startsWith: '9705',
        endsWith: '098',
        contains: '555',
        region: 'CO',
        locality: 'Fort Collins',
        capabilities: { sms: true, voice: true, mms: true, fax: true },
        limit: 10,
      }),
    );
    expect(exchanges[0]!.path).toBe('/available_phone_numbers');
    expect(queryOf(exchanges[0]!)).toEqual([
      ['filter[country_code]', 'US'],
      ['filter[phone_number_type]', 'local'],
      ['filter[national_destination_code]', '970'],
      ['filter[phone_number][starts_with]', '5'],
      ['filter[phone_number][ends_with]', '098'],
      ['filter[phone_number][contains]', '555'],
      ['filter[administrative_area]', 'CO'],
      ['filter[locality]', 'Fort Collins'],
      ['filter[features][]', 'sms'],
      ['filter[features][]', 'mms'],
      ['filter[features][]', 'voice'],
      ['filter[features][]', 'fax'],
      ['filter[limit]', '10'],
    ]);
    // The example number has sms + voice only: Telnyx "ignored" mms/fax, the client dropped it.
    expect(result.numbers).toEqual([]);
    expect(result.filtersApplied.capabilities).toBe('client');
    expect(result.filtersApplied.areaCode).toBe('provider');
  });

  it('the example result maps when it matches (sms + voice)', async () => {
    const { result } = await conforming(1, () => telnyx.searchDetailed({ country: 'US', type: 'local', capabilities: { sms: true, voice: true }, limit: 1 }));
    expect(result.numbers).toEqual([
      {
        phoneNumber: EXAMPLE_NUMBER,
        friendlyName: '(970) 555-5098',
        provider: 'telnyx',
        country: 'US',
        type: 'local',
        capabilities: { voice: true, sms: true, mms: false, fax: false },
        monthlyCost: { amount: '6.54', currency: 'USD' },
      },
    ]);
  });

  const types: NumberType[] = ['toll_free', 'mobile', 'national'];
  it.each(types)('search %s with a wildcard and a non-US region conforms', async (type) => {
    const { result, exchanges } = await conforming(1, () => telnyx.searchDetailed({ country: 'FR', type, contains: '12*4', region: 'Bretagne', limit: 5 }));
    expect(Object.fromEntries(exchanges[0]!.query)).toEqual({
      'filter[country_code]': 'FR',
      'filter[phone_number_type]': type,
      'filter[phone_number][contains]': '12',
      'filter[limit]': '100',
    });
    expect(result.numbers).toEqual([]); // the example is a US number
    expect(result.filtersApplied).toMatchObject({ country: 'client', contains: 'client', region: 'client' });
  });

  it('requirements listing conforms (type filter omitted for mobile: the spec only knows local/national/toll_free)', async () => {
    // The example's meta says total_pages: 3, so the client reads pages 1-3.
    const { result, exchanges } = await conforming(3, () => telnyx.listRequirements({ country: 'FR', type: 'local', action: 'ordering' }));
    expect(Object.fromEntries(exchanges[0]!.query)).toEqual({
      'filter[country_code]': 'FR',
      'filter[phone_number_type]': 'local',
      'filter[action]': 'ordering',
      'page[number]': '1',
      'page[size]': '250',
    });
    expect(exchanges.map((e) => e.query.get('page[number]'))).toEqual(['1', '2', '3']);
    expect(result.hasRequirements).toBe(true);
    expect(result.requirements).toHaveLength(1); // the same example type on every page, de-duplicated
    expect(result.requirements[0]).toMatchObject({ name: 'Proof of Address', kind: 'document', acceptanceCriteria: { maxLength: 20, minLength: 16 } });
    const mobile = await conforming(3, () => telnyx.listRequirements({ country: 'DE', type: 'mobile', action: 'porting' }));
    expect(mobile.exchanges[0]!.query.has('filter[phone_number_type]')).toBe(false);
    expect(mobile.result.hasRequirements).toBe(false); // the example record is FR
  });

  it('requirement group create / get / patch / submit conform', async () => {
    const created = await conforming(1, () =>
      telnyx.createRequirementGroup({
        country: 'FR',
        type: 'local',
        action: 'ordering',
        customerReference: 'tenant-1',
        values: [{ requirementId: '53970723-fbff-4f46-a975-f62be6c1a585', value: 'Acme SAS' }],
      }),
    );
    expect(JSON.parse(created.exchanges[0]!.requestBody)).toEqual({
      country_code: 'FR',
      phone_number_type: 'local',
      action: 'ordering',
      customer_reference: 'tenant-1',
      regulatory_requirements: [{ requirement_id: '53970723-fbff-4f46-a975-f62be6c1a585', field_value: 'Acme SAS' }],
    });
    expect(created.result).toMatchObject({ id: expect.any(String), values: expect.any(Array) });
    const got = await conforming(1, () => telnyx.getRequirementGroup('d4c0b4a6-7bd2-40c5-a3b9-2acd99e212b2'));
    expect(got.exchanges[0]!.path).toBe('/requirement_groups/d4c0b4a6-7bd2-40c5-a3b9-2acd99e212b2');
    const patched = await conforming(1, () =>
      telnyx.updateRequirementGroup('d4c0b4a6-7bd2-40c5-a3b9-2acd99e212b2', [{ requirementId: '53970723-fbff-4f46-a975-f62be6c1a585', value: 'doc-1' }], {
        customerReference: 'tenant-1',
      }),
    );
    expect(patched.exchanges[0]!.method).toBe('PATCH');
    const submitted = await conforming(1, () => telnyx.submitRequirementGroup('d4c0b4a6-7bd2-40c5-a3b9-2acd99e212b2'));
    expect(submitted.exchanges[0]!.path).toBe('/requirement_groups/d4c0b4a6-7bd2-40c5-a3b9-2acd99e212b2/submit_for_approval');
  });

  it('document upload conforms (JSON base64 from the client; multipart accepted too)', async () => {
    const { result, exchanges } = await conforming(1, () =>
      telnyx.uploadDocument({ filename: 'proof.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 proof'), customerReference: 'tenant-1' }),
    );
    expect(exchanges[0]!.requestHeaders['content-type']).toBe('application/json');
    expect(result).toMatchObject({ id: '6a09cdc3-8948-47f0-aa62-74ac943d6c58', filename: 'test-document.pdf', sizeBytes: 123456 });
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('%PDF-1.4 proof')], { type: 'application/pdf' }), 'proof.pdf');
    form.append('customer_reference', 'tenant-1');
    const res = await fetch(`${prism.url}/documents`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: form });
    await res.arrayBuffer();
    expectConforming(prism.take(), 1);
  });

  it('addresses: validate, create, get conform (AddressCreate with its required names; ValidateAddressRequest)', async () => {
    const input = {
      businessName: 'Acme SAS',
      firstName: 'Ada',
      lastName: 'Martin',
      streetAddress: '8 Rue de Rivoli',
      extendedAddress: '2e étage',
      locality: 'Paris',
      postalCode: '75004',
      administrativeArea: 'Île-de-France',
      countryCode: 'FR',
      customerReference: 'adr_0123456789abcdef',
    };
    const validated = await conforming(1, () => telnyx.validateAddress(input));
    expect(validated.exchanges[0]!.path).toBe('/addresses/actions/validate');
    expect(JSON.parse(validated.exchanges[0]!.requestBody)).toEqual({
      street_address: '8 Rue de Rivoli',
      extended_address: '2e étage',
      locality: 'Paris',
      postal_code: '75004',
      administrative_area: 'Île-de-France',
      country_code: 'FR',
    });
    expect(typeof validated.result.valid).toBe('boolean');
    const created = await conforming(1, () => telnyx.createAddress(input));
    expect(JSON.parse(created.exchanges[0]!.requestBody)).toEqual({
      business_name: 'Acme SAS',
      first_name: 'Ada',
      last_name: 'Martin',
      street_address: '8 Rue de Rivoli',
      extended_address: '2e étage',
      locality: 'Paris',
      postal_code: '75004',
      administrative_area: 'Île-de-France',
      country_code: 'FR',
      customer_reference: 'adr_0123456789abcdef',
      address_book: false,
      validate_address: false,
    });
    expect(created.result.id).toEqual(expect.any(String));
    const got = await conforming(1, () => telnyx.getAddress('1293384261075731499'));
    expect(got.exchanges[0]!.path).toBe('/addresses/1293384261075731499');
    expect(got.result.id).toEqual(expect.any(String));
  });

  it('number order create / get conform (the number’s features read from its search result first)', async () => {
    const { result, exchanges } = await conforming(2, () =>
      telnyx.purchase({
        phoneNumber: EXAMPLE_NUMBER,
        requirementGroupId: 'dbbd94ee-9079-488f-80ba-f566b247fd79',
        connectionId: '346789098765567',
        messagingProfileId: 'abc85f64-5717-4562-b3fc-2c9600',
        customerReference: 'MY REF 001',
      }),
    );
    expect(exchanges[0]!.path).toBe('/available_phone_numbers');
    expect(Object.fromEntries(exchanges[0]!.query)).toEqual({ 'filter[country_code]': 'US', 'filter[phone_number][contains]': '9705555098', 'filter[limit]': '5' });
    expect(JSON.parse(exchanges[1]!.requestBody)).toEqual({
      phone_numbers: [{ phone_number: EXAMPLE_NUMBER, requirement_group_id: 'dbbd94ee-9079-488f-80ba-f566b247fd79' }],
      connection_id: '346789098765567',
      messaging_profile_id: 'abc85f64-5717-4562-b3fc-2c9600',
      customer_reference: 'MY REF 001',
    });
    expect(result).toMatchObject({ providerNumberId: EXAMPLE_NUMBER, order: { id: '12ade33a-21c0-473b-b055-b3c836e1c292' }, capabilities: { sms: true, voice: true } });
    const got = await conforming(1, () => telnyx.getOrder('12ade33a-21c0-473b-b055-b3c836e1c292'));
    expect(got.result).toMatchObject({ id: '12ade33a-21c0-473b-b055-b3c836e1c292', phoneNumbers: [{ phoneNumber: EXAMPLE_NUMBER }] });
  });

  it('phone numbers: verifyCredentials, list, findOwned, get conform', async () => {
    await conforming(1, () => telnyx.verifyCredentials());
    const listed = await conforming(1, () => telnyx.list({ phoneNumber: '+1970', pageSize: 20, pageToken: '2' }));
    expect(Object.fromEntries(listed.exchanges[0]!.query)).toEqual({ 'filter[phone_number]': '1970', 'page[number]': '2', 'page[size]': '20' });
    expect(listed.result.numbers[0]).toMatchObject({ providerNumberId: NUMBER_ID, phoneNumber: EXAMPLE_NUMBER });
    const owned = await conforming(1, () => telnyx.findOwned(EXAMPLE_NUMBER));
    expect(owned.result?.providerNumberId).toBe(NUMBER_ID);
    const got = await conforming(1, () => telnyx.get(NUMBER_ID));
    expect(got.exchanges[0]!.path).toBe(`/phone_numbers/${NUMBER_ID}`);
    expect(got.result).toMatchObject({ providerNumberId: NUMBER_ID, country: 'US', type: 'local' });
  });

  it('update (label, connection, customer reference, messaging profile) conforms', async () => {
    const { result, exchanges } = await conforming(3, () =>
      telnyx.update(NUMBER_ID, { label: 'Sales', connectionId: '1293384261075731499', customerReference: 'ref-2', messagingProfileId: 'dd50eba1-a0c0-4563-9925-b25e842a7cb6' }),
    );
    expect(exchanges.map((e) => `${e.method} ${e.path}`)).toEqual([`GET /phone_numbers/${NUMBER_ID}`, `PATCH /phone_numbers/${NUMBER_ID}/messaging`, `PATCH /phone_numbers/${NUMBER_ID}`]);
    expect(JSON.parse(exchanges[2]!.requestBody)).toEqual({ connection_id: '1293384261075731499', customer_reference: 'ref-2', tags: ['tag_1', 'tag_2', 'label:Sales'] });
    expect(result.providerNumberId).toBe(NUMBER_ID);
  });

  it('release conforms (DELETE → 200)', async () => {
    const { result, exchanges } = await conforming(1, () => telnyx.release(NUMBER_ID));
    expect(result).toBeUndefined();
    expect(exchanges[0]!.method).toBe('DELETE');
  });
});

describe('negative controls: the harness does fail on non-conforming calls', () => {
  const auth = { authorization: `Bearer ${API_KEY}` };

  it('filter[limit]=abc gets 422 and fails expectConforming', async () => {
    const res = await fetch(`${prism.url}/available_phone_numbers?filter[country_code]=US&filter[limit]=abc`, { headers: auth });
    await res.arrayBuffer();
    expect(res.status).toBe(422);
    const exchanges = prism.take();
    expect(exchanges[0]!.requestViolations).toEqual([expect.objectContaining({ location: ['request', 'query', 'filter', 'limit'], code: 'type' })]);
    expect(() => expectConforming(exchanges, 1)).toThrow();
  });

  it('a misspelt deepObject member passes Prism but is caught by the declared-parameter check', async () => {
    const res = await fetch(`${prism.url}/available_phone_numbers?filter[country_code]=US&filter[phone_number][startswith]=970`, { headers: auth });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    const exchanges = prism.take();
    expect(declaredTelnyxParameters(exchanges[0]!)).toEqual(['query filter[phone_number][startswith]']);
    expect(() => expectConforming(exchanges, 1)).toThrow();
  });

  it('an undeclared body member is caught (messaging_profile_id is not a PATCH /phone_numbers/{id} field)', async () => {
    const res = await fetch(`${prism.url}/phone_numbers/${NUMBER_ID}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_profile_id: 'x', tags: ['a'] }),
    });
    await res.arrayBuffer();
    const exchanges = prism.take();
    expect(declaredTelnyxParameters(exchanges[0]!)).toEqual(['body $.messaging_profile_id']);
  });

  it('phone_number_type=mobile on /requirements is a 422 (why the client leaves it out)', async () => {
    const res = await fetch(`${prism.url}/requirements?filter[country_code]=DE&filter[phone_number_type]=mobile`, { headers: auth });
    await res.arrayBuffer();
    expect(res.status).toBe(422);
    expect(() => expectConforming(prism.take(), 1)).toThrow();
  });

  it('a non-UUID requirement id gets 422 (format: uuid)', async () => {
    // /requirements/{id} declares format: uuid; the client only checks the id is URL-safe.
    const res = await fetch(`${prism.url}/requirements/not-a-uuid`, { headers: auth });
    await res.arrayBuffer();
    expect(res.status).toBe(422);
    expect(() => expectConforming(prism.take(), 1)).toThrow();
  });

  it('a request without credentials gets 401 from Prism', async () => {
    const res = await fetch(`${prism.url}/phone_numbers`);
    await res.arrayBuffer();
    expect(res.status).toBe(401);
    expect(() => expectConforming(prism.take(), 1)).toThrow();
  });

  it('input the spec would reject is refused by the client before sending', async () => {
    await expect(telnyx.search({ country: 'US', type: 'local', areaCode: '9999999', limit: 1 })).rejects.toMatchObject({ info: { kind: 'invalid_request' } });
    await expect(telnyx.get('../phone_numbers')).rejects.toBeInstanceOf(ProviderError);
    expect(prism.take()).toHaveLength(0);
  });
});
