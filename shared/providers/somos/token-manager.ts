/**
 * Somos TFN Registry token manager: one platform session shared by every instance.
 *
 * Where things live:
 * - Platform credentials: Secret Manager, JSON `{username, password, environment}` (secret name passed in).
 * - Token state: a NEW VERSION of a state secret on every renewal (SecretStore.put). Never in
 *   Firestore, never logged.
 * - Coordination: a Firestore lease document (default `platform/somosTokenLease`: holder,
 *   expiresAt, consecutiveFailures, lastOutcome). Only the lease holder talks to /token or
 *   /sec/session/*; other instances poll the state secret for the new version.
 *
 * Registry calls (labels from ../shared/contracts/somos/README.md):
 * - C:  POST /v3/ip/sec/session/open {usrName, password, withPerm} → {oauthToken, refreshToken,
 *       clientKey, clientSecret, expiresIn, tokenType, scope, permRecord}.
 * - C:  701003 "already logged in" + top-level sessOverrideKey → repeat with sessOverrideKey.
 *       G: the HTTP status of that answer (handled on 2xx and on error statuses alike).
 * - C:  POST /token (no /v3/ip prefix), form grant_type=refresh_token&refresh_token=…, HTTP Basic
 *       clientKey:clientSecret. C1: response {access_token, refresh_token, expires_in}.
 * - C:  PUT /v3/ip/sec/session/close {clientKey, clientSecret}.
 * - C1: lifetimes 60 min (access) / 24 h (refresh). G: expiresIn is in seconds; the refresh
 *       token's lifetime stays anchored to the session open (a refresh does not extend it).
 *
 * Pass an UNCACHED SecretStore: waiting instances must see the new state version at once
 * (this manager keeps its own short in-memory cache).
 */
import { randomUUID } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import { logger as rootLogger, type Logger } from '../../log.js';
import { SecretNotFoundError, type SecretStore } from '../../secrets/secret-store.js';
import { createProviderHttp, type ProviderHttpOptions } from '../http.js';
import { ProviderError } from '../types.js';
import { type AuthBreakerStore, type BreakerConfig, createFirestoreAuthBreaker, createMemoryAuthBreaker, DEFAULT_BREAKER_DOC } from './auth-breaker.js';
import { mapSomosError } from './errors.js';
import { createLoginGate, SomosLoginPausedError } from './login-gate.js';
import { AUTH_FAILURES_CONSECUTIVE_EVENT, AUTH_FAILURE_EVENT, DEFAULT_ACCEPT_VERSION, DEFAULT_LEASE_DOC, type RefreshOutcome, SOMOS_HOSTS, SOMOS_SESSION_CLOSE_PATH, SOMOS_TOKEN_PATH, type SomosPlatformCredentials, type SomosTokenSource, type SomosTokenState, type TokenAction, platformCredentialsSchema } from './token-types.js';
import { type TokenLeaseStore, createFirestoreTokenLease } from './token-lease.js';
import { isLoginRejection, openSession, type SessionForceMode, type SessionOpenDeps } from './token-session.js';
import { type TokenMargins, decideTokenAction, parseTokenState, serializeTokenState, stateFromRefreshResponse } from './token-state.js';
export * from './token-types.js';
export * from './auth-breaker.js';
export { SomosLoginPausedError, AUTH_BREAKER_PROBE_EVENT } from './login-gate.js';
export { SESSION_FORCE_MODES, type SessionForceMode } from './token-session.js';
export * from './token-lease.js';
export * from './token-state.js';

// ---------------------------------------------------------------------------------------------
// The manager

export interface SomosTokenManagerOptions {
  secrets: SecretStore;
  /** Secret holding {username, password, environment}. */
  credentialsSecret: string;
  /** Secret whose versions hold the token state. */
  stateSecret: string;
  /** Firestore for the cross-instance lease (document leaseDocPath)... */
  firestore?: Firestore | (() => Promise<Firestore>);
  /** ...or any lease store (tests, dev stack). One of the two is required. */
  lease?: TokenLeaseStore;
  leaseDocPath?: string;
  /** Overrides the host chosen by credentials.environment (sandboxes, tests). */
  baseUrl?: string;
  acceptVersion?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  /** HTTP client overrides (dispatcher, maxRetries, sleep, timeoutMs...). */
  http?: Partial<ProviderHttpOptions>;
  /** Identifies this instance as lease holder (default: random). */
  instanceId?: string;
  refreshMarginMs?: number; // default 10 min
  /** Margin used by refreshIfNeeded() (scheduled every 10 min): default 25 min. */
  scheduledRefreshMarginMs?: number;
  reopenMarginMs?: number; // default 1 h
  memoryTtlMs?: number; // default 30 s
  /** How long a renewal may hold the lease before another instance may take over. Default 60 s. */
  leaseTtlMs?: number;
  pollIntervalMs?: number; // default 200 ms
  /** How long a caller waits for another instance's renewal before giving up. Default 30 s. */
  waitTimeoutMs?: number;
  /** The failure count that logs AUTH_FAILURES_CONSECUTIVE_EVENT at ERROR. Default 3. */
  alertThreshold?: number;
  /** G: when session opens send `forceFlag: 'Y'` (token-session.ts). Default 'off'. */
  sessionForceFlag?: SessionForceMode;
  /** Login circuit breaker: a store (tests), or Firestore at breakerDocPath (default next to the lease). */
  breaker?: AuthBreakerStore;
  breakerDocPath?: string;
  /** Threshold 3 (the registry's lockout is assumed at 5), cool-down 5 min doubling to 1 h, probe lease = leaseTtlMs. */
  breakerConfig?: Partial<BreakerConfig>;
  /** C1 defaults when the registry does not state lifetimes. */
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
}

export interface SomosTokenManager extends SomosTokenSource {
  /** For the scheduled function: renews well before expiry, re-opens near the refresh token's end. */
  refreshIfNeeded(): Promise<RefreshOutcome>;
  /** Low level (used by the manager under the lease; exposed for tools and tests). */
  openSession(): Promise<SomosTokenState>;
  refresh(state: SomosTokenState): Promise<SomosTokenState>;
  closeSession(state: Pick<SomosTokenState, 'clientKey' | 'clientSecret'> & { accessToken?: string }): Promise<void>;
  /** Drops the in-memory cache (the next call reads the state secret). */
  invalidate(): void;
}

type Stage = 'credentials' | 'session_open' | 'refresh' | 'state_write' | 'lease' | 'lease_wait';

class StageError extends Error {
  constructor(
    readonly stage: Stage,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'StageError';
  }
}

/** A stable, secret-free reason for logs. */
export function authFailureReason(stage: Stage, err: unknown): string {
  if (stage === 'credentials') return err instanceof SecretNotFoundError ? 'credentials_missing' : 'credentials_invalid';
  if (stage === 'lease_wait') return 'lease_wait_timeout';
  if (err instanceof ProviderError) {
    if (err.info.kind === 'auth' || err.info.httpStatus === 401 || err.info.httpStatus === 403) {
      return stage === 'refresh' ? 'refresh_rejected' : 'session_rejected';
    }
    if (err.info.kind === 'unavailable' || err.info.kind === 'rate_limited') return 'registry_unavailable';
    return stage === 'refresh' ? 'refresh_failed' : 'session_failed';
  }
  return `${stage}_failed`;
}

const providerFields = (err: unknown) => (err instanceof ProviderError ? { httpStatus: err.info.httpStatus, providerCode: err.info.providerCode } : {});

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSomosTokenManager(options: SomosTokenManagerOptions): SomosTokenManager {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const log = (options.logger ?? rootLogger).child({ provider: 'somos', component: 'somos-token' });
  const holder = options.instanceId ?? `somos-${randomUUID()}`;
  const margins: TokenMargins = {
    refreshMarginMs: options.refreshMarginMs ?? 10 * 60_000,
    reopenMarginMs: options.reopenMarginMs ?? 60 * 60_000,
  };
  const scheduledMargins: TokenMargins = {
    refreshMarginMs: options.scheduledRefreshMarginMs ?? 25 * 60_000,
    reopenMarginMs: margins.reopenMarginMs,
  };
  const memoryTtlMs = options.memoryTtlMs ?? 30_000;
  // Longer than a worst-case renewal (session open + override + close, each with HTTP timeouts).
  const leaseTtlMs = options.leaseTtlMs ?? 60_000;
  const pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 200);
  const maxPolls = Math.max(1, Math.ceil((options.waitTimeoutMs ?? 30_000) / pollIntervalMs));
  const alertThreshold = options.alertThreshold ?? 3;
  const acceptVersion = options.acceptVersion ?? DEFAULT_ACCEPT_VERSION;
  let lease: TokenLeaseStore;
  if (options.lease) lease = options.lease;
  else if (options.firestore) lease = createFirestoreTokenLease(options.firestore, { path: options.leaseDocPath ?? DEFAULT_LEASE_DOC, now });
  else throw new Error('createSomosTokenManager: pass firestore (or a lease store)');

  const breakerConfig: BreakerConfig = {
    threshold: 3,
    cooldownMs: 5 * 60_000,
    maxCooldownMs: 60 * 60_000,
    probeTtlMs: leaseTtlMs,
    ...options.breakerConfig,
  };
  const breaker: AuthBreakerStore =
    options.breaker ??
    (options.firestore
      ? createFirestoreAuthBreaker(options.firestore, options.breakerDocPath ?? (options.leaseDocPath ? `${options.leaseDocPath}-authBreaker` : DEFAULT_BREAKER_DOC))
      : createMemoryAuthBreaker());
  const gate = createLoginGate({
    store: breaker,
    config: breakerConfig,
    holder,
    now,
    log,
    ...(options.secrets.latestVersion ? { credentialsVersion: () => options.secrets.latestVersion!(options.credentialsSecret) } : {}),
  });

  let cached: { state: SomosTokenState; until: number } | undefined;
  let inflight: Promise<SomosTokenState> | undefined;
  /** Used only when the lease document cannot be written (Firestore down). */
  let localFailures = 0;

  // --- credentials and state -------------------------------------------------------------------

  async function loadCredentials(): Promise<SomosPlatformCredentials> {
    const raw = await options.secrets.access(options.credentialsSecret);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new Error('Somos platform credentials secret is not JSON');
    }
    const parsed = platformCredentialsSchema.safeParse(json);
    if (!parsed.success) {
      // Field names only: never the values.
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
      throw new Error(`Somos platform credentials secret is invalid (${fields})`);
    }
    return parsed.data;
  }

  async function readState(): Promise<SomosTokenState | undefined> {
    try {
      const payload = await options.secrets.access(options.stateSecret);
      const state = parseTokenState(payload);
      if (!state) log.warn('somos.token_state_unreadable', { secret: options.stateSecret });
      return state;
    } catch (err) {
      if (err instanceof SecretNotFoundError) return undefined;
      throw err;
    }
  }

  function httpFor(baseUrl: string, secrets: readonly (string | undefined)[], onErrorBody?: (body: unknown) => void) {
    const overrides = options.http ?? {};
    return createProviderHttp({
      ...overrides,
      provider: 'somos',
      baseUrl,
      logger: options.logger ?? overrides.logger ?? rootLogger,
      mapError: (status, body, headers) => {
        onErrorBody?.(body);
        return mapSomosError(status, body, headers, secrets);
      },
    });
  }

  const baseUrlFor = (creds: SomosPlatformCredentials) => options.baseUrl ?? SOMOS_HOSTS[creds.environment];

  // --- registry calls ----------------------------------------------------------------------------

  const sessionDeps = (creds: SomosPlatformCredentials): SessionOpenDeps => ({
    httpFor: (secrets, onErrorBody) => httpFor(baseUrlFor(creds), secrets, onErrorBody),
    acceptVersion,
    forceFlag: options.sessionForceFlag ?? 'off',
    log,
    now,
    ...(options.accessTtlSeconds !== undefined ? { accessTtlSeconds: options.accessTtlSeconds } : {}),
    ...(options.refreshTtlSeconds !== undefined ? { refreshTtlSeconds: options.refreshTtlSeconds } : {}),
  });
  const openSessionWith = (creds: SomosPlatformCredentials) => openSession(sessionDeps(creds), creds);

  async function refreshWith(creds: SomosPlatformCredentials, state: SomosTokenState): Promise<SomosTokenState> {
    const basic = Buffer.from(`${state.clientKey}:${state.clientSecret}`, 'utf8').toString('base64');
    const http = httpFor(baseUrlFor(creds), [state.refreshToken, state.clientSecret, state.accessToken, basic]);
    const res = await http.request({
      method: 'POST',
      path: SOMOS_TOKEN_PATH,
      form: { grant_type: 'refresh_token', refresh_token: state.refreshToken },
      headers: { authorization: `Basic ${basic}` },
      // A refresh token may be single-use: a blind retry could burn it.
      idempotent: false,
      operation: 'somos.token.refresh',
    });
    return stateFromRefreshResponse(state, res.body, now());
  }

  async function closeWith(
    creds: SomosPlatformCredentials,
    state: Pick<SomosTokenState, 'clientKey' | 'clientSecret'> & { accessToken?: string },
  ): Promise<void> {
    const http = httpFor(baseUrlFor(creds), [state.clientSecret, state.accessToken]);
    await http.request({
      method: 'PUT',
      path: SOMOS_SESSION_CLOSE_PATH,
      json: { clientKey: state.clientKey, clientSecret: state.clientSecret },
      headers: {
        'accept-version': acceptVersion,
        // G: whether close wants the session's bearer token; sending it is harmless.
        ...(state.accessToken ? { authorization: `Bearer ${state.accessToken}` } : {}),
      },
      idempotent: true,
      operation: 'somos.session.close',
    });
  }

  // --- renewal under the lease ---------------------------------------------------------------------

  async function renew(current: SomosTokenState | undefined, decision: 'refresh' | 'reopen' | 'open'): Promise<{ state: SomosTokenState; action: TokenAction }> {
    let creds: SomosPlatformCredentials;
    try {
      creds = await loadCredentials();
    } catch (err) {
      throw new StageError('credentials', err);
    }
    const open = async () => {
      // The login circuit breaker: throws SomosLoginPausedError (503) instead of logging in.
      await gate.enter();
      try {
        const state = await openSessionWith(creds);
        await gate.succeeded();
        return state;
      } catch (err) {
        if (isLoginRejection(err)) await gate.rejected(authFailureReason('session_open', err), providerFields(err));
        else await gate.inconclusive();
        throw new StageError('session_open', err);
      }
    };
    const rotate = async (old: SomosTokenState) => {
      const next = await open();
      // The new session replaces the old one: close the old (best effort; an override may already have).
      try {
        await closeWith(creds, old);
      } catch (err) {
        log.info('somos.session_close_failed', {
          httpStatus: err instanceof ProviderError ? err.info.httpStatus : undefined,
          providerCode: err instanceof ProviderError ? err.info.providerCode : undefined,
        });
      }
      return next;
    };
    if (!current || decision === 'open') return { state: await open(), action: 'opened' };
    if (decision === 'reopen') return { state: await rotate(current), action: 'reopened' };
    try {
      return { state: await refreshWith(creds, current), action: 'refreshed' };
    } catch (err) {
      const status = err instanceof ProviderError ? err.info.httpStatus : undefined;
      const oauthCode = err instanceof ProviderError ? err.info.providerCode : undefined;
      // 401 (or OAuth invalid_grant): the refresh token is dead → a new session. Anything else propagates.
      if (status === 401 || (status === 400 && oauthCode === 'invalid_grant')) {
        log.warn(AUTH_FAILURE_EVENT, { reason: 'refresh_rejected', stage: 'refresh', httpStatus: status, recovery: 'reopen_session' });
        return { state: await rotate(current), action: 'reopened' };
      }
      throw new StageError('refresh', err);
    }
  }

  async function recordFailure(stage: Stage, err: unknown): Promise<void> {
    const reason = authFailureReason(stage, err);
    let count: number;
    try {
      count = await lease.recordOutcome({ ok: false, action: 'failed', reason });
      localFailures = count;
    } catch {
      count = ++localFailures;
    }
    const fields = {
      reason,
      stage,
      attempt: count,
      consecutiveFailures: count,
      ...providerFields(err),
    };
    log.warn(AUTH_FAILURE_EVENT, fields);
    if (count >= alertThreshold) {
      log.error(AUTH_FAILURES_CONSECUTIVE_EVENT, { ...fields, threshold: alertThreshold });
    }
  }

  async function recordSuccess(action: TokenAction): Promise<void> {
    localFailures = action === 'none' ? localFailures : 0;
    try {
      await lease.recordOutcome({ ok: true, action });
    } catch (err) {
      log.warn('somos.token_outcome_not_recorded', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * Returns a usable state: from the state secret when it is good enough, otherwise renewed by
   * whoever holds the lease (this instance or another one, whose result we poll for).
   */
  async function obtain(m: TokenMargins, rejectedToken: string | undefined): Promise<{ state: SomosTokenState; action: TokenAction }> {
    for (let poll = 0; ; poll++) {
      const state = await readState();
      if (decideTokenAction(state, now(), m, rejectedToken) === 'use') return { state: state!, action: 'none' };
      // Logins paused and nothing to refresh with: refused here, without the lease (503, Retry-After).
      if (decideTokenAction(state, now(), m, rejectedToken) !== 'refresh') gate.checkLocal();
      let acquired: boolean;
      try {
        acquired = await lease.tryAcquire(holder, leaseTtlMs);
      } catch (err) {
        throw new StageError('lease', err);
      }
      if (acquired) {
        try {
          // Re-read under the lease: another instance may have just finished.
          const fresh = await readState();
          const decision = decideTokenAction(fresh, now(), m, rejectedToken);
          if (decision === 'use') return { state: fresh!, action: 'none' };
          let renewed: { state: SomosTokenState; action: TokenAction };
          try {
            renewed = await renew(fresh, decision);
          } catch (err) {
            // Logins paused: not another failure (nothing was sent), and no new alert line per caller.
            if (err instanceof SomosLoginPausedError) throw err;
            const staged = err instanceof StageError ? err : new StageError('session_open', err);
            await recordFailure(staged.stage, staged.cause);
            // The platform's login was refused: not the caller's fault, and a later try may succeed once the
            // credentials are fixed (a bulk item waits instead of failing for good; the breaker paces the tries).
            if (staged.stage === 'session_open' && isLoginRejection(staged.cause)) {
              const cause = staged.cause as ProviderError;
              throw new ProviderError('somos', cause.message, { ...cause.info, retryable: true });
            }
            throw staged.cause;
          }
          try {
            await options.secrets.put(options.stateSecret, serializeTokenState(renewed.state), { component: 'somos-token' });
            // Each renewal is a new version; keep a few (readers mid-rotation) and destroy the rest.
            await options.secrets.pruneVersions?.(options.stateSecret, 3).catch((err: unknown) => log.warn('could not prune old token versions', { err }));
          } catch (err) {
            await recordFailure('state_write', err);
            throw err;
          }
          await recordSuccess(renewed.action);
          log.info('somos.token_renewed', {
            action: renewed.action,
            expiresAt: new Date(renewed.state.expiresAt).toISOString(),
            refreshExpiresAt: new Date(renewed.state.refreshExpiresAt).toISOString(),
          });
          return renewed;
        } finally {
          await lease.release(holder).catch((err: unknown) => {
            log.warn('somos.token_lease_release_failed', { error: err instanceof Error ? err.message : String(err) });
          });
        }
      }
      if (poll >= maxPolls) {
        log.warn(AUTH_FAILURE_EVENT, { reason: 'lease_wait_timeout', stage: 'lease_wait', polls: poll });
        throw new ProviderError('somos', 'Somos token renewal by another instance did not finish in time', {
          retryable: true,
          kind: 'unavailable',
        });
      }
      await sleep(pollIntervalMs);
    }
  }

  function remember(state: SomosTokenState): void {
    cached = { state, until: now() + memoryTtlMs };
  }

  function join(rejectedToken: string | undefined): Promise<SomosTokenState> {
    if (!inflight) {
      inflight = obtain(margins, rejectedToken)
        .then(({ state }) => {
          remember(state);
          return state;
        })
        .finally(() => {
          inflight = undefined;
        });
    }
    return inflight;
  }

  async function withCreds<T>(fn: (creds: SomosPlatformCredentials) => Promise<T>): Promise<T> {
    return fn(await loadCredentials());
  }

  return {
    async getToken(opts = {}) {
      const t = now();
      const rejected = opts.forceRefresh ? (opts.rejectedToken ?? cached?.state.accessToken ?? '') : undefined;
      if (cached && t < cached.until && decideTokenAction(cached.state, t, margins, rejected) === 'use') {
        return cached.state.accessToken;
      }
      // Single flight: every concurrent caller shares one obtain().
      let state = await join(rejected);
      if (rejected !== undefined && state.accessToken === rejected) {
        // We joined a flight that started before the rejection and kept the old token: one more, never a loop.
        state = await join(rejected);
      }
      return state.accessToken;
    },

    async refreshIfNeeded() {
      if (inflight) await inflight.catch(() => undefined);
      const { state, action } = await obtain(scheduledMargins, undefined);
      remember(state);
      if (action === 'none') await recordSuccess('none');
      return {
        action,
        expiresAt: new Date(state.expiresAt).toISOString(),
        refreshExpiresAt: new Date(state.refreshExpiresAt).toISOString(),
      };
    },

    openSession: () => withCreds(openSessionWith),
    refresh: (state) => withCreds((creds) => refreshWith(creds, state)),
    closeSession: (state) => withCreds((creds) => closeWith(creds, state)),
    invalidate() {
      cached = undefined;
    },
  };
}
