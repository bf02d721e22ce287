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
// strings, unicode, lone UTF-16 surrogates (values and keys), nesting deeper than Firestore stores,
// invalid E.164, negative/huge limits, prototype-pollution keys, invalid JSON, wrong content types.
// Every answer must be a 4xx envelope (never a 5xx), and Firestore must be exactly as it was before.
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

/** A string holding a lone UTF-16 surrogate: JSON.stringify sends it as an escape ("\ud800"), which JSON.parse accepts. */
const loneSurrogate = fc
  .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 8 }))
  .map(([before, unit, after]) => `${before}${String.fromCharCode(unit)}${after}`)
  .filter((v) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v));
/** A value nested `levels` objects/arrays deep. */
const deeplyNested = fc.integer({ min: 17, max: 60 }).map((levels) => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return value;
});
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'null', 'true', '+1', '+1415', '+99999999999999999', '\u0000', '%00', '../../etc/passwd', '<script>', "' OR 1=1 --", '🙂'.repeat(50), 'x'.repeat(5000)),
  loneSurrogate,
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
  deeplyNested,
);

/** A path segment as a client would send it; a lone surrogate (not encodable as UTF-8) as its WTF-8 bytes. */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return Array.from({ length: value.length }, (_, i) => {
      const unit = value.charCodeAt(i);
      if (unit < 0xd800 || unit > 0xdfff) return encodeURIComponent(value[i]!);
      return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }).join('');
  }
}

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
    values.reduce((p, value, i) => p.replace(`{${pathParams[i]}}`, encodeSegment(value || 'x')), endpoint.path),
  );
  const query = fc
    .record(Object.fromEntries(queryFields.map((f) => [f, nasty])), { requiredKeys: [] })
    .chain((known) => fc.record({ known: fc.constant(known), junk: fc.dictionary(fc.constantFrom('junk', 'limitt', '__proto__', 'constructor'), nasty, { maxKeys: 1 }) }));
  // Bodies always carry at least one wrong thing: an unknown key (strict schemas refuse it), a wrong
  // type, or a thing no schema sees — a known field holding a string with a lone surrogate (otherwise
  // perhaps acceptable), a key with one, or a known field nested too deep.
  const body = fc.oneof(
    fc.record(Object.fromEntries(bodyFields.map((f) => [f, wrongJson])), { requiredKeys: [] }).map((b) => ({ ...b, unexpectedField: 1 })),
    bodyFields.length ? fc.tuple(fc.constantFrom(...bodyFields), loneSurrogate).map(([f, v]) => ({ [f]: v })) : fc.constant({ ['k\ud800']: 1 }),
    bodyFields.length ? fc.tuple(fc.constantFrom(...bodyFields), deeplyNested).map(([f, v]) => ({ [f]: v })) : deeplyNested,
    loneSurrogate.map((key) => ({ [key]: 'value' })),
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

  // The same, exhaustively rather than by chance: every field of every body alone holding a lone
  // surrogate (a value that may otherwise pass its schema, e.g. a name), or nested too deep, and every
  // path parameter holding one (sent as its WTF-8 bytes, as a raw client could).
  const withBody = fuzzable.filter((e) => e.body);
  it.each(withBody.map((e) => [`${e.method} ${e.path}`, e] as const))('%s: each field with a lone surrogate, or too deep', async (_name, endpoint) => {
    const path = endpoint.path.replace(/\{\w+\}/g, 'x');
    const deep = fc.sample(deeplyNested, { numRuns: 1, seed: 1 })[0];
    for (const field of fieldNames(endpoint.body)) {
      for (const value of [`${field}\ud800`, `\udc00${field}`, deep]) {
        const { status, text } = await send(endpoint, { path, query: { known: {}, junk: {} }, body: { [field]: value }, encoding: { kind: 'json' } });
        expect(status, `${field}=${JSON.stringify(value).slice(0, 60)}: ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
        expect(status, `${field}=${JSON.stringify(value).slice(0, 60)}: ${text.slice(0, 300)}`).toBeLessThan(500);
      }
    }
  });
  const withParams = fuzzable.filter((e) => e.path.includes('{'));
  it.each(withParams.map((e) => [`${e.method} ${e.path}`, e] as const))('%s: a path parameter with a lone surrogate', async (_name, endpoint) => {
    const path = endpoint.path.replace(/\{\w+\}/g, encodeSegment('x\ud800'));
    const { status, text } = await send(endpoint, { path, query: { known: {}, junk: {} }, body: {}, encoding: { kind: 'json' } });
    expect(status, text.slice(0, 300)).toBeGreaterThanOrEqual(400);
    expect(status, text.slice(0, 300)).toBeLessThan(500);
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
