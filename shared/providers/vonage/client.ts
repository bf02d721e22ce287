/**
 * Vonage (Nexmo) Numbers API adapter for the NumberProvider port.
 * Host rest.nexmo.com; api_key / api_secret as QUERY parameters on every call (the spec's
 * only security scheme, and what @vonage/numbers does); POST bodies form-encoded; JSON answers
 * carrying `error-code` "200" on success.
 *
 * - providerNumberId: Vonage numbers have no id of their own; ours is `<ISO country>:<msisdn>`
 *   (e.g. `GB:447700900000`), which is exactly what buy / cancel / update take.
 * - update: /number/update REPLACES the number's configuration (fields left out are cleared,
 *   see Nexmo/nexmo-cli#83), so update() reads the number first and resends what it keeps.
 * - Secrets: the query string is never logged (the HTTP client logs the path only) and every
 *   provider text that reaches an Error is scrubbed of the key and secret.
 */
import { logger as rootLogger, type Logger } from '../../log.js';
import { createProviderHttp, type ProviderHttp, type ProviderHttpOptions, type ProviderRequest, type ProviderResponse } from '../http.js';
import {
  ProviderError,
  type AvailableNumber,
  type ListOwnedOptions,
  type NumberProvider,
  type OwnedPage,
  type ProviderCapabilities,
  type ProviderNumber,
  type PurchaseRequest,
  type SearchCriteria,
  type UpdateRequest,
} from '../types.js';
import {
  DEFAULT_OWNED_PAGE_SIZE,
  MAX_PAGE_SIZE,
  countryOfPhone,
  decodePageToken,
  featuresParam,
  kindOf,
  mapAvailableNumbers,
  mapOwnedNumber,
  mapOwnedPage,
  mapVonageError,
  ownedNumbersOf,
  parseVonageNumberId,
  patternQuery,
  responseCode,
  toMsisdn,
  vonageNumberId,
  vonageTypeByNumberType,
  type VonageOperation,
  type VonageOwnedNumber,
} from './mapper.js';

export interface VonageCredentials {
  apiKey: string;
  apiSecret: string;
}

export interface VonageProviderOptions {
  credentials: VonageCredentials;
  /** Default https://rest.nexmo.com; a path prefix is kept. */
  baseUrl?: string;
  timeoutMs?: number;
  logger?: Logger;
  /** Overrides for the HTTP client (tests: sleep, maxRetries, dispatcher, ...). */
  http?: Partial<ProviderHttpOptions>;
}

export const VONAGE_DEFAULT_BASE_URL = 'https://rest.nexmo.com';

export const vonageCapabilities: ProviderCapabilities = {
  countries: 'any',
  // Vonage types: landline → local, mobile-lvn → mobile, landline-toll-free → toll_free. No "national".
  numberTypes: ['local', 'mobile', 'toll_free'],
  // ONE of areaCode / startsWith / contains / endsWith per search (Vonage takes a single pattern).
  searchFilters: ['areaCode', 'startsWith', 'contains', 'endsWith', 'capabilities'],
  maxSearchLimit: MAX_PAGE_SIZE,
  immediatePurchase: true,
  // Inbound SMS has a per-number URL (moHttpUrl); voice goes to the linked application's answer URL.
  webhooks: { sms: true, voice: false, statusCallback: true },
  applications: true,
};

const UNSUPPORTED_SEARCH_FILTERS = ['region', 'postalCode', 'locality', 'nearLatLong', 'distanceMiles'] as const;

/** The fields of /number/update this adapter writes (the rest of the spec's fields are not readable back). */
export interface VonageUpdateForm extends Record<string, string | undefined> {
  country: string;
  msisdn: string;
  app_id?: string;
  moHttpUrl?: string;
  voiceCallbackType?: string;
  voiceCallbackValue?: string;
  voiceStatusCallback?: string;
}

const nonEmpty = (v: string | null | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The full /number/update form for `changes` applied to the number's current state
 * (Vonage replaces the configuration, so everything we keep must be sent again).
 * - applicationId → app_id; null detaches (app_id left out).
 * - smsUrl → moHttpUrl; null sends "" (the spec: "empty string to remove the webhook").
 * - statusCallbackUrl → voiceStatusCallback; null leaves it out.
 * - a SIP / tel forward (voiceCallbackType sip|tel) is kept as it is; the deprecated
 *   `app` callback types are not resent (app_id replaces them).
 */
export function buildUpdateForm(country: string, msisdn: string, current: VonageOwnedNumber, changes: Pick<UpdateRequest, 'applicationId' | 'smsUrl' | 'statusCallbackUrl'>): VonageUpdateForm {
  const currentApp =
    nonEmpty(current.app_id) ??
    (current.messagesCallbackType === 'app' ? nonEmpty(current.messagesCallbackValue) : undefined) ??
    (current.voiceCallbackType === 'app' ? nonEmpty(current.voiceCallbackValue) : undefined);
  const form: VonageUpdateForm = { country, msisdn };
  const appId = changes.applicationId === undefined ? currentApp : (changes.applicationId ?? undefined);
  if (appId) form.app_id = appId;
  const mo = changes.smsUrl === undefined ? nonEmpty(current.moHttpUrl) : (changes.smsUrl ?? '');
  if (mo !== undefined) form.moHttpUrl = mo;
  const forward = current.voiceCallbackType === 'sip' || current.voiceCallbackType === 'tel' ? nonEmpty(current.voiceCallbackValue) : undefined;
  if (forward) {
    form.voiceCallbackType = current.voiceCallbackType as string;
    form.voiceCallbackValue = forward;
  }
  const status = changes.statusCallbackUrl === undefined ? nonEmpty(current.voiceStatusCallback) : (changes.statusCallbackUrl ?? undefined);
  if (status) form.voiceStatusCallback = status;
  return form;
}

/** The owned number as it is after an update with `form` (what Vonage would list). */
function afterUpdate(current: VonageOwnedNumber, form: VonageUpdateForm): VonageOwnedNumber {
  const out: VonageOwnedNumber = { country: current.country ?? form.country, msisdn: current.msisdn ?? form.msisdn, type: current.type ?? null, features: current.features ?? null };
  if (form.moHttpUrl) out.moHttpUrl = form.moHttpUrl;
  if (form.app_id) out.app_id = form.app_id;
  if (form.voiceCallbackType) {
    out.voiceCallbackType = form.voiceCallbackType;
    out.voiceCallbackValue = form.voiceCallbackValue ?? null;
  }
  if (form.voiceStatusCallback) out.voiceStatusCallback = form.voiceStatusCallback;
  return out;
}

function invalid(message: string): ProviderError {
  return new ProviderError('vonage', message, { retryable: false, kind: 'invalid_request' });
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

export function createVonageProvider(options: VonageProviderOptions): NumberProvider {
  const { apiKey, apiSecret } = options.credentials;
  if (!apiKey || !apiSecret) throw new Error('Vonage credentials are incomplete');
  const secrets = [apiSecret, apiKey];
  const overrides = options.http ?? {};
  const log = (options.logger ?? overrides.logger ?? rootLogger).child({ provider: 'vonage' });

  const http: ProviderHttp = createProviderHttp({
    ...overrides,
    provider: 'vonage',
    baseUrl: options.baseUrl ?? overrides.baseUrl ?? VONAGE_DEFAULT_BASE_URL,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    mapError: overrides.mapError ?? ((status, body, headers) => mapVonageError(status, body, headers, secrets)),
  });

  /** A 420 means different things per operation (purchase: the number is not available). */
  function refine(err: unknown, operation: VonageOperation): unknown {
    if (!(err instanceof ProviderError)) return err;
    const is420 = err.info.providerCode === '420' || err.info.httpStatus === 420;
    if (!is420) return err;
    const kind = kindOf(err.info.httpStatus ?? 420, err.info.providerCode, err.message, operation);
    if (kind === err.info.kind) return err;
    const out = new ProviderError('vonage', err.message, { ...err.info, ...(kind ? { kind } : {}) });
    if (err.stack) out.stack = err.stack;
    return out;
  }

  /**
   * One authenticated call. A 2xx whose body carries an `error-code` other than "200" is
   * a refusal too (the legacy API does that): it becomes a ProviderError here.
   */
  async function call<T>(req: ProviderRequest, operation: VonageOperation): Promise<ProviderResponse<T>> {
    let res: ProviderResponse<T>;
    try {
      res = await http.request<T>({ ...req, query: { ...req.query, api_key: apiKey, api_secret: apiSecret } });
    } catch (err) {
      throw refine(err, operation);
    }
    const code = responseCode(res.body);
    if (code !== undefined && code !== '200') {
      const mapped = mapVonageError(res.status, res.body, res.headers, secrets, operation);
      // A 5xx-like code in the body of a call that is not idempotent: the provider may have acted.
      const ambiguous = !req.idempotent && /^5\d\d$/.test(code);
      throw new ProviderError('vonage', mapped.message, { ...mapped.info, ambiguous });
    }
    return res;
  }

  /** The owned number with exactly this msisdn (contains-search, then exact match), or undefined. */
  async function ownedRaw(msisdn: string, country: string | undefined, signal: AbortSignal | undefined, operation: string): Promise<VonageOwnedNumber | undefined> {
    const res = await call(
      {
        method: 'GET',
        path: '/account/numbers',
        query: { country, pattern: msisdn, search_pattern: 1 },
        idempotent: true,
        signal,
        operation,
      },
      'list',
    );
    return ownedNumbersOf(res.body).find((n) => String(n.msisdn ?? '').replace(/^\+/, '') === msisdn);
  }

  async function get(providerNumberId: string, signal?: AbortSignal): Promise<ProviderNumber> {
    const { country, msisdn } = parseVonageNumberId(providerNumberId);
    const raw = await ownedRaw(msisdn, country, signal, 'vonage.get');
    if (!raw) throw new ProviderError('vonage', `Vonage account does not own ${providerNumberId}`, { retryable: false, kind: 'not_found' });
    return mapOwnedNumber(raw);
  }

  async function writeUpdate(form: VonageUpdateForm, signal?: AbortSignal): Promise<void> {
    await call(
      // Absolute values: repeating the call leaves the same state.
      { method: 'POST', path: '/number/update', form, idempotent: true, signal, operation: 'vonage.update' },
      'update',
    );
  }

  function ignoredFields(changes: { label?: string; voiceUrl?: string | null }, providerNumberId: string): void {
    if (changes.label !== undefined) log.debug('Vonage numbers have no label; label ignored', { providerNumberId });
    if (typeof changes.voiceUrl === 'string') {
      // /number/update has no voice webhook URL (voiceCallbackValue is a SIP URI or a phone
      // number); Vonage voice goes to the answer_url of the linked Application (applicationId).
      log.warn('Vonage has no per-number voice URL; voiceUrl ignored (link an Application with applicationId)', { providerNumberId });
    }
  }

  return {
    name: 'vonage',
    capabilities: vonageCapabilities,

    async verifyCredentials(signal?: AbortSignal): Promise<void> {
      await call({ method: 'GET', path: '/account/numbers', query: { size: 1 }, idempotent: true, signal, operation: 'vonage.verifyCredentials' }, 'list');
    },

    async search(criteria: SearchCriteria, signal?: AbortSignal): Promise<AvailableNumber[]> {
      const type = vonageTypeByNumberType[criteria.type];
      if (!type) throw invalid(`Vonage search does not support number type '${criteria.type}'`);
      const country = criteria.country?.toUpperCase();
      if (!country || !/^[A-Z]{2}$/.test(country)) throw invalid('country must be an ISO 3166-1 alpha-2 code');
      const unsupported = UNSUPPORTED_SEARCH_FILTERS.filter((k) => criteria[k] !== undefined);
      if (unsupported.length) throw invalid(`Vonage search does not support ${unsupported.join(', ')}`);
      const pattern = patternQuery({ ...criteria, country });
      const features = featuresParam(criteria.capabilities);
      const limit = clamp(criteria.limit, 1, MAX_PAGE_SIZE);
      const res = await call(
        {
          method: 'GET',
          path: '/number/search',
          query: {
            country,
            type,
            pattern: pattern.pattern,
            search_pattern: pattern.search_pattern,
            features,
            // A client-side filter thins the page: ask for the largest page then.
            size: pattern.clientFilter ? MAX_PAGE_SIZE : limit,
          },
          idempotent: true,
          signal,
          operation: 'vonage.search',
        },
        'search',
      );
      let numbers = mapAvailableNumbers(res.body, criteria.type);
      const filter = pattern.clientFilter;
      if (filter) numbers = numbers.filter((n) => filter.test(n.phoneNumber.replace(/^\+/, '')));
      return numbers.slice(0, limit);
    },

    async purchase(request: PurchaseRequest, signal?: AbortSignal): Promise<ProviderNumber> {
      const msisdn = toMsisdn(request.phoneNumber);
      const country = msisdn ? countryOfPhone(request.phoneNumber) : undefined;
      if (!msisdn || !country) throw invalid('phoneNumber must be a valid E.164 number');
      const res = await call<unknown>(
        { method: 'POST', path: '/number/buy', form: { country, msisdn }, idempotent: false, signal, operation: 'vonage.purchase' },
        'purchase',
      );
      if (responseCode(res.body) !== '200') {
        // 2xx without a readable error-code: we cannot tell whether the number was bought.
        throw new ProviderError('vonage', 'Vonage answered the purchase without an error-code', { httpStatus: res.status, retryable: false, ambiguous: true });
      }
      const id = vonageNumberId(country, msisdn);
      ignoredFields(request, id);
      // From here on the number IS ours: nothing below may throw, or the caller would
      // believe nothing was bought.
      let raw: VonageOwnedNumber | undefined;
      try {
        raw = await ownedRaw(msisdn, country, signal, 'vonage.purchase.lookup');
      } catch (err) {
        log.warn('bought, but the follow-up lookup failed', { providerNumberId: id, err });
      }
      const config = { applicationId: request.applicationId, smsUrl: request.smsUrl, statusCallbackUrl: request.statusCallbackUrl };
      if (config.applicationId !== undefined || config.smsUrl !== undefined || config.statusCallbackUrl !== undefined) {
        const form = buildUpdateForm(country, msisdn, raw ?? { country, msisdn }, config);
        try {
          await writeUpdate(form, signal);
          raw = afterUpdate(raw ?? { country, msisdn }, form);
        } catch (err) {
          log.error('bought, but configuring the number failed; it is owned without its webhooks / application', { providerNumberId: id, err });
        }
      }
      if (raw) return mapOwnedNumber(raw);
      // Owned but not listed yet (or the lookup failed): what we know for sure.
      return mapOwnedNumber({ country, msisdn });
    },

    get,

    async findOwned(phoneNumber: string, signal?: AbortSignal): Promise<ProviderNumber | undefined> {
      const msisdn = toMsisdn(phoneNumber);
      if (!msisdn) throw invalid('phoneNumber must be an E.164 number');
      const raw = await ownedRaw(msisdn, undefined, signal, 'vonage.findOwned');
      return raw ? mapOwnedNumber(raw) : undefined;
    },

    async list(options: ListOwnedOptions = {}, signal?: AbortSignal): Promise<OwnedPage> {
      let index = 1;
      let size = options.pageSize !== undefined ? clamp(options.pageSize, 1, MAX_PAGE_SIZE) : DEFAULT_OWNED_PAGE_SIZE;
      if (options.pageToken) ({ index, size } = decodePageToken(options.pageToken));
      let pattern: string | undefined;
      if (options.phoneNumber !== undefined) {
        pattern = options.phoneNumber.replace(/[^\d]/g, '');
        if (!pattern) throw invalid('phoneNumber must contain digits');
      }
      const res = await call(
        {
          method: 'GET',
          path: '/account/numbers',
          query: { pattern, search_pattern: pattern ? 1 : undefined, size, index },
          idempotent: true,
          signal,
          operation: 'vonage.list',
        },
        'list',
      );
      return mapOwnedPage(res.body, index, size);
    },

    async update(providerNumberId: string, changes: UpdateRequest, signal?: AbortSignal): Promise<ProviderNumber> {
      const { country, msisdn } = parseVonageNumberId(providerNumberId);
      ignoredFields(changes, providerNumberId);
      if (changes.applicationId === undefined && changes.smsUrl === undefined && changes.statusCallbackUrl === undefined) {
        return get(providerNumberId, signal);
      }
      const current = await ownedRaw(msisdn, country, signal, 'vonage.update.read');
      if (!current) throw new ProviderError('vonage', `Vonage account does not own ${providerNumberId}`, { retryable: false, kind: 'not_found' });
      const form = buildUpdateForm(country, msisdn, current, changes);
      await writeUpdate(form, signal);
      return mapOwnedNumber(afterUpdate(current, form));
    },

    async release(providerNumberId: string, signal?: AbortSignal): Promise<void> {
      const { country, msisdn } = parseVonageNumberId(providerNumberId);
      try {
        await call(
          // Repeating a cancel cannot cause a second effect (the number is gone after the first).
          { method: 'POST', path: '/number/cancel', form: { country, msisdn }, idempotent: true, signal, operation: 'vonage.release' },
          'release',
        );
      } catch (err) {
        // Vonage refuses to cancel a number the account does not own with a generic 420
        // ("method failed"). Released only when the account really no longer has it.
        const refused =
          err instanceof ProviderError &&
          !err.retryable &&
          err.info.kind !== 'auth' &&
          (err.info.providerCode === '420' || err.info.providerCode === '404' || err.info.httpStatus === 420 || err.info.httpStatus === 404);
        if (refused && !(await ownedRaw(msisdn, country, signal, 'vonage.release.check'))) return;
        throw err;
      }
    },
  };
}
