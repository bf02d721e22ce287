import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Firestore } from '@google-cloud/firestore';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { CUSTOMER_SANDBOX_ACCOUNTS, SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import { setLogLevel, setLogSink } from '../../shared/log.js';
import type { Agent, AuditRecord, AvailableNumbers, Finding, Location, Page, PhoneNumber, ProviderAccount } from '../helpers/api-types.js';

// Issue 3's two launch customers, end to end over HTTP with real tokens.
const projectId = 'demo-tenant-flows';
let stack: Stack;
let clinicAdmin: ApiClient;
let clinicMember: ApiClient;
let voiceAdmin: ApiClient;
let voiceMember: ApiClient;
let stranger: ApiClient;
const logLines: string[] = [];
let restoreLogs: () => void;

beforeAll(async () => {
  restoreLogs = setLogSink((line) => logLines.push(line));
  setLogLevel('DEBUG'); // every line the code can write, including provider call traces
  stack = await startTestStack(projectId);
  clinicAdmin = apiClient(stack.url, await stack.token('clinic-group', 'admin', 'ops-lead'));
  clinicMember = apiClient(stack.url, await stack.token('clinic-group', 'member', 'receptionist'));
  voiceAdmin = apiClient(stack.url, await stack.token('voice-ai', 'admin', 'founder'));
  voiceMember = apiClient(stack.url, await stack.token('voice-ai', 'member', 'dev'));
  stranger = apiClient(stack.url, await stack.token('someone-else', 'admin', 'eve'));
});
afterAll(async () => {
  restoreLogs?.();
  setLogLevel('INFO');
  await stack?.stop();
});

const responses: unknown[] = [];
const track = async <T extends { body: unknown }>(res: Promise<T>): Promise<T> => {
  const awaited = await res;
  responses.push(awaited.body);
  return awaited;
};
const firstAvailable = async (client: ApiClient, query: string) => {
  const res = await client.get<AvailableNumbers>(`/v1/numbers/available?provider=twilio&limit=1&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data[0]!.phoneNumber;
};

describe('clinic group: numbers per location, assigned to staff', () => {
  let downtown: string;
  let uptown: string;
  let frontDesk: { id: string; phoneNumber: string };

  it('creates locations (admin only) and buys numbers for them with a purpose', async () => {
    expectEnvelope(await clinicMember.post('/v1/locations', { name: 'Downtown' }), 403, 'FORBIDDEN');
    const a = await clinicAdmin.post<Location>('/v1/locations', { name: 'Downtown Clinic', address: '1 Main St', timezone: 'America/Los_Angeles' });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    downtown = a.body.id;
    uptown = (await clinicAdmin.post<Location>('/v1/locations', { name: 'Uptown Clinic' })).body.id;
    expectEnvelope(await clinicAdmin.post('/v1/locations', { name: 'x', timezone: 'Not A Zone!' }), 400, 'VALIDATION_ERROR');

    const smsLine = await clinicMember.post('/v1/numbers', {
      provider: 'twilio',
      phoneNumber: await firstAvailable(clinicMember, 'areaCode=415'),
      displayName: 'Downtown Reminders',
      purpose: 'sms',
      locationId: downtown,
    });
    expect(smsLine.status, JSON.stringify(smsLine.body)).toBe(201);
    expect(smsLine.body).toMatchObject({ purpose: 'sms', smsEnabled: true, voiceEnabled: false, locationId: downtown, locationName: 'Downtown Clinic' });

    const desk = await clinicMember.post<PhoneNumber>('/v1/numbers', {
      provider: 'twilio',
      phoneNumber: await firstAvailable(clinicMember, 'areaCode=415&capabilities=voice,sms'),
      displayName: 'Downtown Front Desk',
      purpose: 'both',
      locationId: downtown,
    });
    expect(desk.body).toMatchObject({ smsEnabled: true, voiceEnabled: true });
    frontDesk = desk.body;

    expectEnvelope(
      await clinicMember.post('/v1/numbers', { provider: 'twilio', phoneNumber: await firstAvailable(clinicMember, 'areaCode=212'), locationId: 'loc_0000000000000000' }),
      404,
      'NOT_FOUND',
    );
  });

  it('lists by location, assigns staff, moves a number, and finds it by name or digits', async () => {
    const atDowntown = await clinicMember.get<Page<PhoneNumber>>(`/v1/numbers?locationId=${downtown}`);
    expect(atDowntown.body.data).toHaveLength(2);
    expect(atDowntown.body.total).toBe(2);

    const assigned = await clinicMember.patch<PhoneNumber>(`/v1/numbers/${frontDesk.id}`, { assignedTo: { id: 'staff-7', name: 'Dr. Rivera' } });
    expect(assigned.body.assignedTo).toEqual({ id: 'staff-7', name: 'Dr. Rivera' });
    const moved = await clinicMember.patch(`/v1/numbers/${frontDesk.id}`, { locationId: uptown });
    expect(moved.body).toMatchObject({ locationId: uptown, locationName: 'Uptown Clinic' });
    expect((await clinicMember.get<Page<PhoneNumber>>(`/v1/numbers?locationId=${uptown}`)).body.data.map((n: { id: string }) => n.id)).toEqual([frontDesk.id]);

    const byWord = await clinicMember.get<Page<PhoneNumber>>('/v1/numbers?q=front');
    expect(byWord.body.data.map((n: { id: string }) => n.id)).toEqual([frontDesk.id]);
    const digits = frontDesk.phoneNumber.slice(-6, -1);
    expect((await clinicMember.get<Page<PhoneNumber>>(`/v1/numbers?q=${digits}`)).body.data.map((n: { id: string }) => n.id)).toContain(frontDesk.id);
    expect((await clinicMember.get<Page<PhoneNumber>>('/v1/numbers?purpose=sms')).body.data).toHaveLength(1);
    expectEnvelope(await clinicMember.get('/v1/numbers?q=front&tag=x'), 400, 'VALIDATION_ERROR');

    const renamed = await clinicAdmin.patch<Location>(`/v1/locations/${uptown}`, { name: 'Uptown Family Clinic' });
    expect(renamed.body.name).toBe('Uptown Family Clinic');
    expect((await clinicMember.get<PhoneNumber>(`/v1/numbers/${frontDesk.id}`)).body.locationName).toBe('Uptown Family Clinic');
  });

  it('refuses to delete a location that still has numbers, and audits every change', async () => {
    expect(expectEnvelope(await clinicAdmin.delete(`/v1/locations/${uptown}`), 409, 'CONFLICT').message).toMatch(/still has numbers/);
    await clinicAdmin.delete(`/v1/numbers/${frontDesk.id}`, { reason: 'desk closed' });
    expect((await clinicAdmin.delete(`/v1/locations/${uptown}`)).status).toBe(200);
    expectEnvelope(await clinicMember.get(`/v1/locations/${uptown}`), 404, 'NOT_FOUND');

    expectEnvelope(await clinicMember.get('/v1/audit'), 403, 'FORBIDDEN');
    const trail = await clinicAdmin.get<Page<AuditRecord>>(`/v1/audit?resource=numbers/${frontDesk.id}`);
    expect(trail.status).toBe(200);
    const actions = trail.body.data.map((r: { action: string }) => r.action);
    expect(actions).toEqual(['numbers.release', 'numbers.update', 'numbers.update', 'numbers.activate', 'numbers.purchase_started']);
    const release = trail.body.data[0];
    expect(release).toMatchObject({ actor: { type: 'user', uid: 'ops-lead', role: 'admin' }, resource: `numbers/${frontDesk.id}` });
    expect(release!.before!.status).toBe('active');
    expect(release!.after!.status).toBe('released');
    expect(typeof release!.requestId).toBe('string');
    const locationTrail = await clinicAdmin.get<Page<AuditRecord>>('/v1/audit?resource=locations');
    expect(locationTrail.body.data.map((r: { action: string }) => r.action)).toContain('locations.delete');
  });
});

describe('voice-AI company: customers bring their own Twilio account and attach numbers to agents', () => {
  let accountId: string;
  let inbound: { id: string; phoneNumber: string };
  let outbound: { id: string; phoneNumber: string };
  let agentId: string;
  let spare: { id: string; phoneNumber: string };

  it('rejects wrong credentials without storing anything, and stores right ones masked', async () => {
    expectEnvelope(await voiceMember.post('/v1/provider-accounts', { provider: 'twilio', credentials: CUSTOMER_SANDBOX_ACCOUNTS.twilio }), 403, 'FORBIDDEN');
    const malformed = await track(voiceAdmin.post('/v1/provider-accounts', { provider: 'twilio', credentials: { accountSid: 'AC123', authToken: 'x' } }));
    expect(expectEnvelope(malformed, 400, 'VALIDATION_ERROR').details!.issues!.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['body.credentials.accountSid', 'body.credentials.authToken']),
    );
    const wrong = await track(
      voiceAdmin.post('/v1/provider-accounts', {
        provider: 'twilio',
        credentials: { accountSid: CUSTOMER_SANDBOX_ACCOUNTS.twilio.accountSid, authToken: '0'.repeat(32) },
      }),
    );
    expect(expectEnvelope(wrong, 400, 'VALIDATION_ERROR').message).toMatch(/rejected these credentials/);
    expect((await voiceAdmin.get<Page<ProviderAccount>>('/v1/provider-accounts')).body.data).toEqual([]);
    expectEnvelope(await voiceAdmin.post('/v1/provider-accounts', { provider: 'somos', credentials: { username: 'u', password: 'p' } }), 400, 'VALIDATION_ERROR');

    const created = await track(voiceAdmin.post<ProviderAccount>('/v1/provider-accounts', { provider: 'twilio', credentials: CUSTOMER_SANDBOX_ACCOUNTS.twilio, label: 'Acme Twilio' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      provider: 'twilio',
      label: 'Acme Twilio',
      isDefault: true,
      credentials: { accountSid: `AC…${CUSTOMER_SANDBOX_ACCOUNTS.twilio.accountSid.slice(-4)}`, authToken: '***masked***' },
    });
    accountId = created.body.id;
    responses.push((await voiceAdmin.get('/v1/provider-accounts')).body);
  });

  it('buys on the tenant’s own account by default', async () => {
    const phoneNumber = await firstAvailable(voiceMember, 'areaCode=646');
    inbound = (await track(voiceMember.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber, displayName: 'Inbound' }))).body;
    expect(inbound).toMatchObject({ accountId, status: 'active' });
    outbound = (
      await track(voiceMember.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: await firstAvailable(voiceMember, 'areaCode=212'), accountId: 'platform' }))
    ).body;
    expect((outbound as { accountId?: string }).accountId).toBe('platform');
    // The number really sits in the customer's Twilio account.
    const atTwilio = await fetch(
      `${stack.twilio!.url}/2010-04-01/Accounts/${CUSTOMER_SANDBOX_ACCOUNTS.twilio.accountSid}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(phoneNumber)}`,
      { headers: { authorization: 'Basic ' + Buffer.from(`${CUSTOMER_SANDBOX_ACCOUNTS.twilio.accountSid}:${CUSTOMER_SANDBOX_ACCOUNTS.twilio.authToken}`).toString('base64') } },
    ).then((r) => r.json() as Promise<{ incoming_phone_numbers: unknown[] }>);
    expect(atTwilio.incoming_phone_numbers).toHaveLength(1);
    expect((await voiceMember.get<Page<PhoneNumber>>(`/v1/numbers?accountId=${accountId}`)).body.data.map((n: { id: string }) => n.id)).toEqual([inbound.id]);
    expectEnvelope(await voiceMember.post('/v1/numbers', { provider: 'twilio', phoneNumber, accountId: 'acc_0000000000000000' }), 404, 'NOT_FOUND');
  });

  it('attaches only active numbers the tenant owns to agents', async () => {
    const agent = await voiceMember.post<Agent>('/v1/agents', { name: 'Booking bot', inboundPhone: inbound.phoneNumber, outboundPhone: outbound.phoneNumber });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    expect(agent.body).toMatchObject({ inboundNumberId: inbound.id, outboundNumberId: outbound.id });
    agentId = agent.body.id;
    expect((await voiceMember.get<Page<PhoneNumber>>(`/v1/numbers?agentId=${agentId}`)).body.data).toHaveLength(2);

    // Another tenant's number, a number nobody holds, an inactive number, a number another agent uses.
    const clinicNumbers = (await clinicMember.get<Page<PhoneNumber>>('/v1/numbers?status=active')).body.data;
    expectEnvelope(await voiceMember.post('/v1/agents', { name: 'x', inboundPhone: clinicNumbers[0]!.phoneNumber }), 404, 'NOT_FOUND');
    expectEnvelope(await voiceMember.post('/v1/agents', { name: 'x', inboundPhone: '+14155550100' }), 404, 'NOT_FOUND');
    spare = (await voiceMember.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: await firstAvailable(voiceMember, 'areaCode=312') })).body;
    await voiceMember.patch(`/v1/numbers/${spare.id}`, { status: 'inactive' });
    expectEnvelope(await voiceMember.post('/v1/agents', { name: 'x', inboundPhone: spare.phoneNumber }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await voiceMember.post('/v1/agents', { name: 'x', inboundPhone: inbound.phoneNumber }), 409, 'CONFLICT');
    expectEnvelope(await voiceMember.post('/v1/agents', { name: 'x', inboundPhone: 'not-a-number' }), 400, 'VALIDATION_ERROR');
  });

  it('protects numbers in use: release needs force, which clears the agent’s reference', async () => {
    expect(expectEnvelope(await voiceAdmin.delete(`/v1/numbers/${inbound.id}`), 409, 'CONFLICT').message).toMatch(/agent/);
    expectEnvelope(await voiceAdmin.delete(`/v1/provider-accounts/${accountId}`), 409, 'CONFLICT');
    const forced = await voiceAdmin.delete<PhoneNumber>(`/v1/numbers/${inbound.id}?force=true`, { reason: 'customer churned' });
    expect(forced.status, JSON.stringify(forced.body)).toBe(200);
    expect(forced.body.agentId).toBeUndefined();
    const agent = (await voiceMember.get<Agent>(`/v1/agents/${agentId}`)).body;
    expect(agent.inboundPhone).toBeUndefined();
    expect(agent.outboundPhone).toBe(outbound.phoneNumber);

    // Detaching through the agent frees the number for another agent.
    await voiceMember.patch(`/v1/agents/${agentId}`, { outboundPhone: null });
    expect((await voiceMember.get<PhoneNumber>(`/v1/numbers/${outbound.id}`)).body.agentId).toBeUndefined();
    expect((await voiceAdmin.delete(`/v1/agents/${agentId}`)).status).toBe(200);

    expect((await voiceAdmin.delete(`/v1/numbers/${spare.id}`)).status).toBe(200);
    const removed = await voiceAdmin.delete(`/v1/provider-accounts/${accountId}`);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expectEnvelope(await voiceMember.post('/v1/numbers', { provider: 'twilio', phoneNumber: await firstAvailable(voiceMember, 'areaCode=617'), accountId }), 404, 'NOT_FOUND');
  });

  it('never lets a credential reach a response, a log line or Firestore', async () => {
    const secret = CUSTOMER_SANDBOX_ACCOUNTS.twilio.authToken;
    const platformSecret = SANDBOX_ACCOUNTS.twilio.authToken;
    for (const body of responses) expect(JSON.stringify(body)).not.toContain(secret);
    const logs = logLines.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(platformSecret);
    const dump = JSON.stringify(await dumpFirestore(testFirestore(projectId)));
    expect(dump).toContain('acc_'); // the dump did see the account records…
    expect(dump).not.toContain(secret); // …but never the credential
    expect(dump).not.toContain(platformSecret);
  });
});

describe('tenant isolation', () => {
  it('answers 404 to another tenant for every resource', async () => {
    const location = (await clinicAdmin.post<Location>('/v1/locations', { name: 'Private' })).body;
    const number = (await clinicMember.get<Page<PhoneNumber>>('/v1/numbers?status=active')).body.data[0];
    const agent = (await voiceMember.post<Agent>('/v1/agents', { name: 'Solo' })).body;
    const account = (await voiceAdmin.post<ProviderAccount>('/v1/provider-accounts', { provider: 'twilio', credentials: CUSTOMER_SANDBOX_ACCOUNTS.twilio })).body;
    for (const [method, path, body] of [
      ['GET', `/v1/locations/${location.id}`],
      ['PATCH', `/v1/locations/${location.id}`, { name: 'mine now' }],
      ['DELETE', `/v1/locations/${location.id}`],
      ['GET', `/v1/numbers/${number!.id}`],
      ['PATCH', `/v1/numbers/${number!.id}`, { displayName: 'mine' }],
      ['DELETE', `/v1/numbers/${number!.id}`],
      ['GET', `/v1/agents/${agent.id}`],
      ['PATCH', `/v1/agents/${agent.id}`, { name: 'mine' }],
      ['DELETE', `/v1/agents/${agent.id}`],
      ['DELETE', `/v1/provider-accounts/${account.id}`],
    ] as const) {
      expectEnvelope(await stranger.call(method, path, body ? { body } : {}), 404, 'NOT_FOUND');
    }
    expect((await stranger.get<Page<PhoneNumber>>('/v1/numbers')).body.data).toEqual([]);
    expect((await stranger.get<Page<ProviderAccount>>('/v1/provider-accounts')).body.data).toEqual([]);
    expect((await stranger.get<Page<AuditRecord>>('/v1/audit')).body.data).toEqual([]);
    expect((await clinicMember.get<Location>(`/v1/locations/${location.id}`)).body.name).toBe('Private');
  });
});

describe('inventory reconciliation', () => {
  it('records drift on tenant and platform accounts without buying or deleting, and resolves it once fixed', async () => {
    const twilio = stack.twilio!;
    // Owned in the customer's account but unknown here; and a clinic number gone at Twilio.
    const stray = await firstAvailable(voiceMember, 'areaCode=303');
    twilio.seedOwned(CUSTOMER_SANDBOX_ACCOUNTS.twilio.accountSid, stray);
    const clinicNumber = (await clinicMember.get<Page<PhoneNumber>>('/v1/numbers?status=active')).body.data[0];
    const auth = 'Basic ' + Buffer.from(`${SANDBOX_ACCOUNTS.twilio.accountSid}:${SANDBOX_ACCOUNTS.twilio.authToken}`).toString('base64');
    const gone = await fetch(`${twilio.url}/2010-04-01/Accounts/${SANDBOX_ACCOUNTS.twilio.accountSid}/IncomingPhoneNumbers/${clinicNumber!.providerNumberId}.json`, {
      method: 'DELETE',
      headers: { authorization: auth },
    });
    expect(gone.status).toBe(204);
    const purchasesBefore = JSON.stringify(twilio.purchaseCounts());

    const run = async (runId: string) => {
      const url = `${stack.url}/internal/scheduled/reconcile`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ runId }),
      });
      expect(res.status).toBe(200);
      expect((await res.json()) as { accounts: number }).toMatchObject({ runId, accounts: expect.any(Number) });
      await stack.tasks.idle('reconcile');
      if (process.env.DEBUG_RECONCILE) console.error(logLines.filter((l) => /reconcil|ERROR|WARNING/.test(l)).slice(-20).join('\n'));
    };
    await run('run-1');

    const voiceFindings = (await voiceAdmin.get<Page<Finding>>('/v1/reconciliation/findings?status=open')).body.data;
    expect(voiceFindings).toEqual([expect.objectContaining({ kind: 'unknown_here', phoneNumber: stray, status: 'open' })]);
    const clinicFindings = (await clinicAdmin.get<Page<Finding>>('/v1/reconciliation/findings')).body.data;
    expect(clinicFindings).toEqual([
      expect.objectContaining({ kind: 'missing_at_provider', phoneNumber: clinicNumber!.phoneNumber, numberId: clinicNumber!.id, accountId: 'platform' }),
    ]);
    expectEnvelope(await clinicMember.get('/v1/reconciliation/findings'), 403, 'FORBIDDEN');
    expect((await stranger.get<Page<Finding>>('/v1/reconciliation/findings')).body.data).toEqual([]);
    // Findings only: nothing bought, nothing deleted, the clinic's record untouched.
    expect(JSON.stringify(twilio.purchaseCounts())).toBe(purchasesBefore);
    expect((await clinicMember.get<PhoneNumber>(`/v1/numbers/${clinicNumber!.id}`)).body.status).toBe('active');

    // Someone fixes the drift by hand: the next run resolves the finding.
    await clinicAdmin.delete(`/v1/numbers/${clinicNumber!.id}`, { reason: 'gone at provider' });
    await run('run-2');
    const after = (await clinicAdmin.get<Page<Finding>>('/v1/reconciliation/findings')).body.data;
    expect(after).toEqual([expect.objectContaining({ status: 'resolved', resolvedAt: expect.any(String), runId: 'run-2' })]);
  });
});

async function dumpFirestore(db: Firestore): Promise<unknown[]> {
  const out: unknown[] = [];
  const walk = async (collections: FirebaseFirestore.CollectionReference[]) => {
    for (const collection of collections) {
      for (const doc of (await collection.get()).docs) {
        out.push({ path: doc.ref.path, data: doc.data() });
        await walk(await doc.ref.listCollections());
      }
      // Documents that only exist as parents of subcollections.
      for (const ref of await collection.listDocuments()) await walk(await ref.listCollections());
    }
  };
  await walk(await db.listCollections());
  return out;
}
