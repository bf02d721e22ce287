/**
 * The Somos sandbox itself over raw HTTP: auth and header rules, strict bodies, lifetimes,
 * reservation expiry, future-dated records, the HTTP control surface and the state file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSomosSandbox, type SomosSandbox, type SomosSandboxUser } from '../../scripts/sandboxes/somos.js';

const USER: SomosSandboxUser = { username: 'np-api', password: 'Correct-Horse-9', respOrgIds: ['NPS01'], entityId: 'NP' };
const clock = { t: Date.parse('2026-03-02T15:00:00Z') };
let sandbox: SomosSandbox;
let dir: string;

async function call(p: string, init: { method?: string; json?: unknown; headers?: Record<string, string>; form?: string } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = init.form;
  }
  const res = await fetch(`${sandbox.url}${p}`, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text)) : undefined };
}

async function open(): Promise<{ token: string; refresh: string; clientKey: string; clientSecret: string }> {
  const r = await call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password: USER.password, withPerm: true } });
  expect(r.status).toBe(200);
  return { token: r.body.oauthToken, refresh: r.body.refreshToken, clientKey: r.body.clientKey, clientSecret: r.body.clientSecret };
}

const auth = (token: string, roid = 'NPS01') => ({ authorization: `Bearer ${token}`, roid, 'accept-version': '3.11' });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'somos-sandbox-'));
  sandbox = await startSomosSandbox({ users: [USER], now: () => clock.t, stateFile: path.join(dir, 'state.json'), tokenTtlSeconds: 600, refreshTtlSeconds: 3600 });
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  clock.t = Date.parse('2026-03-02T15:00:00Z');
  sandbox.reset();
});

describe('sessions and tokens', () => {
  it('session open answers the C fields; bad password → 401 errList', async () => {
    const r = await call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password: USER.password, withPerm: true } });
    expect(Object.keys(r.body).sort()).toEqual(['clientKey', 'clientSecret', 'expiresIn', 'oauthToken', 'permRecord', 'refreshToken', 'scope', 'tokenType']);
    expect(r.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 600, permRecord: { respOrgId: 'NPS01' } });
    const bad = await call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password: 'x', withPerm: true } });
    expect(bad).toMatchObject({ status: 401, body: { errList: [{ errCode: '701001' }] } });
  });

  it('token lifetime, refresh rotation, refresh end anchored to the session open', async () => {
    const s = await open();
    clock.t += 600_000;
    expect((await call('/v3/ip/num/tfn/query/tfn/8445550100', { headers: auth(s.token) })).status).toBe(401);
    const basic = `Basic ${Buffer.from(`${s.clientKey}:${s.clientSecret}`).toString('base64')}`;
    const r = await call('/token', { method: 'POST', headers: { authorization: basic }, form: `grant_type=refresh_token&refresh_token=${s.refresh}` });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect((await call('/v3/ip/num/tfn/query/tfn/8445550100', { headers: auth(r.body.access_token) })).status).toBe(200);
    // The used refresh token is gone (rotation).
    const reuse = await call('/token', { method: 'POST', headers: { authorization: basic }, form: `grant_type=refresh_token&refresh_token=${s.refresh}` });
    expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    clock.t += 3600_000;
    const late = await call('/token', { method: 'POST', headers: { authorization: basic }, form: `grant_type=refresh_token&refresh_token=${r.body.refresh_token}` });
    expect(late).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(sandbox.tokensRefreshed()).toBe(1);
  });

  it('a second open → 701003 + sessOverrideKey; the key overrides once; close ends the session', async () => {
    const first = await open();
    const again = await call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password: USER.password, withPerm: true } });
    expect(again.status).toBe(200);
    expect(again.body.errList[0].errCode).toBe('701003');
    const key = again.body.sessOverrideKey as string;
    const second = await call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password: USER.password, withPerm: true, sessOverrideKey: key } });
    expect(second.status).toBe(200);
    expect((await call('/v3/ip/num/tfn/query/tfn/8445550100', { headers: auth(first.token) })).status).toBe(401);
    const close = await call('/v3/ip/sec/session/close', { method: 'PUT', json: { clientKey: second.body.clientKey, clientSecret: second.body.clientSecret } });
    expect(close.status).toBe(200);
    expect((await call('/v3/ip/num/tfn/query/tfn/8445550100', { headers: auth(second.body.oauthToken) })).status).toBe(401);
    expect(sandbox.sessions().map((s) => s.status).sort()).toEqual(['closed', 'overridden']);
    expect([sandbox.sessionsOpened(), sandbox.sessionsClosed()]).toEqual([2, 1]);
  });

  it('locks the user after maxLogonAttempts wrong passwords in a row; locked refuses the right password until the unlock control', async () => {
    const login = (password: string) => call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password, withPerm: true } });
    // A good logon in between starts the count over.
    for (let i = 0; i < 4; i++) expect((await login('wrong')).body.errList[0].errCode).toBe('701001');
    expect((await login(USER.password)).status).toBe(200);
    expect(sandbox.userStatus(USER.username)).toMatchObject({ locked: false, consecutiveFailures: 0, maxLogonAttempts: 5 });
    for (let i = 0; i < 5; i++) expect((await login('wrong')).status).toBe(401);
    const locked = await login(USER.password);
    expect(locked).toMatchObject({ status: 401, body: { errList: [{ errCode: '701006' }] } });
    expect(locked.body.errList[0].errMsg).toMatch(/locked/i);
    expect((await call(`/__sandbox/users/${USER.username}`)).body).toMatchObject({ locked: true, consecutiveFailures: 5 });
    expect((await call(`/__sandbox/users/${USER.username}/unlock`, { method: 'POST' })).body).toMatchObject({ locked: false, consecutiveFailures: 0 });
    expect((await login(USER.password)).status).toBe(200);
  });

  it("forceFlag 'Y' ends the open session without a 701003 round trip; other values are refused", async () => {
    const first = await open();
    const forced = await call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password: USER.password, withPerm: true, forceFlag: 'Y' } });
    expect(forced.status).toBe(200);
    expect(forced.body.oauthToken).toBeTruthy();
    expect((await call('/v3/ip/num/tfn/query/tfn/8445550100', { headers: auth(first.token) })).status).toBe(401);
    const no = await call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password: USER.password, withPerm: true, forceFlag: 'N' } });
    expect(no.body.errList[0].errCode).toBe('701003');
    const bad = await call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password: USER.password, withPerm: true, forceFlag: true } });
    expect(bad.status).toBe(400);
    // Without override keys (configurable), 701003 comes bare.
    await call('/__sandbox/config', { method: 'POST', json: { sessOverrideKeys: false } });
    const bare = await call('/v3/ip/sec/session/open', { method: 'POST', json: { usrName: USER.username, password: USER.password, withPerm: true } });
    expect(bare.body.errList[0].errCode).toBe('701003');
    expect(bare.body.sessOverrideKey).toBeUndefined();
    sandbox.configure({ sessOverrideKeys: true });
  });
});

describe('request rules', () => {
  it('ROID is required and must be one of the user units; Accept-Version must be 3.x', async () => {
    const { token } = await open();
    expect((await call('/v3/ip/num/tfn/query/tfn/8445550100', { headers: { authorization: `Bearer ${token}` } })).body.errList[0].errCode).toBe('700400');
    expect((await call('/v3/ip/num/tfn/query/tfn/8445550100', { headers: auth(token, 'ZZZ01') })).status).toBe(403);
    expect((await call('/v3/ip/num/tfn/query/tfn/8445550100', { headers: { ...auth(token), 'accept-version': '2.0' } })).status).toBe(400);
  });

  it('strict bodies: unknown keys, qty range, invalid numbers (805102, C1)', async () => {
    const { token } = await open();
    expect((await call('/v3/ip/num/tfn/random', { method: 'PUT', headers: auth(token), json: { qty: 1, quantity: 1 } })).body.errList[0]).toMatchObject({ errCode: '700002' });
    expect((await call('/v3/ip/num/tfn/random', { method: 'PUT', headers: auth(token), json: { qty: 11 } })).body.errList[0]).toMatchObject({ errCode: '805300' });
    expect((await call('/v3/ip/num/tfn/query/tfn/3125550100', { headers: auth(token) })).body.errList[0]).toEqual({ errCode: '805102', errMsg: 'Invalid Toll-Free Number. (num)', errLvl: 'ERROR' });
    expect((await call('/v3/ip/num/tfn/random', { method: 'POST', headers: auth(token), json: { qty: 1 } })).status).toBe(405);
  });

  it('the deterministic inventory has WORKING and RESERVED numbers', async () => {
    const { token } = await open();
    const r = await call('/v3/ip/num/tfn/query', { method: 'PUT', headers: auth(token), json: { numList: Array.from({ length: 30 }, (_, i) => `80055501${String(i).padStart(2, '0')}`) } });
    const statuses = new Set((r.body.queryResult as Array<{ status: string }>).map((q) => q.status));
    expect(statuses.has('WORKING')).toBe(true);
    expect(r.body.queryResult[0]).toEqual((await call('/v3/ip/num/tfn/query', { method: 'PUT', headers: auth(token), json: { numList: ['8005550100'] } })).body.queryResult[0]);
  });
});

describe('time', () => {
  it('a reservation lapses back to SPARE after 45 days', async () => {
    const { token } = await open();
    sandbox.seedNumber('8445550111', { status: 'SPARE' });
    await call('/v3/ip/num/tfn/srchres/specific', { method: 'POST', headers: auth(token), json: { numList: ['8445550111'], conName: 'Ops', conTel: '3125550100' } });
    expect(sandbox.number('8445550111').status).toBe('RESERVED');
    sandbox.advanceClock(46 * 86_400_000);
    expect(sandbox.number('8445550111').status).toBe('SPARE');
  });

  it('a future-dated customer record is PENDING (number ASSIGNED) until its time', async () => {
    const s = await open();
    sandbox.seedNumber('8445550122', { status: 'RESERVED', respOrgId: 'NPS01' });
    const body = {
      num: '8445550122',
      effDtTm: '2026-03-03T10:00Z',
      cmd: 'U',
      hldIndFlag: 'N',
      priority: 'N',
      aos: { aosNet: ['US'] },
      interLATACarrier: ['0555'],
      intraLATACarrier: ['0555'],
      destNums: [{ destNum: '3125550100', numTermLine: 1 }],
    };
    const created = await call('/v3/ip/cus/rec', { method: 'POST', headers: auth(s.token), json: body });
    expect(created).toMatchObject({ status: 200, body: { custRecStat: 'PENDING' } });
    expect(sandbox.number('8445550122').status).toBe('ASSIGNED');
    sandbox.advanceClock(24 * 3600_000);
    expect(sandbox.number('8445550122').status).toBe('WORKING');
    // The session has ended by now (refresh life 1 h): a new one; a stale recVersionId is refused.
    const later = await open();
    const stale = await call('/v3/ip/cus/rec', { method: 'PUT', headers: auth(later.token), json: { ...body, effDtTm: 'NOW', recVersionId: 'nope' } });
    expect(stale).toMatchObject({ status: 409, body: { errList: [{ errCode: '805200' }] } });
    const past = await call('/v3/ip/cus/rec', { method: 'PUT', headers: auth(later.token), json: { ...body, recVersionId: created.body.recVersionId } });
    expect(past).toMatchObject({ status: 400, body: { errList: [{ errCode: '700001' }] } });
  });
});

describe('controls and persistence', () => {
  it('HTTP controls: faults, counters, config, clock', async () => {
    await call('/__sandbox/faults', { method: 'POST', json: { pathPattern: '/num/tfn/random', status: 503, times: 1 } });
    const { token } = await open();
    expect((await call('/v3/ip/num/tfn/random', { method: 'PUT', headers: auth(token), json: { qty: 1 } })).status).toBe(503);
    expect((await call('/v3/ip/num/tfn/random', { method: 'PUT', headers: auth(token), json: { qty: 1 } })).status).toBe(200);
    expect((await call('/__sandbox/counters')).body).toEqual({ sessionsOpened: 1, tokensRefreshed: 0, sessionsClosed: 0 });
    await call('/__sandbox/config', { method: 'POST', json: { syncTimeoutPaths: ['/v3/ip/num/tfn/random'] } });
    const deferred = await call('/v3/ip/num/tfn/random', { method: 'PUT', headers: auth(token), json: { qty: 1 } });
    expect(deferred.status).toBe(202);
    const got = await call(`/v3/ip/num/tfn/random?reqId=${deferred.body.reqId}`, { headers: auth(token) });
    expect(got.status).toBe(200);
    expect(got.body.numList).toHaveLength(1);
    await call('/__sandbox/config', { method: 'POST', json: { syncTimeoutPaths: [] } });
    expect((await call('/__sandbox/clock', { method: 'POST', json: { advanceMs: 60_000 } })).body.now).toBe('2026-03-02T15:01:00.000Z');
  });

  it('state survives a restart through the state file', async () => {
    const { token } = await open();
    sandbox.seedNumber('8885550133', { status: 'SPARE' });
    await call('/v3/ip/num/tfn/srchres/specific', { method: 'POST', headers: auth(token), json: { numList: ['8885550133'], conName: 'Ops', conTel: '3125550100' } });
    const again = await startSomosSandbox({ users: [USER], now: () => clock.t, stateFile: path.join(dir, 'state.json') });
    try {
      expect(again.number('8885550133')).toMatchObject({ status: 'RESERVED', ctrlRespOrgId: 'NPS01' });
      const r = await fetch(`${again.url}/v3/ip/num/tfn/query/tfn/8885550133`, { headers: auth(token) });
      expect(r.status).toBe(200); // the session survived too
    } finally {
      await again.close();
    }
  });
});
