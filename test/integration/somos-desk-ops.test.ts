/**
 * Issue 17, the toll-free desk in daily operation, over the HTTP API of the local stack (Somos sandbox):
 * - session open with forceFlag (SOMOS_SESSION_FORCE_FLAG=always: no 701003 round trip);
 * - bulk activate validates routing when the job is created (invalid items reported, like other invalid items);
 * - text enablement: TSS's rejection reason shown, and text turned off again (DELETE …/sms);
 * - rejected credentials: the login circuit breaker stops the login storm before the registry locks the user,
 *   answers 503 with Retry-After (the scheduled token refresh too), and one probe after the cool-down closes it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import { SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import type { SomosSandbox } from '../../scripts/sandboxes/somos.js';
import { taskEndpoints } from '../../shared/api/task-targets.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import { platformSecretName } from '../../shared/providers/registry.js';
import { SOMOS_TOKEN_STATE_SECRET } from '../../modules/tollfree/services/platform.js';
import type { CreatedJob, Job, JobItem, Page, TextEnablement, TollFreeDetail, TollFreeSearchResult } from '../helpers/api-types.js';

const TENANT = 'desk-ops';
const MIN = 60_000;
let stack: Stack & { dataDir: string };
let admin: ApiClient;
let member: ApiClient;
const somos = (): SomosSandbox => stack.sandboxes.somos!;
const contact = { contactName: 'NOC desk', contactPhone: '+13125550111' };
const routing = { primary: { type: 'pstn', destination: '+14155550123' } };
const sessionOpens = () => somos().requestLog().filter((r) => r.path === '/v3/ip/sec/session/open');

beforeAll(async () => {
  // A 10-second breaker cool-down: the stack's task queue and the registry's clock run in real time here.
  stack = await startTestStack('demo-desk-ops', { SOMOS_SESSION_FORCE_FLAG: 'always', SOMOS_AUTH_BREAKER_COOLDOWN_SECONDS: '10' });
  admin = apiClient(stack.url, await stack.token(TENANT, 'admin', 'noc-admin'));
  member = apiClient(stack.url, await stack.token(TENANT, 'member', 'noc'));
});
afterAll(async () => {
  await stack?.stop();
});

async function finished(jobId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await admin.get<Job>(`/v1/jobs/${jobId}`)).body;
    if (job.finishedAt) return job;
    if (Date.now() > deadline) throw new Error(`job not finished: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function spare(quantity: number): Promise<string[]> {
  const res = await member.get<TollFreeSearchResult>(`/v1/tollfree/available?npa=844&quantity=${quantity}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.map((n: { number: string }) => n.number.replace(/^\+1/, ''));
}

async function reserve(numbers: string[]): Promise<void> {
  const res = await admin.post('/v1/tollfree/reservations', { numbers, ...contact });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

describe('forceFlag (SOMOS_SESSION_FORCE_FLAG=always)', () => {
  it('opens the platform session with forceFlag Y even though another session of the user is open: no 701003', async () => {
    const { username, password } = SANDBOX_ACCOUNTS.somos;
    const outside = await fetch(`${somos().url}/v3/ip/sec/session/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ usrName: username, password, withPerm: true }),
    });
    expect(outside.status).toBe(200);
    const before = sessionOpens().length;
    await spare(1);
    const platform = sessionOpens().slice(before);
    expect(platform.map((o) => [o.status, o.bodyKeys.includes('forceFlag'), o.bodyKeys.includes('sessOverrideKey')])).toEqual([[200, true, false]]);
    expect(somos().sessions().filter((s) => s.status === 'overridden')).toHaveLength(1);
  });
});

describe('bulk activate validates routing at creation', () => {
  let numbers: string[];
  beforeAll(async () => {
    numbers = await spare(3);
    await reserve(numbers);
  });

  it('reports items with invalid routing like other invalid items (index, issue paths); the valid ones run', async () => {
    const created = await admin.post<CreatedJob>('/v1/jobs', {
      type: 'tollfree-activate',
      provider: 'somos',
      items: [
        { number: numbers[0], routing },
        { number: numbers[1], routing: { primary: { type: 'pstn', destination: '12345' } } },
        { number: numbers[2], routing: { primary: { type: 'pstn', destination: '+14155550123' }, timeOfDay: [{ days: ['mon'], start: '25:00', end: '17:00', destination: { type: 'pstn', destination: '+14155550124' } }] } },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body.invalidCount).toBe(2);
    expect(created.body.invalidItems.map((i: { index: number }) => i.index)).toEqual([1, 2]);
    expect(created.body.invalidItems[0]!.issues[0]!.path).toBe('items[1].routing.primary.destination');
    expect(created.body.invalidItems[1]!.issues.map((i: { path: string }) => i.path)).toContain('items[2].routing.timeOfDay.0.start');
    const job = await finished(created.body.id);
    expect(job.counts).toMatchObject({ succeeded: 1, failed: 0 });
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${numbers[0]}`)).body.status).toBe('active');
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${numbers[1]}`)).body.status).toBe('reserved');
  });

  it('refuses the whole request (400, every item named) when no item is valid', async () => {
    const res = await admin.post('/v1/jobs', { type: 'tollfree-activate', provider: 'somos', items: [{ number: numbers[1], routing: { primary: { type: 'sip', destination: 'not-a-uri' } } }] });
    const error = expectEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(error.details).toMatchObject({ invalidCount: 1, invalidItems: [{ index: 0, issues: [{ path: 'items[0].routing.primary.destination' }] }] });
  });
});

describe('text enablement: rejection reason and turning SMS off', () => {
  let numbers: string[];
  beforeAll(async () => {
    numbers = await spare(2);
    await reserve(numbers);
  });

  it('a request for a number that went out of service is rejected by TSS with a reason, shown by …/sms and the number', async () => {
    const [n] = numbers;
    const requested = await admin.post(`/v1/tollfree/${n}/sms`, { sms: true, mms: false });
    expect(requested.body).toMatchObject({ status: 'pending' });
    // The registry no longer has the number reserved for us (it went spare): TSS's review refuses it.
    const seeded = await fetch(`${somos().url}/__sandbox/numbers/${n}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'SPARE' }) });
    expect(seeded.status).toBe(201);
    const state = await member.get<TextEnablement>(`/v1/tollfree/${n}/sms`);
    expect(state.status, JSON.stringify(state.body)).toBe(200);
    expect(state.body).toMatchObject({ status: 'rejected', reason: { code: 'NUMBER_NOT_CONTROLLED' } });
    expect(state.body.reason!.message).toContain(n);
    const detail = await member.get<TollFreeDetail>(`/v1/tollfree/${n}`);
    expect(detail.body.sms).toMatchObject({ status: 'rejected', reason: { code: 'NUMBER_NOT_CONTROLLED' } });
    // Nothing to turn off: answered as it is.
    const off = await admin.delete<TextEnablement>(`/v1/tollfree/${n}/sms`);
    expect(off.status).toBe(200);
    expect(off.body.status).toBe('rejected');
  });

  it('a manual rejection carries the reviewer’s reason; a new request, enablement, then DELETE turns it off (idempotent, admin only)', async () => {
    const n = numbers[1]!;
    const first = await admin.post<TextEnablement>(`/v1/tollfree/${n}/sms`, { sms: true, mms: true });
    await somos().advanceTextEnablement(first.body.tssRequestId!, 'rejected', { code: 'BRAND_MISMATCH', message: 'The business name does not match the number’s customer record.' });
    expect((await member.get(`/v1/tollfree/${n}/sms`)).body).toMatchObject({ status: 'rejected', reason: { code: 'BRAND_MISMATCH', message: 'The business name does not match the number’s customer record.' } });

    const second = await admin.post<TextEnablement>(`/v1/tollfree/${n}/sms`, { sms: true, mms: true });
    expect(second.body).toMatchObject({ status: 'pending' });
    expect(second.body.reason).toBeUndefined();
    await somos().advanceTextEnablement(second.body.tssRequestId!, 'enabled');
    expect((await member.get<TextEnablement>(`/v1/tollfree/${n}/sms`)).body.status).toBe('enabled');
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${n}`)).body.textEnabled).toBe(true);

    expectEnvelope(await member.delete(`/v1/tollfree/${n}/sms`), 403, 'FORBIDDEN');
    const off = await admin.delete<TextEnablement>(`/v1/tollfree/${n}/sms`);
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toMatchObject({ status: 'disabled', sms: true, mms: true });
    expect(off.body.disabledAt).toBeTruthy();
    expect(somos().textEnablement(second.body.tssRequestId!)?.status).toBe('disabled');
    expect((await member.get(`/v1/tollfree/${n}`)).body).toMatchObject({ textEnabled: false, sms: { status: 'disabled' } });
    const calls = somos().requestLog().filter((r) => r.method === 'DELETE' && r.path.startsWith('/tss/')).length;
    expect((await admin.delete<TextEnablement>(`/v1/tollfree/${n}/sms`)).body.status).toBe('disabled');
    expect(somos().requestLog().filter((r) => r.method === 'DELETE' && r.path.startsWith('/tss/')).length).toBe(calls);
    // A pending request can be withdrawn the same way.
    const third = await admin.post<TextEnablement>(`/v1/tollfree/${n}/sms`, { sms: true, mms: false });
    expect(third.body.status).toBe('pending');
    expect((await admin.delete<TextEnablement>(`/v1/tollfree/${n}/sms`)).body.status).toBe('disabled');
    expect(somos().textEnablement(third.body.tssRequestId!)?.status).toBe('disabled');
  });
});

describe('login circuit breaker (rejected credentials)', () => {
  it('a 10-item job with rejected credentials makes 3 logins, not one per item; 503 + Retry-After; a probe after the cool-down closes it', async () => {
    const numbers = await spare(10);
    const secrets = new LocalSecretStore({ dir: path.join(stack.dataDir, 'secrets') });
    const { username, password } = SANDBOX_ACCOUNTS.somos;
    await secrets.put(platformSecretName('somos'), JSON.stringify({ username, password: 'rotated-elsewhere-0001', environment: 'sandbox' }));
    await secrets.delete(SOMOS_TOKEN_STATE_SECRET);
    somos().advanceClock(MIN); // past the platform's 30-second in-memory token cache (shared clock)
    const before = sessionOpens().length;

    const created = await admin.post<CreatedJob>('/v1/jobs', { type: 'tollfree-reserve', provider: 'somos', items: numbers.map((number) => ({ number, ...contact })) });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    // Every item is tried; while logins are paused each one waits for the cool-down (queued, its attempt not spent).
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const items = (await admin.get<Page<JobItem>>(`/v1/jobs/${created.body.id}/items?limit=20`)).body?.data ?? [];
      if (items.length === 10 && items.every((i: { error?: { code?: string } }) => i.error?.code === 'SERVICE_UNAVAILABLE')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(sessionOpens().length - before).toBe(3);
    expect(somos().userStatus(username)).toMatchObject({ locked: false, consecutiveFailures: 3 });

    const paused = await member.get('/v1/tollfree/available?npa=833&quantity=1');
    const error = expectEnvelope(paused, 503, 'SERVICE_UNAVAILABLE');
    expect(error.details).toMatchObject({ provider: 'somos', reason: 'login_paused', consecutiveFailures: 3 });
    expect(Number(paused.headers.get('retry-after'))).toBeGreaterThan(0);
    const retryAfter = Number(paused.headers.get('retry-after'));
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(sessionOpens().length - before).toBe(3);
    expect(JSON.stringify(paused.body)).not.toContain('rotated-elsewhere-0001');
    // The scheduled token refresh (Cloud Scheduler) respects the breaker too: 503, no login.
    const refreshUrl = `${stack.url}${taskEndpoints.somosTokenRefresh.path}`;
    const refresh = await fetch(refreshUrl, { method: 'POST', headers: { authorization: `Bearer ${await stack.taskToken(refreshUrl)}`, 'content-type': 'application/json' }, body: '{}' });
    expect(refresh.status).toBe(503);
    expect(((await refresh.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe('login_paused');
    expect(sessionOpens().length - before).toBe(3);

    const items = (await admin.get<Page<JobItem>>(`/v1/jobs/${created.body.id}/items?limit=20`)).body.data as { state: string; attempts: number }[];
    expect(items.every((i) => i.state === 'queued')).toBe(true);

    // The operator fixes the secret; after the cool-down one probe (an item's or this call's) logs in and closes the breaker.
    await secrets.put(platformSecretName('somos'), JSON.stringify({ username, password, environment: 'sandbox' }));
    await new Promise((r) => setTimeout(r, (retryAfter + 1) * 1000));
    const ok = await member.get('/v1/tollfree/available?npa=833&quantity=1');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(sessionOpens().length - before).toBe(4);
    const job = await finished(created.body.id, 60_000);
    expect(job.counts).toMatchObject({ succeeded: 10, failed: 0 });
    expect(sessionOpens().length - before).toBe(4);
  }, 150_000);
});
