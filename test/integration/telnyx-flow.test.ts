import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import type { Stack } from '../../scripts/local/stack.js';
import { telnyxKeyPair, telnyxSignatureHeaders } from '../../shared/providers/telnyx/webhooks.js';
import { waitFor } from '../helpers/wait.js';
import type { Address, AvailableNumbers, NumberCheck, Page, PhoneNumber, RequirementGroup, RequirementGroupStatus, Requirements } from '../helpers/api-types.js';

// Issue 4: "I need a French local number" → requirements → group → values and documents → approval →
// order → signed webhook → active, with every bad step a clear 4xx.
let stack: Stack;
let member: ApiClient;
let other: ApiClient;

beforeAll(async () => {
  stack = await startTestStack('demo-telnyx-flow');
  member = apiClient(stack.url, await stack.token('gig-works', 'member', 'ops'));
  other = apiClient(stack.url, await stack.token('someone-else', 'member', 'eve'));
});
afterAll(async () => {
  await stack?.stop();
});

const telnyx = () => stack.sandboxes.telnyx!;
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2048, 0x20), Buffer.from('\n%%EOF\n')]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(512, 1)]);
let memberToken: string;

describe('a French local number, from requirements to active', () => {
  let groupId: string;
  let requirements: { id: string; name: string; kind: string }[];
  let phoneNumber: string;

  it('lists the requirements and searches with Telnyx filters, saying which were enforced here', async () => {
    memberToken = await stack.token('gig-works', 'member', 'ops');
    const reqs = await member.get<Requirements>('/v1/requirements?country=FR&type=local');
    expect(reqs.status, JSON.stringify(reqs.body)).toBe(200);
    expect(reqs.body.hasRequirements).toBe(true);
    requirements = reqs.body.requirements;
    expect(requirements.map((r) => r.kind).sort()).toEqual(['address', 'document', 'textual']);
    expect((await member.get<Requirements>('/v1/requirements?country=US&type=local')).body.hasRequirements).toBe(false);

    const found = await member.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=FR&type=local&ndc=1&features=voice&limit=5');
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    expect(found.body.data.length).toBeGreaterThan(0);
    for (const n of found.body.data) expect(n.phoneNumber).toMatch(/^\+331/);
    expect(found.body.filtersApplied).toMatchObject({ country: expect.any(String) });
    phoneNumber = found.body.data[0]!.phoneNumber;
    expectEnvelope(await member.get('/v1/numbers/available?provider=telnyx&country=FR&ndc=1&areaCode=212'), 400, 'VALIDATION_ERROR');
  });

  it('refuses to order before the requirements are approved, saying what is missing', async () => {
    const res = await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber });
    const error = expectEnvelope(res, 400, 'REQUIREMENTS_INCOMPLETE');
    expect(error.message).toMatch(/requirement group/);
    expect(telnyx().purchaseCounts()[phoneNumber]).toBeUndefined();
  });

  it('creates the group once (201, then 200) and saves progress at every step', async () => {
    const created = await member.post<RequirementGroup>('/v1/requirement-groups', { country: 'FR', type: 'local' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    groupId = created.body.id;
    expect(created.body).toMatchObject({ status: 'draft', country: 'FR', type: 'local', action: 'ordering' });
    const again = await member.post<RequirementGroup>('/v1/requirement-groups', { country: 'FR', type: 'local' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(groupId);
    expectEnvelope(await member.post('/v1/requirement-groups', { country: 'US', type: 'local' }), 400, 'VALIDATION_ERROR');

    const start = await member.get<RequirementGroupStatus>(`/v1/requirement-groups/${groupId}/status`);
    expect(start.body).toMatchObject({ isComplete: false, completionPercentage: 0 });
    expect(start.body.remaining).toHaveLength(3);

    const textual = requirements.find((r) => r.kind === 'textual')!;
    const address = requirements.find((r) => r.kind === 'address')!;
    const document = requirements.find((r) => r.kind === 'document')!;
    expectEnvelope(await member.post(`/v1/requirement-groups/${groupId}/values/${textual.id}`, { value: 'A' }), 400, 'VALIDATION_ERROR'); // min length 2
    expectEnvelope(await member.post(`/v1/requirement-groups/${groupId}/values/${document.id}`, { value: 'x' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await member.post(`/v1/requirement-groups/${groupId}/values/00000000-0000-0000-0000-000000000000`, { value: 'x' }), 404, 'NOT_FOUND');
    expect((await member.post(`/v1/requirement-groups/${groupId}/values/${textual.id}`, { value: 'Gig Works SAS' })).status).toBe(200);
    expectEnvelope(await member.post(`/v1/requirement-groups/${groupId}/submit`), 400, 'REQUIREMENTS_INCOMPLETE');

    // Resume "from another device": the saved progress is there.
    const resumed = await member.get<RequirementGroup>(`/v1/requirement-groups/${groupId}`);
    expect(resumed.body.values[textual.id]!.value).toBe('Gig Works SAS');
    expect((await member.get<RequirementGroupStatus>(`/v1/requirement-groups/${groupId}/status`)).body.completionPercentage).toBe(33);

    // An address requirement takes an address object (Telnyx wants its id), never free text.
    const freeText = expectEnvelope(await member.post(`/v1/requirement-groups/${groupId}/values/${address.id}`, { value: '8 Rue de Rivoli, 75004 Paris, France' }), 400, 'VALIDATION_ERROR');
    expect(freeText.details!.issues![0]!.path).toBe('body.addressId');
    const paris = await member.post<Address>('/v1/addresses', {
      businessName: 'Gig Works SAS', firstName: 'Ada', lastName: 'Martin', streetAddress: '8 Rue de Rivoli', locality: 'Paris', postalCode: '75004', country: 'FR',
    });
    expect(paris.status, JSON.stringify(paris.body)).toBe(201);
    expect(paris.body).toMatchObject({ id: expect.stringMatching(/^adr_/), status: 'ready', providerAddressId: expect.any(String), formatted: '8 Rue de Rivoli, 75004 Paris, FR' });
    const saved = await member.post<RequirementGroup>(`/v1/requirement-groups/${groupId}/values/${address.id}`, { addressId: paris.body.id });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.values[address.id]).toMatchObject({ kind: 'address', addressId: paris.body.id, value: '8 Rue de Rivoli, 75004 Paris, FR' });

    // Documents: checked by content, not by name.
    const auth = `Bearer ${memberToken}`;
    const send = (data: Buffer, filename: string) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(data)]), filename);
      return fetch(`${stack.url}/v1/requirement-groups/${groupId}/documents/${document.id}`, { method: 'POST', headers: { authorization: auth }, body: form });
    };
    expect((await send(Buffer.from('just text, not a pdf'), 'bill.pdf')).status).toBe(415);
    expect((await send(Buffer.alloc(11 * 1024 * 1024, 0x25), 'huge.pdf')).status).toBe(413);
    const notMultipart = await fetch(`${stack.url}/v1/requirement-groups/${groupId}/documents/${document.id}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/pdf' },
      body: new Uint8Array(PDF),
    });
    expect(notMultipart.status).toBe(415);
    const png = await send(PNG, 'scan.pdf'); // a PNG named .pdf is a PNG: accepted
    expect(png.status).toBe(200);
    const pdf = await send(PDF, 'electricity-bill.pdf');
    expect(pdf.status).toBe(200);
    const withDocument = (await pdf.json()) as { values: Record<string, { documentId?: string; filename?: string }> };
    expect(withDocument.values[document.id]).toMatchObject({ documentId: expect.any(String), filename: 'electricity-bill.pdf' });
    expect(JSON.stringify(withDocument)).not.toContain('%PDF');

    const done = await member.get(`/v1/requirement-groups/${groupId}/status`);
    expect(done.body).toMatchObject({ isComplete: true, completionPercentage: 100, remaining: [] });
  });

  it('submits, orders while the group is reviewed (the number is held), and the approval makes it active with its features', async () => {
    const submitted = await member.post<RequirementGroup>(`/v1/requirement-groups/${groupId}/submit`);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    expect(submitted.body.status).toBe('pending');
    expect((await member.get(`/v1/requirement-groups/${groupId}/status`)).body).toMatchObject({ status: 'pending', canOrder: true, rejections: [] });
    expectEnvelope(await member.post(`/v1/requirement-groups/${groupId}/values/${requirements[0]!.id}`, { value: 'changed' }), 409, 'CONFLICT');

    const ordered = await member.post<PhoneNumber>(
      '/v1/numbers',
      { provider: 'telnyx', phoneNumber, externalRef: 'gig-42', displayName: 'Gig 42' },
      { headers: { 'idempotency-key': 'fr-order-1' } },
    );
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
    expect(ordered.body).toMatchObject({ status: 'pending', orderId: expect.any(String), requirementGroupId: groupId, externalRef: 'gig-42' });
    expect(ordered.body.statusReason).toMatch(/under review/);
    expect(ordered.body.capabilities).toMatchObject({ voice: true }); // what the search said, kept from the order on
    await new Promise((r) => setTimeout(r, 500));
    expect((await member.get<PhoneNumber>(`/v1/numbers/${ordered.body.id}`)).body.status).toBe('pending'); // held, not lost, not active

    await telnyx().approveRequirementGroup(submitted.body.providerGroupId!);
    expect((await member.get<RequirementGroupStatus>(`/v1/requirement-groups/${groupId}/status`)).body.status).toBe('approved');
    const replay = await member.post<PhoneNumber>('/v1/numbers', { provider: 'telnyx', phoneNumber, externalRef: 'gig-42', displayName: 'Gig 42' }, { headers: { 'idempotency-key': 'fr-order-1' } });
    expect(replay.body.id).toBe(ordered.body.id);
    expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber }), 409, 'CONFLICT');

    const check = await member.get<NumberCheck>('/v1/numbers/check?gigId=gig-42');
    expect(check.body.hasNumber).toBe(true);
    expect((await member.get<NumberCheck>('/v1/numbers/check?gigId=gig-unknown')).body.hasNumber).toBe(false);
    expect((await other.get<NumberCheck>('/v1/numbers/check?gigId=gig-42')).body.hasNumber).toBe(false);

    const active = await waitFor(async () => {
      const n = (await member.get<PhoneNumber>(`/v1/numbers/${ordered.body.id}`)).body;
      return n.status === 'active' ? n : undefined;
    });
    expect(active).toMatchObject({ phoneNumber, status: 'active', orderId: ordered.body.orderId, capabilities: { voice: true }, voiceEnabled: true });
    expect(active.statusReason).toBeUndefined();
    const byOrder = await member.get<Page<PhoneNumber>>(`/v1/numbers?orderId=${ordered.body.orderId}`);
    expect(byOrder.body.data.map((n: { id: string }) => n.id)).toEqual([ordered.body.id]);
    expect(telnyx().purchaseCounts()[phoneNumber]).toBe(1);
  });
});

describe('webhooks: nothing unsigned, forged, stale, duplicated or out of order changes anything', () => {
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${stack.url}/webhooks/telnyx`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const orderEvent = (orderId: string, status: 'success' | 'failure' | 'pending', id: string, occurredAt: string) =>
    JSON.stringify({
      data: {
        event_type: 'number_order.complete',
        id,
        occurred_at: occurredAt,
        record_type: 'event',
        payload: { id: orderId, status, record_type: 'number_order', phone_numbers: [], failure_reason: status === 'failure' ? 'rejected by regulator' : undefined },
      },
      meta: { attempt: 1, delivered_to: 'test' },
    });

  it('rejects unsigned, forged and stale events with 401 and no side effect', async () => {
    const body = orderEvent('ord-none', 'success', 'evt-forged-1', new Date().toISOString());
    expect((await post(body, {})).status).toBe(401);
    const attacker = telnyxKeyPair();
    expect((await post(body, telnyxSignatureHeaders(attacker.privateKey, body))).status).toBe(401);
    // A genuine signature over a different body (tampered payload).
    const genuine = telnyx().sentWebhooks().at(-1)!;
    expect((await post(body, { 'telnyx-signature-ed25519': genuine.headers['telnyx-signature-ed25519']!, 'telnyx-timestamp': genuine.headers['telnyx-timestamp']! })).status).toBe(401);
    // A genuine event replayed after 5 minutes: stale.
    const stale = await post(genuine.body, { ...genuine.headers, 'telnyx-timestamp': String(Math.floor(Date.now() / 1000) - 600) });
    expect(stale.status).toBe(401);
  });

  it('deduplicates by event id and never lets an older event regress a newer state', async () => {
    const phoneNumber = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=US&type=local&limit=1')).body.data[0]!.phoneNumber;
    telnyx().configure({ orderCompletion: 'manual' });
    const ordered = await member.post<PhoneNumber>('/v1/numbers', { provider: 'telnyx', phoneNumber });
    expect(ordered.body.status).toBe('pending');
    const orderId = ordered.body.orderId as string;

    const now = Date.now();
    const failure = { eventType: 'number_order.complete', id: 'evt-late-failure', occurredAt: new Date(now - 60_000).toISOString(), payload: { id: orderId, status: 'failure', phone_numbers: [{ phone_number: phoneNumber, status: 'failed' }], failure_reason: 'old news' } };
    const success = { eventType: 'number_order.complete', id: 'evt-success', occurredAt: new Date(now).toISOString(), payload: { id: orderId, status: 'success', phone_numbers: [{ phone_number: phoneNumber, status: 'success' }] } };
    await telnyx().completeOrder(orderId, 'success'); // the provider now owns it (and sends its own webhook)
    await telnyx().idle();
    const first = await telnyx().sendWebhook(success);
    expect(first.status).toBe(200);
    const duplicate = await telnyx().sendWebhook(success);
    expect(JSON.parse(await (await post(duplicate.body, duplicate.headers)).text()).outcome).toBe('duplicate');
    const late = await telnyx().sendWebhook(failure); // older than what was applied
    expect(late.status).toBe(200);
    expect((await member.get<PhoneNumber>(`/v1/numbers/${ordered.body.id}`)).body.status).toBe('active');
    telnyx().configure({ orderCompletion: 'webhook' });
  });

  it('keeps each order poll’s retries apart: a failed poll ten minutes later is not taken for a duplicate of the last one', async () => {
    const phoneNumber = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=US&type=local&limit=4')).body.data[3]!.phoneNumber;
    telnyx().configure({ orderCompletion: 'manual', webhookUrl: null });
    const ordered = await member.post<PhoneNumber>('/v1/numbers', { provider: 'telnyx', phoneNumber });
    expect(ordered.body.status).toBe('pending');
    const url = `${stack.url}/internal/tasks/settle-purchase`;
    const deliver = async (key: string) =>
      (
        await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' },
          body: JSON.stringify({ tenantId: 'gig-works', numberId: ordered.body.id, atProvider: true, key }),
        })
      ).json();
    const followups = () => stack.tasks.stats()['followups'] ?? { deduplicated: 0, dispatched: 0 };
    const before = followups().deduplicated;
    // Telnyx cannot answer either poll (the client's own retries included).
    telnyx().injectFault({ method: 'GET', pathPattern: '/number_orders/', status: 503, times: 6 });
    const cycle = Math.floor(Date.now() / 600_000);
    expect(await deliver(`o${ordered.body.orderId}-${cycle}`)).toEqual({ outcome: 'retry_scheduled' });
    expect(await deliver(`o${ordered.body.orderId}-${cycle + 1}`)).toEqual({ outcome: 'retry_scheduled' });
    expect(followups().deduplicated - before).toBe(0); // two retries scheduled, neither swallowed
    telnyx().configure({ orderCompletion: 'webhook', webhookUrl: `${stack.url}/webhooks/telnyx` });
  });

  it('falls back to polling the order when no webhook arrives', async () => {
    const phoneNumber = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=US&type=local&limit=3')).body.data[2]!.phoneNumber;
    telnyx().configure({ orderCompletion: 'manual', webhookUrl: null });
    const ordered = await member.post<PhoneNumber>('/v1/numbers', { provider: 'telnyx', phoneNumber });
    expect(ordered.body.status).toBe('pending');
    await telnyx().completeOrder(ordered.body.orderId!, 'failure', 'number withdrawn');
    // What the follow-up queue delivers after 10 silent minutes:
    const url = `${stack.url}/internal/tasks/settle-purchase`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'gig-works', numberId: ordered.body.id }),
    });
    // The follow-up queue hands the poll to Telnyx's queue, whose delivery asks Telnyx.
    expect(await res.json()).toEqual({ outcome: 'handed_off' });
    const settled = await waitFor<{ status: string }>(async () => {
      const number = (await member.get<PhoneNumber>(`/v1/numbers/${ordered.body.id}`)).body;
      return number.status === 'pending' ? undefined : number;
    });
    expect(settled.status).toBe('error');
    expect((await member.get<PhoneNumber>(`/v1/numbers/${ordered.body.id}`)).body).toMatchObject({ status: 'error', statusReason: expect.stringMatching(/withdrawn/) });
    telnyx().configure({ orderCompletion: 'webhook', webhookUrl: `${stack.url}/webhooks/telnyx` });
  });
});
