/**
 * Somos token manager against the Somos sandbox, a LocalSecretStore and the Firestore emulator
 * (the cross-instance lease). One fake clock drives both the manager and the sandbox.
 */
import type { Firestore } from '@google-cloud/firestore';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setLogLevel, setLogSink } from '../../shared/log.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import { createSomosClient } from '../../shared/providers/somos/client.js';
import {
  AUTH_FAILURE_EVENT,
  AUTH_FAILURES_CONSECUTIVE_EVENT,
  createSomosTokenManager,
  parseTokenState,
  type SomosTokenManager,
  type SomosTokenManagerOptions,
} from '../../shared/providers/somos/token-manager.js';
import { ProviderError } from '../../shared/providers/types.js';
import { startSomosSandbox, type SomosSandbox, type SomosSandboxUser } from '../../scripts/sandboxes/somos.js';
import { clearProject, testFirestore } from '../helpers/firestore.js';

const PROJECT = 'demo-somos-token';
const USER: SomosSandboxUser = { username: 'np-api', password: 'Correct-Horse-9', respOrgIds: ['NPS01', 'NPS02'], entityId: 'NP' };
const CREDS = 'somos-platform-credentials';
const STATE = 'somos-token-state';
const MIN = 60_000;

const clock = { t: Date.parse('2026-03-02T15:00:00Z') };
const now = () => clock.t;

let sandbox: SomosSandbox;
let db: Firestore;
let secrets: LocalSecretStore;
let leaseDoc: string;
let docCounter = 0;
let lines: string[] = [];
let restoreSink: () => void;

function manager(overrides: Partial<SomosTokenManagerOptions> = {}): SomosTokenManager {
  return createSomosTokenManager({
    secrets,
    credentialsSecret: CREDS,
    stateSecret: STATE,
    firestore: db,
    leaseDocPath: leaseDoc,
    baseUrl: sandbox.url,
    now,
    pollIntervalMs: 5,
    waitTimeoutMs: 5_000,
    http: { maxRetries: 0 },
    ...overrides,
  });
}

async function storedState() {
  return parseTokenState(await secrets.access(STATE));
}

const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  db = testFirestore(PROJECT);
  await clearProject(PROJECT);
  sandbox = await startSomosSandbox({ users: [USER], now });
  restoreSink = setLogSink((line) => lines.push(line));
  setLogLevel('DEBUG');
});

afterAll(async () => {
  restoreSink();
  setLogLevel('INFO');
  await sandbox.close();
  await db.terminate();
});

beforeEach(async () => {
  clock.t = Date.parse('2026-03-02T15:00:00Z');
  sandbox.reset();
  secrets = new LocalSecretStore();
  await secrets.put(CREDS, JSON.stringify({ username: USER.username, password: USER.password, environment: 'sandbox' }));
  leaseDoc = `platform/somosTokenLease-${++docCounter}`;
  lines = [];
});

afterEach(() => {
  // No token, secret or password ever reaches a log line.
  const all = lines.join('\n');
  expect(all).not.toContain(USER.password);
  for (const s of sandbox.sessions()) expect(all).not.toContain(s.clientKey);
});

describe('getToken', () => {
  it('opens one session on first use and persists the state as a secret version', async () => {
    const m = manager();
    const token = await m.getToken();
    expect(sandbox.sessionsOpened()).toBe(1);
    const state = await storedState();
    expect(state?.accessToken).toBe(token);
    expect(state?.expiresAt).toBe(clock.t + 3600_000);
    expect(state?.refreshExpiresAt).toBe(clock.t + 86_400_000);
    // Cached: no further registry or secret traffic.
    expect(await m.getToken()).toBe(token);
    expect(sandbox.requestLog().filter((r) => r.path.includes('/session/open'))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toContain(state!.refreshToken);
    expect(lines.join('\n')).not.toContain(state!.clientSecret);
  });

  it('100 concurrent callers around expiry: exactly one refresh, no extra session', async () => {
    const m = manager();
    const first = await m.getToken();
    clock.t += 55 * MIN; // inside the 10-minute margin
    const tokens = await Promise.all(Array.from({ length: 100 }, () => m.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first);
    expect(sandbox.tokensRefreshed()).toBe(1);
    expect(sandbox.sessionsOpened()).toBe(1);
    expect((await storedState())?.accessToken).toBe(tokens[0]);
  });

  it('two instances sharing Firestore around expiry: still exactly one refresh', async () => {
    const a = manager({ instanceId: 'instance-a' });
    const b = manager({ instanceId: 'instance-b' });
    await a.getToken();
    await b.getToken();
    clock.t += 56 * MIN;
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(sandbox.tokensRefreshed()).toBe(1);
    expect(sandbox.sessionsOpened()).toBe(1);
    const lease = (await db.doc(leaseDoc).get()).data();
    expect(lease?.holder).toBeNull();
    expect(lease?.consecutiveFailures).toBe(0);
    expect(lease?.lastOutcome).toMatchObject({ ok: true, action: 'refreshed' });
  });

  it('a waiting instance takes over when the holder crashed (lease expired)', async () => {
    const m = manager({ instanceId: 'survivor', leaseTtlMs: 30_000 });
    await m.getToken();
    clock.t += 55 * MIN;
    // A crashed holder left a lease that has already expired.
    await db.doc(leaseDoc).set({ holder: 'crashed', expiresAt: new Date(clock.t - 1).toISOString() }, { merge: true });
    await m.getToken();
    expect(sandbox.tokensRefreshed()).toBe(1);
  });

  it('701003 "already logged in": repeats once with sessOverrideKey (HTTP 200 and error status)', async () => {
    for (const status of [200, 409]) {
      sandbox.configure({ alreadyLoggedInStatus: status });
      const other = manager();
      await other.getToken(); // a session exists now
      await secrets.delete(STATE); // ...but this deployment lost its state
      const opened = sandbox.sessionsOpened();
      const m = manager();
      const token = await m.getToken();
      expect(token).toBeTruthy();
      expect(sandbox.sessionsOpened()).toBe(opened + 1);
      const opens = sandbox.requestLog().filter((r) => r.path === '/v3/ip/sec/session/open').slice(-2);
      expect(opens.map((o) => o.status)).toEqual([status, 200]);
      expect(opens[1]!.bodyKeys).toContain('sessOverrideKey');
      expect(sandbox.sessions().filter((s) => s.status === 'overridden')).toHaveLength(status === 200 ? 1 : 2);
      expect(logged().some((l) => l.message === 'somos.session_override')).toBe(true);
    }
    sandbox.configure({ alreadyLoggedInStatus: 200 });
  });

  it("forceFlag (G), behind sessionForceFlag: 'always' sends it on every open, 'on-conflict' after a bare 701003, 'off' never", async () => {
    const outside = async () => {
      const r = await fetch(`${sandbox.url}/v3/ip/sec/session/open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ usrName: USER.username, password: USER.password, withPerm: true, forceFlag: 'Y' }) });
      expect(r.status).toBe(200);
    };
    const opens = () => sandbox.requestLog().filter((r) => r.path === '/v3/ip/sec/session/open');
    await outside(); // someone else holds the user's session
    expect(await manager({ sessionForceFlag: 'always' }).getToken()).toBeTruthy();
    expect(opens().slice(-1).map((o) => [o.status, o.bodyKeys.includes('forceFlag')])).toEqual([[200, true]]);

    sandbox.configure({ sessOverrideKeys: false });
    try {
      for (const [mode, expected] of [['off', [[200, false]]], ['on-conflict', [[200, false], [200, true]]]] as const) {
        await secrets.delete(STATE);
        await outside();
        const before = opens().length;
        const result = await manager({ sessionForceFlag: mode }).getToken().catch((e: unknown) => e);
        expect(opens().slice(before).map((o) => [o.status, o.bodyKeys.includes('forceFlag')])).toEqual(expected);
        if (mode === 'off') expect(result).toMatchObject({ info: { providerCode: '701003' } });
        else expect(typeof result).toBe('string');
      }
    } finally {
      sandbox.configure({ sessOverrideKeys: true });
    }
    // A 701003 is not a rejected login: the breaker did not count it.
    expect((await db.doc(`${leaseDoc}-authBreaker`).get()).data()?.consecutiveFailures ?? 0).toBe(0);
  });

  it('refresh token near its end → one new session, the old one closed', async () => {
    const m = manager();
    await m.getToken();
    const old = sandbox.sessions()[0]!;
    clock.t += 23 * 60 * MIN + 55 * MIN; // < 1 h of refresh life left, access token long expired
    const token = await m.getToken();
    expect(sandbox.sessionsOpened()).toBe(2);
    expect(sandbox.tokensRefreshed()).toBe(0);
    const after = sandbox.sessions();
    expect(after.find((s) => s.clientKey === old.clientKey)?.status).not.toBe('open');
    expect(after.filter((s) => s.status === 'open')).toHaveLength(1);
    expect(sandbox.requestLog().filter((r) => r.path === '/v3/ip/sec/session/close')).toHaveLength(1);
    expect((await storedState())?.accessToken).toBe(token);
    expect((await storedState())?.sessionOpenedAt).toBe(clock.t);
  });

  it('a refresh rejected by the registry re-opens the session', async () => {
    const m = manager();
    await m.getToken();
    clock.t += 55 * MIN;
    sandbox.injectFault({ method: 'POST', pathPattern: '^/token$', status: 400, body: { error: 'invalid_grant', error_description: 'expired' } });
    await m.getToken();
    expect(sandbox.sessionsOpened()).toBe(2);
    expect(logged().some((l) => l.message === AUTH_FAILURE_EVENT && l.reason === 'refresh_rejected')).toBe(true);
  });
});

describe('401 from a registry call', () => {
  it('one forced refresh and one retry', async () => {
    const m = manager();
    const client = createSomosClient({ tokens: m, baseUrl: sandbox.url, http: { maxRetries: 0 } });
    await m.getToken();
    sandbox.expireAccessTokens(); // the registry now refuses the cached token
    const res = await client.query({ roid: 'NPS01' }, '8445550123');
    expect(res.pending).toBe(false);
    expect(sandbox.tokensRefreshed()).toBe(1);
    const queries = sandbox.requestLog().filter((r) => r.path === '/v3/ip/num/tfn/query/tfn/8445550123');
    expect(queries.map((q) => q.status)).toEqual([401, 200]);
  });

  it('never loops: a second 401 is returned to the caller', async () => {
    const m = manager();
    const client = createSomosClient({ tokens: m, baseUrl: sandbox.url, http: { maxRetries: 0 } });
    await m.getToken();
    sandbox.injectFault({ pathPattern: '/num/tfn/query/', status: 401, times: Infinity });
    const err = await client.query({ roid: 'NPS01' }, '8445550123').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info.kind).toBe('auth');
    expect(sandbox.requestLog().filter((r) => r.path.startsWith('/v3/ip/num/tfn/query/'))).toHaveLength(2);
    expect(sandbox.tokensRefreshed()).toBe(1);
  });

  it('100 concurrent 401s share one forced refresh', async () => {
    const m = manager();
    const client = createSomosClient({ tokens: m, baseUrl: sandbox.url, http: { maxRetries: 0 } });
    await m.getToken();
    sandbox.expireAccessTokens();
    const results = await Promise.all(Array.from({ length: 100 }, () => client.query({ roid: 'NPS01' }, '8555550100')));
    expect(results.every((r) => !r.pending)).toBe(true);
    expect(sandbox.tokensRefreshed()).toBe(1);
    expect(sandbox.sessionsOpened()).toBe(1);
  });
});

describe('auth failures', () => {
  it('the third consecutive failure logs ERROR with a stable message; success resets the counter', async () => {
    await secrets.put(CREDS, JSON.stringify({ username: USER.username, password: 'wrong-password-123', environment: 'sandbox' }));
    const m = manager();
    for (let i = 1; i <= 3; i++) {
      const err = await m.getToken().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).info.kind).toBe('auth');
    }
    const entries = logged();
    const failures = entries.filter((l) => l.message === AUTH_FAILURE_EVENT);
    expect(failures.map((f) => f.attempt)).toEqual([1, 2, 3]);
    expect(failures.every((f) => f.severity === 'WARNING' && f.reason === 'session_rejected')).toBe(true);
    const alerts = entries.filter((l) => l.message === AUTH_FAILURES_CONSECUTIVE_EVENT);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'ERROR', consecutiveFailures: 3 });
    expect((await db.doc(leaseDoc).get()).data()?.consecutiveFailures).toBe(3);
    expect(lines.join('\n')).not.toContain('wrong-password-123');

    await secrets.put(CREDS, JSON.stringify({ username: USER.username, password: USER.password, environment: 'sandbox' }));
    // The third rejection opened the login breaker: the next login is the probe after the cool-down.
    await expect(m.getToken()).rejects.toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    clock.t += 5 * MIN;
    await m.getToken();
    expect((await db.doc(leaseDoc).get()).data()?.consecutiveFailures).toBe(0);
    expect((await db.doc(`${leaseDoc}-authBreaker`).get()).data()).toMatchObject({ state: 'closed', consecutiveFailures: 0, trips: 1 });
  });

  it('two instances, 10 callers each, rejected credentials: 3 logins in all, the user never locked, one probe, success closes', async () => {
    await secrets.put(CREDS, JSON.stringify({ username: USER.username, password: 'wrong-password-123', environment: 'sandbox' }));
    const a = manager({ instanceId: 'instance-a' });
    const b = manager({ instanceId: 'instance-b' });
    const opens = () => sandbox.requestLog().filter((r) => r.path === '/v3/ip/sec/session/open').length;
    for (let round = 0; round < 4; round++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).getToken().catch((e: unknown) => e)));
    }
    expect(opens()).toBe(3);
    expect(sandbox.userStatus(USER.username)).toMatchObject({ locked: false, consecutiveFailures: 3 });
    const paused = await a.getToken().catch((e: unknown) => e);
    expect(paused).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 300 });
    expect(logged().filter((l) => l.message === 'somos.auth_breaker_open')).toHaveLength(1);
    // After the cool-down, one probe for both instances (still wrong: the cool-down doubles).
    clock.t += 5 * MIN;
    await Promise.all([a.getToken().catch(() => undefined), b.getToken().catch(() => undefined)]);
    expect(opens()).toBe(4);
    const breaker = (await db.doc(`${leaseDoc}-authBreaker`).get()).data();
    expect(breaker).toMatchObject({ state: 'open', consecutiveFailures: 4, cooldownMs: 10 * MIN });
    expect(sandbox.userStatus(USER.username).locked).toBe(false);
    // Fixed credentials: the next probe logs in and closes the breaker for everyone.
    await secrets.put(CREDS, JSON.stringify({ username: USER.username, password: USER.password, environment: 'sandbox' }));
    clock.t += 10 * MIN;
    const token = await b.getToken();
    expect(await a.getToken()).toBe(token);
    expect(opens()).toBe(5);
    expect((await db.doc(`${leaseDoc}-authBreaker`).get()).data()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('the scheduled refresh respects the breaker: no login while it is open', async () => {
    await secrets.put(CREDS, JSON.stringify({ username: USER.username, password: 'wrong-password-123', environment: 'sandbox' }));
    const m = manager();
    for (let i = 0; i < 3; i++) await m.refreshIfNeeded().catch(() => undefined);
    const before = sandbox.requestLog().length;
    await expect(m.refreshIfNeeded()).rejects.toMatchObject({ status: 503, details: { reason: 'login_paused' } });
    expect(sandbox.requestLog().length).toBe(before);
  });

  it('a locked user (the registry counted failures elsewhere) opens the breaker like rejected credentials', async () => {
    for (let i = 0; i < 5; i++) await fetch(`${sandbox.url}/v3/ip/sec/session/open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ usrName: USER.username, password: 'x', withPerm: true }) });
    expect(sandbox.userStatus(USER.username).locked).toBe(true);
    const m = manager();
    for (let i = 0; i < 3; i++) await expect(m.getToken()).rejects.toMatchObject({ info: { providerCode: '701006', kind: 'auth' } });
    await expect(m.getToken()).rejects.toMatchObject({ status: 503 });
    sandbox.unlockUser(USER.username);
    clock.t += 5 * MIN;
    expect(await m.getToken()).toBeTruthy();
  });

  it('missing credentials are reported as credentials_missing', async () => {
    await secrets.delete(CREDS);
    await expect(manager().getToken()).rejects.toThrow();
    expect(logged().find((l) => l.message === AUTH_FAILURE_EVENT)).toMatchObject({ reason: 'credentials_missing', attempt: 1 });
  });
});

describe('refreshIfNeeded (scheduled every 10 min)', () => {
  it('does nothing when fresh, refreshes 25 min before expiry, re-opens near the refresh end', async () => {
    const m = manager();
    expect((await m.refreshIfNeeded()).action).toBe('opened');
    clock.t += 10 * MIN;
    expect((await m.refreshIfNeeded()).action).toBe('none');
    clock.t += 30 * MIN; // 20 min left < 25 min margin
    expect((await m.refreshIfNeeded()).action).toBe('refreshed');
    expect(sandbox.tokensRefreshed()).toBe(1);
    clock.t += 23 * 60 * MIN + 5 * MIN; // refresh token has < 1 h left
    expect((await m.refreshIfNeeded()).action).toBe('reopened');
    expect(sandbox.sessionsOpened()).toBe(2);
    expect((await db.doc(leaseDoc).get()).data()?.lastOutcome).toMatchObject({ ok: true, action: 'reopened' });
  });
});
