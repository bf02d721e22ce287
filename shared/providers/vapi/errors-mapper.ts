/**
 * Vapi error bodies (NestJS message / class-validator lists; RFC 7807 from a mock) → ProviderError,
 * with every provider text scrubbed of the tenant's secrets.
 */
import { providerErrorFrom } from '../http.js';
import { ProviderError } from '../types.js';
import { scrubSecrets } from './map-kit.js';

/** Vapi's (NestJS) error body. */
export interface VapiErrorBody {
  message?: string | string[];
  error?: string;
  statusCode?: number;
}

type Kind = NonNullable<ProviderError['info']['kind']>;

/** "already exists / in use / imported …": Vapi's wording for a number another resource holds. */
const ALREADY_TAKEN = /\balready\b.*\b(exists?|in use|imported|taken|registered|assigned|attached)\b|\bduplicate\b/i;

/** The text of a Vapi error body (message string or class-validator list; RFC 7807 from a mock). */
export function vapiErrorText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as VapiErrorBody & { title?: unknown; detail?: unknown; validation?: unknown };
  if (Array.isArray(b.message)) {
    const parts = b.message.filter((m): m is string => typeof m === 'string' && m !== '');
    if (parts.length) return parts.join('; ');
  }
  if (typeof b.message === 'string' && b.message) return b.message;
  if (typeof b.title === 'string' && b.title) {
    const details = Array.isArray(b.validation)
      ? (b.validation as Array<{ message?: unknown }>).map((v) => v?.message).filter((m): m is string => typeof m === 'string')
      : [];
    return `${b.title}${details.length ? `: ${[...new Set(details)].join('; ')}` : typeof b.detail === 'string' ? `: ${b.detail}` : ''}`;
  }
  if (typeof b.error === 'string' && b.error) return b.error;
  return undefined;
}

export function kindOfVapiError(status: number, text: string | undefined): Kind | undefined {
  if (status === 409) return 'not_available';
  if (status === 400 && text && ALREADY_TAKEN.test(text)) return 'not_available';
  if (status === 402) return 'insufficient_funds';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  if (status >= 400) return 'invalid_request';
  return undefined;
}

/**
 * A non-2xx Vapi answer → ProviderError. Keeps Vapi's own message text (class-validator lists
 * joined with "; "), scrubbed of `secrets`. The HTTP client re-derives retryable / ambiguous from
 * the status and the call's idempotency.
 */
export function mapVapiError(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined> = {},
  secrets: readonly (string | undefined)[] = [],
): ProviderError {
  const text = vapiErrorText(body);
  const kind = kindOfVapiError(status, text);
  const b = body && typeof body === 'object' ? (body as VapiErrorBody) : {};
  const providerCode = typeof b.error === 'string' && b.error ? b.error : undefined;
  return providerErrorFrom('vapi', status, headers, {
    message: `Vapi HTTP ${status}: ${scrubSecrets(text ?? 'no error message', secrets)}`,
    code: providerCode !== undefined ? scrubSecrets(providerCode, secrets) : undefined,
    kind,
    retryable: status === 429 || status >= 500,
  });
}

/** The same error with its message (and stack) scrubbed of more secrets. */
export function rescrubError(err: ProviderError, secrets: readonly (string | undefined)[]): ProviderError {
  const out = new ProviderError(err.provider, scrubSecrets(err.message, secrets), { ...err.info });
  if (err.stack) out.stack = scrubSecrets(err.stack, secrets, Number.MAX_SAFE_INTEGER);
  return out;
}
