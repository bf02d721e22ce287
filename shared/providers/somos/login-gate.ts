/**
 * The token manager's side of the login circuit breaker (auth-breaker.ts): asked before every
 * session open, told how each one ended. Logins only: a refresh (no password) is never held back.
 */
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import {
  AUTH_BREAKER_CLOSED_EVENT,
  AUTH_BREAKER_OPEN_EVENT,
  afterInconclusiveProbe,
  afterRejectedLogin,
  afterSuccessfulLogin,
  breakerDecision,
  claimProbe,
  probesHeld,
  type AuthBreakerStore,
  type BreakerConfig,
  type BreakerState,
} from './auth-breaker.js';

export const AUTH_BREAKER_PROBE_EVENT = 'somos.auth_breaker_probe';

/** 503 while logins are paused; Retry-After says when one login will be tried again. */
export class SomosLoginPausedError extends AppError {
  constructor(retryAfterMs: number, state: Pick<BreakerState, 'consecutiveFailures' | 'state'>, now: number, held = false) {
    const retryAt = new Date(now + retryAfterMs).toISOString();
    super(
      'SERVICE_UNAVAILABLE',
      held
        ? `Somos logins are paused: the registry rejected the platform's login ${state.consecutiveFailures} times in a row, one short of locking the user. Put corrected credentials in the secret provider-somos-platform (a new version): only then is one login tried`
        : `Somos logins are paused: the registry rejected the platform's login ${state.consecutiveFailures} times in a row (circuit breaker ${state.state === 'half_open' ? 'probing' : 'open'}). Check the secret provider-somos-platform; one login is tried again after ${retryAt}`,
      { provider: 'somos', reason: 'login_paused', breaker: state.state, consecutiveFailures: state.consecutiveFailures, retryAt, retryable: true, ...(held ? { waitingFor: 'new_credentials' } : {}) },
      Math.max(1, Math.ceil(retryAfterMs / 1000)),
    );
    this.name = 'SomosLoginPausedError';
  }
}

export interface LoginGate {
  /** Throws SomosLoginPausedError when no login may happen now (no Firestore read while the local copy says open). */
  checkLocal(): void;
  /** Before a session open: proceeds (closed), claims the probe (cool-down over), or throws SomosLoginPausedError. */
  enter(): Promise<void>;
  /** The registry refused the login (credentials, locked user). */
  rejected(reason: string, fields?: Record<string, unknown>): Promise<void>;
  /** The login failed for another reason (unreachable, 5xx): says nothing about the credentials. */
  inconclusive(): Promise<void>;
  succeeded(): Promise<void>;
}

export function createLoginGate(options: {
  store: AuthBreakerStore;
  config: BreakerConfig;
  holder: string;
  now: () => number;
  log: Logger;
  /** The platform credentials' current secret version (a version number, never the secret): new credentials may be tried at the lockout guard. */
  credentialsVersion?: () => Promise<string | undefined>;
}): LoginGate {
  const { store, config, holder, now, log } = options;
  const version = () => (options.credentialsVersion ? options.credentialsVersion().catch(() => undefined) : Promise.resolve(undefined));
  let heldLogged = false;
  /** Local copy of "open until": callers of this instance are refused without reading Firestore. */
  let pausedUntil = 0;
  let pausedState: Pick<BreakerState, 'consecutiveFailures' | 'state'> = { consecutiveFailures: 0, state: 'open' };
  let probing = false;

  let pausedHeld = false;
  const pause = (retryAfterMs: number, s: Pick<BreakerState, 'consecutiveFailures' | 'state'>, held = false) => {
    pausedUntil = now() + retryAfterMs;
    pausedState = { consecutiveFailures: s.consecutiveFailures, state: s.state };
    pausedHeld = held;
    return new SomosLoginPausedError(retryAfterMs, pausedState, now(), held);
  };
  const storeFailed = (what: string) => (err: unknown) => {
    log.warn('somos.auth_breaker_unavailable', { during: what, error: err instanceof Error ? err.message : String(err) });
    return undefined;
  };

  return {
    checkLocal() {
      const t = now();
      if (t < pausedUntil) throw new SomosLoginPausedError(pausedUntil - t, pausedState, t, pausedHeld);
    },

    async enter() {
      this.checkLocal();
      probing = false;
      const current = await store.read().catch(storeFailed('read'));
      // Firestore unreachable: the lease is too, so nobody renews anyway; do not add a second failure.
      if (!current) return;
      // Asked only while logins are paused: whether the operator has put new credentials in the secret.
      const credentials = current.state === 'closed' ? undefined : await version();
      const decision = breakerDecision(current, now(), holder, config, credentials);
      if (decision.kind === 'proceed') return;
      if (decision.kind === 'reject') {
        if (decision.held && !heldLogged) {
          heldLogged = true;
          log.error(AUTH_BREAKER_OPEN_EVENT, { transition: 'held', consecutiveFailures: current.consecutiveFailures, waitingFor: 'new_credentials' });
        }
        throw pause(decision.retryAfterMs, current, decision.held === true);
      }
      heldLogged = false;
      const claimed = await store.update((s) => claimProbe(s, now(), holder, config, credentials)).catch(storeFailed('claim'));
      if (!claimed) throw pause(config.cooldownMs, current);
      const after = claimed.state;
      if (after.state === 'half_open' && after.probeHolder === holder) {
        probing = true;
        log.warn(AUTH_BREAKER_PROBE_EVENT, { consecutiveFailures: after.consecutiveFailures, probeExpiresAt: after.probeExpiresAt });
        return;
      }
      const again = breakerDecision(after, now(), holder, config, credentials);
      if (again.kind === 'proceed') return;
      throw pause(again.kind === 'reject' ? again.retryAfterMs : config.cooldownMs, after);
    },

    async rejected(reason, fields = {}) {
      let opened: 'tripped' | 'probe_failed' | undefined;
      const credentials = await version();
      const result = await store
        .update((s) => {
          const t = afterRejectedLogin(s, now(), config, reason, credentials);
          opened = t.opened;
          return t.next;
        })
        .catch(storeFailed('record_rejection'));
      probing = false;
      if (!result) return;
      const s = result.state;
      if (s.state === 'open' && s.retryAt) {
        pausedUntil = Date.parse(s.retryAt);
        pausedState = { consecutiveFailures: s.consecutiveFailures, state: 'open' };
        pausedHeld = probesHeld(s, config, credentials);
      }
      if (opened) {
        // The alert policy matches this line (terraform/monitoring.tf).
        log.error(AUTH_BREAKER_OPEN_EVENT, {
          ...fields,
          transition: opened,
          reason,
          consecutiveFailures: s.consecutiveFailures,
          threshold: config.threshold,
          retryAt: s.retryAt,
          cooldownSeconds: Math.round((s.cooldownMs ?? config.cooldownMs) / 1000),
        });
      }
    },

    async inconclusive() {
      if (!probing) return;
      probing = false;
      await store.update((s) => afterInconclusiveProbe(s, now(), config, holder)).catch(storeFailed('record_probe'));
    },

    async succeeded() {
      probing = false;
      pausedUntil = 0;
      let before: BreakerState | undefined;
      await store
        .update((s) => {
          before = s;
          return s.state === 'closed' && s.consecutiveFailures === 0 ? undefined : afterSuccessfulLogin(s, now());
        })
        .catch(storeFailed('record_success'));
      if (before && before.state !== 'closed') log.info(AUTH_BREAKER_CLOSED_EVENT, { consecutiveFailures: before.consecutiveFailures, openedAt: before.openedAt });
    },
  };
}
