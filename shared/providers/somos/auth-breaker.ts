/**
 * Somos login circuit breaker: the state machine (pure) and its store (one Firestore document shared
 * by every instance, or memory for one process).
 *
 * Why: the registry locks a user after a few consecutive failed logons (`permRecord.maxLogonAttempts`,
 * 5 in every public sample; G: that the registry locks at that count). With rejected credentials every
 * caller that needs a token would otherwise try `session/open` again. The breaker counts consecutive
 * rejected session opens across instances; at `threshold` it OPENS: no instance logs in, callers get
 * 503 SERVICE_UNAVAILABLE with Retry-After. After the cool-down ONE instance claims the probe
 * (HALF_OPEN, a probe lease with an expiry in case it dies) and logs in once: success CLOSES the
 * breaker, failure re-opens it with the cool-down doubled (up to maxCooldownMs).
 *
 *   closed --(threshold-th consecutive rejection)--> open --(retryAt passed, probe claimed)--> half_open
 *   half_open --(probe login ok)--> closed ;  half_open --(probe failed)--> open (cool-down x2)
 *   half_open --(probe lease expired: holder died)--> another instance may claim the probe
 */
import type { Firestore } from '@google-cloud/firestore';
import { z } from 'zod';

export const DEFAULT_BREAKER_DOC = 'platform/somosAuthBreaker';

/** Stable log messages (a log-based metric and an alert policy match the first). */
export const AUTH_BREAKER_OPEN_EVENT = 'somos.auth_breaker_open';
export const AUTH_BREAKER_CLOSED_EVENT = 'somos.auth_breaker_closed';

export const breakerStateSchema = z.object({
  state: z.enum(['closed', 'open', 'half_open']).catch('closed'),
  /** Consecutive rejected session opens (any instance). */
  consecutiveFailures: z.number().int().min(0).catch(0),
  openedAt: z.string().nullish(),
  /** While open: when a probe may start. */
  retryAt: z.string().nullish(),
  /** The cool-down that set retryAt (doubles after a failed probe). */
  cooldownMs: z.number().int().positive().nullish(),
  probeHolder: z.string().nullish(),
  probeExpiresAt: z.string().nullish(),
  lastReason: z.string().nullish(),
  /** The platform credentials' secret version the last rejection used (a version number: never the secret). */
  rejectedCredentialsVersion: z.string().nullish(),
  /** How many times the breaker opened from closed. */
  trips: z.number().int().min(0).catch(0),
  updatedAt: z.string().nullish(),
});
export type BreakerState = z.infer<typeof breakerStateSchema>;

export interface BreakerConfig {
  /** Consecutive rejected logins that open the breaker (keep it below the registry's lockout count). */
  threshold: number;
  /** First cool-down before a probe. */
  cooldownMs: number;
  /** Upper bound of the doubled cool-down. */
  maxCooldownMs: number;
  /** How long a probe holder may take before another instance may probe. */
  probeTtlMs: number;
  /**
   * The registry's lockout: consecutive failed logons that lock the user (G: 5, `permRecord.maxLogonAttempts`).
   * Probes stop one short of it: the next login is tried only with new credentials (a new secret version).
   */
  lockoutAttempts?: number;
}

export const CLOSED: BreakerState = { state: 'closed', consecutiveFailures: 0, trips: 0 };

/** Parses a stored document (absent or damaged fields fall back to a closed breaker's). */
export function parseBreakerState(raw: unknown): BreakerState {
  const parsed = breakerStateSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : { ...CLOSED };
}

export type BreakerDecision =
  | { kind: 'proceed' }
  /** The caller may claim the probe (claimProbe) and log in once. */
  | { kind: 'probe' }
  /** This caller holds the probe already. */
  | { kind: 'probing' }
  | {
      kind: 'reject';
      retryAfterMs: number;
      state: 'open' | 'half_open';
      /** Probes stopped one short of the registry's lockout: only new credentials are tried. */
      held?: boolean;
    };

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);

/**
 * Whether another rejected login could lock the user at the registry, so only new credentials may be
 * tried: the failures are one short of the lockout and the secret has no version newer than the one
 * last rejected (an unknown version counts as unchanged).
 */
export function probesHeld(s: BreakerState, cfg: Pick<BreakerConfig, 'lockoutAttempts'>, credentialsVersion?: string): boolean {
  const lockout = cfg.lockoutAttempts ?? DEFAULT_LOCKOUT_ATTEMPTS;
  if (s.consecutiveFailures < lockout - 1) return false;
  return !credentialsVersion || !s.rejectedCredentialsVersion || credentialsVersion === s.rejectedCredentialsVersion;
}

/** G: the registry locks a user after 5 consecutive failed logons (`permRecord.maxLogonAttempts` in every public sample). */
export const DEFAULT_LOCKOUT_ATTEMPTS = 5;

/** What `holder` may do now (`credentialsVersion`: the platform secret's current version, when known). */
export function breakerDecision(s: BreakerState, now: number, holder: string, cfg: Pick<BreakerConfig, 'cooldownMs' | 'lockoutAttempts'>, credentialsVersion?: string): BreakerDecision {
  if (s.state === 'closed') return { kind: 'proceed' };
  if (probesHeld(s, cfg, credentialsVersion) && !(s.state === 'half_open' && s.probeHolder === holder)) {
    const retryAt = ms(s.retryAt);
    return { kind: 'reject', retryAfterMs: Number.isFinite(retryAt) && retryAt > now ? retryAt - now : cfg.cooldownMs, state: 'open', held: true };
  }
  if (s.state === 'open') {
    const retryAt = ms(s.retryAt);
    if (!Number.isFinite(retryAt)) return { kind: 'probe' };
    return retryAt <= now ? { kind: 'probe' } : { kind: 'reject', retryAfterMs: retryAt - now, state: 'open' };
  }
  const expires = ms(s.probeExpiresAt);
  if (!s.probeHolder || !Number.isFinite(expires) || expires <= now) return { kind: 'probe' };
  if (s.probeHolder === holder) return { kind: 'probing' };
  return { kind: 'reject', retryAfterMs: Math.max(1_000, Math.min(expires - now, cfg.cooldownMs)), state: 'half_open' };
}

/** half_open with `holder` as the prober; undefined when the decision is no longer 'probe' (someone else claimed it). */
export function claimProbe(s: BreakerState, now: number, holder: string, cfg: BreakerConfig, credentialsVersion?: string): BreakerState | undefined {
  const d = breakerDecision(s, now, holder, cfg, credentialsVersion);
  if (d.kind === 'probing') return s;
  if (d.kind !== 'probe') return undefined;
  return { ...s, state: 'half_open', probeHolder: holder, probeExpiresAt: new Date(now + cfg.probeTtlMs).toISOString(), updatedAt: new Date(now).toISOString() };
}

export interface FailureTransition {
  next: BreakerState;
  /** 'tripped': closed → open; 'probe_failed': half_open → open again; undefined: still closed. */
  opened?: 'tripped' | 'probe_failed';
}

/** A rejected login (session open refused by the registry), made with the credentials' `credentialsVersion` when known. */
export function afterRejectedLogin(s: BreakerState, now: number, cfg: BreakerConfig, reason: string, credentialsVersion?: string): FailureTransition {
  const next = rejected(s, now, cfg, reason);
  return { ...next, next: { ...next.next, rejectedCredentialsVersion: credentialsVersion ?? null } };
}

function rejected(s: BreakerState, now: number, cfg: BreakerConfig, reason: string): FailureTransition {
  const failures = s.consecutiveFailures + 1;
  const at = new Date(now).toISOString();
  const open = (cooldownMs: number, trips: number): BreakerState => ({
    state: 'open',
    consecutiveFailures: failures,
    openedAt: s.state === 'closed' ? at : (s.openedAt ?? at),
    retryAt: new Date(now + cooldownMs).toISOString(),
    cooldownMs,
    probeHolder: null,
    probeExpiresAt: null,
    lastReason: reason,
    trips,
    updatedAt: at,
  });
  if (s.state === 'open') {
    // A login that started before another instance opened the breaker: counted, the cool-down kept.
    return { next: { ...s, consecutiveFailures: failures, lastReason: reason, updatedAt: at } };
  }
  if (s.state === 'half_open') {
    const cooldown = Math.min(cfg.maxCooldownMs, Math.max(cfg.cooldownMs, (s.cooldownMs ?? cfg.cooldownMs) * 2));
    return { next: open(cooldown, s.trips), opened: 'probe_failed' };
  }
  if (failures >= cfg.threshold) return { next: open(cfg.cooldownMs, s.trips + 1), opened: 'tripped' };
  return { next: { ...s, consecutiveFailures: failures, lastReason: reason, updatedAt: at } };
}

/**
 * A probe that failed for another reason than a rejection (registry unreachable, state write):
 * nothing was learnt about the credentials, so the breaker re-opens with the same cool-down.
 */
export function afterInconclusiveProbe(s: BreakerState, now: number, cfg: BreakerConfig, holder: string): BreakerState | undefined {
  if (s.state !== 'half_open' || s.probeHolder !== holder) return undefined;
  const cooldown = s.cooldownMs ?? cfg.cooldownMs;
  return { ...s, state: 'open', retryAt: new Date(now + cooldown).toISOString(), probeHolder: null, probeExpiresAt: null, updatedAt: new Date(now).toISOString() };
}

/** A successful login closes the breaker and forgets the failures. */
export function afterSuccessfulLogin(s: BreakerState, now: number): BreakerState {
  return {
    state: 'closed',
    consecutiveFailures: 0,
    trips: s.trips,
    updatedAt: new Date(now).toISOString(),
    openedAt: null,
    retryAt: null,
    cooldownMs: null,
    probeHolder: null,
    probeExpiresAt: null,
    lastReason: null,
    rejectedCredentialsVersion: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Store port (+ Firestore and in-memory implementations)

export interface AuthBreakerStore {
  read(): Promise<BreakerState>;
  /** Applies `change` atomically to the current state; `undefined` writes nothing. Returns the state after. */
  update(change: (s: BreakerState) => BreakerState | undefined): Promise<{ state: BreakerState; changed: boolean }>;
}

/** The breaker as one Firestore document, changed in transactions (parsed with zod, never cast). */
export function createFirestoreAuthBreaker(firestore: Firestore | (() => Promise<Firestore>), path: string = DEFAULT_BREAKER_DOC): AuthBreakerStore {
  const db = async () => (typeof firestore === 'function' ? firestore() : firestore);
  return {
    async read() {
      const snap = await (await db()).doc(path).get();
      return parseBreakerState(snap.data());
    },
    async update(change) {
      const fs = await db();
      const ref = fs.doc(path);
      return fs.runTransaction(async (tx) => {
        const current = parseBreakerState((await tx.get(ref)).data());
        const next = change(current);
        if (!next) return { state: current, changed: false };
        // Firestore refuses undefined fields: absent ones are simply not written.
        tx.set(ref, JSON.parse(JSON.stringify(next)) as Record<string, unknown>);
        return { state: next, changed: true };
      });
    },
  };
}

/** Same semantics in memory (one process: dev tools, unit tests). */
export function createMemoryAuthBreaker(initial: BreakerState = CLOSED): AuthBreakerStore & { snapshot(): BreakerState } {
  let doc: BreakerState = { ...initial };
  return {
    read: () => Promise.resolve({ ...doc }),
    update(change) {
      const next = change({ ...doc });
      if (next) doc = { ...next };
      return Promise.resolve({ state: { ...doc }, changed: Boolean(next) });
    },
    snapshot: () => ({ ...doc }),
  };
}
