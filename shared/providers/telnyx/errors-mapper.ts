/**
 * Telnyx error bodies ({errors: [{code, title, detail, source, meta}]}) → ProviderError.
 * Contract: ../shared/contracts/telnyx/spec3.yml (numbers_Errors / documents_Errors).
 */
import { providerErrorFrom } from '../http.js';
import type { ProviderError } from '../types.js';
import { scrubSecrets } from '../../log.js';
import { obj, str } from './map-kit.js';

/** `{errors: [{code, title, detail, source, meta}]}` (numbers_Errors / documents_Errors). */
export interface TelnyxErrorBody {
  errors?: Array<{
    code?: string | number | null;
    title?: string | null;
    detail?: string | null;
    source?: { pointer?: string; parameter?: string } | null;
    meta?: Record<string, unknown> | null;
  }> | null;
}

// ---------------------------------------------------------------------------------------------
// Errors

type Kind = NonNullable<ProviderError['info']['kind']>;

/**
 * Telnyx error codes (developers.telnyx.com/development/api-fundamentals/api-errors).
 * Verified there: 10001-10017 as listed. Codes we only know by meaning (insufficient
 * funds, number no longer available) are matched on title/detail text below.
 */
const KIND_BY_CODE: Record<string, Kind> = {
  '10001': 'invalid_request', // Inactive phone number
  '10002': 'invalid_request', // Invalid phone number
  '10004': 'invalid_request', // Missing required parameter
  '10005': 'not_found', // Resource not found
  '10009': 'auth', // Authentication failed
  '10010': 'auth', // Authorization failed
  '10011': 'rate_limited', // Too many requests
  '10013': 'invalid_request', // Missing association
  '10015': 'invalid_request', // Bad Request (also Telnyx's generic validation code)
  '10016': 'invalid_request', // Phone number must be in +E.164 format
  '10017': 'invalid_request', // Associated resource does not exist
  // Symbolic codes some Telnyx services answer with (and the names our issue uses).
  insufficient_funds: 'insufficient_funds',
  number_not_available: 'not_available',
  number_already_registered: 'already_owned',
};

/** The account itself holds the number already (bought earlier, or outside the platform). */
const ALREADY_OWNED = /already in (your|this) account|already (owned by|belongs to) (you|your account|this account)|number[\s_-]*already[\s_-]*registered/i;
const INSUFFICIENT_FUNDS = /insufficient[\s_-]*(funds|balance|credit)|not enough (funds|balance|credit)|balance is too low|low balance/i;
const NOT_AVAILABLE =
  /no longer available|not available|unavailable for (purchase|order)|already (been )?(ordered|purchased|reserved|taken|registered|in use|owned)|number[\s_-]*not[\s_-]*available|is reserved/i;

/** Removes anything credential-like from provider text before it goes into an Error. */
const scrub = scrubSecrets;

/**
 * Non-2xx Telnyx response → ProviderError. The HTTP client re-derives retryable /
 * ambiguous from the status and the call's idempotency; this decides code, kind, message.
 * providerCode is errors[0].code.
 */
export function mapTelnyxError(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined> = {},
  secrets: readonly string[] = [],
): ProviderError {
  const b = obj(body);
  const errors = Array.isArray((b as TelnyxErrorBody).errors) ? ((b as TelnyxErrorBody).errors as unknown[]).map(obj) : [];
  const first = errors[0] ?? {};
  const codeOf = (e: Record<string, unknown>) => (typeof e.code === 'number' ? String(e.code) : str(e.code));
  const code = codeOf(first);
  const texts = errors.map((e) => [str(e.title), str(e.detail)].filter(Boolean).join(': ')).filter((t) => t !== '');

  let kind: Kind | undefined;
  if (status < 500 && status !== 429 && status !== 401 && status !== 403) {
    const allText = [...texts, ...errors.map((e) => codeOf(e) ?? '')].join(' | ');
    if (status === 402 || INSUFFICIENT_FUNDS.test(allText)) kind = 'insufficient_funds';
    else if (ALREADY_OWNED.test(allText)) kind = 'already_owned';
    else if (NOT_AVAILABLE.test(allText)) kind = 'not_available';
  }
  if (!kind) {
    for (const e of errors) {
      const k = KIND_BY_CODE[codeOf(e) ?? ''];
      if (k) {
        kind = k;
        break;
      }
    }
  }
  if (status === 401 || status === 403) kind = 'auth';
  else if (status === 429) kind = 'rate_limited';
  else if (!kind) {
    if (status === 404) kind = 'not_found';
    else if (status >= 500) kind = 'unavailable';
    else if (status >= 400) kind = 'invalid_request';
  }

  const rawMessage =
    texts.length > 0
      ? texts.join('; ')
      : typeof b.title === 'string' && b.title // problem+json (e.g. a Prism 422)
        ? `${b.title}${typeof b.detail === 'string' ? `: ${b.detail}` : ''}`
        : typeof body === 'string' && body.trim()
          ? body.trim()
          : `HTTP ${status}`;
  const message = `Telnyx ${code ? `error ${code}` : `HTTP ${status}`}: ${scrub(rawMessage, secrets)}`;
  return providerErrorFrom('telnyx', status, headers, { message, code, kind });
}
