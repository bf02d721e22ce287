/**
 * The Somos registry client end to end against the sandbox: search, reserve, query, spare,
 * customer records, RespOrg entity and change (with unsolicited notifications), 202 + retrieve,
 * and the (made-up, G) text-enablement surface.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import { activeUnits, createSomosClient, type SomosRegistryClient, type SomosResult } from '../../shared/providers/somos/client.js';
import type { Routing } from '../../shared/providers/somos/routing.js';
import { createMemoryTokenLease, createSomosTokenManager, type SomosTokenManager } from '../../shared/providers/somos/token-manager.js';
import { createSandboxTextEnablementRegistry } from '../../shared/providers/somos/tss.js';
import { ProviderError } from '../../shared/providers/types.js';
import {
  NOTIFICATION_SECRET_HEADER,
  startSomosSandbox,
  type SomosSandbox,
  type SomosSandboxUser,
} from '../../scripts/sandboxes/somos.js';

const USER: SomosSandboxUser = { username: 'np-api', password: 'Correct-Horse-9', respOrgIds: ['NPS01', 'NPS02'], entityId: 'NP', inactiveRespOrgIds: ['NPS09'] };
const OTHER: SomosSandboxUser = { username: 'ot-api', password: 'Other-Horse-7', respOrgIds: ['OTX01'], entityId: 'OT' };
const SECRET = 'notify-shared-secret';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const ctx = { roid: 'NPS01' };

let sandbox: SomosSandbox;
let receiver: Server;
let received: Array<{ path: string; secret: string | undefined; body: Record<string, unknown> }> = [];
let client: SomosRegistryClient;
let otherClient: SomosRegistryClient;

async function tokensFor(user: SomosSandboxUser): Promise<SomosTokenManager> {
  const secrets = new LocalSecretStore();
  await secrets.put('creds', JSON.stringify({ username: user.username, password: user.password, environment: 'sandbox' }));
  return createSomosTokenManager({ secrets, credentialsSecret: 'creds', stateSecret: 'state', lease: createMemoryTokenLease(), baseUrl: sandbox.url, logger: silent });
}

function data<T>(r: SomosResult<T>): T {
  if (r.pending) throw new Error(`unexpected 202 (reqId ${r.reqId})`);
  return r.data;
}

async function reserveOne(num: string): Promise<void> {
  sandbox.seedNumber(num, { status: 'SPARE' });
  expect(data(await client.searchAndReserve(ctx, { kind: 'specific', numbers: [num], contactName: 'Ops Desk', contactPhone: '+13125550100' }))).toEqual([num]);
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', secret: req.headers[NOTIFICATION_SECRET_HEADER] as string | undefined, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/somos`;
  sandbox = await startSomosSandbox({ users: [USER, OTHER], notifications: { url: hookUrl, secret: SECRET } });
  client = createSomosClient({ tokens: await tokensFor(USER), baseUrl: sandbox.url, logger: silent, http: { maxRetries: 0 } });
  otherClient = createSomosClient({ tokens: await tokensFor(OTHER), baseUrl: sandbox.url, logger: silent, http: { maxRetries: 0 } });
});

afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});

beforeEach(() => {
  received = [];
  sandbox.configure({ syncTimeoutPaths: [] });
  sandbox.clearFaults();
});

describe('search (no reservation)', () => {
  it('random: spare toll-free numbers of the NPA, with Authorization, ROID and Accept-Version', async () => {
    const numbers = data(await client.search(ctx, { kind: 'random', qty: 5, npa: '833' }));
    expect(numbers).toHaveLength(5);
    for (const n of numbers) {
      expect(n).toMatch(/^833[2-9]\d{6}$/);
      expect(data(await client.query(ctx, n)).status).toBe('SPARE');
    }
    const call = sandbox.requestLog().find((r) => r.path === '/v3/ip/num/tfn/random')!;
    expect(call).toMatchObject({ method: 'PUT', auth: 'bearer', roid: 'NPS01', acceptVersion: '3.11', status: 200 });
    expect(call.bodyKeys.sort()).toEqual(['cons', 'npa', 'qty']);
  });

  it('random consecutive: a run of consecutive numbers', async () => {
    const numbers = data(await client.search(ctx, { kind: 'random', qty: 3, npa: '855', consecutive: true }));
    expect(numbers).toHaveLength(3);
    const lines = numbers.map((n) => Number(n.slice(-4)));
    expect(lines[1]! - lines[0]!).toBe(1);
    expect(lines[2]! - lines[1]!).toBe(1);
  });

  it('wildcard: numbers matching the pattern', async () => {
    const numbers = data(await client.search(ctx, { kind: 'wildcard', qty: 3, pattern: '8**2**0023' }));
    expect(numbers.length).toBeGreaterThan(0);
    for (const n of numbers) expect(n).toMatch(/^8\d\d2\d\d0023$/);
  });

  it('specific: only spare numbers come back; a searched number is held against other RespOrgs', async () => {
    sandbox.seedNumber('8665550101', { status: 'SPARE' });
    sandbox.seedNumber('8665550102', { status: 'WORKING', respOrgId: 'OTH01' });
    expect(data(await client.search(ctx, { kind: 'specific', numbers: ['+18665550101', '866-555-0102'] }))).toEqual(['8665550101']);
    // Pre-reservation hold: another RespOrg cannot take it now.
    const err = await otherClient
      .searchAndReserve({ roid: 'OTX01' }, { kind: 'specific', numbers: ['8665550101'], contactName: 'X', contactPhone: '3125550100' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info).toMatchObject({ httpStatus: 409, kind: 'not_available', providerCode: '805101' });
  });
});

describe('reservation lifecycle', () => {
  it('search and reserve → query RESERVED (45 days) → release to SPARE', async () => {
    await reserveOne('8775550111');
    const info = data(await client.query(ctx, '8775550111'));
    expect(info).toMatchObject({ num: '8775550111', status: 'RESERVED', respOrgId: 'NPS01', contactName: 'Ops Desk', contactPhone: '3125550100' });
    expect(Date.parse(info.resUntilDt!) - Date.now()).toBeGreaterThan(44 * 86_400_000);
    const srchres = sandbox.requestLog().filter((r) => r.path === '/v3/ip/num/tfn/srchres/specific').at(-1)!;
    expect(srchres.bodyKeys.sort()).toEqual(['conName', 'conTel', 'numList']);

    const released = data(await client.releaseReservation(ctx, '8775550111'));
    expect(released.num).toBe('8775550111');
    expect(released.recVersionId).toBeTruthy();
    expect(data(await client.query(ctx, '8775550111')).status).toBe('SPARE');
  });

  it('a taken number → not_available; a stale recVersionId → 409 invalid_request', async () => {
    sandbox.seedNumber('8885550199', { status: 'WORKING', respOrgId: 'OTH01' });
    const taken = await client
      .searchAndReserve(ctx, { kind: 'specific', numbers: ['8885550199'], contactName: 'Ops', contactPhone: '3125550100' })
      .catch((e: unknown) => e);
    expect((taken as ProviderError).info).toMatchObject({ kind: 'not_available', httpStatus: 409 });

    await reserveOne('8885550198');
    const stale = await client.releaseReservation(ctx, '8885550198', 'V999999').catch((e: unknown) => e);
    expect((stale as ProviderError).info).toMatchObject({ httpStatus: 409, kind: 'invalid_request', providerCode: '805200' });
  });

  it('a ROID the user may not use → 403 auth', async () => {
    const err = await client.query({ roid: 'OTX01' }, '8445550100').catch((e: unknown) => e);
    expect((err as ProviderError).info).toMatchObject({ httpStatus: 403, kind: 'auth' });
  });

  it('random reserve with contact and notes', async () => {
    const numbers = data(await client.searchAndReserve(ctx, { kind: 'random', qty: 2, npa: '844', contactName: 'Ops', contactPhone: '3125550100', notes: 'tenant t1' }));
    expect(numbers).toHaveLength(2);
    for (const n of numbers) expect(data(await client.query(ctx, n))).toMatchObject({ status: 'RESERVED', respOrgId: 'NPS01' });
  });
});

describe('customer records', () => {
  const routing: Routing = {
    primary: { type: 'pstn', destination: '+13125550100' },
    timeOfDay: [{ days: ['sat', 'sun'], start: '00:00', end: '24:00', timezone: 'America/Chicago', destination: 'sip:weekend@sbc.example.com' }],
    areaOfService: { states: ['IL', 'WI'] },
  };

  it('create → retrieve (routing round trip) → update with recVersionId; a stale version is refused', async () => {
    await reserveOne('8335550150');
    const created = data(
      await client.createCustomerRecord(ctx, { num: '8335550150', routing, sipGatewayNumber: '+13125550199', carriers: { interLATA: ['ATX-0288'], intraLATA: ['ATX-0288'] } }),
    );
    expect(created).toMatchObject({ num: '8335550150', status: 'ACTIVE' });
    expect(data(await client.query(ctx, '8335550150')).status).toBe('WORKING');

    const cr = data(await client.retrieveCustomerRecord(ctx, '8335550150', { sipGatewayNumber: '+13125550199' }));
    expect(cr).toMatchObject({ num: '8335550150', respOrgId: 'NPS01', numStatus: 'WORKING', status: 'ACTIVE', recVersionId: created.recVersionId });
    expect(cr.routing.primary).toEqual({ type: 'pstn', destination: '+13125550100' });
    expect(cr.routing.timeOfDay).toEqual([
      { days: ['sat', 'sun'], start: '00:00', end: '24:00', timezone: 'America/Chicago', destination: { type: 'sip_gateway', destination: '+13125550199' } },
    ]);
    expect(cr.routing.areaOfService).toEqual({ states: ['IL', 'WI'] });

    const updated = data(
      await client.updateCustomerRecord(ctx, {
        num: '8335550150',
        routing: { primary: { type: 'pstn', destination: '+13125550111' } },
        carriers: { interLATA: ['0555'], intraLATA: ['0555'] },
        recVersionId: cr.recVersionId!,
      }),
    );
    expect(updated.recVersionId).not.toBe(cr.recVersionId);
    const after = data(await client.retrieveCustomerRecord(ctx, '8335550150'));
    expect(after.routing.destinations).toEqual([{ type: 'pstn', destination: '+13125550111' }]);
    expect(after.routing.timeOfDay).toBeUndefined();

    const stale = await client
      .updateCustomerRecord(ctx, { num: '8335550150', routing: { primary: { type: 'pstn', destination: '+13125550122' } }, carriers: { interLATA: ['0555'], intraLATA: ['0555'] }, recVersionId: cr.recVersionId! })
      .catch((e: unknown) => e);
    expect((stale as ProviderError).info).toMatchObject({ httpStatus: 409, kind: 'invalid_request' });
  });

  it('CR on a number we do not control → 403; no CR → 404 not_found', async () => {
    sandbox.seedNumber('8335550160', { status: 'RESERVED', respOrgId: 'OTH01' });
    const err = await client
      .createCustomerRecord(ctx, { num: '8335550160', routing: { primary: { type: 'pstn', destination: '+13125550100' } }, carriers: { interLATA: ['0555'], intraLATA: ['0555'] } })
      .catch((e: unknown) => e);
    expect((err as ProviderError).info).toMatchObject({ httpStatus: 403, kind: 'auth' });
    await reserveOne('8335550161');
    const missing = await client.retrieveCustomerRecord(ctx, '8335550161').catch((e: unknown) => e);
    expect((missing as ProviderError).info).toMatchObject({ httpStatus: 404, kind: 'not_found' });
  });

  it('a SIP destination without a gateway number is refused before any call', async () => {
    const before = sandbox.requestLog().length;
    const err = await client
      .createCustomerRecord(ctx, { num: '8335550170', routing: { primary: { type: 'sip', destination: 'sip:a@b.example.com' } } })
      .catch((e: unknown) => e);
    expect((err as ProviderError).info.kind).toBe('invalid_request');
    expect((err as Error).message).toContain('primary.destination');
    expect(sandbox.requestLog().length).toBe(before);
  });
});

describe('RespOrg', () => {
  it('entity lookup lists units with status; callers filter the active ones', async () => {
    const entity = data(await client.getRespOrgEntity(ctx, 'NP'));
    expect(entity.units).toEqual(
      expect.arrayContaining([
        { respOrgId: 'NPS01', status: 'ACTIVE' },
        { respOrgId: 'NPS02', status: 'ACTIVE' },
        { respOrgId: 'NPS09', status: 'INACTIVE' },
      ]),
    );
    expect(activeUnits(entity).map((u) => u.respOrgId).sort()).toEqual(['NPS01', 'NPS02']);
  });

  it('RespOrg change: PENDING → APPROVED → COMPLETED over "days", each step notified (uns/rch)', async () => {
    sandbox.seedNumber('8005550177', { status: 'WORKING', respOrgId: 'OTH01' });
    const [change] = data(await client.requestRespOrgChange(ctx, { numbers: ['8005550177'] }));
    expect(change).toMatchObject({ num: '8005550177', status: 'PENDING', oldRespOrgId: 'OTH01', newRespOrgId: 'NPS01' });
    await sandbox.advanceRespOrgChange(change!.id, 'APPROVED');
    expect(data(await client.getRespOrgChange(ctx, change!.id)).status).toBe('APPROVED');
    await sandbox.advanceRespOrgChange(change!.id, 'COMPLETED');
    expect(data(await client.getRespOrgChange(ctx, change!.id)).status).toBe('COMPLETED');
    expect(data(await client.query(ctx, '8005550177')).respOrgId).toBe('NPS01');
    expect(received.map((r) => [r.path, r.secret, r.body.status])).toEqual([
      ['/hooks/somos/v3/ext/uns/rch', SECRET, 'APPROVED'],
      ['/hooks/somos/v3/ext/uns/rch', SECRET, 'COMPLETED'],
    ]);
    expect(received[1]!.body).toEqual({ tfNum: '8005550177', respOrgId: 'NPS01', oldRespOrgId: 'OTH01', newRespOrgId: 'NPS01', status: 'COMPLETED' });
  });

  it('unsolicited uns/rsv notification', async () => {
    const sent = await sandbox.sendReservationNotification(['8445550123'], 'NPS01');
    expect(sent.status).toBe(204);
    expect(received).toEqual([{ path: '/hooks/somos/v3/ext/uns/rsv', secret: SECRET, body: { tfNumList: [{ tfn_number: '8445550123' }], RespOrgId: 'NPS01' } }]);
  });
});

describe('202 sync timeout', () => {
  it('returns {pending, reqId, path}; retrieve() GETs the same path with ?reqId=', async () => {
    sandbox.configure({ syncTimeoutPaths: ['/v3/ip/num/tfn/srchres'] });
    sandbox.seedNumber('8445550180', { status: 'SPARE' });
    const first = await client.searchAndReserve(ctx, { kind: 'specific', numbers: ['8445550180'], contactName: 'Ops', contactPhone: '3125550100' });
    expect(first).toMatchObject({ pending: true, path: '/v3/ip/num/tfn/srchres/specific', operation: 'searchAndReserve' });
    if (!first.pending) throw new Error('expected pending');
    const later = await client.retrieve<string[]>(ctx, first);
    expect(data(later)).toEqual(['8445550180']);
    const get = sandbox.requestLog().at(-1)!;
    expect(get).toMatchObject({ method: 'GET', path: '/v3/ip/num/tfn/srchres/specific', reqId: first.reqId, status: 200, roid: 'NPS01' });
    expect(data(await client.query(ctx, '8445550180')).status).toBe('RESERVED');
    // Raw retrieve by path + reqId (no operation): the body as the registry sent it.
    expect(data(await client.retrieve(ctx, { path: first.path, reqId: first.reqId }))).toEqual({ numList: ['8445550180'] });
  });

  it('an unknown reqId is not_found', async () => {
    const err = await client.retrieve(ctx, { path: '/v3/ip/num/tfn/query/tfn/8445550100', reqId: 'nope' }).catch((e: unknown) => e);
    expect((err as ProviderError).info).toMatchObject({ httpStatus: 404, kind: 'not_found' });
  });
});

describe('text enablement (G: made-up sandbox surface)', () => {
  it('request → pending → enabled, with the decision posted to the webhook', async () => {
    await reserveOne('8555550190');
    const tss = createSandboxTextEnablementRegistry({ baseUrl: sandbox.url, tokens: await tokensFor(USER), roid: 'NPS01', logger: silent });
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/tss-hook`;
    const { requestId, status } = await tss.request('+18555550190', { sms: true, mms: false, webhookUrl: hook });
    expect(status).toBe('pending');
    expect(await tss.status(requestId)).toEqual({ status: 'pending' });
    await sandbox.advanceTextEnablement(requestId, 'enabled');
    expect(await tss.status(requestId)).toEqual({ status: 'enabled' });
    expect(received).toEqual([{ path: '/tss-hook', secret: SECRET, body: { requestId, num: '8555550190', status: 'enabled' } }]);
    expect(await tss.disable(requestId)).toEqual({ status: 'disabled' });
    expect(await tss.status(requestId)).toEqual({ status: 'disabled' });
    expect(await tss.disable(requestId)).toEqual({ status: 'disabled' }); // repeating it changes nothing
  });

  it('a rejection carries its reason; a rejected request has nothing to disable (409)', async () => {
    await reserveOne('8555550192');
    const tss = createSandboxTextEnablementRegistry({ baseUrl: sandbox.url, tokens: await tokensFor(USER), roid: 'NPS01', logger: silent });
    const { requestId } = await tss.request('8555550192', { sms: true, mms: false });
    await sandbox.advanceTextEnablement(requestId, 'rejected', { code: 'BRAND_MISMATCH', message: 'Business name does not match.' });
    expect(await tss.status(requestId)).toEqual({ status: 'rejected', reason: { code: 'BRAND_MISMATCH', message: 'Business name does not match.' } });
    await expect(tss.disable(requestId)).rejects.toMatchObject({ info: { httpStatus: 409 } });
    // The review rejects a pending request for a number that left the RespOrg's control.
    const second = await tss.request('8555550192', { sms: true, mms: false });
    sandbox.seedNumber('8555550192', { status: 'WORKING', respOrgId: 'OTH01' });
    expect(await tss.status(second.requestId)).toMatchObject({ status: 'rejected', reason: { code: 'NUMBER_NOT_CONTROLLED' } });
  });

  it('a number we do not control is refused', async () => {
    sandbox.seedNumber('8555550191', { status: 'WORKING', respOrgId: 'OTH01' });
    const tss = createSandboxTextEnablementRegistry({ baseUrl: sandbox.url, tokens: await tokensFor(USER), roid: 'NPS01', logger: silent });
    await expect(tss.request('8555550191', { sms: true, mms: true })).rejects.toMatchObject({ info: { httpStatus: 403 } });
  });
});
