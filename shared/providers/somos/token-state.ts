/** Somos token manager: the token state (from session and refresh answers, in and out of its secret) and when to renew it. */
import { z } from 'zod';
import { unexpectedResponse } from './errors.js';
import { DEFAULT_ACCESS_TTL_SECONDS, DEFAULT_REFRESH_TTL_SECONDS, type SomosTokenState } from './token-types.js';

// ---------------------------------------------------------------------------------------------
// Pure state logic (unit-tested with a fake clock)

export interface TokenMargins {
  /** Renew when the access token has less than this left (getToken). */
  refreshMarginMs: number;
  /** Re-open the session instead of refreshing when the refresh token has less than this left. */
  reopenMarginMs: number;
}

/**
 * What to do with the stored state at `now`:
 * - 'use': the access token has more than refreshMarginMs left (and is not the rejected one).
 * - 'open': no state.
 * - 'reopen': the refresh token is within reopenMarginMs of its end (or past it).
 * - 'refresh': otherwise.
 */
export function decideTokenAction(
  state: SomosTokenState | undefined,
  now: number,
  margins: TokenMargins,
  rejectedToken?: string,
): 'use' | 'refresh' | 'reopen' | 'open' {
  if (!state) return 'open';
  const accessOk = state.expiresAt - now > margins.refreshMarginMs && state.refreshExpiresAt > now;
  if (accessOk && state.accessToken !== rejectedToken) return 'use';
  if (state.refreshExpiresAt - now <= margins.reopenMarginMs) return 'reopen';
  return 'refresh';
}

const positiveSeconds = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
};

/** C: session open response → state. G: expiresIn in seconds; refresh lifetime from options (C1 24 h). */
export function stateFromSessionResponse(
  body: unknown,
  now: number,
  defaults: { accessTtlSeconds?: number; refreshTtlSeconds?: number } = {},
): SomosTokenState {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' && b[k] !== '' ? (b[k]) : undefined);
  const accessToken = str('oauthToken');
  const refreshToken = str('refreshToken');
  const clientKey = str('clientKey');
  const clientSecret = str('clientSecret');
  if (!accessToken || !refreshToken || !clientKey || !clientSecret) {
    const missing = [
      !accessToken && 'oauthToken',
      !refreshToken && 'refreshToken',
      !clientKey && 'clientKey',
      !clientSecret && 'clientSecret',
    ].filter(Boolean);
    throw unexpectedResponse('session open', `missing ${missing.join(', ')}`);
  }
  const accessTtl = positiveSeconds(b.expiresIn) ?? defaults.accessTtlSeconds ?? DEFAULT_ACCESS_TTL_SECONDS;
  const refreshTtl = defaults.refreshTtlSeconds ?? DEFAULT_REFRESH_TTL_SECONDS;
  return {
    accessToken,
    expiresAt: now + accessTtl * 1000,
    refreshToken,
    refreshExpiresAt: now + refreshTtl * 1000,
    clientKey,
    clientSecret,
    sessionOpenedAt: now,
  };
}

/**
 * C1: /token response {access_token, refresh_token, expires_in} → next state. The client
 * key/secret and session start carry over. G: the refresh token keeps the session's end unless
 * the answer states its own lifetime (refresh_token_expires_in, a common OAuth2 extension).
 */
export function stateFromRefreshResponse(previous: SomosTokenState, body: unknown, now: number): SomosTokenState {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const accessToken = typeof b.access_token === 'string' && b.access_token ? b.access_token : undefined;
  if (!accessToken) throw unexpectedResponse('token refresh', 'missing access_token');
  const refreshToken = typeof b.refresh_token === 'string' && b.refresh_token ? b.refresh_token : previous.refreshToken;
  const accessTtl = positiveSeconds(b.expires_in) ?? DEFAULT_ACCESS_TTL_SECONDS;
  const refreshTtl = positiveSeconds(b.refresh_token_expires_in);
  return {
    ...previous,
    accessToken,
    refreshToken,
    expiresAt: now + accessTtl * 1000,
    refreshExpiresAt: refreshTtl !== undefined ? now + refreshTtl * 1000 : previous.refreshExpiresAt,
  };
}

const stateSchema = z.object({
  accessToken: z.string().min(1),
  expiresAt: z.number(),
  refreshToken: z.string().min(1),
  refreshExpiresAt: z.number(),
  clientKey: z.string().min(1),
  clientSecret: z.string().min(1),
  sessionOpenedAt: z.number(),
});

export function serializeTokenState(state: SomosTokenState): string {
  return JSON.stringify({ v: 1, ...state });
}

/** undefined for an unreadable payload (treated like "no state": a new session is opened). */
export function parseTokenState(payload: string): SomosTokenState | undefined {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
