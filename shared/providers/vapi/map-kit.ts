/**
 * Small helpers shared by the Vapi mappers (credentials-mapper, numbers-mapper, errors-mapper):
 * input checks that throw invalid_request ProviderErrors, compact(), and secret scrubbing.
 */
import { ProviderError } from '../types.js';
import { MASK, scrubSecrets as scrubWith } from '../../log.js';

export const NAME_MAX = 40;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function invalid(message: string): ProviderError {
  return new ProviderError('vapi', message, { retryable: false, kind: 'invalid_request' });
}

export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} is required`);
  return value;
}

export function optionalName(name: string | undefined, min: number): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || name.length < min || name.length > NAME_MAX) throw invalid(`name must be ${min}..${NAME_MAX} characters`);
  return name;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Drops undefined members (JSON.stringify would too; this keeps objects comparable in tests). */
export function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * Removes every secret (and anything shaped like an auth header / JWT / URL password) from a
 * provider text, and caps its length. Secrets shorter than 4 characters are not searched for.
 */
export const scrubSecrets = (text: string, secrets: readonly (string | undefined)[], maxLength = 500): string =>
  scrubWith(text, secrets, { maxLength, mask: MASK });
