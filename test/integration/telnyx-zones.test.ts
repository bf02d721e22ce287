import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import type { Stack } from '../../scripts/local/stack.js';
import { waitFor } from '../helpers/wait.js';
import type { Address, AvailableNumbers, Page, PhoneNumber, RequirementGroup, RequirementGroupStatus, Requirements } from '../helpers/api-types.js';

// Issue 17 (Telnyx part): a staffing platform buys numbers per client company and gig zone —
// addresses as resources, decline reasons, ordering while under review, company keys, and errors
// a user can act on. Everything over the HTTP API against the Telnyx sandbox.
let stack: Stack;
let member: ApiClient;
let other: ApiClient;
let token: string;

beforeAll(async () => {
  stack = await startTestStack('demo-telnyx-zones');
  token = await stack.token('staffing', 'member', 'ops');
  member = apiClient(stack.url, token);
  other = apiClient(stack.url, await stack.token('another-tenant', 'member', 'eve'));
});
afterAll(async () => {
  await stack?.stop();
});

const telnyx = () => stack.sandboxes.telnyx!;
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1024, 0x20), Buffer.from('\n%%EOF\n')]);
const paris = (companyId?: string) => ({
  businessName: 'Acme Intérim SAS',
  firstName: 'Ada',
  lastName: 'Martin',
  streetAddress: '8 Rue de Rivoli',
  locality: 'Paris',
  postalCode: '75004',
  country: 'FR',
  ...(companyId ? { companyId } : {}),
});

async function requirementsOf(country: string, type: string) {
  const res = await member.get<Requirements>(`/v1/requirements?country=${country}&type=${type}`);
  expect(res.status).toBe(200);
  const list = res.body.requirements as { id: string; kind: string; name: string }[];
  return (kind: string) => list.find((r) => r.kind === kind)!;
}

/** A company's FR local group, complete (text, address, document) and submitted. */
async function submittedFrGroup(companyId: string) {
  const req = await requirementsOf('FR', 'local');
  const group = await member.post<RequirementGroup>('/v1/requirement-groups', { country: 'FR', type: 'local', companyId });
  expect(group.status, JSON.stringify(group.body)).toBe(201);
  const id = group.body.id;
  expect((await member.post(`/v1/requirement-groups/${id}/values/${req('textual').id}`, { value: `${companyId} SAS` })).status).toBe(200);
  const address = await member.post<Address>('/v1/addresses', paris(companyId));
  expect([200, 201]).toContain(address.status);
  expect((await member.post(`/v1/requirement-groups/${id}/values/${req('address').id}`, { addressId: address.body.id })).status).toBe(200);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(PDF)]), 'kbis.pdf');
  const upload = await fetch(`${stack.url}/v1/requirement-groups/${id}/documents/${req('document').id}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(upload.status).toBe(200);
  const submitted = await member.post<RequirementGroup>(`/v1/requirement-groups/${id}/submit`);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  return { id, providerGroupId: submitted.body.providerGroupId as string, req };
}

describe('addresses are resources', () => {
  it('creates an address once per tenant (the same address → the same id), validated by Telnyx', async () => {
    const first = await member.post<Address>('/v1/addresses', paris('acme'));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ id: expect.stringMatching(/^adr_[a-f0-9]{16}$/), status: 'ready', companyId: 'acme', country: 'FR', providerAddressId: expect.any(String) });
    expect(first.headers.get('location')).toBe(`/v1/addresses/${first.body.id}`);
    // The same address written differently: the same record, nothing new at Telnyx.
    const again = await member.post<Address>('/v1/addresses', { ...paris('acme'), streetAddress: '8  rue de RIVOLI', locality: 'PARIS' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.providerAddressId).toBe(first.body.providerAddressId);
    const created = telnyx().requestLog().filter((r) => r.method === 'POST' && r.path === '/addresses');
    expect(created).toHaveLength(1);
    // Another company, another record; lists filter by company; nothing of another tenant.
    expect((await member.post('/v1/addresses', paris('globex'))).status).toBe(201);
    const acme = await member.get<Page<Address>>('/v1/addresses?companyId=acme');
    expect(acme.body.data.map((a: { id: string }) => a.id)).toEqual([first.body.id]);
    expect((await member.get<Page<Address>>('/v1/addresses?country=FR')).body.data).toHaveLength(2);
    expect((await member.get<Address>(`/v1/addresses/${first.body.id}`)).body.formatted).toBe('8 Rue de Rivoli, 75004 Paris, FR');
    expectEnvelope(await other.get(`/v1/addresses/${first.body.id}`), 404, 'NOT_FOUND');
    expect((await other.get<Page<Address>>('/v1/addresses')).body.data).toEqual([]);
    expect(JSON.stringify(acme.body)).not.toMatch(/fingerprint|tenantId|apiKey/);
  });

  it('refuses a bad address with a 400 naming the field: our postal-code check first, then Telnyx’s verdict with its suggestion', async () => {
    const calls = () => telnyx().requestLog().filter((r) => r.path.startsWith('/addresses')).length;
    const before = calls();
    const local = expectEnvelope(await member.post('/v1/addresses', { ...paris(), postalCode: '7500' }), 400, 'VALIDATION_ERROR');
    expect(local.details!.issues![0]!.path).toBe('body.postalCode');
    expectEnvelope(await member.post('/v1/addresses', { ...paris(), country: 'France' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await member.post('/v1/addresses', { ...paris(), locality: '' }), 400, 'VALIDATION_ERROR');
    expect(calls()).toBe(before); // nothing reached Telnyx
    const telnyxVerdict = expectEnvelope(await member.post('/v1/addresses', { ...paris(), postalCode: '69002' }), 400, 'VALIDATION_ERROR');
    expect(telnyxVerdict.details).toMatchObject({ reason: 'address_invalid', issues: [{ path: 'body.locality' }], suggested: { locality: 'Lyon', country: 'FR' } });
    expect((await member.get<Page<Address>>('/v1/addresses?country=FR')).body.data.every((a: { postalCode: string }) => a.postalCode !== '69002')).toBe(true);
  });

  it('an address requirement takes an address of the group’s country, never free text', async () => {
    const req = await requirementsOf('FR', 'local');
    const group = await member.post<RequirementGroup>('/v1/requirement-groups', { country: 'FR', type: 'local', companyId: 'initech' });
    const value = (body: unknown) => member.post(`/v1/requirement-groups/${group.body.id}/values/${req('address').id}`, body);
    expect(expectEnvelope(await value({ value: '8 Rue de Rivoli, Paris' }), 400, 'VALIDATION_ERROR').details!.issues![0]!.path).toBe('body.addressId');
    expectEnvelope(await value({ value: 'x', addressId: 'adr_0000000000000000' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await value({ addressId: 'adr_0000000000000000' }), 404, 'NOT_FOUND');
    const berlin = await member.post<Address>('/v1/addresses', { ...paris(), streetAddress: 'Unter den Linden 1', locality: 'Berlin', postalCode: '10117', country: 'DE' });
    expect(berlin.status).toBe(201);
    expect(expectEnvelope(await value({ addressId: berlin.body.id }), 400, 'VALIDATION_ERROR').message).toMatch(/DE/);
    const ok = await value({ addressId: (await member.post<Address>('/v1/addresses', paris('initech'))).body.id });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(expectEnvelope(await member.post(`/v1/requirement-groups/${group.body.id}/values/${req('textual').id}`, { addressId: berlin.body.id }), 400, 'VALIDATION_ERROR').details!.issues![0]!.path).toBe('body.value');
  });
});

describe('company + zone keys', () => {
  it('keeps one group per company and zone, lists them by company, and buys with the company’s group', async () => {
    const a = await member.post<RequirementGroup>('/v1/requirement-groups', { country: 'FR', type: 'local', companyId: 'company-a' });
    const b = await member.post<RequirementGroup>('/v1/requirement-groups', { country: 'FR', type: 'local', companyId: 'company-b' });
    const own = await member.post<RequirementGroup>('/v1/requirement-groups', { country: 'FR', type: 'local' });
    expect([a.status, b.status, own.status]).toEqual([201, 201, 201]);
    expect(new Set([a.body.id, b.body.id, own.body.id]).size).toBe(3);
    expect(a.body.companyId).toBe('company-a');
    expect((await member.post<RequirementGroup>('/v1/requirement-groups', { country: 'FR', type: 'local', companyId: 'company-a' })).body.id).toBe(a.body.id);
    const listed = await member.get<Page<RequirementGroup>>('/v1/requirement-groups?companyId=company-a&country=FR');
    expect(listed.body.data.map((g: { id: string }) => g.id)).toEqual([a.body.id]);
    expectEnvelope(await member.get('/v1/requirement-groups?companyId=bad%20id'), 400, 'VALIDATION_ERROR');

    const group = await submittedFrGroup('company-c');
    const phoneNumber = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=FR&type=local&limit=1')).body.data[0]!.phoneNumber;
    // company-d has no group: its purchase is refused even though company-c's is submitted.
    expect(expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber, companyId: 'company-d' }), 400, 'REQUIREMENTS_INCOMPLETE').details!.status).toBe('missing');
    expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber, companyId: 'company-d', requirementGroupId: group.id }), 400, 'VALIDATION_ERROR');
    const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'telnyx', phoneNumber, companyId: 'company-c', externalRef: 'gig-7' });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(bought.body).toMatchObject({ companyId: 'company-c', requirementGroupId: group.id, status: 'pending' });
    const mine = await member.get<Page<PhoneNumber>>('/v1/numbers?companyId=company-c');
    expect(mine.body.data.map((n: { id: string }) => n.id)).toEqual([bought.body.id]);
    expect((await member.get<Page<PhoneNumber>>('/v1/numbers?companyId=company-d')).body.data).toEqual([]);
  });
});

describe('decline reasons and ordering while under review', () => {
  it('shows Telnyx’s reason per declined requirement on GET …/status, fails the held number with it, and takes a new value', async () => {
    const group = await submittedFrGroup('company-r');
    const phoneNumber = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=FR&type=local&ndc=2&limit=1')).body.data[0]!.phoneNumber;
    const held = await member.post<PhoneNumber>('/v1/numbers', { provider: 'telnyx', phoneNumber, companyId: 'company-r' });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect(held.body.statusReason).toMatch(/under review/);

    await telnyx().rejectRequirementGroup(group.providerGroupId, 'Documents refused', { [group.req('document').id]: 'The Kbis extract is older than 3 months' });
    const status = await member.get<RequirementGroupStatus>(`/v1/requirement-groups/${group.id}/status`);
    expect(status.body).toMatchObject({
      status: 'rejected',
      canOrder: false,
      statusReason: 'The Kbis extract is older than 3 months',
      rejections: [{ requirementId: group.req('document').id, kind: 'document', reason: 'The Kbis extract is older than 3 months' }],
    });
    expect((await member.get<RequirementGroup>(`/v1/requirement-groups/${group.id}`)).body.values[group.req('document').id]).toMatchObject({ status: 'declined', reason: expect.stringMatching(/older/) });
    const failed = await waitFor(async () => {
      const n = (await member.get<PhoneNumber>(`/v1/numbers/${held.body.id}`)).body;
      return n.status === 'error' ? n : undefined;
    });
    expect(failed.statusReason).toMatch(/older than 3 months/);

    const other = await member.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=FR&type=local&ndc=3&limit=1');
    const blocked = expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber: other.body.data[0]!.phoneNumber, companyId: 'company-r' }), 400, 'REQUIREMENTS_INCOMPLETE');
    expect(blocked.details!.rejections![0]!.reason).toMatch(/older than 3 months/);
    // A new document replaces the declined value; the group can be submitted again.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(PDF)]), 'kbis-2.pdf');
    const upload = await fetch(`${stack.url}/v1/requirement-groups/${group.id}/documents/${group.req('document').id}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(upload.status).toBe(200);
    expect((await member.get(`/v1/requirement-groups/${group.id}/status`)).body).toMatchObject({ status: 'draft', rejections: [] });
    expect((await member.post<RequirementGroup>(`/v1/requirement-groups/${group.id}/submit`)).body.status).toBe('pending');
  });

  it('where Telnyx does not hold numbers during review (DE toll-free), the order waits for approval: REQUIREMENTS_INCOMPLETE, nothing left behind', async () => {
    const req = await requirementsOf('DE', 'toll_free');
    const group = await member.post<RequirementGroup>('/v1/requirement-groups', { country: 'DE', type: 'toll_free', companyId: 'company-de' });
    expect((await member.post(`/v1/requirement-groups/${group.body.id}/values/${req('textual').id}`, { value: 'Acme GmbH' })).status).toBe(200);
    const submitted = await member.post<RequirementGroup>(`/v1/requirement-groups/${group.body.id}/submit`);
    expect((await member.get<RequirementGroupStatus>(`/v1/requirement-groups/${group.body.id}/status`)).body.canOrder).toBe(true);
    const phoneNumber = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=DE&type=toll_free&limit=1')).body.data[0]!.phoneNumber;
    const refused = expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber, companyId: 'company-de' }), 400, 'REQUIREMENTS_INCOMPLETE');
    expect(refused.details).toMatchObject({ reason: 'approval_required', status: 'pending', requirementGroupId: group.body.id });
    expect((await member.get<Page<PhoneNumber>>('/v1/numbers?companyId=company-de')).body.data).toEqual([]);
    // Learnt: this group's numbers wait for approval; the next attempt is refused without asking Telnyx.
    expect((await member.get<RequirementGroupStatus>(`/v1/requirement-groups/${group.body.id}/status`)).body).toMatchObject({ status: 'pending', canOrder: false });
    const orders = () => telnyx().requestLog().filter((r) => r.method === 'POST' && r.path === '/number_orders').length;
    const before = orders();
    expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber, companyId: 'company-de' }), 400, 'REQUIREMENTS_INCOMPLETE');
    expect(orders()).toBe(before);
    await telnyx().approveRequirementGroup(submitted.body.providerGroupId!);
    const bought = await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber, companyId: 'company-de' });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
  });
});

describe('errors a user can act on (details.reason)', () => {
  it('not_available (409), already_owned (409), insufficient_funds (402) — from the sandbox as it is, no fault injection', async () => {
    // A valid US number the sandbox never had in stock.
    const notStocked = expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber: '+14155550100' }), 409, 'CONFLICT');
    expect(notStocked.details).toMatchObject({ reason: 'not_available', provider: 'telnyx', providerCode: '10015' });

    const [first, second, third] = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=telnyx&country=US&type=local&areaCode=512&limit=3')).body.data.map((n: { phoneNumber: string }) => n.phoneNumber);
    const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'telnyx', phoneNumber: first });
    expect(bought.status).toBe(201);
    expect(expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber: first }), 409, 'CONFLICT').details!.reason).toBe('already_owned');
    expect(expectEnvelope(await other.post('/v1/numbers', { provider: 'telnyx', phoneNumber: first }), 409, 'CONFLICT').details!.reason).toBe('not_available');
    // Telnyx itself says the account holds it (bought outside the platform).
    telnyx().seedOwned(second!);
    const atTelnyx = expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber: second }), 409, 'CONFLICT');
    expect(atTelnyx.details).toMatchObject({ reason: 'already_owned', providerCode: '10015' });

    telnyx().configure({ balance: 0.5 });
    try {
      const broke = expectEnvelope(await member.post('/v1/numbers', { provider: 'telnyx', phoneNumber: third }), 402, 'PAYMENT_REQUIRED');
      expect(broke.details).toMatchObject({ reason: 'insufficient_funds', provider: 'telnyx' });
      expect(telnyx().purchaseCounts()[third!]).toBeUndefined();
      expect((await member.get<Page<PhoneNumber>>('/v1/numbers?status=pending')).body.data.map((n: { phoneNumber: string }) => n.phoneNumber)).not.toContain(third);
    } finally {
      telnyx().configure({ balance: null });
    }
  });
});
