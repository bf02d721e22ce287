import type { z } from 'zod';
import type { JsonSchema } from './components.js';
import type { Sampler } from './examples.js';

/** Deletes the key at `path` (or, for an array element, the key holding the array); false when nothing could go. */
function prune(value: unknown, path: readonly PropertyKey[]): boolean {
  for (let end = path.length; end > 0; end--) {
    const parent = path.slice(0, end - 1).reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown> | undefined)?.[key], value);
    const key = path[end - 1]!;
    if (parent && typeof parent === 'object' && !Array.isArray(parent) && key in parent) {
      delete (parent as Record<PropertyKey, unknown>)[key];
      return true;
    }
  }
  return false;
}

function pruned(sampler: Sampler, schema: JsonSchema, zod: z.ZodType): unknown {
  const full = sampler.sample(schema, 'response') as Record<string, unknown>;
  for (let round = 0; round < 50; round++) {
    const result = zod.safeParse(full);
    if (result.success) return full;
    // A field the rules refuse goes (a required one then fails as missing, and its parent goes).
    const removed = result.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys' ? issue.keys.map((key) => prune(full, [...issue.path, key])).some(Boolean) : prune(full, issue.path),
    );
    if (!removed.some(Boolean)) break;
  }
  return undefined;
}

/**
 * An example the zod schema accepts. Requests: the required fields (and those with an example of
 * their own), else every field less those its rules refuse (rules across fields, formats JSON Schema
 * cannot say). Answers: the other way round. Undefined when neither passes: the schema then needs a
 * curated example (curated-examples.ts); test/unit/openapi.test.ts says which.
 */
export function validExample(sampler: Sampler, schema: JsonSchema, zod: z.ZodType, form: 'request' | 'response'): unknown {
  const minimal = () => {
    const sample = sampler.sample(schema, 'request');
    return zod.safeParse(sample).success ? sample : undefined;
  };
  const full = () => pruned(sampler, schema, zod);
  return form === 'request' ? (minimal() ?? full()) : (full() ?? minimal());
}
