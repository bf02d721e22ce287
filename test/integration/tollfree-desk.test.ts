import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient, type ApiResponse } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import { testFirestore } from '../helpers/firestore.js';
import { SOMOS_LOCAL_ENV, type Stack } from '../../scripts/local/stack.js';
import type { SomosSandbox } from '../../scripts/sandboxes/somos.js';
import { taskEndpoints } from '../../shared/api/task-targets.js';

// Issue 17: the toll-free desk in daily operation — routing history and scheduled changes, RespOrg
// transfers (list, cancel, expected completion, the LOA as a document), notifications verified
// against the registry before they act, and toll-free reconciliation with a repair path.
const PROJECT = 'demo-tollfree-desk';
const TENANT = 'desk-carrier';
const MIN = 60_000;
let stack: Stack;
let admin: ApiClient;
let member: ApiClient;
let other: ApiClient;
const somos = (): SomosSandbox => stack.sandboxes.somos!;
const db = testFirestore(PROJECT);

beforeAll(async () => {
  stack = await startTestStack(PROJECT);
  admin = apiClient(stack.url, await stack.token(TENANT, 'admin', 'desk-admin'));
  member = apiClient(stack.url, await stack.token(TENANT, 'member', 'desk'));
  other = apiClient(stack.url, await stack.token('desk-other', 'admin', 'mallory'));
});
afterAll(async () => {
  await db.terminate();
  await stack?.stop();
});

const put = (client: ApiClient, path: string, body: unknown) => client.call('PUT', path, { body });
const contact = { contactName: 'Desk', contactPhone: '+13125550111' };
const issuePaths = (res: ApiResponse) => (res.body?.error?.details?.issues ?? []).map((i: { path: string }) => i.path);
const pstn = (destination: string) => ({ type: 'pstn', destination });

async function runTask(path: string, body: unknown): Promise<ApiResponse> {
  const url = `${stack.url}${path}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

function notify(kind: 'rsv' | 'rch', body: unknown) {
  return fetch(`${stack.url}/webhooks/somos/v3/ext/uns/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-somos-notification-secret': SOMOS_LOCAL_ENV.SOMOS_NOTIFICATION_SECRET },
    body: JSON.stringify(body),
  });
}

/** A spare number reserved and activated for the tenant. */
async function activeNumber(num: string, primary = pstn('+13125550140')): Promise<void> {
  somos().seedNumber(num, { status: 'SPARE' });
  const reserved = await admin.post('/v1/tollfree/reservations', { numbers: [num], ...contact });
  expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);
  const activated = await admin.post(`/v1/tollfree/${num}/activate`, { routing: { primary } });
  expect(activated.status, JSON.stringify(activated.body)).toBe(200);
}

describe('routing history and scheduled changes', () => {
  const num = '8335550301';

  it('refuses a destination that is the number itself, naming the field', async () => {
    somos().seedNumber(num, { status: 'SPARE' });
    expect((await admin.post('/v1/tollfree/reservations', { numbers: [num], ...contact })).status).toBe(201);
    const self = await admin.post(`/v1/tollfree/${num}/activate`, { routing: { primary: pstn(`+1${num}`) } });
    expectEnvelope(self, 400, 'VALIDATION_ERROR');
    expect(issuePaths(self)).toEqual(['body.routing.primary.destination']);
    expect((await admin.post(`/v1/tollfree/${num}/activate`, { routing: { primary: pstn('+13125550140') } })).status).toBe(200);
    const tod = { days: ['sat'], start: '00:00', end: '24:00', timezone: 'America/Chicago', destination: `+1${num}` };
    const viaTod = await put(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550140'), timeOfDay: [tod] } });
    expect(issuePaths(viaTod)).toEqual(['body.routing.timeOfDay.0.destination']);
    const viaDisaster = await put(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550140'), disaster: pstn(`+1${num}`) } });
    expect(issuePaths(viaDisaster)).toEqual(['body.routing.disaster.destination']);
  });

  let scheduledId: string;
  it('keeps a future-dated change as its own version: the current routing stays, both are listed here and at the registry', async () => {
    const at = new Date(Date.now() + 20 * MIN).toISOString();
    const scheduled = await put(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550155') }, effectiveAt: at });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
    expect(scheduled.body.routing.primary).toEqual(pstn('+13125550140')); // still the current one
    expect(scheduled.body.scheduledRouting).toHaveLength(1);
    scheduledId = scheduled.body.scheduledRouting[0].id;
    expect(Date.parse(scheduled.body.scheduledRouting[0].effectiveAt)).toBeGreaterThanOrEqual(Date.parse(at));

    const versions = await member.get(`/v1/tollfree/%2B1${num}/routing`);
    expect(versions.status, JSON.stringify(versions.body)).toBe(200);
    expect(versions.body.data.map((v: { id: string; status: string }) => `${v.id}/${v.status}`)).toEqual(['current/current', `${scheduledId}/pending`]);
    expect(versions.body.data[1].routing.primary).toEqual(pstn('+13125550155'));
    expect(versions.body.registry.versions.map((v: { status: string }) => v.status)).toEqual(['ACTIVE', 'PENDING']);
    // The registry routes by the current version until then.
    expect((await member.get(`/v1/tollfree/${num}`)).body.registryRouting.primary).toEqual(pstn('+13125550140'));
    expectEnvelope(await other.get(`/v1/tollfree/${num}/routing`), 404, 'NOT_FOUND');
  });

  it('a disaster switch (mode alone) keeps the scheduled change, here and at the registry', async () => {
    expectEnvelope(await put(admin, `/v1/tollfree/${num}/routing`, {}), 400, 'VALIDATION_ERROR');
    const disaster = await put(admin, `/v1/tollfree/${num}/routing`, { mode: 'disaster' });
    expect(disaster.status, JSON.stringify(disaster.body)).toBe(200);
    expect(disaster.body).toMatchObject({ routingMode: 'disaster', routing: { primary: pstn('+13125550140') }, disasterDefaulted: true });
    expect(disaster.body.scheduledRouting.map((v: { id: string }) => v.id)).toEqual([scheduledId]);
    expect((await member.get(`/v1/tollfree/${num}`)).body.registryRouting.primary).toEqual(pstn(SOMOS_LOCAL_ENV.SOMOS_DEFAULT_DISASTER_NUMBER));
    const versions = await member.get(`/v1/tollfree/${num}/routing`);
    expect(versions.body.registry.versions.map((v: { status: string }) => v.status)).toEqual(['ACTIVE', 'PENDING']);
    const back = await put(admin, `/v1/tollfree/${num}/routing`, { mode: 'normal' });
    expect(back.body).toMatchObject({ routingMode: 'normal', scheduledRouting: [{ id: scheduledId }] });
  });

  it('cancels a pending version (at the registry too); the current routing and the other version stay', async () => {
    const later = await put(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550177') }, effectiveAt: new Date(Date.now() + 3 * 24 * 60 * MIN).toISOString() });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
    const laterId = later.body.scheduledRouting[1].id as string;
    expectEnvelope(await put(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550166') }, effectiveAt: later.body.scheduledRouting[1].effectiveAt }), 409, 'CONFLICT');
    expectEnvelope(await member.delete(`/v1/tollfree/${num}/routing/${laterId}`), 403, 'FORBIDDEN');
    expectEnvelope(await other.delete(`/v1/tollfree/${num}/routing/${laterId}`), 404, 'NOT_FOUND');
    expectEnvelope(await admin.delete(`/v1/tollfree/${num}/routing/rtv_0000000000000000`), 404, 'NOT_FOUND');
    expect(issuePaths(await admin.delete(`/v1/tollfree/${num}/routing/current`))).toEqual(['path.versionId']);
    const cancelled = await admin.delete(`/v1/tollfree/${num}/routing/${laterId}`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.data.map((v: { id: string }) => v.id)).toEqual(['current', scheduledId]);
    expect(somos().requestLog().filter((r) => r.method === 'DELETE' && r.path.startsWith(`/v3/ip/cus/rec/tfnum/${num}/effDtTm/`)).map((r) => r.status)).toEqual([200]);
    const versions = await member.get(`/v1/tollfree/${num}/routing`);
    expect(versions.body.registry.versions.map((v: { status: string }) => v.status)).toEqual(['ACTIVE', 'PENDING']);
    const audit = await admin.get(`/v1/audit?resource=tollfree-numbers/${num}&limit=50`);
    expect(audit.body.data.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['tollfree.routing_scheduled', 'tollfree.routing_cancelled']));
  });

  it('when its time comes, the scheduled version is the current routing (the registry switched on its own)', async () => {
    // Our clock is real, the sandbox's can move: the version's time is made past on both sides.
    const ref = db.doc(`tenants/${TENANT}/tollfreeNumbers/${num}`);
    const stored = (await ref.get()).data()!;
    await ref.update({ scheduledRouting: stored.scheduledRouting.map((v: Record<string, unknown>) => ({ ...v, effectiveAt: new Date(Date.now() - MIN).toISOString() })) });
    somos().advanceClock(36 * MIN);
    const versions = await member.get(`/v1/tollfree/${num}/routing`);
    expect(versions.status, JSON.stringify(versions.body)).toBe(200);
    expect(versions.body.data).toHaveLength(1);
    expect(versions.body.data[0]).toMatchObject({ id: 'current', status: 'current', routing: { primary: pstn('+13125550155') }, mode: 'normal' });
    expect(versions.body.registry.versions.map((v: { status: string }) => v.status)).toEqual(['ACTIVE']);
    const detail = await member.get(`/v1/tollfree/${num}`);
    expect(detail.body.registryRouting.primary, JSON.stringify(detail.body.registryRouting)).toEqual(pstn('+13125550155'));
    // A change now still works on the version that took over.
    const now = await put(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550188') } });
    expect(now.status, JSON.stringify(now.body)).toBe(200);
    somos().advanceClock(-36 * MIN);
  });
});
