import { z } from 'zod';
import * as apiSchemas from '../schemas.js';

export type JsonSchema = Record<string, unknown>;

export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** A few exports whose natural component name differs from their variable name. */
const RENAMES: Readonly<Record<string, string>> = { PhoneNumberResource: 'Number' };

/**
 * The component name of an exported schema: its export name, without a `Resource` suffix, and a page
 * of resources named after its resource (`NumbersPage` → `NumberPage` when `Number` is a name too).
 * New exports get names by the same rules, so new rows need nothing here.
 */
export function componentNames(exports: Record<string, unknown>): Map<z.ZodType, string> {
  const entries = Object.entries(exports).filter((e): e is [string, z.ZodType] => e[1] instanceof z.ZodType);
  const base = new Map(entries.map(([key]) => [key, RENAMES[key] ?? key.replace(/(.)Resource$/, '$1')]));
  const bases = new Set(base.values());
  const singular = (plural: string) => [plural.replace(/ies$/, 'y'), plural.replace(/s$/, '')].find((s) => s !== plural && bases.has(s));
  const names = new Map<z.ZodType, string>();
  const taken = new Set<string>();
  for (const [key, schema] of entries) {
    if (names.has(schema)) continue; // the same schema exported twice keeps its first name
    let name = base.get(key)!;
    const page = /^(\w+)Page$/.exec(name);
    const one = page ? singular(page[1]!) : undefined;
    if (one) name = `${one}Page`;
    if (taken.has(name)) name = key; // a clash keeps the export's own name
    if (taken.has(name)) throw new Error(`two API schemas would both be components.schemas.${name}`);
    taken.add(name);
    names.set(schema, name);
  }
  return names;
}

const CONVERT = { target: 'draft-2020-12', unrepresentable: 'any', uri: (id: string) => `#/components/schemas/${id}` } as const;

function convert(names: Map<z.ZodType, string>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, name] of names) registry.add(schema, { id: name });
  const { schemas } = z.toJSONSchema(registry, { ...CONVERT, io }) as { schemas: Record<string, JsonSchema> };
  if (schemas.__shared) throw new Error('an API schema has a shared definition zod could not name (a cycle?): give it a name');
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas;
}

/** A deep copy of a JSON value with each `$ref` passed through `map`. */
export function mapRefs<T>(value: T, map: (ref: string) => string): T {
  if (Array.isArray(value)) return (value as unknown[]).map((v) => mapRefs(v, map)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? map(v) : mapRefs(v, map)])) as T;
  }
  return value;
}

/** Every `$ref` in a JSON value. */
export function refsIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.add(v);
      else refsIn(v, found);
    }
  }
  return found;
}

export interface SchemaCatalog {
  /** components.schemas: each named schema once per form it is used in. */
  schemas: Record<string, JsonSchema>;
  /** The component name of what a client sends (the input form: defaults optional, before transforms). */
  inputName: (schema: z.ZodType) => string;
  /** The component name of what the API answers (the output form). */
  outputName: (schema: z.ZodType) => string;
}

/**
 * Converts every named schema (the exports of shared/api/schemas.ts, then `extra`, then each
 * endpoint's unnamed body or response under its fallback name) with zod's own JSON Schema converter,
 * nested named schemas as `$ref`s. A schema whose request form differs from its answer form (defaults,
 * transforms, extra keys) gets both: `X` (answers) and `XInput` (requests).
 */
export function schemaCatalog(extra: ReadonlyMap<z.ZodType, string>, unnamed: ReadonlyMap<z.ZodType, string>): SchemaCatalog {
  const names = componentNames(apiSchemas);
  const taken = new Set(names.values());
  for (const [schema, name] of [...extra, ...unnamed]) {
    if (names.has(schema)) continue;
    if (taken.has(name)) throw new Error(`components.schemas.${name} is taken: name this schema otherwise`);
    names.set(schema, name);
    taken.add(name);
  }
  const output = convert(names, 'output');
  const input = convert(names, 'input');
  const inputForm = (name: string) => `${name}Input`;
  // Split a schema when its request form differs, counting a nested split schema as a difference.
  const split = new Set<string>();
  const prefix = '#/components/schemas/';
  const renamed = (schema: JsonSchema) => mapRefs(schema, (ref) => (split.has(ref.slice(prefix.length)) ? prefix + inputForm(ref.slice(prefix.length)) : ref));
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of taken) {
      if (split.has(name) || JSON.stringify(renamed(input[name]!)) === JSON.stringify(output[name])) continue;
      if (taken.has(inputForm(name))) throw new Error(`components.schemas.${inputForm(name)} is taken: ${name}'s request form needs it`);
      split.add(name);
      changed = true;
    }
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const name of [...taken].sort()) {
    schemas[name] = output[name]!;
    if (split.has(name)) schemas[inputForm(name)] = renamed(input[name]!);
  }
  const nameOf = (schema: z.ZodType) => {
    const name = names.get(schema);
    if (!name) throw new Error('schema has no component name');
    return name;
  };
  return {
    schemas,
    inputName: (schema) => (split.has(nameOf(schema)) ? inputForm(nameOf(schema)) : nameOf(schema)),
    outputName: nameOf,
  };
}

/** Drops the components nothing refers to (from `roots`, or from another kept component). */
export function reachable(schemas: Record<string, JsonSchema>, roots: unknown): Record<string, JsonSchema> {
  const prefix = '#/components/schemas/';
  const keep = new Set<string>();
  const queue = [...refsIn(roots)];
  while (queue.length) {
    const ref = queue.pop()!;
    const name = ref.startsWith(prefix) ? ref.slice(prefix.length) : undefined;
    if (!name || keep.has(name) || !schemas[name]) continue;
    keep.add(name);
    queue.push(...refsIn(schemas[name]));
  }
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => keep.has(name)));
}
