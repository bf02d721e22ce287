import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient, type ApiResponse } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import type { Stack } from '../../scripts/local/stack.js';
import { taskEndpoints } from '../../shared/api/task-targets.js';
import { MAX_INPUT_DEPTH } from '../../shared/http/input-checks.js';
import type { AuditRecord, AvailableNumbers, Job, Location, Page, PhoneNumber } from '../helpers/api-types.js';

// Issue 13, item 7: input that passes JSON.parse and the schemas but that Firestore refuses — a lone
// UTF-16 surrogate (sent as the JSON escape "\ud800"), nesting deeper than Firestore stores — is a
// 400 naming the field at the edge, before any provider hears of it; never a 500 after one has.
const projectId = 'demo-bad-input';
const TENANT = 'bad-input';
const LONE = '\ud800'; // JSON.stringify sends it as the escape "\ud800"
let stack: Stack;
let admin: ApiClient;

beforeAll(async () => {
  stack = await startTestStack(projectId);
  admin = apiClient(stack.url, await stack.token(TENANT, 'admin', 'ops'));
});
afterAll(async () => {
  await stack?.stop();
});

/** A 400 VALIDATION_ERROR in the one envelope, whose issues name exactly these paths. */
function refused(res: ApiResponse, ...paths: string[]) {
  const error = expectEnvelope(res, 400, 'VALIDATION_ERROR');
  expect(error.details!.issues!.map((i: { path: string }) => i.path)).toEqual(paths);
  expect(error.message).toBe(`Invalid ${paths[0]}: ${error.details!.issues![0]!.message}`);
  return error;
}

const nested = (levels: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
};

describe('a lone surrogate is a 400 naming its field, wherever it is', () => {
  it('POST /v1/locations and POST /v1/agents (values and keys)', async () => {
    refused(await admin.post('/v1/locations', { name: `Uptown${LONE}` }), 'body.name');
    refused(await admin.post('/v1/locations', { name: 'Uptown', address: `1 Main St${LONE}` }), 'body.address');
    refused(await admin.post('/v1/locations', { name: 'Uptown', [`k${LONE}`]: 1 }), 'body.k\ufffd');
    refused(await admin.post('/v1/agents', { name: LONE }), 'body.name');
    refused(await admin.post('/v1/agents', { name: 'Bot', description: `a${LONE}b` }), 'body.description');
    // A proper surrogate pair is fine.
    expect((await admin.post('/v1/locations', { name: 'Uptown 🙂' })).status).toBe(201);
    expect((await admin.get<Page<Location>>('/v1/locations')).body.data).toHaveLength(1);
  });

  it('POST /v1/numbers: refused before the provider sells anything', async () => {
    const [available] = (await admin.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&areaCode=415&limit=1')).body.data as { phoneNumber: string }[];
    refused(await admin.post('/v1/numbers', { provider: 'twilio', phoneNumber: available!.phoneNumber, displayName: `Front ${LONE}` }), 'body.displayName');
    expect(stack.twilio!.purchaseCounts()[available!.phoneNumber]).toBeUndefined();
    expect((await admin.get<Page<PhoneNumber>>('/v1/numbers')).body.data).toHaveLength(0);
  });

  it('PATCH /v1/numbers/{id}: refused before the provider is changed; the number is as it was', async () => {
    const [available] = (await admin.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&areaCode=212&limit=1')).body.data as { phoneNumber: string }[];
    const bought = await admin.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: available!.phoneNumber, displayName: 'Front desk' });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    const id = bought.body.id;
    const providerUpdates = () => stack.twilio!.requestLog().filter((r) => r.method === 'POST' && r.path.endsWith('/IncomingPhoneNumbers/{Sid}.json')).length;
    const before = providerUpdates();
    const stored = (await testFirestore(projectId).doc(`tenants/${TENANT}/numbers/${id}`).get()).data();

    refused(await admin.patch(`/v1/numbers/${id}`, { displayName: `Reception ${LONE}` }), 'body.displayName');
    refused(await admin.patch(`/v1/numbers/${id}`, { tags: ['ok', 'fine'], assignedTo: { id: 'staff-1', name: LONE } }), 'body.assignedTo.name');
    expect(providerUpdates()).toBe(before);
    expect((await testFirestore(projectId).doc(`tenants/${TENANT}/numbers/${id}`).get()).data()).toEqual(stored);

    // The same change, well formed, goes through, and leaves no change marker behind.
    const renamed = await admin.patch<PhoneNumber>(`/v1/numbers/${id}`, { displayName: 'Reception' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.displayName).toBe('Reception');
    expect(providerUpdates()).toBe(before + 1);
    const after = (await testFirestore(projectId).doc(`tenants/${TENANT}/numbers/${id}`).get()).data()!;
    expect(after.providerChange).toBeUndefined();
    const trail = (await admin.get<Page<AuditRecord>>(`/v1/audit?resource=numbers/${id}`)).body.data.map((r: { action: string }) => r.action);
    expect(trail.slice(0, 2)).toEqual(['numbers.update', 'numbers.update_started']);
  });

  it('POST /v1/tollfree/reservations: refused before the registry reserves anything', async () => {
    const reservations = () => stack.sandboxes.somos!.requestLog().filter((r) => r.path.includes('/srchres/')).length;
    const before = reservations();
    const contact = { contactName: 'NOC desk', contactPhone: '+13125550111' };
    refused(await admin.post('/v1/tollfree/reservations', { npa: '833', quantity: 1, ...contact, notes: `night${LONE}` }), 'body.notes');
    refused(await admin.post('/v1/tollfree/reservations', { npa: '833', quantity: 1, ...contact, contactName: LONE }), 'body.contactName');
    expect(reservations()).toBe(before);
    expect((await testFirestore(projectId).collection(`tenants/${TENANT}/tollfreeNumbers`).get()).size).toBe(0);
  });

  it('in the query and the path too', async () => {
    // A %-escape cannot carry a lone surrogate (it is not UTF-8): the value stays as sent, never a 500.
    expect((await admin.get('/v1/numbers?q=%ED%A0%80')).status).toBeLessThan(500);
    expect((await admin.get('/v1/numbers/%ED%A0%80')).status).toBe(404);
  });
});

describe('nesting deeper than Firestore stores is a 400 naming where', () => {
  it(`a job whose routing is 41 levels deep is refused; one exactly ${MAX_INPUT_DEPTH} levels deep is not`, async () => {
    const routing = nested(39, { type: 'pstn', destination: '+14155550123' }); // body → items → [0] → routing … = 41+
    const res = await admin.post('/v1/jobs', { type: 'tollfree-activate', provider: 'somos', items: [{ number: '8335550100', routing: { primary: routing } }] });
    // body (1) → items (2) → [0] (3) → routing (4) → primary (5) → next … the first level past the limit.
    const error = refused(res, `body.items.0.routing.primary${'.next'.repeat(MAX_INPUT_DEPTH - 4)}`);
    expect(error.details!.issues![0]!.message).toBe(`nested deeper than ${MAX_INPUT_DEPTH} levels (objects and arrays)`);
    expect((await admin.get<Page<Job>>('/v1/jobs')).body.data).toHaveLength(0);

    // Exactly at the limit: past the depth check, so the routing itself is judged — by name, at creation
    // (bulk routing is validated as the single endpoint validates it), and nothing is stored.
    const within = await admin.post('/v1/jobs', {
      type: 'tollfree-activate',
      provider: 'somos',
      items: [{ number: '8335550100', routing: { primary: nested(MAX_INPUT_DEPTH - 4, 'x') } }],
    });
    const judged = expectEnvelope(within, 400, 'VALIDATION_ERROR');
    const issues = (judged.details as { invalidItems: { index: number; issues: { path: string; message: string }[] }[] }).invalidItems[0]!.issues;
    expect(issues.map((i) => i.path)).toContain('items[0].routing.primary.type');
    expect(issues.map((i) => i.message).join(' ')).not.toMatch(/nested deeper/);
    expect((await admin.get<Page<Job>>('/v1/jobs')).body.data).toHaveLength(0);
  });

  it('anywhere in any body', async () => {
    refused(await admin.post('/v1/locations', { name: 'x', address: nested(MAX_INPUT_DEPTH, 1) }), `body.address${'.next'.repeat(MAX_INPUT_DEPTH - 1)}`);
  });
});

describe("a job's counts always add up to its items", () => {
  it('a job whose creation died with items unwritten finishes listing them as failed, and says why', async () => {
    const db = testFirestore(projectId);
    const jobId = 'job_0000000000000000dead';
    const createdAt = new Date(Date.now() - 11 * 60_000).toISOString(); // past the creation grace
    await db.doc(`tenants/${TENANT}/jobs/${jobId}`).set({ id: jobId, tenantId: TENANT, type: 'release', provider: 'twilio', status: 'queued', itemCount: 3, createdBy: 'ops', createdAt, updatedAt: createdAt });
    await db.doc(`tenants/${TENANT}/jobs/${jobId}/items/it_00000`).set({ id: 'it_00000', jobId, tenantId: TENANT, index: 0, state: 'succeeded', input: { numberId: 'num_00000000000000000000' }, attempts: 1, updatedAt: createdAt, finishedAt: createdAt });
    const url = `${stack.url}${taskEndpoints.jobFinalize.path}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: TENANT, jobId }),
    });
    expect(res.status).toBe(200);
    const job = (await admin.get<Job>(`/v1/jobs/${jobId}`)).body;
    expect(job).toMatchObject({ status: 'completed_with_errors', itemCount: 3, total: 3, counts: { succeeded: 1, failed: 2 } });
    expect(job.failureReason).toMatch(/^2 of 3 items were never stored/);
  });
});
