import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient, type ApiResponse, type ErrorEnvelope } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import type { Stack } from '../../scripts/local/stack.js';
import type { SomosSandbox } from '../../scripts/sandboxes/somos.js';
import type { AuditRecord, Page, RegistryRouting, TollFreeDetail, TollFreeNumber, TollFreePage, TollFreeReserved, TollFreeSearchResult } from '../helpers/api-types.js';

// Issue 17: the toll-free desk in daily operation — the inventory (GET /v1/tollfree), disconnecting an
// active number (DELETE /v1/tollfree/{number}), customer-record carriers (CIC) from the tenant's
// settings or the request, search answers without numbers just reserved, and reservations of 1-45
// days that warn before they lapse. The stack runs WITHOUT SOMOS_DEFAULT_CARRIERS, so carriers come
// from the tenant or the request only.
const TENANT = 'desk-inventory';
const DAY = 24 * 60 * 60_000;
let stack: Stack;
let admin: ApiClient;
let member: ApiClient;
let other: ApiClient;
const somos = (): SomosSandbox => stack.sandboxes.somos!;
const contact = { contactName: 'NOC desk', contactPhone: '+13125550111' };
const routing = { primary: { type: 'pstn', destination: '+13125550142' } };
const issuePaths = (res: ApiResponse) => ((res.body as Partial<ErrorEnvelope> | undefined)?.error?.details?.issues ?? []).map((i: { path: string }) => i.path);
const put = <T = unknown>(client: ApiClient, path: string, body: unknown) => client.call<T>('PUT', path, { body });
const registryCalls = (path: string, method = 'POST') => somos().requestLog().filter((r) => r.path === path && r.method === method).length;

beforeAll(async () => {
  stack = await startTestStack('demo-tollfree-inventory', { SOMOS_DEFAULT_CARRIERS: '' });
  admin = apiClient(stack.url, await stack.token(TENANT, 'admin', 'desk-admin'));
  member = apiClient(stack.url, await stack.token(TENANT, 'member', 'desk'));
  other = apiClient(stack.url, await stack.token('other-desk', 'admin', 'eve'));
});
afterAll(async () => {
  await stack?.stop();
});

/** Reserves `count` spare numbers of an NPA (a fresh registry search each time). */
async function reserve(npa: string, count: number, extra: Record<string, unknown> = {}): Promise<TollFreeNumber[]> {
  const res = await admin.post<TollFreeReserved>('/v1/tollfree/reservations', { npa, quantity: count, ...contact, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.data).toHaveLength(count);
  return res.body.data;
}

let active: string; // activated with the tenant's carriers
let overridden: string; // activated with the request's carriers
let short: string; // reserved for 3 days

describe('search answers leave out numbers just reserved', () => {
  it('a cached search no longer offers a number the tenant reserved seconds ago; the rest can be reserved', async () => {
    const first = await member.get<TollFreeSearchResult>('/v1/tollfree/available?npa=877&quantity=4');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const offered: string[] = first.body.data.map((n: { number: string }) => n.number);
    expect(offered).toHaveLength(4);
    expect((await member.get<TollFreeSearchResult>('/v1/tollfree/available?npa=877&quantity=4')).body).toMatchObject({ cached: true, data: first.body.data });

    const taken = await admin.post('/v1/tollfree/reservations', { numbers: [offered[0]], ...contact });
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    const again = await member.get<TollFreeSearchResult>('/v1/tollfree/available?npa=877&quantity=4');
    expect(again.status).toBe(200);
    expect(again.body.data.map((n: { number: string }) => n.number)).not.toContain(offered[0]);

    // Every number still offered can be reserved (no 409 for a number already held).
    const next = again.body.data[0]!.number;
    const second = await admin.post('/v1/tollfree/reservations', { numbers: [next], ...contact });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect((await member.get<TollFreeSearchResult>('/v1/tollfree/available?npa=877&quantity=4')).body.data.map((n: { number: string }) => n.number)).not.toContain(next);
  });
});

describe('reservation length and the warning before it lapses', () => {
  it('reserves for 1-45 days (shortened at the registry); expiresAt and expiringSoon say when it lapses', async () => {
    for (const days of [0, 46, 1.5]) {
      const bad = await admin.post('/v1/tollfree/reservations', { npa: '866', quantity: 1, ...contact, reservationDays: days });
      expectEnvelope(bad, 400, 'VALIDATION_ERROR');
      expect(issuePaths(bad)).toContain('body.reservationDays');
    }
    const updates = registryCalls('/v3/ip/num/tfn/update', 'PUT');
    const [thirty] = await reserve('866', 1, { reservationDays: 30 });
    const day30 = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
    expect(thirty).toMatchObject({ status: 'reserved', reservedUntil: `${day30}T23:59:59.000Z`, expiresAt: `${day30}T23:59:59.000Z`, expiringSoon: false });
    expect(registryCalls('/v3/ip/num/tfn/update', 'PUT')).toBe(updates + 1);
    // The registry holds it exactly that long.
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${thirty!.id}`)).body.registry).toMatchObject({ status: 'RESERVED', reservedUntil: day30 });

    [short] = (await reserve('866', 1, { reservationDays: 3 })).map((n) => n.id) as [string];
    const detail = await member.get<TollFreeDetail>(`/v1/tollfree/${short}`);
    expect(detail.body).toMatchObject({ status: 'reserved', expiringSoon: true });

    // The default stays the tariff's 45 days, without an update at the registry.
    const before = registryCalls('/v3/ip/num/tfn/update', 'PUT');
    const [full] = await reserve('866', 1);
    expect(Date.parse(full!.expiresAt!) - Date.now()).toBeGreaterThan(44.9 * DAY);
    expect(full!.expiringSoon).toBe(false);
    expect(registryCalls('/v3/ip/num/tfn/update', 'PUT')).toBe(before);
  });
});

describe('customer record carriers (CIC)', () => {
  it('activation without carriers anywhere is a 400 naming body.carriers, and nothing reaches the registry', async () => {
    const settings = await admin.get('/v1/tenant/settings');
    expect(settings.body).toMatchObject({ tollfreeCarriers: null, tollfreeCarriersSource: 'none', defaults: { tollfreeCarriers: null } });
    const [a, b] = await reserve('855', 2);
    active = a!.id;
    overridden = b!.id;
    const creates = registryCalls('/v3/ip/cus/rec');
    const missing = await admin.post<ErrorEnvelope>(`/v1/tollfree/${active}/activate`, { routing });
    expectEnvelope(missing, 400, 'VALIDATION_ERROR');
    expect(issuePaths(missing)).toEqual(['body.carriers']);
    expect(missing.body.error.message).toMatch(/tollfreeCarriers/);
    const bad = await admin.post(`/v1/tollfree/${active}/activate`, { routing, carriers: { interLATA: ['05A5'], intraLATA: ['0555'] } });
    expectEnvelope(bad, 400, 'VALIDATION_ERROR');
    expect(issuePaths(bad)).toContain('body.carriers.interLATA.0');
    const partial = await admin.post(`/v1/tollfree/${active}/activate`, { routing, carriers: { interLATA: ['0555'] } });
    expectEnvelope(partial, 400, 'VALIDATION_ERROR');
    expect(issuePaths(partial)).toContain('body.carriers.intraLATA');
    expect(registryCalls('/v3/ip/cus/rec')).toBe(creates);
  });

  it('the tenant setting (admin) gives every activation its carriers; a request may name its own', async () => {
    expectEnvelope(await member.patch('/v1/tenant/settings', { tollfreeCarriers: { interLATA: ['0555'], intraLATA: ['0555'] } }), 403, 'FORBIDDEN');
    const wrong = await admin.patch('/v1/tenant/settings', { tollfreeCarriers: { interLATA: ['555'], intraLATA: ['0555', '0555'] } });
    expectEnvelope(wrong, 400, 'VALIDATION_ERROR');
    expect(issuePaths(wrong)).toEqual(expect.arrayContaining(['body.tollfreeCarriers.interLATA.0', 'body.tollfreeCarriers.intraLATA']));
    const set = await admin.patch('/v1/tenant/settings', { tollfreeCarriers: { interLATA: ['0555', '0288'], intraLATA: ['0555'] } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ tollfreeCarriers: { interLATA: ['0555', '0288'], intraLATA: ['0555'] }, tollfreeCarriersSource: 'tenant', accountPolicy: 'platform' });

    const activated = await admin.post(`/v1/tollfree/${active}/activate`, { routing });
    expect(activated.status, JSON.stringify(activated.body)).toBe(200);
    expect(activated.body).toMatchObject({ status: 'active', carriers: { interLATA: ['0555', '0288'], intraLATA: ['0555'] } });
    expect(((await member.get<TollFreeDetail>(`/v1/tollfree/${active}`)).body.registryRouting as RegistryRouting).carriers).toEqual({ interLATA: ['0555', '0288'], intraLATA: ['0555'] });

    const own = await admin.post(`/v1/tollfree/${overridden}/activate`, { routing, carriers: { interLATA: ['0432'], intraLATA: ['0432'] } });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(((await member.get<TollFreeDetail>(`/v1/tollfree/${overridden}`)).body.registryRouting as RegistryRouting).carriers).toEqual({ interLATA: ['0432'], intraLATA: ['0432'] });

    // A routing change keeps the number's carriers, or takes the request's.
    const kept = await put(admin, `/v1/tollfree/${overridden}/routing`, { routing: { primary: { type: 'pstn', destination: '+13125550143' } } });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    expect(((await member.get<TollFreeDetail>(`/v1/tollfree/${overridden}`)).body.registryRouting as RegistryRouting).carriers).toEqual({ interLATA: ['0432'], intraLATA: ['0432'] });
    const changed = await put<TollFreeNumber>(admin, `/v1/tollfree/${overridden}/routing`, { routing, carriers: { interLATA: ['0288'], intraLATA: ['0288'] } });
    expect(changed.body.carriers).toEqual({ interLATA: ['0288'], intraLATA: ['0288'] });
    expect(((await member.get<TollFreeDetail>(`/v1/tollfree/${overridden}`)).body.registryRouting as RegistryRouting).carriers).toEqual({ interLATA: ['0288'], intraLATA: ['0288'] });
    const badRouting = await put(admin, `/v1/tollfree/${overridden}/routing`, { routing, carriers: { interLATA: ['02888'], intraLATA: ['0288'] } });
    expectEnvelope(badRouting, 400, 'VALIDATION_ERROR');
    expect(issuePaths(badRouting)).toContain('body.carriers.interLATA.0');

    const cleared = await admin.patch('/v1/tenant/settings', { tollfreeCarriers: null });
    expect(cleared.body).toMatchObject({ tollfreeCarriers: null, tollfreeCarriersSource: 'none' });
  });
});

describe('inventory: GET /v1/tollfree', () => {
  it('lists the tenant’s numbers newest first with cursor pagination, filtered by status, npa, text enablement and expiry', async () => {
    const all = await member.get<TollFreePage>('/v1/tollfree?limit=100');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const ids: string[] = all.body.data.map((n: { id: string }) => n.id);
    expect(ids.length).toBeGreaterThanOrEqual(7);
    const created = all.body.data.map((n: { createdAt: string }) => n.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
    for (const n of all.body.data) expect((n as Record<string, unknown>).tenantId).toBeUndefined();

    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await member.get<TollFreePage>(`/v1/tollfree?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      pages.push(...page.body.data.map((n: { id: string }) => n.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual(ids);

    const activeOnes = await member.get<TollFreePage>('/v1/tollfree?status=active');
    expect(activeOnes.body.data.map((n: { id: string }) => n.id).sort()).toEqual([active, overridden].sort());
    const npa = await member.get<TollFreePage>('/v1/tollfree?npa=866');
    expect(npa.body.data).toHaveLength(3);
    for (const n of npa.body.data) expect(n).toMatchObject({ npa: '866', status: 'reserved' });
    const combined = await member.get<TollFreePage>('/v1/tollfree?npa=855&status=active&textEnabled=false');
    expect(combined.body.data).toHaveLength(2);
    expect((await member.get<TollFreePage>('/v1/tollfree?textEnabled=true')).body.data).toEqual([]);
    const expiring = await member.get<TollFreePage>('/v1/tollfree?expiringWithinDays=7');
    expect(expiring.body.data.map((n: { id: string }) => n.id)).toEqual([short]);
    const soonest = await member.get<TollFreePage>('/v1/tollfree?expiringWithinDays=45&npa=866');
    const until = soonest.body.data.map((n) => n.reservedUntil);
    expect(until).toHaveLength(3);
    expect([...until].sort()).toEqual(until);
    const firstOfTwo = await member.get<TollFreePage>('/v1/tollfree?expiringWithinDays=45&limit=2');
    const rest = await member.get<TollFreePage>(`/v1/tollfree?expiringWithinDays=45&limit=100&cursor=${firstOfTwo.body.nextCursor}`);
    expect([...firstOfTwo.body.data, ...rest.body.data].map((n: { id: string }) => n.id)).toEqual(
      (await member.get<TollFreePage>('/v1/tollfree?expiringWithinDays=45&limit=100')).body.data.map((n: { id: string }) => n.id),
    );

    expect((await other.get<TollFreePage>('/v1/tollfree')).body.data).toEqual([]);
  });

  it.each([
    ['?status=busy', 'query.status'],
    ['?npa=900', 'query.npa'],
    ['?textEnabled=yes', 'query.textEnabled'],
    ['?expiringWithinDays=0', 'query.expiringWithinDays'],
    ['?expiringWithinDays=46', 'query.expiringWithinDays'],
    ['?expiringWithinDays=5&status=active', 'query.status'],
    ['?expiringWithinDays=5&textEnabled=true', 'query.textEnabled'],
    ['?limit=101', 'query.limit'],
    ['?cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
    ['?expiringWithinDays=30&cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsICJhL2IiXQ', 'query.cursor'], // ["2026-01-01T00:00:00Z", "a/b"]
    ['?expiringWithinDays=30&cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsICJfX3hfXyJd', 'query.cursor'], // ["2026-01-01T00:00:00Z", "__x__"]
    ['?expiringWithinDays=30&cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsICIiXQ', 'query.cursor'], // ["2026-01-01T00:00:00Z", ""]
    ['?expiringWithinDays=30&cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsICI4MzM3MzM3MzYyL3giXQ', 'query.cursor'], // ["2026-01-01T00:00:00Z", "8337337362/x"]
    ['?area=866', 'query'],
  ])('%s → 400 naming %s', async (qs, path) => {
    const res = await member.get(`/v1/tollfree${qs}`);
    expectEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(issuePaths(res)).toContain(path);
  });

  it('a lapsed reservation is expired — in the list, its filters and next to the registry’s SPARE — never reserved', async () => {
    somos().advanceClock(4 * DAY);
    const reserved = await member.get<TollFreePage>('/v1/tollfree?status=reserved&limit=100');
    expect(reserved.body.data.map((n: { id: string }) => n.id)).not.toContain(short);
    const expired = await member.get<TollFreePage>('/v1/tollfree?status=expired');
    expect(expired.body.data.map((n: { id: string }) => n.id)).toContain(short);
    const detail = await member.get<TollFreeDetail>(`/v1/tollfree/${short}`);
    expect(detail.body).toMatchObject({ status: 'expired', registry: { status: 'SPARE' } });
    expect(detail.body.reservedUntil).toBeUndefined();
    expect(detail.body.expiringSoon).toBeUndefined();
    const audit = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=tollfree-numbers/${short}`);
    expect(audit.body.data.map((a: { action: string }) => a.action)).toContain('tollfree.reservation_expired');
  });
});

describe('disconnect: DELETE /v1/tollfree/{number}', () => {
  it('disconnects an active number with a referral, then it ages and goes back to spare; idempotent; admin only', async () => {
    expectEnvelope(await member.delete(`/v1/tollfree/${active}`), 403, 'FORBIDDEN');
    for (const [body, path] of [
      [{ referralDays: 121 }, 'body.referralDays'],
      [{ referral: false, referralDays: 10 }, 'body.referralDays'],
      [{ effectiveAt: 'tomorrow' }, 'body.effectiveAt'],
      [{ effectiveAt: '2020-01-01T00:00:00Z' }, 'body.effectiveAt'],
      [{ when: 'now' }, 'body'],
    ] as const) {
      const bad = await admin.delete(`/v1/tollfree/${active}`, body);
      expectEnvelope(bad, 400, 'VALIDATION_ERROR');
      expect(issuePaths(bad)).toContain(path);
    }
    expectEnvelope(await admin.delete('/v1/tollfree/8665550000'), 404, 'NOT_FOUND');
    expectEnvelope(await other.delete(`/v1/tollfree/${active}`), 404, 'NOT_FOUND');

    const disconnects = () => registryCalls('/v3/ip/cus/rec/disconnect');
    const before = disconnects();
    const res = await admin.delete<TollFreeNumber>(`/v1/tollfree/${active}`, { referralDays: 10, reason: 'customer left' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'disconnected', disconnect: { referral: true, phase: 'referral', reason: 'customer left' } });
    const { effectiveAt, endInterceptAt, spareAt } = res.body.disconnect!;
    expect(Date.parse(endInterceptAt!) - Date.parse(effectiveAt)).toBeGreaterThan(10 * DAY - 1);
    expect(Date.parse(endInterceptAt!) - Date.parse(effectiveAt)).toBeLessThan(11 * DAY + 1);
    expect(Date.parse(spareAt) - Date.parse(effectiveAt)).toBe(45 * DAY); // at least 45 days (47 CFR 52.103(d))
    expect(disconnects()).toBe(before + 1);
    expect((await member.get(`/v1/tollfree/${active}`)).body).toMatchObject({ status: 'disconnected', registry: { status: 'DISCONNECT' } });

    const again = await admin.delete<TollFreeNumber>(`/v1/tollfree/${active}`, { referralDays: 10 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'disconnected', disconnect: { spareAt } });
    expect(disconnects()).toBe(before + 1);
    expectEnvelope(await put(admin, `/v1/tollfree/${active}/routing`, { routing }), 409, 'CONFLICT');
    expectEnvelope(await admin.post(`/v1/tollfree/${active}/sms`, { sms: true, mms: false }), 409, 'CONFLICT');

    somos().advanceClock(11 * DAY);
    const aging = await member.get(`/v1/tollfree/${active}`);
    expect(aging.body).toMatchObject({ status: 'disconnected', disconnect: { phase: 'aging' }, registry: { status: 'TRANSITIONAL' } });
    expect((await member.get<TollFreePage>('/v1/tollfree?status=disconnected')).body.data.map((n: { id: string }) => n.id)).toEqual([active]);

    somos().advanceClock(35 * DAY); // 46 days after the disconnect
    const listed = await member.get<TollFreePage>('/v1/tollfree?status=released');
    expect(listed.body.data.map((n: { id: string }) => n.id)).toContain(active);
    const spare = await member.get(`/v1/tollfree/${active}`);
    expect(spare.body).toMatchObject({ status: 'released', statusReason: 'aged back to spare after the disconnect', registry: { status: 'SPARE' } });
    expect((await admin.delete<TollFreeNumber>(`/v1/tollfree/${active}`)).body.status).toBe('released');
  });

  it('a disconnect without referral dated in the future is scheduled; a reservation is released instead', async () => {
    const [fresh] = await reserve('844', 1);
    const activated = await admin.post(`/v1/tollfree/${fresh!.id}/activate`, { routing, carriers: { interLATA: ['0555'], intraLATA: ['0555'] } });
    expect(activated.status, JSON.stringify(activated.body)).toBe(200);
    const when = new Date(Date.now() + 50 * DAY + 2 * 60 * 60_000); // the registry's clock runs 50 days ahead
    const res = await admin.delete<TollFreeNumber>(`/v1/tollfree/${fresh!.id}`, { referral: false, effectiveAt: when.toISOString() });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'disconnected', disconnect: { referral: false, phase: 'scheduled' } });
    expect(res.body.disconnect!.endInterceptAt).toBeUndefined();
    expect(Date.parse(res.body.disconnect!.effectiveAt) % (15 * 60_000)).toBe(0);
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${fresh!.id}`)).body.registry.status).toBe('WORKING');

    const [held] = await reserve('844', 1);
    const released = await admin.delete<TollFreeNumber>(`/v1/tollfree/${held!.id}`);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body.status).toBe('released');
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${held!.id}`)).body.registry.status).toBe('SPARE');
  });
});
