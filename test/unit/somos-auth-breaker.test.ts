/**
 * The Somos login circuit breaker: the pure state machine (auth-breaker.ts) and the gate the token
 * manager calls before each login (login-gate.ts), over the in-memory store and a fake clock.
 */
import { describe, expect, it } from 'vitest';
import {
  afterInconclusiveProbe,
  afterRejectedLogin,
  afterSuccessfulLogin,
  breakerDecision,
  claimProbe,
  CLOSED,
  createMemoryAuthBreaker,
  parseBreakerState,
  type BreakerConfig,
  type BreakerState,
} from '../../shared/providers/somos/auth-breaker.js';
import { createLoginGate, SomosLoginPausedError } from '../../shared/providers/somos/login-gate.js';
import { createLogger, setLogSink } from '../../shared/log.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T15:00:00Z');
const cfg: BreakerConfig = { threshold: 3, cooldownMs: 5 * MIN, maxCooldownMs: 60 * MIN, probeTtlMs: MIN };

function rejectTimes(s: BreakerState, n: number, t = T0): BreakerState {
  for (let i = 0; i < n; i++) s = afterRejectedLogin(s, t, cfg, 'session_rejected').next;
  return s;
}

describe('state machine', () => {
  it('stays closed below the threshold and opens on the threshold-th consecutive rejection', () => {
    const two = rejectTimes(CLOSED, 2);
    expect(two).toMatchObject({ state: 'closed', consecutiveFailures: 2 });
    expect(breakerDecision(two, T0, 'a', cfg)).toEqual({ kind: 'proceed' });
    const third = afterRejectedLogin(two, T0, cfg, 'session_rejected');
    expect(third.opened).toBe('tripped');
    expect(third.next).toMatchObject({ state: 'open', consecutiveFailures: 3, trips: 1, cooldownMs: 5 * MIN, retryAt: new Date(T0 + 5 * MIN).toISOString() });
    expect(breakerDecision(third.next, T0 + MIN, 'a', cfg)).toEqual({ kind: 'reject', retryAfterMs: 4 * MIN, state: 'open' });
  });

  it('a success before the threshold resets the count', () => {
    const s = afterSuccessfulLogin(rejectTimes(CLOSED, 2), T0);
    expect(s).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(rejectTimes(s, 2).state).toBe('closed');
  });

  it('after the cool-down exactly one holder gets the probe; others are refused until it ends or its lease expires', () => {
    const open = rejectTimes(CLOSED, 3);
    const t = T0 + 5 * MIN;
    expect(breakerDecision(open, t, 'a', cfg)).toEqual({ kind: 'probe' });
    const claimed = claimProbe(open, t, 'a', cfg)!;
    expect(claimed).toMatchObject({ state: 'half_open', probeHolder: 'a' });
    expect(claimProbe(claimed, t, 'b', cfg)).toBeUndefined();
    expect(breakerDecision(claimed, t, 'b', cfg)).toMatchObject({ kind: 'reject', state: 'half_open' });
    expect(breakerDecision(claimed, t, 'a', cfg)).toEqual({ kind: 'probing' });
    // The holder died: after its probe lease another instance may probe.
    expect(breakerDecision(claimed, t + MIN, 'b', cfg)).toEqual({ kind: 'probe' });
    expect(claimProbe(claimed, t + MIN, 'b', cfg)).toMatchObject({ probeHolder: 'b' });
  });

  it('a failed probe re-opens with the cool-down doubled, capped; a successful one closes', () => {
    let s = rejectTimes(CLOSED, 3);
    const cooldowns: number[] = [];
    let t = T0;
    for (let i = 0; i < 6; i++) {
      t = Date.parse(s.retryAt!);
      // Each probe with new credentials (a new secret version): near the lockout only those are tried.
      const version = String(i + 2);
      s = claimProbe(s, t, 'a', cfg, version)!;
      const r = afterRejectedLogin(s, t, cfg, 'session_rejected', version);
      expect(r.opened).toBe('probe_failed');
      s = r.next;
      cooldowns.push(s.cooldownMs! / MIN);
    }
    expect(cooldowns).toEqual([10, 20, 40, 60, 60, 60]);
    expect(s.trips).toBe(1);
    expect(s.consecutiveFailures).toBe(9);
    t = Date.parse(s.retryAt!);
    const closed = afterSuccessfulLogin(claimProbe(s, t, 'a', cfg, '99')!, t);
    expect(closed).toMatchObject({ state: 'closed', consecutiveFailures: 0, trips: 1, retryAt: null, probeHolder: null });
  });

  it('a rejection while already open (a login that started earlier) counts without touching the cool-down', () => {
    const open = rejectTimes(CLOSED, 3);
    const r = afterRejectedLogin(open, T0 + MIN, cfg, 'session_rejected');
    expect(r.opened).toBeUndefined();
    expect(r.next).toMatchObject({ state: 'open', consecutiveFailures: 4, retryAt: open.retryAt });
  });

  it('an inconclusive probe (registry down) re-opens with the same cool-down, only for its holder', () => {
    const open = rejectTimes(CLOSED, 3);
    const t = T0 + 5 * MIN;
    const probing = claimProbe(open, t, 'a', cfg)!;
    expect(afterInconclusiveProbe(probing, t, cfg, 'b')).toBeUndefined();
    expect(afterInconclusiveProbe(probing, t, cfg, 'a')).toMatchObject({ state: 'open', consecutiveFailures: 3, retryAt: new Date(t + 5 * MIN).toISOString() });
  });

  it('stops probing one short of the registry’s lockout until the credentials change (a new secret version)', () => {
    // Threshold 3, lockout 5: the 4th rejection is the last the registry forgives.
    let s = rejectTimes(CLOSED, 3);
    let t = Date.parse(s.retryAt!);
    s = afterRejectedLogin(claimProbe(s, t, 'a', cfg, '1')!, t, cfg, 'session_rejected', '1').next;
    expect(s).toMatchObject({ state: 'open', consecutiveFailures: 4, rejectedCredentialsVersion: '1' });
    // Same credentials (or no way to tell): no probe, however long it waits.
    t = Date.parse(s.retryAt!) + 24 * 60 * MIN;
    expect(breakerDecision(s, t, 'a', cfg, '1')).toMatchObject({ kind: 'reject', held: true });
    expect(breakerDecision(s, t, 'a', cfg)).toMatchObject({ kind: 'reject', held: true });
    expect(claimProbe(s, t, 'a', cfg, '1')).toBeUndefined();
    // New credentials: one probe, by one holder.
    expect(breakerDecision(s, t, 'a', cfg, '2')).toEqual({ kind: 'probe' });
    const probing = claimProbe(s, t, 'a', cfg, '2')!;
    expect(breakerDecision(probing, t, 'b', cfg, '2')).toMatchObject({ kind: 'reject', state: 'half_open' });
    expect(breakerDecision(probing, t, 'a', cfg, '2')).toEqual({ kind: 'probing' });
    expect(afterSuccessfulLogin(probing, t)).toMatchObject({ state: 'closed', consecutiveFailures: 0, rejectedCredentialsVersion: null });
    // Still below the guard: probes need no new credentials.
    const early = rejectTimes(CLOSED, 3);
    expect(breakerDecision(early, Date.parse(early.retryAt!), 'a', cfg)).toEqual({ kind: 'probe' });
  });

  it('parses stored documents defensively', () => {
    expect(parseBreakerState(undefined)).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(parseBreakerState({ state: 'weird', consecutiveFailures: -2 })).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(parseBreakerState({ state: 'open', consecutiveFailures: 3, retryAt: '2026-03-02T15:05:00.000Z' })).toMatchObject({ state: 'open', consecutiveFailures: 3 });
  });
});

describe('login gate (shared store, two instances)', () => {
  it('pauses both instances after the threshold, lets one probe, and closes on success', async () => {
    const clock = { t: T0 };
    const store = createMemoryAuthBreaker();
    const lines: Record<string, unknown>[] = [];
    const restore = setLogSink((l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    const log = createLogger();
    const gate = (holder: string) => createLoginGate({ store, config: cfg, holder, now: () => clock.t, log });
    const a = gate('a');
    const b = gate('b');
    for (const g of [a, b, a]) {
      await g.enter();
      await g.rejected('session_rejected');
    }
    expect(store.snapshot()).toMatchObject({ state: 'open', consecutiveFailures: 3 });
    const refused = await b.enter().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SomosLoginPausedError);
    expect(refused).toMatchObject({ status: 503, retryAfterSeconds: 300 });
    expect(() => a.checkLocal()).toThrow(SomosLoginPausedError);
    clock.t += 5 * MIN;
    await a.enter(); // a holds the probe
    await expect(b.enter()).rejects.toBeInstanceOf(SomosLoginPausedError);
    await a.succeeded();
    expect(store.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    // b keeps its local pause (at most the probe lease: 1 minute), then reads the closed breaker.
    expect(() => b.checkLocal()).toThrow(SomosLoginPausedError);
    clock.t += MIN;
    await b.enter();
    restore();
    expect(lines.map((l) => [l.severity, l.message])).toEqual([
      ['ERROR', 'somos.auth_breaker_open'],
      ['WARNING', 'somos.auth_breaker_probe'],
      ['INFO', 'somos.auth_breaker_closed'],
    ]);
  });

  it('holds every instance one short of the lockout, says so, and probes once the secret has a new version', async () => {
    const clock = { t: T0 };
    const store = createMemoryAuthBreaker();
    const secret = { version: '7' };
    const lines: Record<string, unknown>[] = [];
    const restore = setLogSink((l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    const gate = (holder: string) =>
      createLoginGate({ store, config: cfg, holder, now: () => clock.t, log: createLogger(), credentialsVersion: () => Promise.resolve(secret.version) });
    const a = gate('a');
    const b = gate('b');
    for (let i = 0; i < 3; i++) {
      await a.enter();
      await a.rejected('session_rejected');
    }
    clock.t += 5 * MIN;
    await a.enter(); // the probe, same credentials: rejected (4 in a row)
    await a.rejected('session_rejected');
    expect(store.snapshot()).toMatchObject({ state: 'open', consecutiveFailures: 4, rejectedCredentialsVersion: '7' });
    clock.t += 24 * 60 * MIN;
    const held = await b.enter().catch((e: unknown) => e);
    expect(held).toBeInstanceOf(SomosLoginPausedError);
    expect(held).toMatchObject({ status: 503, details: { reason: 'login_paused', waitingFor: 'new_credentials' } });
    expect((held as Error).message).toMatch(/new version/);
    secret.version = '8'; // the operator fixed the secret
    clock.t += 10 * MIN; // past b's local pause
    await b.enter(); // b probes with the new credentials
    await b.succeeded();
    expect(store.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    restore();
    expect(lines.filter((l) => l.message === 'somos.auth_breaker_open').map((l) => l.transition)).toEqual(['tripped', 'probe_failed', 'held']);
  });
});
