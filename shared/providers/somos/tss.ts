/**
 * Text enablement of toll-free numbers.
 *
 * G, ALL OF IT: text enablement is not part of the TFN Registry API. It lives in the separate
 * TSS Registry (texting.somos.com, "TSS Registry User API 2.0", confidential); no public
 * endpoint path, body or status value was found (../shared/contracts/somos/README.md). The
 * interface below is ours; the only implementation talks to the sandbox's made-up
 * `/tss/v1/text-enablements` surface (scripts/sandboxes/somos.ts) so the platform can be built
 * and tested end to end. Replace the implementation once the real API is known.
 *
 * The 2-business-day response window is our assumption about the process, expressed as a pure
 * function (textEnablementDueDate).
 */
import type { Logger } from '../../log.js';
import { createProviderHttp, type ProviderHttp, type ProviderHttpOptions } from '../http.js';
import { ProviderError } from '../types.js';
import { mapSomosError, unexpectedResponse } from './errors.js';
import { normalizeTollFree, RoutingMappingError } from './routing.js';
import { DEFAULT_ACCEPT_VERSION, type SomosTokenSource } from './token-manager.js';

export type TextEnablementStatus = 'pending' | 'enabled' | 'rejected' | 'disabled';

/** G: why TSS refused (a code and its text, as the registry's errList pairs them). */
export interface TextEnablementReason {
  code: string;
  message: string;
}

export interface TextEnablementDecision {
  status: TextEnablementStatus;
  /** Present when rejected. */
  reason?: TextEnablementReason;
}

export interface TextEnablementOptions {
  sms: boolean;
  mms: boolean;
  /** Where the registry reports the decision (G). */
  webhookUrl?: string;
}

export interface TextEnablementRegistry {
  request(num: string, options: TextEnablementOptions): Promise<{ requestId: string; status: 'pending' }>;
  status(requestId: string): Promise<TextEnablementDecision>;
  /** Turns text off again: withdraws a pending request or removes an enabled number (G). */
  disable(requestId: string): Promise<{ status: 'disabled' }>;
}

/** G: the sandbox's made-up surface. */
export const TSS_SANDBOX_PATHS = {
  requests: '/tss/v1/text-enablements',
  request: (id: string) => `/tss/v1/text-enablements/${encodeURIComponent(id)}`,
} as const;

export interface SandboxTextEnablementOptions {
  /** The sandbox's URL. */
  baseUrl: string;
  tokens: SomosTokenSource;
  /** RespOrg unit sent as ROID (G: the sandbox reuses TFN Registry auth for TSS). */
  roid: string;
  acceptVersion?: string;
  logger?: Logger;
  http?: Partial<ProviderHttpOptions>;
}

const STATUSES: readonly TextEnablementStatus[] = ['pending', 'enabled', 'rejected', 'disabled'];

/** A rejection's reason from the answer (`reason: {code, message}`, G); a rejection without one gets a stand-in. */
function reasonOf(body: { reason?: unknown } | undefined): TextEnablementReason {
  const r = body?.reason as { code?: unknown; message?: unknown } | undefined;
  const code = typeof r?.code === 'string' && r.code ? r.code.slice(0, 64) : 'UNSPECIFIED';
  const message = typeof r?.message === 'string' && r.message ? r.message.slice(0, 500) : 'TSS rejected the request without a reason';
  return { code, message };
}

function invalid(message: string): ProviderError {
  return new ProviderError('somos', message, { retryable: false, kind: 'invalid_request' });
}

/** G: TextEnablementRegistry against the sandbox's /tss/v1 surface. */
export function createSandboxTextEnablementRegistry(options: SandboxTextEnablementOptions): TextEnablementRegistry {
  const overrides = options.http ?? {};
  const http: ProviderHttp = createProviderHttp({
    ...overrides,
    provider: 'somos',
    baseUrl: options.baseUrl,
    ...(options.logger ? { logger: options.logger } : {}),
    mapError: (status, body, headers) => mapSomosError(status, body, headers),
  });
  const acceptVersion = options.acceptVersion ?? DEFAULT_ACCEPT_VERSION;

  async function send<T>(req: Parameters<ProviderHttp['request']>[0]): Promise<T> {
    const token = await options.tokens.getToken();
    const headers = (t: string) => ({ authorization: `Bearer ${t}`, roid: options.roid, 'accept-version': acceptVersion });
    try {
      return (await http.request<T>({ ...req, headers: headers(token) })).body;
    } catch (err) {
      if (!(err instanceof ProviderError) || err.info.httpStatus !== 401) throw err;
      const fresh = await options.tokens.getToken({ forceRefresh: true, rejectedToken: token });
      return (await http.request<T>({ ...req, headers: headers(fresh) })).body;
    }
  }

  return {
    async request(num, opts) {
      let tfn: string;
      try {
        tfn = normalizeTollFree(num);
      } catch (err) {
        throw invalid(err instanceof RoutingMappingError ? err.message : 'num is invalid');
      }
      if (!opts.sms && !opts.mms) throw invalid('at least one of sms or mms must be requested');
      if (opts.webhookUrl !== undefined) {
        let ok = false;
        try {
          const u = new URL(opts.webhookUrl);
          ok = u.protocol === 'https:' || u.protocol === 'http:';
        } catch {
          ok = false;
        }
        if (!ok) throw invalid('webhookUrl must be an absolute http(s) URL');
      }
      const body = await send<{ requestId?: unknown; status?: unknown }>({
        method: 'POST',
        path: TSS_SANDBOX_PATHS.requests,
        json: { num: tfn, sms: opts.sms, mms: opts.mms, ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl } : {}) },
        idempotent: false,
        operation: 'somos.tss.request',
      });
      if (typeof body?.requestId !== 'string' || !body.requestId) throw unexpectedResponse('text enablement request', 'no requestId');
      return { requestId: body.requestId, status: 'pending' };
    },

    async status(requestId) {
      if (!requestId) throw invalid('requestId is required');
      const body = await send<{ status?: unknown; reason?: unknown }>({
        method: 'GET',
        path: TSS_SANDBOX_PATHS.request(requestId),
        idempotent: true,
        operation: 'somos.tss.status',
      });
      const status = typeof body?.status === 'string' ? body.status.toLowerCase() : '';
      if (!(STATUSES as readonly string[]).includes(status)) throw unexpectedResponse('text enablement status', `status '${String(body?.status)}'`);
      return status === 'rejected' ? { status, reason: reasonOf(body) } : { status: status as TextEnablementStatus };
    },

    async disable(requestId) {
      if (!requestId) throw invalid('requestId is required');
      const body = await send<{ status?: unknown }>({
        method: 'DELETE',
        path: TSS_SANDBOX_PATHS.request(requestId),
        idempotent: true,
        operation: 'somos.tss.disable',
      });
      if (String(body?.status).toLowerCase() !== 'disabled') throw unexpectedResponse('text enablement disable', `status '${String(body?.status)}'`);
      return { status: 'disabled' };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The response window (pure)

const DAY_MS = 24 * 60 * 60 * 1000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Monday-Friday and not in `holidays` (YYYY-MM-DD), evaluated in UTC. */
export function isBusinessDay(date: Date, holidays: ReadonlySet<string> | readonly string[] = []): boolean {
  const set = holidays instanceof Set ? holidays : new Set(holidays as readonly string[]);
  const dow = date.getUTCDay();
  return dow !== 0 && dow !== 6 && !set.has(isoDay(date));
}

/**
 * `start` plus `days` business days, keeping the time of day (UTC). A start on a non-business
 * day counts from 00:00 of the next business day.
 * Examples: Fri 15:00 + 2 → Tue 15:00; Thu 12:00 + 2 → Mon 12:00; Sat 10:00 + 2 → Wed 00:00.
 */
export function addBusinessDays(start: Date, days: number, holidays: readonly string[] = []): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError('days must be a whole number >= 0');
  const set = new Set(holidays);
  let t = new Date(start.getTime());
  if (!isBusinessDay(t, set)) {
    t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
    do t = new Date(t.getTime() + DAY_MS);
    while (!isBusinessDay(t, set));
  }
  for (let added = 0; added < days; ) {
    t = new Date(t.getTime() + DAY_MS);
    if (isBusinessDay(t, set)) added++;
  }
  return t;
}

/** When the TSS response to a request submitted at `submittedAt` is due (default 2 business days). */
export function textEnablementDueDate(submittedAt: Date, options: { businessDays?: number; holidays?: readonly string[] } = {}): Date {
  return addBusinessDays(submittedAt, options.businessDays ?? 2, options.holidays ?? []);
}
