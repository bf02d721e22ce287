/**
 * Somos token manager: pure state logic with a fake clock, the in-memory lease, and the manager
 * itself against an in-process fake registry (undici MockAgent: no network).
 */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLogLevel, setLogSink } from '../../shared/log.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import {
  AUTH_BREAKER_CLOSED_EVENT,
  AUTH_BREAKER_OPEN_EVENT,
  AUTH_FAILURES_CONSECUTIVE_EVENT,
  AUTH_FAILURE_EVENT,
  createMemoryTokenLease,
  createSomosTokenManager,
  decideTokenAction,
  parseTokenState,
  serializeTokenState,
  stateFromRefreshResponse,
  stateFromSessionResponse,
  type SomosTokenState,
} from '../../shared/providers/somos/token-manager.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T15:00:00Z');
const margins = { refreshMarginMs: 10 * MIN, reopenMarginMs: 60 * MIN };

const state = (over: Partial<SomosTokenState> = {}): SomosTokenState => ({
  accessToken: 'access-1',
  expiresAt: T0 + 60 * MIN,
  refreshToken: 'refresh-1',
  refreshExpiresAt: T0 + 24 * 60 * MIN,
  clientKey: 'ck',
  clientSecret: 'cs',
  sessionOpenedAt: T0,
  ...over,
});

describe('decideTokenAction (fake clock)', () => {
  it('open without state', () => expect(decideTokenAction(undefined, T0, margins)).toBe('open'));
  it('use while more than the margin is left', () => {
    expect(decideTokenAction(state(), T0, margins)).toBe('use');
    expect(decideTokenAction(state(), T0 + 49 * MIN, margins)).toBe('use');
  });
  it('refresh inside the 10-minute margin and after expiry', () => {
    expect(decideTokenAction(state(), T0 + 50 * MIN, margins)).toBe('refresh');
    expect(decideTokenAction(state(), T0 + 61 * MIN, margins)).toBe('refresh');
  });
  it('reopen when the refresh token has an hour or less', () => {
    expect(decideTokenAction(state({ expiresAt: T0 + 23.5 * 60 * MIN }), T0 + 23 * 60 * MIN + 30 * MIN, margins)).toBe('reopen');
    expect(decideTokenAction(state(), T0 + 25 * 60 * MIN, margins)).toBe('reopen');
  });
  it('a rejected token is never used', () => {
    expect(decideTokenAction(state(), T0, margins, 'access-1')).toBe('refresh');
    expect(decideTokenAction(state(), T0, margins, 'some-other')).toBe('use');
  });
  it('a valid access token whose refresh token is dead is not used', () => {
    expect(decideTokenAction(state({ expiresAt: T0 + 60 * MIN, refreshExpiresAt: T0 - 1 }), T0, margins)).toBe('reopen');
  });
});

describe('state from registry answers', () => {
  it('session open (C fields): expiresIn in seconds, refresh lifetime 24 h', () => {
    const s = stateFromSessionResponse({ oauthToken: 'a', refreshToken: 'r', clientKey: 'k', clientSecret: 's', expiresIn: 1800, tokenType: 'Bearer' }, T0);
    expect(s).toEqual({ accessToken: 'a', refreshToken: 'r', clientKey: 'k', clientSecret: 's', expiresAt: T0 + 1800_000, refreshExpiresAt: T0 + 86_400_000, sessionOpenedAt: T0 });
    expect(stateFromSessionResponse({ oauthToken: 'a', refreshToken: 'r', clientKey: 'k', clientSecret: 's' }, T0).expiresAt).toBe(T0 + 3600_000);
  });
  it('a session answer without tokens names the missing fields, never values', () => {
    expect(() => stateFromSessionResponse({ oauthToken: 'secret-token-value', clientKey: 'k' }, T0)).toThrow(/missing refreshToken, clientSecret/);
    try {
      stateFromSessionResponse({ oauthToken: 'secret-token-value' }, T0);
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-token-value');
    }
  });
  it('refresh keeps the session, rotates tokens and keeps the refresh end (G)', () => {
    const prev = state();
    const next = stateFromRefreshResponse(prev, { access_token: 'a2', refresh_token: 'r2', expires_in: 3600 }, T0 + 55 * MIN);
    expect(next).toEqual({ ...prev, accessToken: 'a2', refreshToken: 'r2', expiresAt: T0 + 115 * MIN });
    expect(stateFromRefreshResponse(prev, { access_token: 'a3' }, T0).refreshToken).toBe('refresh-1');
    expect(stateFromRefreshResponse(prev, { access_token: 'a3', refresh_token_expires_in: 7200 }, T0).refreshExpiresAt).toBe(T0 + 7200_000);
    expect(() => stateFromRefreshResponse(prev, { token: 'x' }, T0)).toThrow(/access_token/);
  });
  it('serialize / parse round trip; unreadable payloads are undefined', () => {
    expect(parseTokenState(serializeTokenState(state()))).toEqual(state());
    expect(parseTokenState('not json')).toBeUndefined();
    expect(parseTokenState('{"accessToken":"x"}')).toBeUndefined();
  });
});

describe('memory lease', () => {
  it('one holder at a time, expiry, release, failure counter', async () => {
    const clock = { t: T0 };
    const lease = createMemoryTokenLease({ now: () => clock.t });
    expect(await lease.tryAcquire('a', 30_000)).toBe(true);
    expect(await lease.tryAcquire('b', 30_000)).toBe(false);
    expect(await lease.tryAcquire('a', 30_000)).toBe(true);
    clock.t += 30_001;
    expect(await lease.tryAcquire('b', 30_000)).toBe(true);
    await lease.release('a'); // not the holder: no effect
    expect(await lease.tryAcquire('a', 30_000)).toBe(false);
    await lease.release('b');
    expect(await lease.tryAcquire('a', 30_000)).toBe(true);
    expect(await lease.recordOutcome({ ok: false, action: 'failed' })).toBe(1);
    expect(await lease.recordOutcome({ ok: false, action: 'failed' })).toBe(2);
    expect(await lease.recordOutcome({ ok: true, action: 'none' })).toBe(2);
    expect(await lease.recordOutcome({ ok: true, action: 'refreshed' })).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// The manager against an in-process fake registry

const ORIGIN = 'http://somos.fake';
const PASSWORD = 'Pa55word-very-secret';

interface Fake {
  agent: MockAgent;
  opens: number;
  /** Every session-open request, refused ones included. */
  attempts: number;
  refreshes: number;
  closes: number;
  openStatus: number;
  alreadyLoggedIn: { status: number } | undefined;
  issued: string[];
}

function fakeRegistry(): Fake {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const fake: Fake = { agent, opens: 0, attempts: 0, refreshes: 0, closes: 0, openStatus: 200, alreadyLoggedIn: undefined, issued: [] };
  let n = 0;
  const json = (statusCode: number, data: unknown) => ({ statusCode, data: JSON.stringify(data), responseOptions: { headers: { 'content-type': 'application/json' } } });
  agent
    .get(ORIGIN)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const body = typeof opts.body === 'string' ? opts.body : '';
      if (opts.path === '/v3/ip/sec/session/open') {
        const req = JSON.parse(body) as Record<string, unknown>;
        fake.attempts++;
        if (req.password !== PASSWORD) return json(401, { errList: [{ errCode: '701001', errMsg: 'Invalid user name or password.' }] });
        if (fake.alreadyLoggedIn && !req.sessOverrideKey) {
          return json(fake.alreadyLoggedIn.status, { errList: [{ errCode: '701003', errMsg: 'already logged in' }], sessOverrideKey: 'override-key-123' });
        }
        fake.opens++;
        n++;
        const tokens = { oauthToken: `access-token-${n}-abcdef`, refreshToken: `refresh-token-${n}-abcdef`, clientKey: `client-key-${n}`, clientSecret: `client-secret-${n}-xyz` };
        fake.issued.push(...Object.values(tokens));
        return json(200, { ...tokens, expiresIn: 3600, tokenType: 'Bearer' });
      }
      if (opts.path === '/token') {
        fake.refreshes++;
        n++;
        const tokens = { access_token: `access-token-${n}-abcdef`, refresh_token: `refresh-token-${n}-abcdef` };
        fake.issued.push(...Object.values(tokens));
        return json(200, { ...tokens, expires_in: 3600 });
      }
      if (opts.path === '/v3/ip/sec/session/close') {
        fake.closes++;
        return json(200, {});
      }
      return json(404, { errList: [{ errCode: '700404', errMsg: 'no route' }] });
    })
    .persist();
  return fake;
}

describe('createSomosTokenManager (fake registry, fake clock)', () => {
  let lines: string[];
  let restore: () => void;
  let clock: { t: number };
  let secrets: LocalSecretStore;
  let fake: Fake;

  const manager = (over: { password?: string } = {}) => {
    const lease = createMemoryTokenLease({ now: () => clock.t });
    return {
      lease,
      m: createSomosTokenManager({
        secrets,
        credentialsSecret: 'creds',
        stateSecret: 'state',
        lease,
        baseUrl: ORIGIN,
        now: () => clock.t,
        http: { dispatcher: fake.agent, maxRetries: 0 },
        ...over,
      }),
    };
  };

  beforeEach(async () => {
    lines = [];
    restore = setLogSink((l) => lines.push(l));
    setLogLevel('DEBUG');
    clock = { t: T0 };
    fake = fakeRegistry();
    secrets = new LocalSecretStore();
    await secrets.put('creds', JSON.stringify({ username: 'api-user', password: PASSWORD, environment: 'sandbox' }));
  });

  afterEach(async () => {
    restore();
    setLogLevel('INFO');
    await fake.agent.close();
  });

  it('captured log lines never contain a token, client secret, password or override key', async () => {
    fake.alreadyLoggedIn = { status: 200 };
    const { m } = manager();
    await m.getToken();
    fake.alreadyLoggedIn = undefined;
    clock.t += 55 * MIN;
    await m.getToken({});
    clock.t += 24 * 60 * MIN; // reopen path (close of the old session)
    await m.getToken();
    await secrets.put('creds', JSON.stringify({ username: 'api-user', password: 'Wrong-but-secret-pw', environment: 'sandbox' }));
    await secrets.delete('state');
    m.invalidate();
    await m.getToken().catch(() => undefined);
    expect(lines.length).toBeGreaterThan(3);
    const all = lines.join('\n');
    for (const secret of [...fake.issued, PASSWORD, 'Wrong-but-secret-pw', 'override-key-123']) expect(all).not.toContain(secret);
    expect(fake.opens).toBe(2);
    expect(fake.refreshes).toBe(1);
    expect(fake.closes).toBe(1);
  });

  it('701003 on an error status (G) is handled like on 200', async () => {
    fake.alreadyLoggedIn = { status: 409 };
    const { m } = manager();
    expect(await m.getToken()).toBe('access-token-1-abcdef');
    expect(fake.opens).toBe(1);
  });

  it('100 concurrent callers around expiry → one refresh; a forced refresh for an already replaced token does nothing', async () => {
    const { m } = manager();
    const first = await m.getToken();
    clock.t += 52 * MIN;
    const tokens = await Promise.all(Array.from({ length: 100 }, () => m.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['access-token-2-abcdef']));
    expect(fake.refreshes).toBe(1);
    expect(fake.opens).toBe(1);
    // A late 401 for the first token: the current one is already different.
    expect(await m.getToken({ forceRefresh: true, rejectedToken: first })).toBe('access-token-2-abcdef');
    expect(fake.refreshes).toBe(1);
    // 50 concurrent 401s for the current token: one refresh.
    const again = await Promise.all(Array.from({ length: 50 }, () => m.getToken({ forceRefresh: true, rejectedToken: 'access-token-2-abcdef' })));
    expect(new Set(again)).toEqual(new Set(['access-token-3-abcdef']));
    expect(fake.refreshes).toBe(2);
  });

  it('consecutive failures: WARNING each time, ERROR from the third; the breaker then pauses logins until a probe succeeds', async () => {
    await secrets.put('creds', JSON.stringify({ username: 'api-user', password: 'nope-nope-nope', environment: 'sandbox' }));
    const { m, lease } = manager();
    for (let i = 0; i < 3; i++) await expect(m.getToken()).rejects.toMatchObject({ info: { httpStatus: 401, kind: 'auth' } });
    // The fourth caller is refused without a login: 503 with Retry-After (the cool-down, 5 minutes).
    await expect(m.getToken()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503, retryAfterSeconds: 300, details: { reason: 'login_paused' } });
    expect(fake.attempts).toBe(3);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.filter((e) => e.message === AUTH_FAILURE_EVENT).map((e) => [e.severity, e.attempt, e.reason])).toEqual([
      ['WARNING', 1, 'session_rejected'],
      ['WARNING', 2, 'session_rejected'],
      ['WARNING', 3, 'session_rejected'],
    ]);
    expect(entries.filter((e) => e.message === AUTH_FAILURES_CONSECUTIVE_EVENT).map((e) => [e.severity, e.consecutiveFailures])).toEqual([['ERROR', 3]]);
    expect(entries.filter((e) => e.message === AUTH_BREAKER_OPEN_EVENT).map((e) => [e.severity, e.transition, e.consecutiveFailures])).toEqual([['ERROR', 'tripped', 3]]);
    await secrets.put('creds', JSON.stringify({ username: 'api-user', password: PASSWORD, environment: 'sandbox' }));
    await expect(m.getToken()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' }); // still cooling down
    clock.t += 5 * MIN;
    await m.getToken(); // the probe
    expect(fake.attempts).toBe(4);
    expect(fake.opens).toBe(1);
    expect(lease.snapshot().consecutiveFailures).toBe(0);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).some((e) => e.message === AUTH_BREAKER_CLOSED_EVENT)).toBe(true);
  });

  it('invalid credentials JSON: reason credentials_invalid, field names only', async () => {
    await secrets.put('creds', JSON.stringify({ username: 'api-user', password: 'pw-secret-value', environment: 'staging' }));
    const { m } = manager();
    const err = await m.getToken().catch((e: unknown) => e);
    expect((err as Error).message).toContain('environment');
    expect((err as Error).message).not.toContain('pw-secret-value');
    const entry = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.message === AUTH_FAILURE_EVENT);
    expect(entry).toMatchObject({ reason: 'credentials_invalid', attempt: 1 });
  });

  it('requires a lease or Firestore', () => {
    expect(() => createSomosTokenManager({ secrets, credentialsSecret: 'c', stateSecret: 's' })).toThrow(/firestore/);
  });
});
