import type { JsonSchema } from './components.js';
import { samplePattern } from './sample-pattern.js';

/**
 * Example values built from the document's own JSON Schemas: a schema's `example`/`examples`, `const`,
 * `default` or first enum value, else a value of its type within its bounds (patterns sampled).
 * Requests carry their required fields (and those with an example of their own); answers every field.
 * A named schema may have a curated example instead (`curated`). test/unit/openapi.test.ts checks
 * every example against the zod schema it documents, so none can drift from what the API accepts.
 */
export interface Sampler {
  sample(schema: JsonSchema, form: 'request' | 'response', key?: string): unknown;
}

const REF = '#/components/schemas/';
/** Plausible values of commonly named string fields (used when they fit the field's own rules). */
const BY_KEY: Readonly<Record<string, string>> = {
  country: 'US',
  tenantId: 'demo',
  name: 'Downtown Clinic',
  displayName: 'Front desk',
  friendlyName: '(415) 555-0123',
  label: 'Our Twilio',
  description: 'Answers the front desk line',
  notes: 'Main line for the downtown clinic',
  address: '500 Market St, San Francisco, CA 94105',
  timezone: 'America/Los_Angeles',
  contactName: 'Alex Kim',
  externalRef: 'gig-1042',
  locality: 'San Francisco',
  region: 'CA',
  text: 'Can I move my appointment?',
  message: 'Done',
  reason: 'Location closed',
  currency: 'USD',
  amount: '1.15',
  createdBy: 'uid-alex',
  phoneNumber: '+14155550123',
  from: '+14155550999',
  to: '+14155550123',
  provider: 'twilio',
  accountId: 'platform',
  numberId: 'num_0123456789abcdef0123',
  jobId: 'job_0123456789abcdef0123',
  locationId: 'loc_0123456789abcdef',
  agentId: 'agt_0123456789abcdef',
};
const WHEN = '2026-03-02T15:04:05.000Z';

function sampleString(schema: JsonSchema, key = ''): string {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : 64;
  const known = BY_KEY[key];
  if (known && known.length >= min && known.length <= max && (typeof schema.pattern !== 'string' || new RegExp(schema.pattern, 'u').test(known))) return known;
  if (typeof schema.pattern === 'string') {
    const sampled = samplePattern(schema.pattern, min);
    if (sampled !== undefined) return sampled;
  }
  const byFormat: Record<string, string> = {
    'date-time': WHEN,
    date: WHEN.slice(0, 10),
    uri: 'https://example.com/hooks/events',
    url: 'https://example.com/hooks/events',
    email: 'ops@example.com',
    uuid: '0b6c8a52-3c1e-4f0e-9a7d-2b5e1c9f4a10',
  };
  const formatted = typeof schema.format === 'string' ? byFormat[schema.format] : undefined;
  if (formatted) return formatted;
  if (/At$/.test(key)) return WHEN;
  if (/Url$/.test(key)) return 'https://example.com/hooks/events';
  const word = key || 'text';
  return word.padEnd(min, 'x').slice(0, Math.max(max, min));
}

function sampleNumber(schema: JsonSchema): number {
  const integer = schema.type === 'integer';
  const min = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + (integer ? 1 : 0.5) : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - (integer ? 1 : 0.5) : undefined;
  let value = 1;
  if (min !== undefined && value < min) value = min;
  if (max !== undefined && value > max) value = max;
  return value;
}

export function sampler(components: Record<string, JsonSchema>, curated: Readonly<Record<string, unknown>> = {}): Sampler {
  function sample(schema: JsonSchema, form: 'request' | 'response', key?: string, depth = 0): unknown {
    if (depth > 12) return undefined;
    const ref = typeof schema.$ref === 'string' ? schema.$ref : undefined;
    if (ref?.startsWith(REF)) {
      const name = ref.slice(REF.length);
      // A request form (XInput) shares X's curated example.
      const curatedName = name in curated ? name : name.replace(/Input$/, '');
      if (curatedName in curated) return structuredClone(curated[curatedName]);
      // A $ref with siblings (a description, an example of its own) is the referenced schema plus them.
      const { $ref: _ref, ...siblings } = schema;
      return sample({ ...components[name], ...siblings }, form, key, depth + 1);
    }
    if (Array.isArray(schema.examples) && schema.examples.length) return structuredClone(schema.examples[0]);
    if ('example' in schema) return structuredClone(schema.example);
    if ('const' in schema) return schema.const;
    if ('default' in schema) return structuredClone(schema.default);
    if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
    const variants = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
    if (variants?.length) {
      const usable = variants.find((v) => v.type !== 'null') ?? variants[0]!;
      return sample(usable, form, key, depth + 1);
    }
    if (Array.isArray(schema.allOf)) {
      return Object.assign({}, ...(schema.allOf as JsonSchema[]).map((part) => sample(part, form, key, depth + 1)));
    }
    const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
    switch (type) {
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
        const required = new Set((schema.required ?? []) as string[]);
        const out: Record<string, unknown> = {};
        for (const [name, property] of Object.entries(properties)) {
          const exemplified = 'example' in property || 'examples' in property;
          if (form === 'request' && !required.has(name) && !exemplified) continue;
          const value = sample(property, form, name, depth + 1);
          if (value !== undefined) out[name] = value;
        }
        return out;
      }
      case 'array': {
        const count = typeof schema.minItems === 'number' && schema.minItems > 1 ? schema.minItems : 1;
        const item = (schema.items ?? {}) as JsonSchema;
        return Array.from({ length: count }, () => sample(item, form, key, depth + 1));
      }
      case 'string':
        return sampleString(schema, key);
      case 'integer':
      case 'number':
        return sampleNumber(schema);
      case 'boolean':
        return true;
      case 'null':
        return null;
      default:
        return form === 'request' ? undefined : {};
    }
  }
  return { sample: (schema, form, key) => sample(schema, form, key) };
}
