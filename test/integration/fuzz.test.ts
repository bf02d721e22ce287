import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Firestore } from '@google-cloud/firestore';
import { z } from 'zod';
import { endpoints } from '../../functions/endpoints.js';
import type { AnyEndpoint } from '../../shared/api/endpoint.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import type { Stack } from '../../scripts/local/stack.js';

// Property-based bad input against every endpoint of the table: wrong types, missing fields, huge
// strings, unicode, invalid E.164, negative/huge limits, prototype-pollution keys, invalid JSON,
// wrong content types. Every answer must be a 4xx envelope (never a 5xx), and Firestore must be
// exactly as it was before.
const projectId = 'demo-fuzz';
let stack: Stack;
let token: string;
let before: string;

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

beforeAll(async () => {
  stack = await startTestStack(projectId);
  token = await stack.token('fuzz-tenant', 'admin', 'fuzzer');
  // Some real data, so that ids that happen to exist are also exercised.
  await fetch(`${stack.url}/v1/locations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Existing' }),
  });
  before = await snapshot(testFirestore(projectId));
});
afterAll(async () => {
  await stack?.stop();
});

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'null', 'true', '+1', '+1415', '+99999999999999999', '\u0000', '%00', '../../etc/passwd', '<script>', "' OR 1=1 --", '🙂'.repeat(50), 'x'.repeat(5000)),
  fc.integer().map(String),
  fc.double().map(String),
);
const wrongJson = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double(),
  nasty,
  fc.array(nasty, { maxLength: 3 }),
  fc.dictionary(nasty, nasty, { maxKeys: 3 }),
);

function fieldNames(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; anyOf?: { properties?: Record<string, unknown> }[]; oneOf?: { properties?: Record<string, unknown> }[] };
  const variants = [json, ...(json.anyOf ?? []), ...(json.oneOf ?? [])];
  return [...new Set(variants.flatMap((v) => Object.keys(v.properties ?? {})))];
}

function requestArbitrary(endpoint: AnyEndpoint) {
  const bodyFields = fieldNames(endpoint.body);
  const queryFields = fieldNames(endpoint.query);
  const pathParams = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const path = fc.tuple(...pathParams.map(() => nasty)).map((values) =>
    values.reduce((p, value, i) => p.replace(`{${pathParams[i]}}`, encodeURIComponent(value || 'x')), endpoint.path),
  );
  const query = fc
    .record(Object.fromEntries(queryFields.map((f) => [f, nasty])), { requiredKeys: [] })
    .chain((known) => fc.record({ known: fc.constant(known), junk: fc.dictionary(fc.constantFrom('junk', 'limitt', '__proto__', 'constructor'), nasty, { maxKeys: 1 }) }));
  // Bodies always carry at least one wrong thing: an unknown key (strict schemas refuse it) or a wrong type.
  const body = fc.oneof(
    fc.record(Object.fromEntries(bodyFields.map((f) => [f, wrongJson])), { requiredKeys: [] }).map((b) => ({ ...b, unexpectedField: 1 })),
    fc.constant({ __proto__: { admin: true }, constructor: { prototype: { polluted: true } } }),
    wrongJson.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
  );
  const encoding = fc.oneof(
    fc.constant({ kind: 'json' as const }),
    fc.constant({ kind: 'raw' as const, contentType: 'application/json', raw: '{"broken": ' }),
    fc.constant({ kind: 'raw' as const, contentType: 'text/plain', raw: 'hello' }),
    fc.constant({ kind: 'raw' as const, contentType: 'application/x-www-form-urlencoded', raw: 'a=1&b=2' }),
    fc.constant({ kind: 'raw' as const, contentType: 'application/json', raw: JSON.stringify({ __proto__: { isAdmin: true } }).replace('"__proto__"', '"__proto__"') }),
  );
  return fc.record({ path, query, body, encoding });
}

async function send(endpoint: AnyEndpoint, request: { path: string; query: { known: Record<string, string>; junk: Record<string, string> }; body: unknown; encoding: { kind: 'json' } | { kind: 'raw'; contentType: string; raw: string } }) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...request.query.known, ...request.query.junk })) search.append(key, String(value));
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let body: string | undefined;
  if (endpoint.method !== 'GET') {
    if (request.encoding.kind === 'json') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    } else {
      headers['content-type'] = request.encoding.contentType;
      body = request.encoding.raw;
    }
  }
  const res = await fetch(`${stack.url}${request.path}${search.size ? `?${search}` : ''}`, { method: endpoint.method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, text };
}

// Endpoints that take no input at all cannot be given a malformed one.
const fuzzable = endpoints.filter((e) => e.params || e.query || e.body || e.access === 'webhook');

describe('bad input never reaches a 5xx, and changes nothing', () => {
  it.each(fuzzable.map((e) => [`${e.method} ${e.path}`, e] as const))('%s', async (_name, endpoint) => {
    await fc.assert(
      fc.asyncProperty(requestArbitrary(endpoint), async (request) => {
        const { status, text } = await send(endpoint, request as Parameters<typeof send>[1]);
        if (status >= 500) throw new Error(`${status} for ${JSON.stringify(request).slice(0, 300)}: ${text.slice(0, 300)}`);
        if (status >= 400) {
          const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; requestId?: string } };
          expect(parsed.error?.code).toBeTypeOf('string');
          expect(parsed.error?.requestId).toBeTypeOf('string');
          expect(text).not.toMatch(/at .+\.(ts|js):\d+/); // no stack traces
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261120) },
    );
  });

  it('left Firestore exactly as it was', async () => {
    expect(await snapshot(testFirestore(projectId))).toBe(before);
  });
});

async function snapshot(db: Firestore): Promise<string> {
  const out: string[] = [];
  const walk = async (collections: FirebaseFirestore.CollectionReference[]) => {
    for (const c of collections) {
      for (const ref of await c.listDocuments()) {
        const snap = await ref.get();
        if (snap.exists) out.push(`${ref.path}=${JSON.stringify(snap.data())}`);
        await walk(await ref.listCollections());
      }
    }
  };
  await walk(await db.listCollections());
  return out.sort().join('\n');
}
