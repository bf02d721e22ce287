/**
 * Contract test: the REAL Vapi client against Prism mocks of Vapi's specs
 * (../shared/contracts/vapi, see its README.md):
 * - PN:   openapi.json — the CURRENT spec: /phone-number, /phone-number/{id}, /v2/phone-number.
 * - CRED: credential-endpoints-2024-12-10/openapi.json — /credential, /credential/{id}, as once
 *         published (the current spec has no /credential path).
 * - CRED_NOW: the same /credential operations with the request DTOs of the CURRENT spec
 *         (CreateTwilioCredentialDTO / CreateVonageCredentialDTO / CreateByoSipTrunkCredentialDTO,
 *         which the current spec still defines without a path). This is the only way to validate
 *         a Twilio API-key credential (the 2024-12-10 DTO requires authToken). Every other
 *         credential body is checked against BOTH CRED and CRED_NOW.
 *
 * Test copies, written to a temp dir (the REQUEST side of every operation is untouched):
 * - PN's response schemas are replaced by a static example generated from them (exampleOf(),
 *   what Prism's static mode would answer). Prism spends ~0.5 s compiling each of Vapi's huge
 *   response schemas (hooks, transferPlan …) only to report the spec's own example defects;
 *   without them this file runs in < 5 s. Request validation is unchanged.
 * - CRED and CRED_NOW are served by ONE Prism: the 2024-12-10 document as is, plus its two paths
 *   copied under /__current-dtos with the request DTOs renamed Current* (taken from openapi.json).
 *
 * NOT VALIDATED, on purpose: Telnyx credentials (POST /credential {provider: 'telnyx', …}). No
 * Vapi spec has a Telnyx credential schema, so both credential mocks reject the body; the test
 * "Telnyx credentials are excluded" pins that, so the exclusion cannot go unnoticed. (Telnyx
 * PHONE NUMBERS are in the current spec and are validated.)
 *
 * A call conforms when: Prism reports no request violation (no 422, nothing about the request in
 * `sl-violations`), the status is 2xx, every query parameter is declared (undeclaredParameters
 * from the shared helper), every JSON body field — nested ones too — is declared by the DTO the
 * body's discriminator selects (checked here: the helper cannot see through oneOf), and the
 * Authorization header is `Bearer <key>`.
 *
 * Two adaptations to the shared helper (test/helpers/prism.ts, unchanged):
 * - Vapi's spec examples break their own schemas (e.g. `transferPlan.sipVerb` typed object with
 *   string enum values). With the real response schemas Prism's `sl-violations` header overflows:
 *   Prism sends "Too many violations! [..." cut at ~8 KB, which the helper records as ONE request
 *   violation with location ['unparsed']. requestViolationsOf() keeps such an entry only if its
 *   text names a location outside "response" (a 2xx already proves Prism found no request error).
 * - undeclaredParameters() cannot check bodies whose schema is a oneOf: bodyProblems() does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createVapiClient, type VapiClient } from '../../shared/providers/vapi/client.js';
import { buildTelnyxCredentialDto, type CreateCredentialInput, type CreatePhoneNumberInput, type VapiPhoneNumberProvider } from '../../shared/providers/vapi/mapper.js';
import { ProviderError } from '../../shared/providers/types.js';
import { contractPath, findOperation, loadSpec, startPrism, undeclaredParameters, type PrismExchange, type PrismHandle, type PrismViolation } from '../helpers/prism.js';
import { CUSTOMER_SANDBOX_ACCOUNTS as CUSTOMER } from '../../scripts/local/stack.js';

const PN_SPEC = contractPath('vapi', 'openapi.json');
const CRED_SPEC = contractPath('vapi', 'credential-endpoints-2024-12-10', 'openapi.json');
const API_KEY = 'contract-test-vapi-key-0123456789';
const ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const CRED_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const ASSISTANT = 'a5f8e2b1-0c3d-4e6f-9a7b-1c2d3e4f5a6b';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

type Json = Record<string, unknown>;
interface Mock {
  name: string;
  spec: string;
  prism: PrismHandle;
  client: VapiClient;
}

let dir: string;
let PN: Mock;
let CRED: Mock;
let CRED_NOW: Mock;
/** Path prefix of the CRED_NOW copy of the /credential operations. */
const NOW = '/__current-dtos';

function clientFor(url: string, headers?: Record<string, string>): VapiClient {
  // One attempt per call: every operation maps to exactly the recorded exchanges.
  return createVapiClient({ apiKey: API_KEY, baseUrl: url, logger: silent, http: { maxRetries: 0, ...(headers ? { defaultHeaders: headers } : {}) } });
}

// ---------------------------------------------------------------------------------------------
// Conformance checks

function requestViolationsOf(ex: PrismExchange): PrismViolation[] {
  return ex.requestViolations.filter((v) => v.location?.[0] !== 'unparsed' || /"location":\["(?!response")/.test(String(v.message)));
}

function deref(spec: Json, node: unknown): Json | undefined {
  let current = node as Json | undefined;
  for (let i = 0; i < 10 && current && typeof current.$ref === 'string'; i++) {
    current = (current.$ref)
      .slice(2)
      .split('/')
      .reduce<unknown>((acc, key) => (acc as Json | undefined)?.[key], spec) as Json | undefined;
  }
  return current;
}

/** Declared property names of an object schema (allOf merged); undefined = free-form. */
function propertiesOf(spec: Json, schema: Json): Record<string, unknown> | undefined {
  let props: Record<string, unknown> | undefined = schema.properties ? { ...(schema.properties as Json) } : undefined;
  for (const part of (schema.allOf as unknown[] | undefined) ?? []) {
    const s = deref(spec, part);
    const sub = s ? propertiesOf(spec, s) : undefined;
    if (sub) props = { ...(props ?? {}), ...sub };
  }
  return props;
}

/** Body fields (at any depth) the schema does not declare. oneOf: by discriminator, else the best variant. */
function bodyProblems(spec: Json, schemaNode: unknown, value: unknown, at: string): string[] {
  const schema = deref(spec, schemaNode);
  if (!schema || value === null || typeof value !== 'object') return [];
  if (Array.isArray(schema.oneOf)) {
    const disc = schema.discriminator as { propertyName: string; mapping?: Record<string, string> } | undefined;
    if (disc && !Array.isArray(value)) {
      const tag = (value as Json)[disc.propertyName];
      const ref = disc.mapping?.[String(tag)];
      return ref ? bodyProblems(spec, { $ref: ref }, value, at) : [`${at}: no oneOf variant for ${disc.propertyName}=${String(tag)}`];
    }
    const results = (schema.oneOf as unknown[]).map((v) => bodyProblems(spec, v, value, at)).sort((a, b) => a.length - b.length);
    return results[0] ?? [];
  }
  if (Array.isArray(value)) return schema.items ? value.flatMap((v, i) => bodyProblems(spec, schema.items, v, `${at}[${i}]`)) : [];
  const props = propertiesOf(spec, schema);
  if (!props) return [];
  return Object.entries(value as Json).flatMap(([k, v]) => (k in props ? bodyProblems(spec, props[k], v, `${at}.${k}`) : [`${at}.${k}`]));
}

function undeclaredBodyFields(specPath: string, ex: PrismExchange): string[] {
  if (!ex.requestBody) return [];
  const spec = loadSpec(specPath);
  const op = findOperation(spec, ex.method, ex.path);
  const media = (deref(spec, op?.operation.requestBody)?.content as Json | undefined)?.['application/json'] as Json | undefined;
  if (!media) return ['no JSON request body in the spec'];
  return bodyProblems(spec, media.schema, JSON.parse(ex.requestBody), 'body');
}

/** Fails unless every exchange conforms to `specPath`. */
function expectConforming(specPath: string, exchanges: PrismExchange[], count: number): void {
  expect(exchanges, 'number of HTTP calls').toHaveLength(count);
  for (const ex of exchanges) {
    const where = `${ex.method} ${ex.url}`;
    expect(requestViolationsOf(ex), `Prism request violations for ${where}`).toEqual([]);
    expect(ex.prismError, `Prism-generated error (${ex.status}) for ${where}: ${ex.responseBody}`).toBe(false);
    expect(ex.status, `status for ${where}`).toBeLessThan(300);
    expect(undeclaredParameters(specPath, ex), `query parameters the spec does not declare, ${where}`).toEqual([]);
    expect(undeclaredBodyFields(specPath, ex), `body fields the spec does not declare, ${where}`).toEqual([]);
    expect(ex.requestHeaders.authorization).toBe(`Bearer ${API_KEY}`);
    if (ex.requestBody) expect(ex.requestHeaders['content-type']).toBe('application/json');
  }
}

/** Runs client calls against one mock; violations are reported before any client error. */
async function conforming<T>(mock: Mock, count: number, fn: (client: VapiClient) => Promise<T>): Promise<{ result: T; exchanges: PrismExchange[] }> {
  let outcome: { ok: true; result: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, result: await fn(mock.client) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const exchanges = mock.prism.take();
  expectConforming(mock.spec, exchanges, count);
  if (!outcome.ok) throw outcome.error;
  return { result: outcome.result, exchanges };
}

const bodyOf = (ex: PrismExchange) => JSON.parse(ex.requestBody) as Json;
/** Distinct request-violation locations, minus the oneOf noise of the other variants. */
const violationSummary = (ex: PrismExchange, ignore: string[] = []) =>
  [...new Set(ex.requestViolations.map((v) => `${v.location.join('.')}:${v.code}`))].filter((s) => !ignore.some((i) => s.startsWith(i))).sort();

// ---------------------------------------------------------------------------------------------

/** What Prism's static mode answers for a schema: example > default > first enum > placeholder; oneOf → first. */
function exampleOf(spec: Json, node: unknown, depth = 0): unknown {
  const s = deref(spec, node);
  if (!s || depth > 15) return undefined;
  if ('example' in s) return s.example;
  if ('default' in s) return s.default;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (Array.isArray(s.oneOf) || Array.isArray(s.anyOf)) return exampleOf(spec, ((s.oneOf ?? s.anyOf) as unknown[])[0], depth + 1);
  if (s.type === 'array') return [exampleOf(spec, s.items, depth + 1)].filter((v) => v !== undefined);
  const props = propertiesOf(spec, s);
  if (props || s.type === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(props ?? {})) {
      const value = exampleOf(spec, v, depth + 1);
      if (value !== undefined) out[k] = value;
    }
    return out;
  }
  if (s.type === 'string') return s.format === 'date-time' ? '2019-08-24T14:15:22Z' : 'string';
  if (s.type === 'number' || s.type === 'integer') return typeof s.minimum === 'number' ? s.minimum : 0;
  if (s.type === 'boolean') return true;
  return undefined;
}

/** PN with every response schema replaced by its static example (request side untouched). */
function lightResponses(specPath: string): Json {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Json;
  for (const item of Object.values(spec.paths as Record<string, Record<string, Json>>)) {
    for (const op of Object.values(item)) {
      for (const res of Object.values((op.responses ?? {}) as Record<string, Json>)) {
        for (const media of Object.values((res.content ?? {}) as Record<string, Json>)) {
          media.example = exampleOf(spec, media.schema);
          media.schema = {};
        }
      }
    }
  }
  (spec.info as Json).description = `${String((spec.info as Json).description)} [TEST COPY: response schemas replaced by their static examples]`;
  return spec;
}

/** The 2024-12-10 document plus its /credential paths under NOW with the current spec's request DTOs. */
function credentialSpecs(): Json {
  const spec = JSON.parse(readFileSync(CRED_SPEC, 'utf8')) as { info: Json; paths: Json; components: { schemas: Json } };
  const current = (JSON.parse(readFileSync(PN_SPEC, 'utf8')) as { components: { schemas: Json } }).components.schemas;
  const names = ['CreateTwilioCredentialDTO', 'CreateVonageCredentialDTO', 'CreateByoSipTrunkCredentialDTO', 'SipTrunkGateway', 'SipTrunkOutboundAuthenticationPlan', 'SipTrunkOutboundSipRegisterPlan'];
  const renamed = (value: unknown) => JSON.parse(names.reduce((t, n) => t.split(`"#/components/schemas/${n}"`).join(`"#/components/schemas/Current${n}"`), JSON.stringify(value))) as Json;
  for (const n of names) {
    expect(current[n], `the current spec defines ${n}`).toBeDefined();
    spec.components.schemas[`Current${n}`] = renamed(current[n]);
  }
  for (const p of ['/credential', '/credential/{id}']) {
    const item = renamed(spec.paths[p]);
    for (const op of Object.values(item) as Json[]) op.operationId = `CurrentDtos_${String(op.operationId)}`;
    spec.paths[`${NOW}${p}`] = item;
  }
  spec.info.description = `${String(spec.info.description)} [TEST COPY: + ${NOW}/credential* with the current openapi.json request DTOs]`;
  return spec;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vapi-contract-'));
  const pnSpec = path.join(dir, 'phone-numbers.json');
  const credSpec = path.join(dir, 'credentials.json');
  writeFileSync(pnSpec, JSON.stringify(lightResponses(PN_SPEC)));
  writeFileSync(credSpec, JSON.stringify(credentialSpecs()));
  const [pn, cred] = await Promise.all([startPrism(pnSpec), startPrism(credSpec)]);
  PN = { name: 'phone-number spec', spec: pnSpec, prism: pn, client: clientFor(pn.url) };
  CRED = { name: '2024-12-10 credential spec', spec: credSpec, prism: cred, client: clientFor(cred.url) };
  CRED_NOW = { name: 'credential paths + current DTOs', spec: credSpec, prism: cred, client: clientFor(`${cred.url}${NOW}`) };
   
  console.info(`Prism (Vapi specs) ready in ${Math.max(pn.startupMs, cred.startupMs)} ms`);
});

afterAll(async () => {
  await Promise.all([PN?.prism.stop(), CRED?.prism.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  PN.prism.take();
  CRED.prism.take();
});

describe('phone numbers vs the current Vapi spec (Prism)', () => {
  const common = { name: 'Support line', assistantId: ASSISTANT, serverUrl: 'https://hooks.example.com/vapi', fallbackNumber: '+14155550199' };
  const creates: Array<[string, CreatePhoneNumberInput]> = [
    ['vapi: free number by area code', { provider: 'vapi', numberDesiredAreaCode: '415', ...common }],
    ['vapi: SIP URI', { provider: 'vapi', sipUri: 'sip:acme-support@sip.vapi.ai' }],
    ['twilio: auth token', { provider: 'twilio', number: '+14155550100', twilioAccountSid: CUSTOMER.twilio.accountSid, twilioAuthToken: CUSTOMER.twilio.authToken, ...common }],
    ['twilio: API key, smsEnabled false', { provider: 'twilio', number: '+14155550100', twilioAccountSid: `AC${'ab'.repeat(16)}`, twilioApiKey: 'SK0123', twilioApiSecret: 'sec-0123', smsEnabled: false }],
    ['vonage', { provider: 'vonage', number: '+447700900123', credentialId: CRED_ID, ...common }],
    ['telnyx', { provider: 'telnyx', number: '+13125550100', credentialId: CRED_ID, ...common }],
    ['byo-phone-number: E.164 check off', { provider: 'byo-phone-number', number: 'frontdesk01', credentialId: CRED_ID, numberE164CheckEnabled: false, ...common }],
    ['byo-phone-number: minimal', { provider: 'byo-phone-number', credentialId: CRED_ID }],
  ];

  it.each(creates)('createPhoneNumber %s conforms (one POST)', async (_name, input) => {
    const { result, exchanges } = await conforming(PN, 1, (c) => c.createPhoneNumber(input));
    const ex = exchanges[0]!;
    expect(`${ex.method} ${ex.path}`).toBe('POST /phone-number');
    expect(ex.status).toBe(201);
    expect(bodyOf(ex).provider).toBe(input.provider);
    // The mock answers with the static example of the first response variant (a ByoPhoneNumber): mapping it must work.
    expect(result).toMatchObject({ id: 'string', provider: 'byo-phone-number', credentialId: 'string', status: 'active' });
  });

  it('the common fields are written the way the DTOs name them', async () => {
    const { exchanges } = await conforming(PN, 1, (c) => c.createPhoneNumber({ provider: 'telnyx', number: '+13125550100', credentialId: CRED_ID, ...common }));
    expect(bodyOf(exchanges[0]!)).toEqual({
      provider: 'telnyx',
      number: '+13125550100',
      credentialId: CRED_ID,
      name: 'Support line',
      assistantId: ASSISTANT,
      server: { url: 'https://hooks.example.com/vapi' },
      fallbackDestination: { type: 'number', number: '+14155550199' },
    });
  });

  it('getPhoneNumber conforms', async () => {
    const { result, exchanges } = await conforming(PN, 1, (c) => c.getPhoneNumber(ID));
    expect(exchanges[0]!.path).toBe(`/phone-number/${ID}`);
    expect(result.serverUrl).toBe('string');
  });

  it('listPhoneNumbers conforms, with every filter', async () => {
    const filters = {
      limit: 50,
      createdAtGt: '2025-01-01T00:00:00.000Z',
      createdAtLt: '2025-02-01T00:00:00.000Z',
      createdAtGe: '2025-01-01T00:00:00.000Z',
      createdAtLe: '2025-02-01T00:00:00.000Z',
      updatedAtGt: '2025-01-01T00:00:00.000Z',
      updatedAtLt: '2025-02-01T00:00:00.000Z',
      updatedAtGe: '2025-01-01T00:00:00.000Z',
      updatedAtLe: '2025-02-01T00:00:00.000Z',
    };
    const { result, exchanges } = await conforming(PN, 2, async (c) => [await c.listPhoneNumbers(), await c.listPhoneNumbers(filters)]);
    expect(exchanges[0]!.url).toBe('/phone-number');
    expect(Object.fromEntries(exchanges[1]!.query)).toEqual({ ...filters, limit: '50' });
    expect(result[0]!.length).toBeGreaterThan(0);
  });

  it('listPhoneNumbersPage conforms, with every parameter', async () => {
    const { result, exchanges } = await conforming(PN, 1, (c) =>
      c.listPhoneNumbersPage({ page: 2, limit: 25, search: '+1415', sortOrder: 'ASC', createdAtGe: '2025-01-01T00:00:00.000Z', updatedAtLt: '2025-02-01T00:00:00.000Z' }),
    );
    expect(exchanges[0]!.path).toBe('/v2/phone-number');
    expect(Object.fromEntries(exchanges[0]!.query)).toEqual({ search: '+1415', page: '2', sortOrder: 'ASC', limit: '25', createdAtGe: '2025-01-01T00:00:00.000Z', updatedAtLt: '2025-02-01T00:00:00.000Z' });
    expect(result).toMatchObject({ hasNextPage: true, numbers: [{ id: 'string' }] });
  });

  it('findPhoneNumber conforms (one /v2 search when the first page has the match)', async () => {
    const { result, exchanges } = await conforming(PN, 1, (c) => c.findPhoneNumber({ name: 'string' }));
    expect(Object.fromEntries(exchanges[0]!.query)).toEqual({ search: 'string', page: '1', limit: '100' });
    expect(result?.id).toBe('string');
  });

  it.each(['vapi', 'twilio', 'vonage', 'telnyx', 'byo-phone-number'] as VapiPhoneNumberProvider[])(
    'updatePhoneNumber (%s, provider known) is one PATCH with that provider\'s Update DTO',
    async (provider) => {
      const { exchanges } = await conforming(PN, 1, (c) =>
        c.updatePhoneNumber(ID, { provider, name: 'Renamed', assistantId: ASSISTANT, serverUrl: 'https://hooks.example.com/v2', fallbackNumber: '+14155550100' }),
      );
      expect(exchanges[0]!.method).toBe('PATCH');
      expect(bodyOf(exchanges[0]!)).toEqual({
        provider,
        name: 'Renamed',
        assistantId: ASSISTANT,
        server: { url: 'https://hooks.example.com/v2' },
        fallbackDestination: { type: 'number', number: '+14155550100' },
      });
    },
  );

  it('updatePhoneNumber without the provider reads the number first (GET + PATCH)', async () => {
    const { exchanges } = await conforming(PN, 2, (c) => c.updatePhoneNumber(ID, { name: 'X' }));
    expect(exchanges.map((e) => e.method)).toEqual(['GET', 'PATCH']);
    expect(bodyOf(exchanges[1]!)).toEqual({ provider: 'byo-phone-number', name: 'X' }); // the example's provider
  });

  it('clearing with null is the one KNOWN spec gap: exactly the nulls are flagged, nothing else', async () => {
    // Vapi detaches an assistant / server / fallback with null (class-validator @IsOptional lets
    // null through); the spec types these fields non-nullable, so Prism rejects them. We pin
    // exactly those violations: if the client stopped sending the field (the assistant would
    // silently stay attached) or broke anything else, this fails.
    const err = await PN.client.updatePhoneNumber(ID, { provider: 'vonage', assistantId: null, serverUrl: null, fallbackNumber: null, name: 'Parked' }).catch((e: unknown) => e);
    const exchanges = PN.prism.take();
    expect(exchanges).toHaveLength(1);
    const ex = exchanges[0]!;
    expect(bodyOf(ex)).toEqual({ provider: 'vonage', name: 'Parked', assistantId: null, server: null, fallbackDestination: null });
    expect(ex.status).toBe(422);
    // The other four DTOs of the oneOf add "provider must be …" and a top-level oneOf failure.
    expect(violationSummary(ex, ['body.provider:enum', 'body:oneOf'])).toEqual(['body.assistantId:type', 'body.fallbackDestination:oneOf', 'body.fallbackDestination:type', 'body.server:type']);
    expect(undeclaredBodyFields(PN.spec, ex)).toEqual([]);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info).toMatchObject({ httpStatus: 422, kind: 'invalid_request', retryable: false });
  });

  it('deletePhoneNumber conforms (DELETE → 200 with the number)', async () => {
    const { result, exchanges } = await conforming(PN, 1, (c) => c.deletePhoneNumber(ID));
    expect(result).toBe(true);
    expect(`${exchanges[0]!.method} ${exchanges[0]!.status}`).toBe('DELETE 200');
  });
});

describe('credentials vs the /credential spec of 2024-12-10 and the current DTOs (Prism)', () => {
  const inputs: Array<[string, CreateCredentialInput, Json]> = [
    ['twilio: auth token', { provider: 'twilio', accountSid: CUSTOMER.twilio.accountSid, authToken: CUSTOMER.twilio.authToken, name: 'Acme Twilio' }, { provider: 'twilio', accountSid: CUSTOMER.twilio.accountSid, authToken: CUSTOMER.twilio.authToken, name: 'Acme Twilio' }],
    ['vonage', { provider: 'vonage', ...CUSTOMER.vonage }, { provider: 'vonage', ...CUSTOMER.vonage }],
    [
      'byo-sip-trunk: every option',
      {
        provider: 'byo-sip-trunk',
        name: 'Acme PBX',
        gateways: [
          { ip: '203.0.113.8', port: 5060, netmask: 30, inboundEnabled: true, outboundEnabled: false, optionsPingEnabled: true },
          { ip: 'sip.example.com', inboundEnabled: false, outboundProtocol: 'tls' },
        ],
        authUsername: 'acme',
        authPassword: 'sip-password',
        outboundLeadingPlusEnabled: true,
      },
      {
        provider: 'byo-sip-trunk',
        name: 'Acme PBX',
        gateways: [
          { ip: '203.0.113.8', port: 5060, netmask: 30, inboundEnabled: true, outboundEnabled: false, optionsPingEnabled: true },
          { ip: 'sip.example.com', inboundEnabled: false, outboundProtocol: 'tls' },
        ],
        outboundAuthenticationPlan: { authUsername: 'acme', authPassword: 'sip-password' },
        outboundLeadingPlusEnabled: true,
      },
    ],
    ['byo-sip-trunk: minimal', { provider: 'byo-sip-trunk', gateways: [{ ip: '198.51.100.7' }] }, { provider: 'byo-sip-trunk', gateways: [{ ip: '198.51.100.7' }] }],
  ];

  it.each(inputs)('createCredential %s conforms to BOTH credential DTO versions', async (_name, input, body) => {
    for (const mock of [CRED, CRED_NOW]) {
      const { result, exchanges } = await conforming(mock, 1, (c) => c.createCredential(input));
      expect(`${exchanges[0]!.method} ${exchanges[0]!.path.replace(NOW, '')} ${exchanges[0]!.status}`, mock.name).toBe('POST /credential 201');
      expect(bodyOf(exchanges[0]!), mock.name).toEqual(body);
      expect(result.id).toBe('string'); // the example (a ByoSipTrunkCredential)
      expect(JSON.stringify(result)).not.toContain('authPassword');
    }
  });

  it('a Twilio API-key credential conforms to the current DTO; the 2024-12-10 DTO (authToken required) rejects it', async () => {
    const input: CreateCredentialInput = { provider: 'twilio', accountSid: `AC${'cd'.repeat(16)}`, apiKey: 'SK0123', apiSecret: 'api-secret-0123' };
    const { exchanges } = await conforming(CRED_NOW, 1, (c) => c.createCredential(input));
    expect(bodyOf(exchanges[0]!)).toEqual({ provider: 'twilio', accountSid: `AC${'cd'.repeat(16)}`, apiKey: 'SK0123', apiSecret: 'api-secret-0123' });

    const err = await CRED.client.createCredential(input).catch((e: unknown) => e);
    const [old] = CRED.prism.take();
    expect(old!.status).toBe(422);
    expect(old!.requestViolations.map((v) => v.message)).toContain("Request body must have required property 'authToken'");
    expect(undeclaredBodyFields(CRED.spec, old!)).toEqual(['body.apiKey', 'body.apiSecret']);
    expect((err as ProviderError).info.kind).toBe('invalid_request');
  });

  it('Telnyx credentials are EXCLUDED: no Vapi spec defines them, both mocks reject the (guessed) body', async () => {
    const body = buildTelnyxCredentialDto({ provider: 'telnyx', apiKey: 'KEY0123' });
    for (const mock of [CRED, CRED_NOW]) {
      const err = await mock.client.createCredential({ provider: 'telnyx', apiKey: 'KEY0123' }).catch((e: unknown) => e);
      const [ex] = mock.prism.take();
      expect(bodyOf(ex!)).toEqual(body);
      expect(ex!.status, mock.name).toBe(422);
      expect(undeclaredBodyFields(mock.spec, ex!)).toEqual(['body: no oneOf variant for provider=telnyx']);
      expect(err).toBeInstanceOf(ProviderError);
    }
    // If Vapi ever publishes a Telnyx credential schema, this test fails: replace it with a conformance test.
    expect(JSON.stringify(loadSpec(CRED_SPEC))).not.toMatch(/"telnyx"/);
    expect(Object.keys((loadSpec(PN_SPEC).components as { schemas: Json }).schemas).filter((s) => /telnyx/i.test(s) && /credential/i.test(s))).toEqual([]);
  });

  it('getCredential, listCredentials (every filter) and deleteCredential conform', async () => {
    const { result, exchanges } = await conforming(CRED, 4, async (c) => [
      await c.getCredential(CRED_ID),
      await c.listCredentials(),
      await c.listCredentials({ limit: 10, createdAtGt: '2025-01-01T00:00:00.000Z', updatedAtLe: '2025-02-01T00:00:00.000Z' }),
      await c.deleteCredential(CRED_ID),
    ]);
    expect(exchanges.map((e) => `${e.method} ${e.url}`)).toEqual([
      `GET /credential/${CRED_ID}`,
      'GET /credential',
      'GET /credential?limit=10&createdAtGt=2025-01-01T00%3A00%3A00.000Z&updatedAtLe=2025-02-01T00%3A00%3A00.000Z',
      `DELETE /credential/${CRED_ID}`,
    ]);
    expect(result[0]).toMatchObject({ id: 'string', provider: 'byo-sip-trunk', gateways: [{ ip: 'string' }] });
    expect(result[1]).toHaveLength(1);
    expect(result[3]).toBe(true);
  });
});

describe('negative controls: the harness does fail on non-conforming calls', () => {
  const post = async (mock: Mock, p: string, body: unknown, auth = true) => {
    const res = await fetch(`${mock.prism.url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${API_KEY}` } : {}) },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  };

  it('a Twilio import without twilioAccountSid gets 422 and fails expectConforming', async () => {
    expect(await post(PN, '/phone-number', { provider: 'twilio', number: '+14155550100' })).toBe(422);
    const exchanges = PN.prism.take();
    expect(exchanges[0]!.requestViolations.map((v) => v.message)).toContain("Request body must have required property 'twilioAccountSid'");
    expect(() => expectConforming(PN.spec, exchanges, 1)).toThrow();
  });

  it('a non-UUID phone number id gets 422 (format uuid)', async () => {
    const res = await fetch(`${PN.prism.url}/phone-number/not-a-uuid`, { headers: { authorization: `Bearer ${API_KEY}` } });
    await res.arrayBuffer();
    expect(res.status).toBe(422);
    const exchanges = PN.prism.take();
    expect(exchanges[0]!.requestViolations).toEqual([expect.objectContaining({ location: ['path', 'id'], code: 'format' })]);
    expect(() => expectConforming(PN.spec, exchanges, 1)).toThrow();
  });

  it('an undeclared body field passes Prism but fails the body check (a top-level serverUrl, a gateway typo)', async () => {
    expect(await post(PN, '/phone-number', { provider: 'vonage', number: '+447700900123', credentialId: CRED_ID, serverUrl: 'https://x.example.com' })).toBe(201);
    expect(await post(CRED, '/credential', { provider: 'byo-sip-trunk', gateways: [{ ip: '1.2.3.4', inboundEnabeld: false }] })).toBe(201);
    const [pn] = PN.prism.take();
    const [cred] = CRED.prism.take();
    expect(undeclaredBodyFields(PN.spec, pn!)).toEqual(['body.serverUrl']);
    expect(undeclaredBodyFields(CRED.spec, cred!)).toEqual(['body.gateways[0].inboundEnabeld']);
    expect(() => expectConforming(PN.spec, [pn!], 1)).toThrow();
    expect(() => expectConforming(CRED.spec, [cred!], 1)).toThrow();
  });

  it('a misspelt query parameter passes Prism but is caught by undeclaredParameters', async () => {
    const res = await fetch(`${PN.prism.url}/v2/phone-number?serach=x&cursor=abc`, { headers: { authorization: `Bearer ${API_KEY}` } });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    const exchanges = PN.prism.take();
    expect(undeclaredParameters(PN.spec, exchanges[0]!)).toEqual(['query serach', 'query cursor']);
    expect(() => expectConforming(PN.spec, exchanges, 1)).toThrow();
  });

  it('the real client with a malformed body (PATCH without provider, built by hand) is rejected', async () => {
    const res = await fetch(`${PN.prism.url}/phone-number/${ID}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ name: 'no discriminator' }),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(422); // matches all five Update DTOs → oneOf fails: why the client always sends provider
    expect(() => expectConforming(PN.spec, PN.prism.take(), 1)).toThrow();
  });

  it('a request without the bearer key gets 401 from Prism (both specs)', async () => {
    expect(await post(PN, '/phone-number', { provider: 'vapi' }, false)).toBe(401);
    expect(await post(CRED, '/credential', { provider: 'vonage', apiKey: 'k', apiSecret: 's' }, false)).toBe(401);
    expect(() => expectConforming(PN.spec, PN.prism.take(), 1)).toThrow();
    expect(() => expectConforming(CRED.spec, CRED.prism.take(), 1)).toThrow();
  });
});
