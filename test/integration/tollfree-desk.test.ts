import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient, type ApiResponse, type ErrorEnvelope } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import { testFirestore } from '../helpers/firestore.js';
import { SOMOS_LOCAL_ENV, type Stack } from '../../scripts/local/stack.js';
import type { SomosSandbox } from '../../scripts/sandboxes/somos.js';
import { setLogSink } from '../../shared/log.js';
import type { AuditRecord, Finding, Page, RegistryRouting, RegistryVersions, RespOrgLoa, RespOrgTransfer, RoutingVersions, TollFreeDetail, TollFreeNumber } from '../helpers/api-types.js';

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
let adminToken: string;
let otherToken: string;
const somos = (): SomosSandbox => stack.sandboxes.somos!;
const db = testFirestore(PROJECT);

beforeAll(async () => {
  stack = await startTestStack(PROJECT);
  adminToken = await stack.token(TENANT, 'admin', 'desk-admin');
  otherToken = await stack.token('desk-other', 'admin', 'mallory');
  admin = apiClient(stack.url, adminToken);
  member = apiClient(stack.url, await stack.token(TENANT, 'member', 'desk'));
  other = apiClient(stack.url, otherToken);
});
afterAll(async () => {
  await db.terminate();
  await stack?.stop();
});

const put = <T = unknown>(client: ApiClient, path: string, body: unknown) => client.call<T>('PUT', path, { body });
const contact = { contactName: 'Desk', contactPhone: '+13125550111' };
const issuePaths = (res: ApiResponse) => ((res.body as Partial<ErrorEnvelope> | undefined)?.error?.details?.issues ?? []).map((i: { path: string }) => i.path);
const pstn = (destination: string) => ({ type: 'pstn', destination });

function notify(kind: 'rsv' | 'rch', body: unknown) {
  return fetch(`${stack.url}/webhooks/somos/v3/ext/uns/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-somos-notification-secret': SOMOS_LOCAL_ENV.SOMOS_NOTIFICATION_SECRET },
    body: JSON.stringify(body),
  });
}

const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
async function postLoa<T = unknown>(file: { data: Buffer; type?: string; name?: string } | undefined, token = adminToken, asJson = false): Promise<ApiResponse<T>> {
  let body: BodyInit;
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (asJson) {
    body = JSON.stringify({ file: PDF.toString('base64') });
    headers['content-type'] = 'application/json';
  } else {
    const form = new FormData();
    if (file) form.append('file', new Blob([new Uint8Array(file.data)], file.type !== undefined ? { type: file.type } : {}), file.name ?? 'loa.pdf');
    else form.append('note', 'no file');
    body = form;
  }
  const res = await fetch(`${stack.url}/v1/resporg/loas`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}
/** An uploaded LOA's id. */
async function uploadLoa(): Promise<string> {
  const res = await postLoa<RespOrgLoa>({ data: PDF, type: 'application/pdf', name: 'signed-loa.pdf' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
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
    const scheduled = await put<TollFreeNumber>(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550155') }, effectiveAt: at });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
    expect(scheduled.body.routing!.primary).toEqual(pstn('+13125550140')); // still the current one
    expect(scheduled.body.scheduledRouting).toHaveLength(1);
    scheduledId = scheduled.body.scheduledRouting![0]!.id;
    expect(Date.parse(scheduled.body.scheduledRouting![0]!.effectiveAt)).toBeGreaterThanOrEqual(Date.parse(at));

    const versions = await member.get<RoutingVersions>(`/v1/tollfree/%2B1${num}/routing`);
    expect(versions.status, JSON.stringify(versions.body)).toBe(200);
    expect(versions.body.data.map((v: { id: string; status: string }) => `${v.id}/${v.status}`)).toEqual(['current/current', `${scheduledId}/pending`]);
    expect(versions.body.data[1]!.routing!.primary).toEqual(pstn('+13125550155'));
    expect((versions.body.registry as RegistryVersions).versions.map((v) => v.status)).toEqual(['ACTIVE', 'PENDING']);
    // The registry routes by the current version until then.
    expect(((await member.get<TollFreeDetail>(`/v1/tollfree/${num}`)).body.registryRouting as RegistryRouting).primary).toEqual(pstn('+13125550140'));
    expectEnvelope(await other.get(`/v1/tollfree/${num}/routing`), 404, 'NOT_FOUND');
  });

  it('a disaster switch (mode alone) keeps the scheduled change, here and at the registry', async () => {
    expectEnvelope(await put(admin, `/v1/tollfree/${num}/routing`, {}), 400, 'VALIDATION_ERROR');
    const disaster = await put<TollFreeNumber>(admin, `/v1/tollfree/${num}/routing`, { mode: 'disaster' });
    expect(disaster.status, JSON.stringify(disaster.body)).toBe(200);
    expect(disaster.body).toMatchObject({ routingMode: 'disaster', routing: { primary: pstn('+13125550140') }, disasterDefaulted: true });
    expect(disaster.body.scheduledRouting!.map((v: { id: string }) => v.id)).toEqual([scheduledId]);
    expect(((await member.get<TollFreeDetail>(`/v1/tollfree/${num}`)).body.registryRouting as RegistryRouting).primary).toEqual(pstn(SOMOS_LOCAL_ENV.SOMOS_DEFAULT_DISASTER_NUMBER));
    const versions = await member.get<RoutingVersions>(`/v1/tollfree/${num}/routing`);
    expect((versions.body.registry as RegistryVersions).versions.map((v) => v.status)).toEqual(['ACTIVE', 'PENDING']);
    const back = await put(admin, `/v1/tollfree/${num}/routing`, { mode: 'normal' });
    expect(back.body).toMatchObject({ routingMode: 'normal', scheduledRouting: [{ id: scheduledId }] });
  });

  it('cancels a pending version (at the registry too); the current routing and the other version stay', async () => {
    const later = await put<TollFreeNumber>(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550177') }, effectiveAt: new Date(Date.now() + 3 * 24 * 60 * MIN).toISOString() });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
    const laterId = later.body.scheduledRouting![1]!.id;
    expectEnvelope(await put(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550166') }, effectiveAt: later.body.scheduledRouting![1]!.effectiveAt }), 409, 'CONFLICT');
    // The same change again (a retry) is already scheduled: no second version.
    const again = await put<TollFreeNumber>(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550177') }, effectiveAt: later.body.scheduledRouting![1]!.effectiveAt });
    expect(again.status).toBe(200);
    expect(again.body.scheduledRouting!.map((v: { id: string }) => v.id)).toEqual([scheduledId, laterId]);
    expectEnvelope(await member.delete(`/v1/tollfree/${num}/routing/${laterId}`), 403, 'FORBIDDEN');
    expectEnvelope(await other.delete(`/v1/tollfree/${num}/routing/${laterId}`), 404, 'NOT_FOUND');
    expectEnvelope(await admin.delete(`/v1/tollfree/${num}/routing/rtv_0000000000000000`), 404, 'NOT_FOUND');
    expect(issuePaths(await admin.delete(`/v1/tollfree/${num}/routing/current`))).toEqual(['path.versionId']);
    const cancelled = await admin.delete<RoutingVersions>(`/v1/tollfree/${num}/routing/${laterId}`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.data.map((v: { id: string }) => v.id)).toEqual(['current', scheduledId]);
    expect(somos().requestLog().filter((r) => r.method === 'DELETE' && r.path.startsWith(`/v3/ip/cus/rec/tfnum/${num}/effDtTm/`)).map((r) => r.status)).toEqual([200]);
    const versions = await member.get<RoutingVersions>(`/v1/tollfree/${num}/routing`);
    expect((versions.body.registry as RegistryVersions).versions.map((v) => v.status)).toEqual(['ACTIVE', 'PENDING']);
    const audit = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=tollfree-numbers/${num}&limit=50`);
    expect(audit.body.data.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['tollfree.routing_scheduled', 'tollfree.routing_cancelled']));
  });

  it('when its time comes, the scheduled version is the current routing (the registry switched on its own)', async () => {
    // Our clock is real, the sandbox's can move: the version's time is made past on both sides.
    const ref = db.doc(`tenants/${TENANT}/tollfreeNumbers/${num}`);
    const stored = (await ref.get()).data()!;
    await ref.update({ scheduledRouting: stored.scheduledRouting.map((v: Record<string, unknown>) => ({ ...v, effectiveAt: new Date(Date.now() - MIN).toISOString() })) });
    somos().advanceClock(36 * MIN);
    const versions = await member.get<RoutingVersions>(`/v1/tollfree/${num}/routing`);
    expect(versions.status, JSON.stringify(versions.body)).toBe(200);
    expect(versions.body.data).toHaveLength(1);
    expect(versions.body.data[0]).toMatchObject({ id: 'current', status: 'current', routing: { primary: pstn('+13125550155') }, mode: 'normal' });
    expect((versions.body.registry as RegistryVersions).versions.map((v) => v.status)).toEqual(['ACTIVE']);
    const detail = await member.get<TollFreeDetail>(`/v1/tollfree/${num}`);
    expect((detail.body.registryRouting as RegistryRouting).primary, JSON.stringify(detail.body.registryRouting)).toEqual(pstn('+13125550155'));
    // A change now still works on the version that took over.
    const now = await put(admin, `/v1/tollfree/${num}/routing`, { routing: { primary: pstn('+13125550188') } });
    expect(now.status, JSON.stringify(now.body)).toBe(200);
    somos().advanceClock(-36 * MIN);
  });

  it('disconnecting withdraws the pending versions first, at the registry too: no pending routing is left', async () => {
    const leaving = '8335550304';
    await activeNumber(leaving);
    const scheduled = await put<TollFreeNumber>(admin, `/v1/tollfree/${leaving}/routing`, { routing: { primary: pstn('+13125550156') }, effectiveAt: new Date(Date.now() + 2 * 24 * 60 * MIN).toISOString() });
    expect(scheduled.body.scheduledRouting, JSON.stringify(scheduled.body)).toHaveLength(1);
    const since = somos().requestLog().length;
    const disconnected = await admin.delete<TollFreeNumber>(`/v1/tollfree/${leaving}`);
    expect(disconnected.status, JSON.stringify(disconnected.body)).toBe(200);
    expect(disconnected.body.status).toBe('disconnected');
    expect(disconnected.body.scheduledRouting).toBeUndefined();
    const writes = somos()
      .requestLog()
      .slice(since)
      .filter((r) => r.method !== 'GET' && r.path.startsWith('/v3/ip/cus/rec'))
      .map((r) => `${r.method} ${r.path.startsWith(`/v3/ip/cus/rec/tfnum/${leaving}/effDtTm/`) ? 'version' : r.path} ${r.status}`);
    expect(writes).toEqual(['DELETE version 200', 'POST /v3/ip/cus/rec/disconnect 200']);
    const versions = await member.get<RoutingVersions>(`/v1/tollfree/${leaving}/routing`);
    expect(versions.body.data.filter((v: { status: string }) => v.status === 'pending')).toEqual([]);
    const audit = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=tollfree-numbers/${leaving}&limit=50`);
    expect(audit.body.data.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['tollfree.routing_cancelled', 'tollfree.disconnect']));
  });
});

describe('notifications are verified before they act', () => {
  const live = '8335550302';
  const warnings = async (act: () => Promise<unknown>): Promise<Record<string, unknown>[]> => {
    const lines: string[] = [];
    const restore = setLogSink((line) => lines.push(line));
    try {
      await act();
    } finally {
      restore();
    }
    return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.severity === 'WARNING' && l.outcome === 'unconfirmed');
  };

  it('an uns/rch "moved to another RespOrg" the registry contradicts changes nothing; the number keeps working', async () => {
    await activeNumber(live);
    expect(somos().number(live)).toMatchObject({ status: 'WORKING', ctrlRespOrgId: 'NPS01' });
    let ack: Record<string, unknown> = {};
    const logged = await warnings(async () => {
      const res = await notify('rch', { tfNum: live, respOrgId: 'NPS01', oldRespOrgId: 'NPS01', newRespOrgId: 'OTH09', status: 'COMPLETED' });
      expect(res.status).toBe(200);
      ack = (await res.json()) as Record<string, unknown>;
    });
    expect(ack).toMatchObject({ received: true, outcome: 'unconfirmed' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ kind: 'rch', number: live, status: 'COMPLETED' });
    expect(String(logged[0]!.reason)).toContain('still shows the number WORKING under NPS01');
    // Nothing changed: ours, active, routable.
    expect((await member.get(`/v1/tollfree/${live}`)).body).toMatchObject({ status: 'active', respOrgId: 'NPS01', registry: { status: 'WORKING', respOrgId: 'NPS01' } });
    expect((await db.doc(`tollfreeOwners/${live}`).get()).data()).toMatchObject({ tenantId: TENANT });
    const routed = await put(admin, `/v1/tollfree/${live}/routing`, { routing: { primary: pstn('+13125550141') } });
    expect(routed.status, JSON.stringify(routed.body)).toBe(200);
  });

  it('the same notification, once the registry bears it out, moves the number out', async () => {
    somos().seedNumber(live, { status: 'WORKING', respOrgId: 'OTH09' }); // the registry moved it
    const res = await notify('rch', { tfNum: live, respOrgId: 'OTH09', oldRespOrgId: 'NPS01', newRespOrgId: 'OTH09', status: 'COMPLETED' });
    expect(await res.json()).toMatchObject({ received: true, outcome: 'applied' });
    expect((await member.get(`/v1/tollfree/${live}`)).body).toMatchObject({ status: 'transferred_out', statusReason: 'moved to RespOrg OTH09' });
    expect((await db.doc(`tollfreeOwners/${live}`).get()).exists).toBe(false);
  });

  it('an uns/rch for an arriving number is checked against the registry’s change', async () => {
    const moving = '8445550311';
    somos().seedNumber(moving, { status: 'WORKING', respOrgId: 'OTH01' });
    const loa = await uploadLoa();
    const created = await admin.post<RespOrgTransfer>('/v1/resporg/transfers', { numbers: [moving], fromRespOrgId: 'OTH01', loaId: loa });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const rchId = created.body.items[0]!.rchId as string;
    let ack: Record<string, unknown> = {};
    const logged = await warnings(async () => {
      ack = (await (await notify('rch', { tfNum: moving, respOrgId: 'NPS01', oldRespOrgId: 'OTH01', newRespOrgId: 'NPS01', status: 'COMPLETED' })).json()) as Record<string, unknown>;
    });
    expect(ack).toMatchObject({ outcome: 'unconfirmed' });
    expect(String(logged[0]?.reason)).toContain(`the registry shows change ${rchId} as PENDING`);
    expect((await member.get<RespOrgTransfer>(`/v1/resporg/transfers/${created.body.id}`)).body.status).toBe('pending');
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${moving}`)).body.status).toBe('transferring');
    // The real one (the sandbox's own notification, after its change moved on) applies.
    await somos().advanceRespOrgChange(rchId, 'APPROVED');
    expect((await member.get<RespOrgTransfer>(`/v1/resporg/transfers/${created.body.id}`)).body.status).toBe('approved');
  });

  it('an uns/rsv whose number the registry cannot confirm changes nothing and says so', async () => {
    const held = '8335550303';
    somos().seedNumber(held, { status: 'SPARE' });
    expect((await admin.post('/v1/tollfree/reservations', { numbers: [held], ...contact })).status).toBe(201);
    somos().injectFault({ method: 'GET', pathPattern: `query/tfn/${held}`, status: 500, times: 3 });
    let ack: Record<string, unknown> = {};
    const logged = await warnings(async () => {
      ack = (await (await notify('rsv', { tfNumList: [{ tfn_number: held }], RespOrgId: 'NPS01' })).json()) as Record<string, unknown>;
    });
    somos().clearFaults();
    expect(ack).toMatchObject({ outcome: 'unconfirmed' });
    expect(logged[0]).toMatchObject({ kind: 'rsv', number: held });
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${held}`)).body.status).toBe('reserved');
  });
});

describe('RespOrg transfers: the LOA as a document, expected completion, list and cancel', () => {
  it('takes the LOA as a PDF upload only (checked by content and declared type), kept by reference', async () => {
    const ok = await postLoa<RespOrgLoa>({ data: PDF, type: 'application/pdf', name: 'acme-loa.pdf' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ id: expect.stringMatching(/^loa_[a-f0-9]{16}$/), filename: 'acme-loa.pdf', contentType: 'application/pdf', size: PDF.length });
    // Stored at the document store (the Telnyx documents API, like requirement documents); only the reference here.
    const stored = (await db.doc(`tenants/${TENANT}/respOrgLoas/${ok.body.id}`).get()).data()!;
    expect(stored.documentId).toEqual(expect.any(String));
    expect(JSON.stringify(stored)).not.toContain(PDF.toString('base64'));

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const notPdf = await postLoa({ data: png, type: 'application/pdf' });
    expectEnvelope(notPdf, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(issuePaths(notPdf)).toEqual(['body.file']);
    expectEnvelope(await postLoa({ data: PDF, type: 'image/png' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectEnvelope(await postLoa({ data: Buffer.alloc(0), type: 'application/pdf' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await postLoa(undefined), 400, 'VALIDATION_ERROR');
    expect((await postLoa(undefined, adminToken, true)).status).toBe(415);
    expectEnvelope(await postLoa({ data: Buffer.concat([PDF, Buffer.alloc(11 * 1024 * 1024)]), type: 'application/pdf' }), 413, 'PAYLOAD_TOO_LARGE');
    const memberToken = await stack.token(TENANT, 'member', 'desk');
    expectEnvelope(await postLoa({ data: PDF, type: 'application/pdf' }, memberToken), 403, 'FORBIDDEN');
  });

  let transferId: string;
  const moving = ['8445550321', '8445550322'];
  it('needs an uploaded LOA of this tenant, and says when the transfer should be done (5-7 business days)', async () => {
    for (const n of moving) somos().seedNumber(n, { status: 'WORKING', respOrgId: 'OTH02' });
    const without = await admin.post('/v1/resporg/transfers', { numbers: moving, loaReference: 'LOA-7' });
    expectEnvelope(without, 400, 'VALIDATION_ERROR');
    expect(issuePaths(without)).toContain('body.loaId');
    const unknown = await admin.post('/v1/resporg/transfers', { numbers: moving, loaId: 'loa_0123456789abcdef' });
    expect(issuePaths(unknown)).toEqual(['body.loaId']);
    const othersLoa = await postLoa<RespOrgLoa>({ data: PDF, type: 'application/pdf' }, otherToken);
    expect(othersLoa.status).toBe(201);
    expect(issuePaths(await admin.post('/v1/resporg/transfers', { numbers: moving, loaId: othersLoa.body.id }))).toEqual(['body.loaId']);
    expect(issuePaths(await admin.post('/v1/resporg/transfers', { numbers: moving, loaId: 'LOA as a string' }))).toEqual(['body.loaId']);

    const loaId = await uploadLoa();
    const created = await admin.post<RespOrgTransfer>('/v1/resporg/transfers', { numbers: moving, fromRespOrgId: 'OTH02', loaId, loaReference: 'LOA-7' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    transferId = created.body.id;
    expect(created.body).toMatchObject({ status: 'pending', direction: 'in', loa: { id: loaId, filename: 'signed-loa.pdf' }, loaReference: 'LOA-7', numbers: moving });
    const { earliest, latest } = created.body.expectedCompletion!;
    const created_ = Date.parse(created.body.createdAt);
    // 5 business days is at least 7 calendar days, 7 at least 9; weekends and holidays only push them out.
    expect(Date.parse(earliest) - created_).toBeGreaterThanOrEqual(7 * 24 * 60 * MIN - 1);
    expect(Date.parse(latest) - created_).toBeGreaterThanOrEqual(9 * 24 * 60 * MIN - 1);
    for (const at of [earliest, latest]) expect([0, 6]).not.toContain(new Date(at).getUTCDay());
  });

  it('lists transfers newest first, filtered by status, direction and number, paginated', async () => {
    const all = await member.get<Page<RespOrgTransfer>>('/v1/resporg/transfers');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const ids = all.body.data.map((t: { id: string }) => t.id);
    expect(ids[0]).toBe(transferId);
    expect(all.body.total).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(3); // this one, the one arriving earlier, and the one that moved out
    const out = await member.get<Page<RespOrgTransfer>>('/v1/resporg/transfers?direction=out');
    expect(out.body.data.map((t) => `${t.direction}:${t.numbers!.join(',')}`)).toEqual(['out:8335550302']);
    expect(out.body.data[0]).toMatchObject({ status: 'completed', fromRespOrgId: 'NPS01', toRespOrgId: 'OTH09' });
    const byNumber = await member.get<Page<RespOrgTransfer>>(`/v1/resporg/transfers?number=%2B1${moving[1]}`);
    expect(byNumber.body.data.map((t: { id: string }) => t.id)).toEqual([transferId]);
    const approved = await member.get<Page<RespOrgTransfer>>('/v1/resporg/transfers?status=approved&direction=in');
    expect(approved.body.data.every((t: { status: string }) => t.status === 'approved')).toBe(true);
    expect(approved.body.data).toHaveLength(1);
    const first = await member.get<Page<RespOrgTransfer>>('/v1/resporg/transfers?limit=1');
    expect(first.body.data).toHaveLength(1);
    const next = await member.get<Page<RespOrgTransfer>>(`/v1/resporg/transfers?limit=1&cursor=${encodeURIComponent(first.body.nextCursor!)}`);
    expect(next.body.data[0]!.id).toBe(ids[1]);
    expectEnvelope(await member.get('/v1/resporg/transfers?status=lost'), 400, 'VALIDATION_ERROR');
    expect(issuePaths(await member.get('/v1/resporg/transfers?number=2125550100'))).toEqual(['query.number']);
    expect((await other.get<Page<RespOrgTransfer>>('/v1/resporg/transfers')).body.data.map((t: { id: string }) => t.id)).not.toContain(transferId);
  });

  it('cancels what has not completed, at the registry too; a cancelled transfer cannot be cancelled again', async () => {
    const path = `/v1/resporg/transfers/${transferId}/cancel`;
    expectEnvelope(await member.post(path, undefined), 403, 'FORBIDDEN');
    expectEnvelope(await other.post(path, undefined), 404, 'NOT_FOUND');
    const before = (await member.get<RespOrgTransfer>(`/v1/resporg/transfers/${transferId}`)).body;
    await somos().advanceRespOrgChange(before.items[0]!.rchId!, 'COMPLETED'); // one number is through already
    const cancelled = await admin.post<RespOrgTransfer>(path, undefined);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.items.map((i: { number: string; status: string }) => `${i.number}:${i.status}`)).toEqual([`${moving[0]}:completed`, `${moving[1]}:cancelled`]);
    expect(cancelled.body.status).toBe('partially_completed');
    expect(somos().respOrgChange(before.items[1]!.rchId!)?.status).toBe('CANCELLED');
    // The registry's truth: the number stays with OTH02.
    expect((await member.get(`/v1/tollfree/${moving[1]}`)).body).toMatchObject({ status: 'transfer_failed', respOrgId: 'OTH02', statusReason: 'RespOrg change cancelled' });
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${moving[0]}`)).body.status).toBe('active');
    expectEnvelope(await admin.post(path, undefined), 409, 'CONFLICT');
    const audit = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=resporg-transfers/${transferId}`);
    expect(audit.body.data.map((r: { action: string }) => r.action)).toContain('resporg.transfer_cancelled');
  });

  it('the tenant removes a failed transfer’s number record; nothing changes at the registry', async () => {
    const failed = moving[1]!;
    expectEnvelope(await member.delete(`/v1/tollfree/${failed}`), 403, 'FORBIDDEN');
    const since = somos().requestLog().length;
    const removed = await admin.delete<TollFreeNumber>(`/v1/tollfree/${failed}`);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toMatchObject({ id: failed, status: 'transfer_failed' });
    expect(somos().requestLog().slice(since).filter((r) => r.path.startsWith('/v3/ip/'))).toEqual([]);
    expectEnvelope(await member.get(`/v1/tollfree/${failed}`), 404, 'NOT_FOUND');
    expect((await db.doc(`tollfreeOwners/${failed}`).get()).exists).toBe(false);
    expect(somos().number(failed)).toMatchObject({ status: 'WORKING', ctrlRespOrgId: 'OTH02' });
    const audit = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=tollfree-numbers/${failed}&limit=50`);
    expect(audit.body.data.map((r: { action: string }) => r.action)).toContain('tollfree.transfer_dismissed');
  });

  it('two tenants asking for one number at once: one transfer takes it, the other is refused (409) and holds nothing', async () => {
    const contested = '8445550399';
    somos().seedNumber(contested, { status: 'WORKING', respOrgId: 'OTH02' });
    const theirLoa = await postLoa<RespOrgLoa>({ data: PDF, type: 'application/pdf' }, otherToken);
    const myLoa = await uploadLoa();
    // Both sent at once, each after the registry's checks would pass for it alone.
    const [mine, theirs] = await Promise.all([
      admin.post<RespOrgTransfer>('/v1/resporg/transfers', { numbers: [contested], fromRespOrgId: 'OTH02', loaId: myLoa }),
      other.post<RespOrgTransfer>('/v1/resporg/transfers', { numbers: [contested], fromRespOrgId: 'OTH02', loaId: theirLoa.body.id }),
    ]);
    expect([mine.status, theirs.status].sort()).toEqual([201, 409]);
    const [winner, loser] = mine.status === 201 ? [admin, other] : [other, admin];
    expectEnvelope(mine.status === 409 ? mine : theirs, 409, 'CONFLICT');
    expect((await winner.get(`/v1/tollfree/${contested}`)).body).toMatchObject({ status: 'transferring' });
    expect((await loser.get(`/v1/tollfree/${contested}`)).status).toBe(404);
    // The loser's transfer was never filed: its list has none for the number.
    expect((await loser.get<Page<RespOrgTransfer>>(`/v1/resporg/transfers?number=%2B1${contested}`)).body.data).toEqual([]);
  });
});

describe('toll-free reconciliation', () => {
  const gone = '8335550331'; // active here, spare at the registry
  const taken = '8335550332'; // reserved here, working under another RespOrg there
  const fine = '8335550333';
  const run = async (runId: string) => {
    const url = `${stack.url}/internal/scheduled/reconcile`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ runId }),
    });
    expect(res.status).toBe(200);
    await stack.tasks.idle('reconcile');
  };
  const findings = async (qs = '') => (await admin.get<Page<Finding>>(`/v1/reconciliation/findings${qs}`)).body.data;

  it('compares every reserved and active number with the registry (status, controlling RespOrg) and reports the drift', async () => {
    await activeNumber(gone);
    await activeNumber(fine);
    somos().seedNumber(taken, { status: 'SPARE' });
    expect((await admin.post('/v1/tollfree/reservations', { numbers: [taken], ...contact })).status).toBe(201);
    somos().seedNumber(gone, { status: 'SPARE' });
    somos().seedNumber(taken, { status: 'WORKING', respOrgId: 'OTH05' });
    await run('tf-run-1');
    const open = await findings('?status=open');
    expect(open.map((f) => `${f.kind}:${f.numberId}`).sort()).toEqual([`tollfree_not_ours:${taken}`, `tollfree_status_mismatch:${gone}`]);
    expect(open.find((f) => f.numberId === gone)).toMatchObject({
      provider: 'somos',
      accountId: 'NPS01',
      phoneNumber: `+1${gone}`,
      details: { ourStatus: 'active', registryStatus: 'SPARE' },
      runId: 'tf-run-1',
    });
    expect(open.find((f) => f.numberId === taken)?.details).toEqual({ ourStatus: 'reserved', registryStatus: 'WORKING', registryRespOrgId: 'OTH05' });
    expect((await findings('?kind=tollfree_not_ours')).map((f) => f.numberId)).toEqual([taken]);
    // Findings only: the run changed no record.
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${gone}`)).body.status).toBe('active');
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${taken}`)).body.status).toBe('reserved');
    expect((await other.get<Page<Finding>>('/v1/reconciliation/findings')).body.data).toEqual([]);
    expectEnvelope(await member.get('/v1/reconciliation/findings'), 403, 'FORBIDDEN');
  });

  it('repairs a finding on an admin’s request: the registry is read again and our record follows it', async () => {
    const [mismatch] = await findings('?kind=tollfree_status_mismatch');
    const [notOurs] = await findings('?kind=tollfree_not_ours');
    expectEnvelope(await member.post(`/v1/reconciliation/findings/${mismatch!.id}/repair`, undefined), 403, 'FORBIDDEN');
    expectEnvelope(await other.post(`/v1/reconciliation/findings/${mismatch!.id}/repair`, undefined), 404, 'NOT_FOUND');
    expectEnvelope(await admin.post('/v1/reconciliation/findings/no such id/repair', undefined), 400, 'VALIDATION_ERROR');

    const repaired = await admin.post<Finding>(`/v1/reconciliation/findings/${mismatch!.id}/repair`, undefined);
    expect(repaired.status, JSON.stringify(repaired.body)).toBe(200);
    expect(repaired.body).toMatchObject({ status: 'resolved', repair: { action: 'released', registryStatus: 'SPARE' } });
    expect((await member.get(`/v1/tollfree/${gone}`)).body).toMatchObject({ status: 'released', statusReason: expect.stringContaining('SPARE') });
    expect((await db.doc(`tollfreeOwners/${gone}`).get()).exists).toBe(false);
    expectEnvelope(await admin.post(`/v1/reconciliation/findings/${mismatch!.id}/repair`, undefined), 409, 'CONFLICT');

    const moved = await admin.post(`/v1/reconciliation/findings/${notOurs!.id}/repair`, undefined);
    expect(moved.body).toMatchObject({ status: 'resolved', repair: { action: 'transferred_out', registryStatus: 'WORKING', registryRespOrgId: 'OTH05' } });
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${taken}`)).body.status).toBe('transferred_out');
    const out = await member.get<Page<RespOrgTransfer>>(`/v1/resporg/transfers?direction=out&number=${taken}`);
    expect(out.body.data).toEqual([expect.objectContaining({ status: 'completed', fromRespOrgId: 'NPS01', toRespOrgId: 'OTH05' })]);
    const audit = await admin.get<Page<AuditRecord>>(`/v1/audit?resource=tollfree-numbers/${gone}&limit=50`);
    expect(audit.body.data.map((r: { action: string }) => r.action)).toContain('tollfree.reconciliation_repair');

    // The next run finds nothing left to report for them (and still nothing for the fine one).
    await run('tf-run-2');
    expect(await findings('?status=open')).toEqual([]);
  });

  it('a finding the registry no longer bears out resolves on the next run; other kinds have no repair', async () => {
    somos().seedNumber(fine, { status: 'SPARE' });
    await run('tf-run-3');
    const [drift] = await findings('?status=open');
    expect(drift).toMatchObject({ kind: 'tollfree_status_mismatch', numberId: fine });
    somos().seedNumber(fine, { status: 'WORKING', respOrgId: 'NPS01' }); // the registry is right again
    const repaired = await admin.post<Finding>(`/v1/reconciliation/findings/${drift!.id}/repair`, undefined);
    expect(repaired.body).toMatchObject({ status: 'resolved', repair: { action: 'none', registryStatus: 'WORKING' } });
    expect((await member.get<TollFreeDetail>(`/v1/tollfree/${fine}`)).body.status).toBe('active');
    await db.doc(`tenants/${TENANT}/reconciliationFindings/unknown_here_platform_15555550100`).set({
      id: 'unknown_here_platform_15555550100', tenantId: TENANT, kind: 'unknown_here', provider: 'twilio', accountId: 'platform', phoneNumber: '+15555550100',
      status: 'open', firstSeenAt: new Date().toISOString(), lastSeenAt: new Date().toISOString(), runId: 'x',
    });
    expectEnvelope(await admin.post('/v1/reconciliation/findings/unknown_here_platform_15555550100/repair', undefined), 409, 'CONFLICT');
  });
});

describe('the orphan an unverified notification once left', () => {
  it('is found by the next run (ours transferred out, the registry still working under our unit) and repaired: the number works again', async () => {
    const orphan = '8335550334';
    await activeNumber(orphan);
    // What the unverified uns/rch handler used to do: the record moved out, the owner index gone.
    const ref = db.doc(`tenants/${TENANT}/tollfreeNumbers/${orphan}`);
    await ref.update({ status: 'transferred_out', statusReason: 'moved to RespOrg OTH09', updatedAt: new Date().toISOString() });
    await db.doc(`tollfreeOwners/${orphan}`).delete();
    expectEnvelope(await put(admin, `/v1/tollfree/${orphan}/routing`, { routing: { primary: pstn('+13125550142') } }), 409, 'CONFLICT');
    expect(somos().number(orphan)).toMatchObject({ status: 'WORKING', ctrlRespOrgId: 'NPS01' });

    const url = `${stack.url}/internal/scheduled/reconcile`;
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' }, body: JSON.stringify({ runId: 'tf-orphan' }) });
    expect(res.status).toBe(200);
    await stack.tasks.idle('reconcile');
    const open = (await admin.get<Page<Finding>>('/v1/reconciliation/findings?status=open')).body.data;
    const finding = open.find((f) => f.numberId === orphan);
    expect(finding).toMatchObject({ kind: 'tollfree_status_mismatch', details: { ourStatus: 'transferred_out', registryStatus: 'WORKING', registryRespOrgId: 'NPS01' } });

    const repaired = await admin.post<Finding>(`/v1/reconciliation/findings/${finding!.id}/repair`, undefined);
    expect(repaired.status, JSON.stringify(repaired.body)).toBe(200);
    expect(repaired.body.repair).toMatchObject({ action: 'active', registryStatus: 'WORKING' });
    expect((await member.get(`/v1/tollfree/${orphan}`)).body).toMatchObject({ status: 'active', respOrgId: 'NPS01', routing: { primary: pstn('+13125550140') } });
    expect((await db.doc(`tollfreeOwners/${orphan}`).get()).data()).toMatchObject({ tenantId: TENANT });
    const routed = await put(admin, `/v1/tollfree/${orphan}/routing`, { routing: { primary: pstn('+13125550142') } });
    expect(routed.status, JSON.stringify(routed.body)).toBe(200);
  });
});
