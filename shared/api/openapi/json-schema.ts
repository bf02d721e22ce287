import { z } from 'zod';
import type { JsonSchema } from './components.js';

/** One schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), everything inline. */
export const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
};
