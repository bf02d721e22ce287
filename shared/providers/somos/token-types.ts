/** Somos token manager: hosts, paths, lifetimes, the platform credentials and the token state's shape. */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Types and constants

/** C: the two public hosts. */
export const SOMOS_HOSTS = {
  production: 'https://api-tfnregistry.somos.com',
  sandbox: 'https://sandbox-api-tfnregistry.somos.com',
} as const;

export const SOMOS_SESSION_OPEN_PATH = '/v3/ip/sec/session/open'; // C
export const SOMOS_SESSION_CLOSE_PATH = '/v3/ip/sec/session/close'; // C
export const SOMOS_TOKEN_PATH = '/token'; // C
export const DEFAULT_ACCEPT_VERSION = '3.11'; // C: 3.2, 3.8 and 3.11 are seen
export const DEFAULT_LEASE_DOC = 'platform/somosTokenLease';

/** C1 (unofficial notes): token lifetimes when the registry does not say. */
export const DEFAULT_ACCESS_TTL_SECONDS = 60 * 60;
export const DEFAULT_REFRESH_TTL_SECONDS = 24 * 60 * 60;

/** Stable log messages (a log-based alert policy matches the second one). */
export const AUTH_FAILURE_EVENT = 'somos.auth_failure';
export const AUTH_FAILURES_CONSECUTIVE_EVENT = 'somos.auth_failures_consecutive';

export const platformCredentialsSchema = z
  .object({
    username: z.string().min(1, 'username is required'),
    password: z.string().min(1, 'password is required'),
    environment: z.enum(['production', 'sandbox']),
  })
  .strict();
export type SomosPlatformCredentials = z.infer<typeof platformCredentialsSchema>;

/** Persisted as the state secret's payload (epoch milliseconds). */
export interface SomosTokenState {
  accessToken: string;
  expiresAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
  clientKey: string;
  clientSecret: string;
  sessionOpenedAt: number;
}

export type TokenAction = 'none' | 'refreshed' | 'reopened' | 'opened';

export interface RefreshOutcome {
  action: TokenAction;
  expiresAt: string;
  refreshExpiresAt: string;
}

/** Something that hands out a valid access token (what the registry client needs). */
export interface SomosTokenSource {
  /**
   * forceRefresh: renew even though the token looks valid (the registry answered 401).
   * rejectedToken: the token that was refused; when the current token differs, it is
   * returned without renewing (another caller already replaced it).
   */
  getToken(options?: { forceRefresh?: boolean; rejectedToken?: string }): Promise<string>;
}
