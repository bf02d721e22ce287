/**
 * Vapi API client: imports tenants' own numbers (Twilio, Vonage, Telnyx, BYO SIP trunk) and free
 * Vapi numbers into the platform's Vapi org, and manages the provider credentials they need.
 *
 * - Auth: `Authorization: Bearer <Vapi private API key>` on every call. JSON in, JSON out.
 * - Endpoints: /phone-number, /phone-number/{id}, /v2/phone-number (current spec) and /credential,
 *   /credential/{id} (the 2024-12-10 spec; the current spec lacks the path but the endpoint is live).
 *   See ./mapper.ts for what is confirmed by which spec and what is GUESSED (Telnyx credential).
 * - Money / duplicate safety: POST creates are `idempotent: false`, so a 5xx or a failure after
 *   sending surfaces as `ambiguous: true` (never retried). Reconcile a phone number with
 *   findPhoneNumber(); a credential with listCredentials() (give it a unique `name`).
 * - PATCH sends absolute values (idempotent). DELETE 404 = already gone (returns false).
 * - Secrets: tenant credentials pass THROUGH this client. They are sent in request bodies only,
 *   never logged (the HTTP client logs method / path / status), never returned, and every error
 *   message is scrubbed of them and of our own API key.
 */
import type { Logger } from '../../log.js';
import { createProviderHttp, type ProviderHttp, type ProviderHttpOptions, type ProviderRequest, type ProviderResponse } from '../http.js';
import { ProviderError } from '../types.js';
import {
  UUID_RE,
  buildCreateCredentialDto,
  buildCreatePhoneNumberDto,
  buildUpdatePhoneNumberDto,
  credentialSecrets,
  isEmptyUpdate,
  mapCredential,
  mapPhoneNumber,
  mapPhoneNumberList,
  mapPhoneNumberPage,
  mapVapiError,
  phoneNumberSecrets,
  rescrubError,
  type CreateCredentialInput,
  type CreatePhoneNumberInput,
  type UpdatePhoneNumberInput,
  type VapiCredential,
  type VapiNumber,
  type VapiNumberPage,
} from './mapper.js';

export type * from './mapper.js';

export const VAPI_DEFAULT_BASE_URL = 'https://api.vapi.ai';

export interface VapiClientOptions {
  /** The platform's Vapi PRIVATE key. */
  apiKey: string;
  /** Default https://api.vapi.ai (EU: https://api.eu.vapi.ai); a path prefix is kept. */
  baseUrl?: string;
  timeoutMs?: number;
  logger?: Logger;
  /** Overrides for the HTTP client (tests: sleep, maxRetries, dispatcher, ...). */
  http?: Partial<ProviderHttpOptions>;
}

/** createdAt / updatedAt filters of GET /phone-number and /v2/phone-number (ISO 8601 date-times). */
export interface VapiDateFilters {
  createdAtGt?: string;
  createdAtLt?: string;
  createdAtGe?: string;
  createdAtLe?: string;
  updatedAtGt?: string;
  updatedAtLt?: string;
  updatedAtGe?: string;
  updatedAtLe?: string;
}

export interface ListPhoneNumbersOptions extends VapiDateFilters {
  /** 0..1000, Vapi default 100. */
  limit?: number;
}

export interface ListPhoneNumbersPageOptions extends VapiDateFilters {
  /** 1-based, default 1. */
  page?: number;
  /** 0..1000, Vapi default 100. */
  limit?: number;
  /** Partial, case-insensitive match on name, number or SIP URI (≤ 100 chars). */
  search?: string;
  /** By createdAt; Vapi default DESC. */
  sortOrder?: 'ASC' | 'DESC';
}

export interface ListCredentialsOptions extends VapiDateFilters {
  /** 0..1000, Vapi default 100. */
  limit?: number;
}

/** Exactly one of number / sipUri / name: the exact value to look for. */
export type FindPhoneNumberQuery = { number: string } | { sipUri: string } | { name: string };

export interface VapiClient {
  /** POST /credential. Not idempotent: a 5xx / reset is `ambiguous` (reconcile with listCredentials + a unique name). */
  createCredential(input: CreateCredentialInput, signal?: AbortSignal): Promise<VapiCredential>;
  /** GET /credential/{id}; 404 → ProviderError kind 'not_found'. */
  getCredential(id: string, signal?: AbortSignal): Promise<VapiCredential>;
  /** GET /credential (2024-12-10 spec). Secrets are never part of the result. */
  listCredentials(options?: ListCredentialsOptions, signal?: AbortSignal): Promise<VapiCredential[]>;
  /** DELETE /credential/{id}. true: deleted now; false: it was already gone (404). */
  deleteCredential(id: string, signal?: AbortSignal): Promise<boolean>;

  /** POST /phone-number. Not idempotent: a 5xx / reset is `ambiguous` (reconcile with findPhoneNumber). */
  createPhoneNumber(input: CreatePhoneNumberInput, signal?: AbortSignal): Promise<VapiNumber>;
  /** GET /phone-number/{id} (a UUID); 404 → ProviderError kind 'not_found'. */
  getPhoneNumber(id: string, signal?: AbortSignal): Promise<VapiNumber>;
  /** GET /phone-number: up to `limit` numbers (newest first at Vapi), no paging. */
  listPhoneNumbers(options?: ListPhoneNumbersOptions, signal?: AbortSignal): Promise<VapiNumber[]>;
  /** GET /v2/phone-number: one page. */
  listPhoneNumbersPage(options?: ListPhoneNumbersPageOptions, signal?: AbortSignal): Promise<VapiNumberPage>;
  /** The number / SIP URI / name, exactly (via /v2 `search`); undefined when the org has none. */
  findPhoneNumber(query: FindPhoneNumberQuery, signal?: AbortSignal): Promise<VapiNumber | undefined>;
  /**
   * PATCH /phone-number/{id} with the Update DTO of the number's provider (changes.provider, or
   * read with one GET first). No change asked → a plain GET.
   */
  updatePhoneNumber(id: string, changes: UpdatePhoneNumberInput, signal?: AbortSignal): Promise<VapiNumber>;
  /** DELETE /phone-number/{id}. true: deleted now; false: it was already gone (404). */
  deletePhoneNumber(id: string, signal?: AbortSignal): Promise<boolean>;
}

function invalid(message: string): ProviderError {
  return new ProviderError('vapi', message, { retryable: false, kind: 'invalid_request' });
}

function clampInt(n: number | undefined, min: number, max: number): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isFinite(n)) throw invalid('limit / page must be numbers');
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

function dateQuery(o: VapiDateFilters): Record<string, string | undefined> {
  return {
    createdAtGt: o.createdAtGt,
    createdAtLt: o.createdAtLt,
    createdAtGe: o.createdAtGe,
    createdAtLe: o.createdAtLe,
    updatedAtGt: o.updatedAtGt,
    updatedAtLt: o.updatedAtLt,
    updatedAtGe: o.updatedAtGe,
    updatedAtLe: o.updatedAtLe,
  };
}

const FIND_PAGE_SIZE = 100;
const FIND_MAX_PAGES = 10;

export function createVapiClient(options: VapiClientOptions): VapiClient {
  const apiKey = options.apiKey;
  if (!apiKey || typeof apiKey !== 'string') throw new Error('Vapi API key is missing');
  const overrides = options.http ?? {};
  const http: ProviderHttp = createProviderHttp({
    ...overrides,
    provider: 'vapi',
    baseUrl: options.baseUrl ?? overrides.baseUrl ?? VAPI_DEFAULT_BASE_URL,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    defaultHeaders: { ...overrides.defaultHeaders, authorization: `Bearer ${apiKey}` },
    mapError: overrides.mapError ?? ((status, body, headers) => mapVapiError(status, body, headers, [apiKey])),
  });

  /** One HTTP call; any ProviderError is re-scrubbed of this call's tenant secrets. */
  async function call<T>(req: ProviderRequest, secrets: readonly string[] = []): Promise<ProviderResponse<T>> {
    try {
      return await http.request<T>(req);
    } catch (err) {
      if (err instanceof ProviderError) throw secrets.length ? rescrubError(err, [...secrets, apiKey]) : err;
      throw err;
    }
  }

  /** A 2xx answer we cannot read after a create: the resource may exist. */
  function unreadable(err: unknown, status: number, what: string): ProviderError {
    const detail = err instanceof Error ? err.message : 'unreadable response';
    return new ProviderError('vapi', `Vapi created the ${what} but its answer could not be read: ${detail}`, { httpStatus: status, retryable: false, ambiguous: true });
  }

  const phonePath = (id: string) => {
    if (typeof id !== 'string' || !UUID_RE.test(id)) throw invalid('Vapi phone number id must be a UUID');
    return `/phone-number/${id}`;
  };
  const credentialPath = (id: string) => {
    if (typeof id !== 'string' || id.trim() === '') throw invalid('Vapi credential id is required');
    return `/credential/${encodeURIComponent(id)}`;
  };

  async function getPhoneNumber(id: string, signal?: AbortSignal): Promise<VapiNumber> {
    const res = await call({ method: 'GET', path: phonePath(id), idempotent: true, signal, operation: 'vapi.getPhoneNumber' });
    return mapPhoneNumber(res.body);
  }

  async function listPhoneNumbersPage(o: ListPhoneNumbersPageOptions = {}, signal?: AbortSignal): Promise<VapiNumberPage> {
    if (o.search !== undefined && o.search.length > 100) throw invalid('search must be at most 100 characters');
    const page = clampInt(o.page, 1, Number.MAX_SAFE_INTEGER);
    const res = await call({
      method: 'GET',
      path: '/v2/phone-number',
      query: { search: o.search, page, sortOrder: o.sortOrder, limit: clampInt(o.limit, 0, 1000), ...dateQuery(o) },
      idempotent: true,
      signal,
      operation: 'vapi.listPhoneNumbersPage',
    });
    return mapPhoneNumberPage(res.body, page ?? 1);
  }

  async function remove(path: string, operation: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await call({ method: 'DELETE', path, idempotent: true, signal, operation });
      return true;
    } catch (err) {
      if (err instanceof ProviderError && err.info.httpStatus === 404) return false; // already gone
      throw err;
    }
  }

  return {
    async createCredential(input, signal) {
      const secrets = input ? credentialSecrets(input) : [];
      let body;
      try {
        body = buildCreateCredentialDto(input);
      } catch (err) {
        throw err instanceof ProviderError ? rescrubError(err, secrets) : err;
      }
      const res = await call({ method: 'POST', path: '/credential', json: body, idempotent: false, signal, operation: 'vapi.createCredential' }, secrets);
      try {
        return mapCredential(res.body, input.provider);
      } catch (err) {
        throw unreadable(err, res.status, 'credential');
      }
    },

    async getCredential(id, signal) {
      const res = await call({ method: 'GET', path: credentialPath(id), idempotent: true, signal, operation: 'vapi.getCredential' });
      return mapCredential(res.body);
    },

    async listCredentials(o = {}, signal) {
      const res = await call<unknown>({
        method: 'GET',
        path: '/credential',
        query: { limit: clampInt(o.limit, 0, 1000), ...dateQuery(o) },
        idempotent: true,
        signal,
        operation: 'vapi.listCredentials',
      });
      if (!Array.isArray(res.body)) throw new ProviderError('vapi', 'Vapi credential list is not an array', { httpStatus: res.status, retryable: false });
      // The org may hold credential types this client does not model (e.g. LLM keys): skip those.
      return res.body.flatMap((c) => {
        try {
          return [mapCredential(c)];
        } catch {
          return [];
        }
      });
    },

    deleteCredential: async (id, signal) => remove(credentialPath(id), 'vapi.deleteCredential', signal),

    async createPhoneNumber(input, signal) {
      const secrets = input ? phoneNumberSecrets(input) : [];
      let body;
      try {
        body = buildCreatePhoneNumberDto(input);
      } catch (err) {
        throw err instanceof ProviderError ? rescrubError(err, secrets) : err;
      }
      const res = await call({ method: 'POST', path: '/phone-number', json: body, idempotent: false, signal, operation: 'vapi.createPhoneNumber' }, secrets);
      try {
        return mapPhoneNumber(res.body);
      } catch (err) {
        throw unreadable(err, res.status, 'phone number');
      }
    },

    getPhoneNumber,

    async listPhoneNumbers(o = {}, signal) {
      const res = await call({
        method: 'GET',
        path: '/phone-number',
        query: { limit: clampInt(o.limit, 0, 1000), ...dateQuery(o) },
        idempotent: true,
        signal,
        operation: 'vapi.listPhoneNumbers',
      });
      return mapPhoneNumberList(res.body);
    },

    listPhoneNumbersPage,

    async findPhoneNumber(query, signal) {
      const [field, value] = Object.entries(query ?? {})[0] ?? [];
      if ((field !== 'number' && field !== 'sipUri' && field !== 'name') || typeof value !== 'string' || value === '') {
        throw invalid('findPhoneNumber needs one of number, sipUri or name');
      }
      const wanted = field === 'sipUri' ? value.toLowerCase() : value;
      const search = field === 'number' ? value.replace(/^\+/, '') : value; // partial match: digits find "+1…" too
      for (let page = 1; page <= FIND_MAX_PAGES; page++) {
        const res = await listPhoneNumbersPage({ search: search.slice(0, 100), page, limit: FIND_PAGE_SIZE }, signal);
        const hit = res.numbers.find((n) => (field === 'sipUri' ? n.sipUri?.toLowerCase() === wanted : n[field] === wanted));
        if (hit) return hit;
        if (!res.hasNextPage || res.numbers.length === 0) return undefined;
      }
      return undefined;
    },

    async updatePhoneNumber(id, changes, signal) {
      const path = phonePath(id);
      if (isEmptyUpdate(changes)) return getPhoneNumber(id, signal);
      const provider = changes.provider ?? (await getPhoneNumber(id, signal)).provider;
      const body = buildUpdatePhoneNumberDto(provider, changes);
      const res = await call({ method: 'PATCH', path, json: body, idempotent: true, signal, operation: 'vapi.updatePhoneNumber' });
      return mapPhoneNumber(res.body);
    },

    deletePhoneNumber: async (id, signal) => remove(phonePath(id), 'vapi.deletePhoneNumber', signal),
  };
}
