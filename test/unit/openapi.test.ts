import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { endpoints } from '../../functions/endpoints.js';
import { buildOpenApi } from '../../shared/api/openapi.js';
import { conflictReasons, ErrorEnvelope, errorObjects, errorSchemaName } from '../../shared/api/openapi/errors.js';
import { EXAMPLE_SIGNING, webhookSpecs } from '../../shared/api/openapi/webhooks.js';
import { samplePattern } from '../../shared/api/openapi/sample-pattern.js';
import { curatedExamples } from '../../shared/api/openapi/curated-examples.js';
import { errorStatus, type ErrorCode } from '../../shared/http/errors.js';
import { signPayload } from '../../modules/jobs/services/callbacks.js';

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
/** The value at `path` under `node` (undefined when the last step is missing); throws when a step before it is not an object. */
function at(node: unknown, ...path: string[]): unknown {
  let current = node;
  for (const [i, key] of path.entries()) {
    if (!isJson(current)) throw new Error(`${path.slice(0, i).join('.') || 'the document'} is not an object (looking for ${path.join('.')})`);
    current = current[key];
  }
  return current;
}
/** The object at `path`; throws when it is missing or not an object. */
function obj(node: unknown, ...path: string[]): Json {
  const value = at(node, ...path);
  if (!isJson(value)) throw new Error(`${path.join('.')} is not an object: ${JSON.stringify(value)}`);
  return value;
}
/** The array at `path`; throws when it is missing or not an array. */
function list(node: unknown, ...path: string[]): unknown[] {
  const value = at(node, ...path);
  if (!Array.isArray(value)) throw new Error(`${path.join('.')} is not an array: ${JSON.stringify(value)}`);
  return value;
}
/** An inline operation parameter: the fields these tests read, name and location checked. */
interface Parameter {
  name: string;
  in: string;
  required: boolean;
  example: unknown;
}
function parameter(p: unknown): Parameter {
  const name = at(p, 'name');
  const where = at(p, 'in');
  if (typeof name !== 'string' || typeof where !== 'string') throw new Error(`not a parameter: ${JSON.stringify(p)}`);
  return { name, in: where, required: Boolean(at(p, 'required')), example: at(p, 'example') };
}
const doc = buildOpenApi(endpoints);
const operationOf = (e: (typeof endpoints)[number]) => obj(doc, 'paths', e.path, e.method.toLowerCase());
const resolve = (value: unknown): unknown => {
  const ref = at(value, '$ref');
  if (!ref) return value;
  const [, , kind, name] = (ref as string).split('/');
  return at(doc, 'components', kind!, name!);
};
const problems = (result: z.ZodSafeParseResult<unknown>) => (result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

describe('OpenAPI components', () => {
  it('names every request body and answer (operations refer to components.schemas)', () => {
    for (const e of endpoints) {
      const op = operationOf(e);
      expect(at(op, 'responses', String(e.successStatus), 'content', 'application/json', 'schema', '$ref'), e.name).toMatch(/^#\/components\/schemas\/\w+$/);
      if (e.body) expect(at(op, 'requestBody', 'content', 'application/json', 'schema', '$ref'), e.name).toMatch(/^#\/components\/schemas\/\w+$/);
    }
    for (const name of ['Number', 'NumberPage', 'Job', 'JobPage', 'Agent', 'Location', 'Error', 'ValidationIssue', 'MessageReceivedEvent', 'JobFinishedEvent']) expect(at(doc, 'components', 'schemas'), name).toHaveProperty(name);
    expect(at(doc, 'components', 'schemas', 'NumberPage', 'properties', 'data', 'items')).toEqual({ $ref: '#/components/schemas/Number' });
  });

  it('refers only to components that exist, and keeps none that nothing refers to', () => {
    const text = JSON.stringify(doc);
    const refs = new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!));
    for (const ref of refs) expect(resolve({ $ref: ref }), ref).toBeDefined();
    for (const name of Object.keys(obj(doc, 'components', 'schemas'))) expect(refs, name).toContain(`#/components/schemas/${name}`);
  });

  it('types error.details per code: validation issues and conflict reasons', () => {
    const error = at(doc, 'components', 'schemas', 'Error', 'properties', 'error');
    expect(at(error, 'oneOf')).toHaveLength(Object.keys(errorStatus).length);
    expect(at(error, 'discriminator', 'propertyName')).toBe('code');
    const validation = at(doc, 'components', 'schemas', 'ValidationError');
    expect(at(validation, 'properties', 'code', 'const')).toBe('VALIDATION_ERROR');
    const details = resolve(at(validation, 'properties', 'details'));
    const issue = resolve(at(details, 'properties', 'issues', 'items'));
    expect(at(issue, 'properties', 'path', 'type')).toBe('string');
    expect(at(issue, 'required')).toEqual(['path', 'message']);
    const conflict = resolve(at(doc, 'components', 'schemas', 'ConflictError', 'properties', 'details'));
    expect(list(conflict, 'properties', 'reason', 'enum').sort()).toEqual(Object.keys(conflictReasons).sort());
    // A 400 that may be either of two codes says which variants it holds.
    const submit = at(doc, 'paths', '/v1/requirement-groups/{id}/submit', 'post', 'responses', '400', 'content', 'application/json', 'schema', 'properties', 'error');
    expect(list(submit, 'oneOf').map((v) => at(v, '$ref')).sort()).toEqual(['#/components/schemas/RequirementsIncompleteError', '#/components/schemas/ValidationError']);
    expect(at(submit, 'discriminator', 'mapping', 'REQUIREMENTS_INCOMPLETE')).toBe('#/components/schemas/RequirementsIncompleteError');
  });

  it('documents every conflict reason the code gives (details.reason of a 409)', async () => {
    const given = new Set<string>();
    const scan = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await scan(path);
        else if (entry.name.endsWith('.ts')) {
          const text = await readFile(path, 'utf8');
          for (const m of text.matchAll(/(?:'CONFLICT'|conflict\()[\s\S]{0,400}?reason: '([a-z_]+)'/g)) if (!m[0].includes('\n\n')) given.add(m[1]!);
        }
      }
    };
    await scan(new URL('../../shared', import.meta.url).pathname);
    await scan(new URL('../../modules', import.meta.url).pathname);
    expect(given.size).toBeGreaterThan(3);
    for (const reason of given) expect(Object.keys(conflictReasons), reason).toContain(reason);
  });
});

describe('OpenAPI headers and errors', () => {
  it('puts x-request-id on every answer, Retry-After on every 429, and 429 on every authenticated call', () => {
    for (const e of endpoints) {
      const op = operationOf(e);
      for (const [status, response] of Object.entries(obj(op, 'responses'))) {
        expect(at(resolve(response), 'headers', 'x-request-id'), `${e.name} ${status}`).toEqual({ $ref: '#/components/headers/RequestId' });
      }
      if (e.access === 'member' || e.access === 'admin') {
        expect(at(op, 'responses', '429'), e.name).toBeDefined();
        expect(at(resolve(at(op, 'responses', '429', 'headers', 'Retry-After')), 'required')).toBe(true);
      }
    }
  });

  it('documents Idempotency-Key and Idempotent-Replayed exactly where a key is honoured', () => {
    for (const e of endpoints) {
      const op = operationOf(e);
      const takesKey = list(op, 'parameters').some((p) => at(p, '$ref') === '#/components/parameters/IdempotencyKey');
      expect(takesKey, e.name).toBe(Boolean(e.idempotent));
      expect(Boolean(at(op, 'responses', String(e.successStatus), 'headers', 'Idempotent-Replayed')), e.name).toBe(Boolean(e.idempotent));
    }
  });

  it('answers each error status with the envelope of exactly the codes that have it', () => {
    for (const e of endpoints) {
      for (const [status, response] of Object.entries(obj(operationOf(e), 'responses'))) {
        if (status === 'default' || Number(status) < 400) continue;
        const content = obj(response, 'content', 'application/json');
        const codes = Object.keys(obj(content, 'examples')) as ErrorCode[];
        for (const code of codes) expect(String(errorStatus[code]), `${e.name} ${code}`).toBe(status);
        const error = obj(content, 'schema', 'properties', 'error');
        expect((error.oneOf === undefined ? [error] : list(error, 'oneOf')).map((v) => at(v, '$ref'))).toEqual(codes.map((c) => `#/components/schemas/${errorSchemaName(c)}`));
      }
    }
  });
});

describe('OpenAPI examples (each checked against the zod schema it documents)', () => {
  it('has a valid request example (body or parameters) and answer example for every operation', () => {
    const failures: string[] = [];
    for (const e of endpoints) {
      const op = operationOf(e);
      const success = obj(op, 'responses', String(e.successStatus), 'content', 'application/json');
      expect(success.example, `${e.name} answer example`).toBeDefined();
      failures.push(...problems(e.response.safeParse(success.example)).map((p) => `${e.name} answer ${p}`));
      if (e.body) {
        const example = at(op, 'requestBody', 'content', 'application/json', 'example');
        expect(example, `${e.name} request example`).toBeDefined();
        failures.push(...problems(e.body.safeParse(example)).map((p) => `${e.name} request ${p}`));
      }
      const params = list(op, 'parameters')
        .filter((p) => !at(p, '$ref'))
        .map((p) => parameter(p));
      for (const p of params) expect(p.example, `${e.name} ${p.name} example`).toBeDefined();
      const path = Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, String(p.example)]));
      if (e.params) failures.push(...problems(e.params.safeParse(path)).map((p) => `${e.name} path ${p}`));
      if (e.query) {
        const query = params.filter((p) => p.in === 'query');
        const required = Object.fromEntries(query.filter((p) => p.required).map((p) => [p.name, String(p.example)]));
        failures.push(...problems(e.query.safeParse(required)).map((p) => `${e.name} query ${p}`));
        // Each optional parameter's example against its own schema (some only make sense with others).
        const shape = (e.query as unknown as { shape?: Record<string, z.ZodType> }).shape;
        for (const p of query.filter((q) => !q.required)) {
          const own = shape?.[p.name];
          const result = own ? own.safeParse(String(p.example)) : e.query.safeParse({ ...required, [p.name]: String(p.example) });
          failures.push(...problems(result).map((m) => `${e.name} query ?${p.name} ${m}`));
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps curated examples only for schemas that still exist', () => {
    for (const name of Object.keys(curatedExamples)) expect(at(doc, 'components', 'schemas'), name).toHaveProperty(name);
  });

  it('gives every error code a valid example', () => {
    for (const [name, example] of Object.entries(obj(doc, 'components', 'examples'))) {
      expect(problems(ErrorEnvelope.safeParse(at(example, 'value'))), name).toEqual([]);
      const code = at(example, 'value', 'error', 'code') as ErrorCode;
      expect(errorSchemaName(code)).toBe(name);
      expect(problems(errorObjects[code].strict().safeParse(at(example, 'value', 'error'))), name).toEqual([]);
    }
    expect(Object.keys(obj(doc, 'components', 'examples'))).toHaveLength(Object.keys(errorStatus).length);
  });

  it('samples patterns with strings that match them', () => {
    for (const pattern of ['^num_[a-f0-9]{20}$', '^[0-9A-Za-z*]+$', '^(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}$', '^[^@]+@x$']) {
      const sample = samplePattern(pattern, 2);
      expect(sample, pattern).toMatch(new RegExp(pattern));
      expect(sample!.length, pattern).toBeGreaterThanOrEqual(2);
    }
    expect(samplePattern('^(a)\\1$')).toBeUndefined(); // backreferences are not sampled
  });
});

describe('OpenAPI webhooks (what the platform sends)', () => {
  it('documents each notification, its payload and its signature as the platform computes it', () => {
    expect(Object.keys(obj(doc, 'webhooks')).sort()).toEqual(['job.finished', 'message.received']);
    for (const spec of webhookSpecs) {
      const op = obj(doc, 'webhooks', spec.name, 'post');
      const body = obj(op, 'requestBody', 'content', 'application/json');
      expect(at(body, 'schema', '$ref')).toMatch(/^#\/components\/schemas\/\w+Event$/);
      expect(problems(spec.schema.safeParse(body.example)), spec.name).toEqual([]);
      expect(at(body, 'example', 'type')).toBe(spec.name);
      const header = list(op, 'parameters').find((p) => at(p, 'name') === 'X-Signature');
      const raw = JSON.stringify(body.example);
      // The signature the platform's own signer makes over this body …
      expect(at(header, 'example')).toBe(signPayload(EXAMPLE_SIGNING.secret, raw, EXAMPLE_SIGNING.timestamp));
      // … and the recipe the document gives a receiver to check it.
      const [t, v1] = (at(header, 'example') as string).split(',').map((part) => part.split('=')[1]!);
      expect(createHmac('sha256', EXAMPLE_SIGNING.secret).update(`${t}.${raw}`).digest('hex')).toBe(v1);
      expect(op.description).toContain('X-Signature');
    }
  });
});
