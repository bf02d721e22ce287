/**
 * Somos TFN Registry error handling.
 *
 * Shapes (labels from ../shared/contracts/somos/README.md):
 * - C:  error body `{errList:[{errCode:"<6 digits>", errMsg:"..."}]}`.
 * - C:  statuses 200, 202, 400, 401, 403, 404, 409.
 * - C:  "already logged in" = errList[0].errCode "701003" plus a top-level `sessOverrideKey`.
 * - C1: the /token endpoint answers standard OAuth2 JSON, so its errors are probably
 *       `{error, error_description}` (RFC 6749 §5.2). Both shapes are read.
 * - G:  which errCodes mean "the number is taken": no public list; see NUMBER_NOT_AVAILABLE_CODES.
 */
import { providerErrorFrom, type ResponseHeaders } from '../http.js';
import { ProviderError } from '../types.js';
import { scrubSecrets } from '../../log.js';

export interface SomosErrItem {
  errCode: string;
  errMsg: string;
  /** Seen in some public clients (errLvl "ERROR"/"WARNING"); optional. */
  errLvl?: string;
}

/** C: session open answers this when the user already has an open session. */
export const ALREADY_LOGGED_IN_CODE = '701003';

/**
 * G: errCodes we treat as "number not available" on a 409. No public list exists; these are
 * the sandbox's codes. Messages are matched too (see isNumberTakenMessage), which is also G.
 * (C1, one public test suite: 805102 = "Invalid Toll-Free Number." — a 400, not listed here.)
 */
export const NUMBER_NOT_AVAILABLE_CODES: ReadonlySet<string> = new Set(['805100', '805101']);

/** C: `errList` at the top of a response body; tolerant of a missing or malformed list. */
export function parseErrList(body: unknown): SomosErrItem[] {
  if (!body || typeof body !== 'object') return [];
  const list = (body as { errList?: unknown }).errList;
  if (!Array.isArray(list)) return [];
  const out: SomosErrItem[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const e = item as Record<string, unknown>;
    const code = e.errCode ?? e.code;
    const msg = e.errMsg ?? e.message;
    out.push({
      errCode: code === undefined || code === null ? '' : typeof code === 'string' || typeof code === 'number' ? String(code) : JSON.stringify(code),
      errMsg: typeof msg === 'string' ? msg : '',
      ...(typeof e.errLvl === 'string' ? { errLvl: e.errLvl } : {}),
    });
  }
  return out;
}

/** C: `{errList:[{errCode:'701003'}], sessOverrideKey}` → the override key; undefined otherwise. */
export function sessionOverrideKey(body: unknown): string | undefined {
  const first = parseErrList(body)[0];
  if (first?.errCode !== ALREADY_LOGGED_IN_CODE) return undefined;
  const key = (body as { sessOverrideKey?: unknown }).sessOverrideKey;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/** G: wording a 409 uses when the number is reserved/working elsewhere. */
export function isNumberTakenMessage(message: string): boolean {
  return /not (available|spare)|already (reserved|in use|assigned)|reserved by another|unavailable|in use/i.test(message);
}

/** Removes known secrets (tokens, passwords) and credential-looking strings; caps the length. */
export { scrubSecrets };

type Kind = NonNullable<ProviderError['info']['kind']>;

function kindFor(status: number, errors: SomosErrItem[]): Kind | undefined {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 409) {
    const taken = errors.some((e) => NUMBER_NOT_AVAILABLE_CODES.has(e.errCode) || isNumberTakenMessage(e.errMsg));
    // Other conflicts (stale recVersionId, record locked) are a request the caller must redo.
    return taken ? 'not_available' : 'invalid_request';
  }
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  if (status >= 400) return 'invalid_request';
  return undefined;
}

/**
 * Non-2xx Somos response → ProviderError. providerCode = the first errCode (C) or the OAuth
 * `error` value (C1). The shared HTTP client re-derives retryable/ambiguous from the status.
 */
export function mapSomosError(
  status: number,
  body: unknown,
  headers: ResponseHeaders = {},
  secrets: readonly (string | undefined)[] = [],
): ProviderError {
  const errors = parseErrList(body);
  const b = (body && typeof body === 'object' ? body : {}) as { error?: unknown; error_description?: unknown; message?: unknown };
  let code: string | undefined = errors[0]?.errCode || undefined;
  let raw: string;
  if (errors.length > 0) {
    raw = errors.map((e) => (e.errCode ? `${e.errCode} ${e.errMsg}` : e.errMsg)).join('; ');
  } else if (typeof b.error === 'string') {
    code = b.error;
    raw = typeof b.error_description === 'string' ? `${b.error}: ${b.error_description}` : b.error;
  } else if (typeof b.message === 'string' && b.message) {
    raw = b.message;
  } else if (typeof body === 'string' && body.trim()) {
    raw = body.trim();
  } else {
    raw = `HTTP ${status}`;
  }
  const kind = kindFor(status, errors);
  return providerErrorFrom('somos', status, headers, {
    message: `Somos ${code ? `error ${code}` : `HTTP ${status}`}: ${scrubSecrets(raw, secrets)}`,
    code,
    kind,
    retryable: status === 429 || status >= 500,
  });
}

/** Thrown for a Somos 2xx answer whose body we cannot use (missing token, unexpected shape). */
export function unexpectedResponse(operation: string, detail: string, status?: number): ProviderError {
  return new ProviderError('somos', `Somos ${operation}: unexpected response (${detail})`, {
    ...(status !== undefined ? { httpStatus: status } : {}),
    retryable: false,
    kind: 'unavailable',
  });
}
