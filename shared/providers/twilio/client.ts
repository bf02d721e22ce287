/**
 * Twilio 2010 API adapter for the NumberProvider port.
 * Basic auth AccountSid:AuthToken, form-encoded bodies, JSON responses.
 */
import type { Logger } from '../../log.js';
import { createProviderHttp, type ProviderHttp, type ProviderHttpOptions } from '../http.js';
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
  decodePageToken,
  mapAvailableNumbers,
  mapIncomingNumber,
  mapOwnedPage,
  mapTwilioError,
  searchPathByType,
  type TwilioIncomingNumbersPage,
} from './mapper.js';
import { mapPhoneNumberPrices, TWILIO_PRICING_DEFAULT_BASE_URL } from './pricing.js';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export interface TwilioProviderOptions {
  credentials: TwilioCredentials;
  /** Default https://api.twilio.com; a path prefix is kept. */
  baseUrl?: string;
  /** The Pricing API (monthlyPrices): default https://pricing.twilio.com; a path prefix is kept. */
  pricingBaseUrl?: string;
  timeoutMs?: number;
  logger?: Logger;
  /** Overrides for the HTTP client (tests: sleep, maxRetries, dispatcher, ...). */
  http?: Partial<ProviderHttpOptions>;
}

export const TWILIO_DEFAULT_BASE_URL = 'https://api.twilio.com';

/** Twilio documents PageSize up to 1000, but AvailablePhoneNumbers answers with a few dozen at most. */
const MAX_SEARCH_LIMIT = 30;
const MAX_LIST_PAGE_SIZE = 1000;

export const twilioCapabilities: ProviderCapabilities = {
  countries: 'any',
  // Twilio also has National.json etc.; this adapter offers only these.
  numberTypes: ['local', 'toll_free', 'mobile'],
  searchFilters: ['areaCode', 'contains', 'capabilities', 'region', 'postalCode', 'locality', 'nearLatLong', 'distanceMiles'],
  webhooks: { sms: true, voice: true, statusCallback: true },
  maxSearchLimit: MAX_SEARCH_LIMIT,
  immediatePurchase: true,
};

const SID_PATTERN = /^PN[0-9a-fA-F]{32}$/;
const PRICING_TIMEOUT_MS = 5_000;

function invalid(message: string): ProviderError {
  return new ProviderError('twilio', message, { retryable: false, kind: 'invalid_request' });
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

/** Twilio clears a URL with an empty value; undefined leaves it unchanged. */
function urlField(value: string | null | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value === null ? '' : value;
}

export function createTwilioProvider(options: TwilioProviderOptions): NumberProvider {
  const { accountSid, authToken } = options.credentials;
  if (!accountSid || !authToken) throw new Error('Twilio credentials are incomplete');
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`, 'utf8').toString('base64')}`;
  const secrets = [authToken, authorization.slice('Basic '.length)];
  const overrides = options.http ?? {};

  const http: ProviderHttp = createProviderHttp({
    ...overrides,
    provider: 'twilio',
    baseUrl: options.baseUrl ?? overrides.baseUrl ?? TWILIO_DEFAULT_BASE_URL,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    defaultHeaders: { ...overrides.defaultHeaders, authorization },
    mapError: overrides.mapError ?? ((status, body, headers) => mapTwilioError(status, body, headers, secrets)),
  });

  // Prices are an extra to a search: one quick attempt (no retry after a failure, a short timeout),
  // not paced with the account's 2010 API calls (another host, another limit).
  const { pacePerSecond: _paced, maxRetries: _retries, ...unpaced } = overrides;
  const pricing: ProviderHttp = createProviderHttp({
    ...unpaced,
    provider: 'twilio',
    baseUrl: options.pricingBaseUrl ?? TWILIO_PRICING_DEFAULT_BASE_URL,
    timeoutMs: Math.min(options.timeoutMs ?? overrides.timeoutMs ?? PRICING_TIMEOUT_MS, PRICING_TIMEOUT_MS),
    maxRetries: 0,
    ...(options.logger ? { logger: options.logger } : {}),
    defaultHeaders: { ...overrides.defaultHeaders, authorization },
    mapError: overrides.mapError ?? ((status, body, headers) => mapTwilioError(status, body, headers, secrets)),
  });

  const account = `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}`;
  const numberPath = (sid: string) => {
    if (!SID_PATTERN.test(sid)) throw invalid('Twilio phone number SID must look like PN followed by 32 hex digits');
    return `${account}/IncomingPhoneNumbers/${sid}.json`;
  };

  async function get(providerNumberId: string, signal?: AbortSignal): Promise<ProviderNumber> {
    const res = await http.request({ method: 'GET', path: numberPath(providerNumberId), idempotent: true, signal, operation: 'twilio.get' });
    return mapIncomingNumber(res.body);
  }

  async function listPage(query: Record<string, string | number | undefined>, signal?: AbortSignal, operation = 'twilio.list') {
    const res = await http.request<TwilioIncomingNumbersPage>({
      method: 'GET',
      path: `${account}/IncomingPhoneNumbers.json`,
      query,
      idempotent: true,
      signal,
      operation,
    });
    return res.body;
  }

  return {
    name: 'twilio',
    capabilities: twilioCapabilities,

    async verifyCredentials(signal?: AbortSignal): Promise<void> {
      await http.request({ method: 'GET', path: `${account}.json`, idempotent: true, signal, operation: 'twilio.verifyCredentials' });
    },

    async search(criteria: SearchCriteria, signal?: AbortSignal): Promise<AvailableNumber[]> {
      const kind = searchPathByType[criteria.type];
      if (!kind) throw invalid(`Twilio search does not support number type '${criteria.type}'`);
      const country = criteria.country?.toUpperCase();
      if (!country || !/^[A-Z]{2}$/.test(country)) throw invalid('country must be an ISO 3166-1 alpha-2 code');
      if (criteria.areaCode !== undefined && !/^\d{1,6}$/.test(criteria.areaCode)) throw invalid('areaCode must be digits');
      if (criteria.contains !== undefined && !/^[0-9*]+$/.test(criteria.contains)) throw invalid('contains must be digits and *');
      const caps = criteria.capabilities ?? {};
      const near = criteria.nearLatLong;
      const query: Record<string, string | number | boolean | undefined> = {
        AreaCode: criteria.areaCode,
        Contains: criteria.contains,
        SmsEnabled: caps.sms ? true : undefined,
        MmsEnabled: caps.mms ? true : undefined,
        VoiceEnabled: caps.voice ? true : undefined,
        FaxEnabled: caps.fax ? true : undefined,
        InRegion: criteria.region,
        InPostalCode: criteria.postalCode,
        InLocality: criteria.locality,
        NearLatLong: near ? `${near.latitude},${near.longitude}` : undefined,
        Distance: criteria.distanceMiles !== undefined ? clamp(criteria.distanceMiles, 0, 500) : undefined,
        PageSize: clamp(criteria.limit, 1, MAX_SEARCH_LIMIT),
      };
      const res = await http.request({
        method: 'GET',
        path: `${account}/AvailablePhoneNumbers/${country}/${kind}.json`,
        query,
        idempotent: true,
        signal,
        operation: 'twilio.search',
      });
      return mapAvailableNumbers(res.body, criteria.type);
    },

    async purchase(request: PurchaseRequest, signal?: AbortSignal): Promise<ProviderNumber> {
      const res = await http.request({
        method: 'POST',
        path: `${account}/IncomingPhoneNumbers.json`,
        form: {
          PhoneNumber: request.phoneNumber,
          FriendlyName: request.label,
          SmsUrl: request.smsUrl,
          VoiceUrl: request.voiceUrl,
          StatusCallback: request.statusCallbackUrl,
        },
        idempotent: false,
        signal,
        operation: 'twilio.purchase',
      });
      try {
        return mapIncomingNumber(res.body);
      } catch (err) {
        // Twilio answered 2xx: the number is bought even though we cannot read the answer.
        const message = err instanceof Error ? err.message : 'unreadable purchase response';
        throw new ProviderError('twilio', message, { httpStatus: res.status, retryable: false, ambiguous: true });
      }
    },

    get,

    async findOwned(phoneNumber: string, signal?: AbortSignal): Promise<ProviderNumber | undefined> {
      // Twilio's PhoneNumber filter also matches partial numbers: keep the exact one.
      const page = await listPage({ PhoneNumber: phoneNumber, PageSize: 50 }, signal, 'twilio.findOwned');
      return mapOwnedPage(page).numbers.find((n) => n.phoneNumber === phoneNumber);
    },

    async list(options: ListOwnedOptions = {}, signal?: AbortSignal): Promise<OwnedPage> {
      const token = options.pageToken ? decodePageToken(options.pageToken) : undefined;
      const page = await listPage(
        {
          PhoneNumber: options.phoneNumber,
          PageSize: options.pageSize !== undefined ? clamp(options.pageSize, 1, MAX_LIST_PAGE_SIZE) : undefined,
          Page: token?.Page,
          PageToken: token?.PageToken,
        },
        signal,
      );
      return mapOwnedPage(page);
    },

    async update(providerNumberId: string, changes: UpdateRequest, signal?: AbortSignal): Promise<ProviderNumber> {
      const form: Record<string, string | undefined> = {
        FriendlyName: changes.label,
        SmsUrl: urlField(changes.smsUrl),
        VoiceUrl: urlField(changes.voiceUrl),
        StatusCallback: urlField(changes.statusCallbackUrl),
      };
      if (Object.values(form).every((v) => v === undefined)) return get(providerNumberId, signal);
      const res = await http.request({
        method: 'POST',
        path: numberPath(providerNumberId),
        form,
        // Absolute values: repeating the call leaves the same state.
        idempotent: true,
        signal,
        operation: 'twilio.update',
      });
      return mapIncomingNumber(res.body);
    },

    async monthlyPrices(country: string, signal?: AbortSignal) {
      const cc = country.toUpperCase();
      if (!/^[A-Z]{2}$/.test(cc)) throw invalid('country must be an ISO 3166-1 alpha-2 code');
      const res = await pricing.request({ method: 'GET', path: `/v1/PhoneNumbers/Countries/${cc}`, idempotent: true, signal, operation: 'twilio.pricing' });
      return mapPhoneNumberPrices(res.body);
    },

    async release(providerNumberId: string, signal?: AbortSignal): Promise<void> {
      try {
        await http.request({ method: 'DELETE', path: numberPath(providerNumberId), idempotent: true, signal, operation: 'twilio.release' });
      } catch (err) {
        if (err instanceof ProviderError && err.info.httpStatus === 404) return; // already gone
        throw err;
      }
    },
  };
}
