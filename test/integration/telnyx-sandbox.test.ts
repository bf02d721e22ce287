/**
 * The Telnyx sandbox over HTTP, driven both raw and through the real Telnyx provider:
 * search, regulatory flow (requirements → document → group → approval), number orders
 * completed by signed webhooks delivered to a local receiver, faults, persistence.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createTelnyxProvider, type TelnyxProvider } from '../../shared/providers/telnyx/client.js';
import { parseTelnyxEvent, verifyTelnyxSignature } from '../../shared/providers/telnyx/webhooks.js';
import { ProviderError } from '../../shared/providers/types.js';
import { startTelnyxSandbox, type TelnyxSandbox } from '../../scripts/sandboxes/telnyx.js';

const KEY_A = 'KEYsandboxA_0123456789abcdefgh';
const KEY_B = 'KEYsandboxB_0123456789abcdefgh';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let sandbox: TelnyxSandbox;
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
let receiverStatus: number[] = [];
const waiters: Array<() => void> = [];
let telnyx: TelnyxProvider;

function provider(apiKey = KEY_A, base = `${sandbox.url}/v2`): TelnyxProvider {
  return createTelnyxProvider({ credentials: { apiKey }, baseUrl: base, logger: silent, http: { maxRetries: 0 } });
}

async function call(p: string, init: { method?: string; key?: string | null; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? KEY_A}`;
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`${sandbox.url}${p}`, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function nextWebhooks(count: number, timeoutMs = 3_000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  while (received.length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, got ${received.length}`);
    await new Promise<void>((r) => {
      waiters.push(r);
      setTimeout(r, 50);
    });
  }
  return received.splice(0, count);
}

function expectSigned(w: Received): ReturnType<typeof parseTelnyxEvent> {
  expect(
    verifyTelnyxSignature({
      publicKeyBase64: sandbox.publicKeyBase64,
      signatureBase64: w.headers['telnyx-signature-ed25519'],
      timestamp: w.headers['telnyx-timestamp'],
      rawBody: w.body,
    }),
  ).toBe(true);
  return parseTelnyxEvent(w.body);
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = receiverStatus.shift() ?? 200;
      if (status < 300) received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status);
      res.end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/telnyx`;
  sandbox = await startTelnyxSandbox({ apiKeys: [KEY_A, KEY_B], seed: 7, orderCompletion: 'manual', webhookUrl: receiverUrl });
  telnyx = provider();
});

afterAll(async () => {
  await sandbox?.close();
  receiver?.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
});

beforeEach(() => {
  sandbox.reset();
  sandbox.configure({ orderCompletion: 'manual' });
  received = [];
  receiverStatus = [];
});

afterEach(async () => {
  await sandbox.idle();
});

describe('auth, routing and search', () => {
  it('answers with and without /v2; 401 with Telnyx code 10009 otherwise', async () => {
    expect((await call('/v2/phone_numbers')).status).toBe(200);
    expect((await call('/phone_numbers')).status).toBe(200);
    const noKey = await call('/v2/phone_numbers', { key: null });
    expect(noKey.status).toBe(401);
    expect(noKey.body.errors[0]).toMatchObject({ code: '10009', title: 'Authentication failed' });
    expect((await call('/v2/phone_numbers', { key: 'KEYwrong_0123456789abcdefghij' })).status).toBe(401);
    expect((await call('/v2/nope')).body.errors[0].code).toBe('10005');
    expect(sandbox.requestLog().map((r) => `${r.method} ${r.path} ${r.status} ${r.v2}`)).toEqual([
      'GET /phone_numbers 200 true',
      'GET /phone_numbers 200 false',
      'GET /phone_numbers 401 true',
      'GET /phone_numbers 401 true',
      'GET /nope 404 true',
    ]);
    await expect(provider('KEYwrong_0123456789abcdefghij').verifyCredentials()).rejects.toMatchObject({ info: { kind: 'auth', httpStatus: 401, providerCode: '10009' } });
    await expect(telnyx.verifyCredentials()).resolves.toBeUndefined();
  });

  it('stocks valid numbers of the right type in FR/DE/GB/US/ES', async () => {
    const libType = { local: ['FIXED_LINE', 'FIXED_LINE_OR_MOBILE'], mobile: ['MOBILE', 'FIXED_LINE_OR_MOBILE'], toll_free: ['TOLL_FREE'], national: ['VOIP'] };
    const cases: Array<[string, keyof typeof libType]> = [
      ['US', 'local'],
      ['US', 'toll_free'],
      ['FR', 'local'],
      ['FR', 'mobile'],
      ['FR', 'toll_free'],
      ['FR', 'national'],
      ['DE', 'local'],
      ['DE', 'mobile'],
      ['DE', 'toll_free'],
      ['GB', 'local'],
      ['GB', 'mobile'],
      ['GB', 'toll_free'],
      ['ES', 'local'],
      ['ES', 'mobile'],
      ['ES', 'toll_free'],
    ];
    for (const [country, type] of cases) {
      const res = await call(`/v2/available_phone_numbers?filter[country_code]=${country}&filter[phone_number_type]=${type}&filter[limit]=20`);
      expect(res.status).toBe(200);
      expect(res.body.data.length, `${country} ${type}`).toBe(20);
      for (const n of res.body.data) {
        const p = parsePhoneNumberFromString(n.phone_number)!;
        expect(p.isValid(), n.phone_number).toBe(true);
        expect(p.country).toBe(country);
        expect(libType[type]).toContain(p.getType());
        expect(n.record_type).toBe('available_phone_number');
        expect(n.region_information[0]).toEqual({ region_type: 'country_code', region_name: country });
      }
    }
  });

  it('applies filters like Telnyx (NDC, patterns after the NDC, features), errors like Telnyx', async () => {
    const q = (s: string) => call(`/v2/available_phone_numbers?filter[country_code]=US&filter[phone_number_type]=local&${s}`);
    const ndc = await q('filter[national_destination_code]=415&filter[phone_number][starts_with]=6&filter[features][]=sms&filter[features][]=fax&filter[limit]=50');
    expect(ndc.body.data.length).toBeGreaterThan(0);
    for (const n of ndc.body.data) {
      expect(n.phone_number).toMatch(/^\+14156/);
      expect(n.features.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['sms', 'fax']));
    }
    expect((await q('filter[phone_number][contains]=4*5')).body.data).toEqual([]); // wildcards: nothing
    expect((await call('/v2/available_phone_numbers?filter[phone_number_type]=local')).body.errors[0].code).toBe('10004');
    expect((await q('filter[features][]=teleport')).status).toBe(422);
    expect((await call('/v2/available_phone_numbers?filter[country_code]=JP')).status).toBe(400);
    // administrative_area is a US filter: for FR it is ignored and the client re-checks.
    const fr = await telnyx.searchDetailed({ country: 'FR', type: 'local', region: 'Hauts-de-France', limit: 5 });
    expect(fr.numbers.length).toBeGreaterThan(0);
    expect(fr.numbers.every((n) => n.region === 'Hauts-de-France' && n.locality === 'Lille')).toBe(true);
    expect(fr.filtersApplied.region).toBe('client');
    // A filter the sandbox is told to ignore is enforced by the client.
    sandbox.configure({ ignoredFilters: ['locality'] });
    const austin = await telnyx.searchDetailed({ country: 'US', type: 'local', locality: 'Austin', limit: 5 });
    expect(austin.numbers.every((n) => n.locality === 'Austin')).toBe(true);
    expect(austin.filtersApplied.locality).toBe('client');
    expect(austin.dropped).toBeGreaterThan(0);
  });
});

describe('orders, requirements and webhooks (real client)', () => {
  it('US number: order pending → completeOrder → signed number_order.complete delivered; number usable', async () => {
    const [n] = await telnyx.search({ country: 'US', type: 'local', areaCode: '512', capabilities: { sms: true }, limit: 1 });
    const bought = await telnyx.purchase({ phoneNumber: n!.phoneNumber, customerReference: 'num_123', connectionId: '1293384261075731499' });
    expect(bought).toMatchObject({ providerNumberId: n!.phoneNumber, order: { status: 'pending' } });
    const pendingOwned = await telnyx.findOwned(n!.phoneNumber);
    expect(pendingOwned?.providerNumberId).toMatch(/^\d{19}$/);
    expect((await call(`/v2/phone_numbers/${pendingOwned!.providerNumberId}`)).body.data.status).toBe('purchase-pending');
    await expect(telnyx.release(n!.phoneNumber)).rejects.toMatchObject({ info: { kind: 'invalid_request' } }); // pending order
    expect(sandbox.purchaseCounts()).toEqual({ [n!.phoneNumber]: 1 });

    await sandbox.completeOrder(bought.order!.id, 'success');
    const [w] = await nextWebhooks(1);
    expect(w!.headers['content-type']).toBe('application/json');
    const ev = expectSigned(w!);
    expect(ev).toMatchObject({
      eventType: 'number_order.complete',
      category: 'number_order',
      meta: { attempt: 1, deliveredTo: receiverUrl },
      payload: { id: bought.order!.id, status: 'success', customerReference: 'num_123', phoneNumbers: [{ phoneNumber: n!.phoneNumber, status: 'success' }] },
    });
    expect(JSON.parse(w!.body).data.record_type).toBe('event');
    expect(await telnyx.getOrder(bought.order!.id)).toMatchObject({ status: 'success' });

    const updated = await telnyx.update(n!.phoneNumber, { label: 'Support', messagingProfileId: 'mp-1' });
    expect(updated).toMatchObject({ label: 'Support', country: 'US', type: 'local' });
    const raw = (await call(`/v2/phone_numbers/${updated.providerNumberId}`)).body.data;
    expect(raw).toMatchObject({ status: 'active', tags: ['label:Support'], messaging_profile_id: 'mp-1', connection_id: '1293384261075731499', customer_reference: 'num_123' });
    await telnyx.release(updated.providerNumberId);
    expect(await telnyx.findOwned(n!.phoneNumber)).toBeUndefined();
    await expect(telnyx.release(updated.providerNumberId)).resolves.toBeUndefined(); // 404 → released
    // A deleted number ages: not offered, not orderable, for 30 sandbox days.
    const near = { country: 'US', type: 'local' as const, contains: n!.phoneNumber.slice(-7), limit: 5 };
    expect((await telnyx.search(near)).map((x) => x.phoneNumber)).not.toContain(n!.phoneNumber);
    await expect(telnyx.purchase({ phoneNumber: n!.phoneNumber })).rejects.toMatchObject({ message: expect.stringMatching(/no longer available/) });
    sandbox.advanceClock(30 * 24 * 3600_000);
    expect((await telnyx.search(near)).map((x) => x.phoneNumber)).toContain(n!.phoneNumber);
  });

  it('FR local: no group → Telnyx-style 422; full regulatory flow; then the order goes through', async () => {
    const [n] = await telnyx.search({ country: 'FR', type: 'local', areaCode: '1', limit: 1 });
    const err = await telnyx.purchase({ phoneNumber: n!.phoneNumber }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info).toMatchObject({ httpStatus: 422, providerCode: '10015', kind: 'invalid_request', ambiguous: false });
    expect((err as ProviderError).message).toMatch(/requirement_group_id is required/);

    const reqs = await telnyx.listRequirements({ country: 'FR', type: 'local', action: 'ordering' });
    expect(reqs.hasRequirements).toBe(true);
    expect(reqs.requirements.map((r) => r.kind).sort()).toEqual(['address', 'document', 'textual']);
    expect((await telnyx.listRequirements({ country: 'US', type: 'local', action: 'ordering' })).hasRequirements).toBe(false);
    const id = (kind: string) => reqs.requirements.find((r) => r.kind === kind)!.id;

    // Multipart upload (raw) and JSON upload (client) both work.
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('%PDF-1.4 utility bill')], { type: 'application/pdf' }), 'bill.pdf');
    form.append('customer_reference', 'tenant-1');
    const multipart = await call('/v2/documents', { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
    expect(multipart.body.data).toMatchObject({ filename: 'bill.pdf', content_type: 'application/pdf', size: { amount: 21, unit: 'bytes' }, customer_reference: 'tenant-1' });
    const doc = await telnyx.uploadDocument({ filename: 'proof.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 proof') });
    expect(doc).toMatchObject({ filename: 'proof.pdf', sizeBytes: 14, status: 'pending' });

    let group = await telnyx.createRequirementGroup({ country: 'FR', type: 'local', action: 'ordering', customerReference: 'tenant-1' });
    expect(group).toMatchObject({ status: 'draft', country: 'FR', type: 'local', action: 'ordering' });
    expect(group.values).toHaveLength(3);
    await expect(telnyx.submitRequirementGroup(group.id)).rejects.toMatchObject({ info: { httpStatus: 422 } }); // values missing
    await expect(telnyx.updateRequirementGroup(group.id, [{ requirementId: id('document'), value: 'no-such-doc' }])).rejects.toMatchObject({
      info: { kind: 'invalid_request' },
    });
    // An address requirement takes an address id: free text is refused in Telnyx's error shape.
    const freeText = await call(`/v2/requirement_groups/${group.id}`, {
      method: 'PATCH',
      json: { regulatory_requirements: [{ requirement_id: id('address'), field_value: '8 Rue de Rivoli, 75004 Paris' }] },
    });
    expect(freeText.status).toBe(422);
    expect(freeText.body.errors[0]).toMatchObject({
      code: '10015',
      title: 'Bad Request',
      detail: expect.stringMatching(/must be the id of an address/),
      source: { pointer: '/regulatory_requirements/0/field_value' },
      meta: { url: expect.stringContaining('10015') },
    });
    const paris = { businessName: 'Acme SAS', firstName: 'Ada', lastName: 'Martin', streetAddress: '8 Rue de Rivoli', locality: 'Paris', postalCode: '75004', countryCode: 'FR' };
    expect(await telnyx.validateAddress({ ...paris, postalCode: '69001' })).toMatchObject({ valid: false, suggested: { locality: 'Lyon' }, errors: [{ pointer: '/locality' }] });
    expect(await telnyx.validateAddress(paris)).toMatchObject({ valid: true, errors: [] });
    const address = await telnyx.createAddress(paris);
    expect(address).toMatchObject({ countryCode: 'FR', locality: 'Paris', postalCode: '75004' });
    expect(await telnyx.getAddress(address.id)).toMatchObject({ id: address.id });
    const berlin = await telnyx.createAddress({ ...paris, streetAddress: 'Unter den Linden 1', locality: 'Berlin', postalCode: '10117', countryCode: 'DE' });
    await expect(telnyx.updateRequirementGroup(group.id, [{ requirementId: id('address'), value: berlin.id }])).rejects.toThrow(/must be an address in FR/);
    const groupB = await provider(KEY_B).createRequirementGroup({ country: 'FR', type: 'local', action: 'ordering' });
    await expect(provider(KEY_B).updateRequirementGroup(groupB.id, [{ requirementId: id('address'), value: address.id }])).rejects.toThrow(/not one of this account's addresses/);
    group = await telnyx.updateRequirementGroup(group.id, [
      { requirementId: id('document'), value: doc.id },
      { requirementId: id('address'), value: address.id },
      { requirementId: id('textual'), value: 'Acme SAS' },
    ]);
    expect(group.values.every((v) => v.value !== undefined && v.status === 'draft')).toBe(true);
    group = await telnyx.submitRequirementGroup(group.id);
    expect(group.status).toBe('pending');
    // FR local numbers are held while the group is reviewed; the decline fails the held order with the reasons.
    const held = await telnyx.purchase({ phoneNumber: n!.phoneNumber, requirementGroupId: group.id });
    expect(held.order).toMatchObject({ status: 'pending', requirementsStatus: 'requirement-info-under-review' });
    await sandbox.rejectRequirementGroup(group.id, 'Declined', { [id('document')]: 'Proof of address is older than 3 months' });
    const declined = await telnyx.getRequirementGroup(group.id);
    expect(declined.status).toBe('rejected');
    expect(declined.values.find((v) => v.requirementId === id('document'))).toMatchObject({ status: 'rejected', statusReason: 'Proof of address is older than 3 months' });
    expect(declined.values.find((v) => v.requirementId === id('textual'))).toMatchObject({ status: 'approved' });
    expect(declined.values.find((v) => v.requirementId === id('textual'))?.statusReason).toBeUndefined();
    const failed = await telnyx.getOrder(held.order!.id);
    expect(failed).toMatchObject({ status: 'failure', failureReason: expect.stringMatching(/older than 3 months/) });
    expect(expectSigned((await nextWebhooks(1))[0]!).payload).toMatchObject({ id: held.order!.id, status: 'failure' });
    expect(await telnyx.findOwned(n!.phoneNumber)).toBeUndefined();
    group = await telnyx.updateRequirementGroup(group.id, [{ requirementId: id('document'), value: doc.id }]);
    expect(group.status).toBe('draft');
    await telnyx.submitRequirementGroup(group.id);
    await sandbox.approveRequirementGroup(group.id);
    expect((await telnyx.getRequirementGroup(group.id)).status).toBe('approved');

    const bought = await telnyx.purchase({ phoneNumber: n!.phoneNumber, requirementGroupId: group.id });
    expect(bought).toMatchObject({ country: 'FR', type: 'local', order: { status: 'pending' }, capabilities: { voice: true } });
    expect(bought.capabilitiesUnknown).toBeUndefined();
    const order = await telnyx.getOrder(bought.order!.id);
    expect(order.phoneNumbers[0]).toMatchObject({ requirementsMet: true });
    const rawOrder = (await call(`/number_orders/${bought.order!.id}`)).body.data;
    expect(rawOrder.phone_numbers[0].regulatory_requirements).toHaveLength(3);
  });

  it('failure: the failure event carries the reason and the number is released', async () => {
    const [n] = await telnyx.search({ country: 'GB', type: 'mobile', limit: 1 });
    const bought = await telnyx.purchase({ phoneNumber: n!.phoneNumber });
    await sandbox.completeOrder(bought.order!.id, 'failure', 'Carrier rejected the number');
    const [w] = await nextWebhooks(1);
    const ev = expectSigned(w!);
    expect(ev.payload).toMatchObject({ status: 'failure', failureReason: 'Carrier rejected the number', phoneNumbers: [{ status: 'failure' }] });
    expect(await telnyx.findOwned(n!.phoneNumber)).toBeUndefined();
    await sandbox.completeOrder(bought.order!.id, 'success'); // already final: no-op, no webhook
    expect((await telnyx.getOrder(bought.order!.id)).status).toBe('failure');
  });

  it("'webhook' mode completes on its own; 'immediate' answers success at once", async () => {
    sandbox.configure({ orderCompletion: 'webhook', webhookDelayMs: 20 });
    const [a, b] = await telnyx.search({ country: 'ES', type: 'mobile', limit: 2 });
    const first = await telnyx.purchase({ phoneNumber: a!.phoneNumber });
    expect(first.order!.status).toBe('pending');
    const [w1] = await nextWebhooks(1);
    expect(expectSigned(w1!).payload).toMatchObject({ id: first.order!.id, status: 'success' });
    sandbox.configure({ orderCompletion: 'immediate' });
    const second = await telnyx.purchase({ phoneNumber: b!.phoneNumber });
    expect(second.order!.status).toBe('success');
    const [w2] = await nextWebhooks(1);
    expect(expectSigned(w2!).payload).toMatchObject({ id: second.order!.id, status: 'success' });
  });

  it('webhook delivery retries a failing receiver (attempt 1..3), sendWebhook signs test events', async () => {
    receiverStatus = [500, 503];
    const [n] = await telnyx.search({ country: 'DE', type: 'mobile', limit: 1 });
    const bought = await telnyx.purchase({ phoneNumber: n!.phoneNumber });
    await sandbox.completeOrder(bought.order!.id, 'success');
    const [w] = await nextWebhooks(1);
    expect(expectSigned(w!).meta.attempt).toBe(3);
    await sandbox.idle();
    expect(sandbox.sentWebhooks().map((d) => d.status)).toEqual([500, 503, 200]);

    const delivery = await sandbox.sendWebhook({ eventType: 'number_order.complete', payload: { id: 'o-test', status: 'failure', phone_numbers: [] } });
    expect(delivery.status).toBe(200);
    const [t] = await nextWebhooks(1);
    expect(expectSigned(t!).payload).toMatchObject({ id: 'o-test', status: 'failure' });
  });
});

describe('what is for sale (no fault injection)', () => {
  it('sells only numbers in stock; tells "already in your account" from "not available"; refuses an order the balance cannot pay', async () => {
    const [n] = await telnyx.search({ country: 'US', type: 'local', areaCode: '415', limit: 1 });
    // A valid number the sandbox never offered: not available.
    const neverStocked = '+14155550100';
    expect((await telnyx.search({ country: 'US', type: 'local', contains: '4155550100', limit: 5 })).map((x) => x.phoneNumber)).not.toContain(neverStocked);
    await expect(telnyx.purchase({ phoneNumber: neverStocked })).rejects.toMatchObject({ info: { kind: 'not_available', httpStatus: 422, providerCode: '10015' } });
    expect(sandbox.purchaseCounts()).toEqual({});
    // Ours already: a different answer than "someone else has it".
    await telnyx.purchase({ phoneNumber: n!.phoneNumber });
    await expect(telnyx.purchase({ phoneNumber: n!.phoneNumber })).rejects.toMatchObject({ info: { kind: 'already_owned', providerCode: '10015' }, message: expect.stringMatching(/already in your account/) });
    await expect(provider(KEY_B).purchase({ phoneNumber: n!.phoneNumber })).rejects.toMatchObject({ info: { kind: 'not_available' } });
    // A balance that covers one order and not two.
    sandbox.configure({ balance: 2.5 });
    const [a, b] = await telnyx.search({ country: 'US', type: 'local', areaCode: '212', limit: 2 });
    await telnyx.purchase({ phoneNumber: a!.phoneNumber }); // 1.00 upfront + 1.00 monthly
    await expect(telnyx.purchase({ phoneNumber: b!.phoneNumber })).rejects.toMatchObject({ info: { kind: 'insufficient_funds', httpStatus: 422 }, message: expect.stringMatching(/balance is 0.50/) });
    expect(sandbox.purchaseCounts()[b!.phoneNumber]).toBeUndefined();
  });

  it('holds an FR number ordered while its group is reviewed, and completes the order when the group is approved; DE waits for approval', async () => {
    const reqs = await telnyx.listRequirements({ country: 'FR', type: 'local', action: 'ordering' });
    const id = (kind: string) => reqs.requirements.find((r) => r.kind === kind)!.id;
    const doc = await telnyx.uploadDocument({ filename: 'bill.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 bill') });
    const address = await telnyx.createAddress({ businessName: 'Acme SAS', firstName: 'Ada', lastName: 'Martin', streetAddress: '1 Quai Perrache', locality: 'Lyon', postalCode: '69002', countryCode: 'FR' });
    let group = await telnyx.createRequirementGroup({ country: 'FR', type: 'local', action: 'ordering' });
    await telnyx.updateRequirementGroup(group.id, [
      { requirementId: id('document'), value: doc.id },
      { requirementId: id('address'), value: address.id },
      { requirementId: id('textual'), value: 'Acme SAS' },
    ]);
    group = await telnyx.submitRequirementGroup(group.id);
    const [n] = await telnyx.search({ country: 'FR', type: 'local', areaCode: '4', capabilities: { voice: true }, limit: 1 });
    sandbox.configure({ orderCompletion: 'webhook', webhookDelayMs: 10 });
    const held = await telnyx.purchase({ phoneNumber: n!.phoneNumber, requirementGroupId: group.id });
    expect(held.order).toMatchObject({ status: 'pending', requirementsStatus: 'requirement-info-under-review' });
    await new Promise((r) => setTimeout(r, 100));
    expect((await telnyx.getOrder(held.order!.id)).status).toBe('pending'); // not completed by the timer: held
    expect((await telnyx.search({ country: 'FR', type: 'local', areaCode: '4', limit: 60 })).map((x) => x.phoneNumber)).not.toContain(n!.phoneNumber);
    await sandbox.approveRequirementGroup(group.id);
    const [w] = await nextWebhooks(1);
    expect(expectSigned(w!).payload).toMatchObject({ id: held.order!.id, status: 'success' });
    expect((await telnyx.getOrder(held.order!.id)).phoneNumbers[0]).toMatchObject({ requirementsMet: true, requirementsStatus: 'approved' });

    const deGroup = await telnyx.createRequirementGroup({ country: 'DE', type: 'toll_free', action: 'ordering' });
    const deReqs = await telnyx.listRequirements({ country: 'DE', type: 'toll_free', action: 'ordering' });
    await telnyx.updateRequirementGroup(deGroup.id, [{ requirementId: deReqs.requirements[0]!.id, value: 'Acme GmbH' }]);
    await telnyx.submitRequirementGroup(deGroup.id);
    const [de] = await telnyx.search({ country: 'DE', type: 'toll_free', limit: 1 });
    await expect(telnyx.purchase({ phoneNumber: de!.phoneNumber, requirementGroupId: deGroup.id })).rejects.toThrow(/not approved/);
  });
});

describe('money safety and isolation', () => {
  it('two concurrent orders for one number: one wins, the other is not_available; one purchase', async () => {
    const [n] = await telnyx.search({ country: 'US', type: 'toll_free', limit: 1 });
    const results = await Promise.allSettled([telnyx.purchase({ phoneNumber: n!.phoneNumber }), provider(KEY_B).purchase({ phoneNumber: n!.phoneNumber })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect((rejected.reason as ProviderError).info).toMatchObject({ kind: 'not_available', httpStatus: 422 });
    expect(sandbox.purchaseCounts()).toEqual({ [n!.phoneNumber]: 1 });
    const search = await telnyx.search({ country: 'US', type: 'toll_free', limit: 100 });
    expect(search.map((x) => x.phoneNumber)).not.toContain(n!.phoneNumber); // no longer offered
  });

  it('faults: before effect → ambiguous with no order; after effect → ambiguous with the order placed', async () => {
    const [a, b] = await telnyx.search({ country: 'US', type: 'local', areaCode: '212', limit: 2 });
    sandbox.injectFault({ method: 'POST', pathPattern: '^/number_orders$', status: 503 });
    await expect(telnyx.purchase({ phoneNumber: a!.phoneNumber })).rejects.toMatchObject({ info: { ambiguous: true, httpStatus: 503, providerCode: '10007' } });
    expect(sandbox.purchaseCounts()).toEqual({});
    sandbox.injectFault({ method: 'POST', pathPattern: '^/number_orders$', status: 502, afterEffect: true });
    await expect(telnyx.purchase({ phoneNumber: b!.phoneNumber })).rejects.toMatchObject({ info: { ambiguous: true } });
    expect(sandbox.purchaseCounts()).toEqual({ [b!.phoneNumber]: 1 });
    expect(await telnyx.findOwned(b!.phoneNumber)).toBeDefined(); // reconcile finds it
    sandbox.injectFault({ status: 429, retryAfterSeconds: 2, pathPattern: '^/phone_numbers$' });
    await expect(telnyx.list()).rejects.toMatchObject({ info: { kind: 'rate_limited', retryAfterSeconds: 2, providerCode: '10011' } });
  });

  it('accounts are isolated; seedOwned; HTTP controls', async () => {
    const seeded = sandbox.seedOwned('+33142685300');
    expect(seeded).toMatchObject({ status: 'active', country_iso_alpha2: 'FR', phone_number_type: 'local' });
    expect(await telnyx.findOwned('+33142685300')).toMatchObject({ providerNumberId: seeded.id });
    expect(await provider(KEY_B).findOwned('+33142685300')).toBeUndefined();
    await expect(provider(KEY_B).get(seeded.id)).rejects.toMatchObject({ info: { kind: 'not_found' } });

    expect((await call('/__sandbox/public-key')).body.publicKeyBase64).toBe(sandbox.publicKeyBase64);
    const [n] = await telnyx.search({ country: 'US', type: 'local', limit: 1 });
    const bought = await telnyx.purchase({ phoneNumber: n!.phoneNumber });
    const done = await call(`/__sandbox/orders/${bought.order!.id}/complete`, { method: 'POST', json: { outcome: 'success' } });
    expect(done.body.order.status).toBe('success');
    await nextWebhooks(1);
    expect((await call('/__sandbox/webhooks')).body.webhooks).toHaveLength(1);
    expect((await call('/__sandbox/config', { method: 'POST', json: { latencyMs: 0, orderCompletion: 'immediate' } })).body.orderCompletion).toBe('immediate');
    expect((await call('/__sandbox/purchases')).body).toEqual({ [n!.phoneNumber]: 1 });
  });
});

describe('persistence', () => {
  it('a restart with the same state file keeps numbers, groups and the signing key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'telnyx-sandbox-'));
    const stateFile = path.join(dir, 'state.json');
    try {
      const first = await startTelnyxSandbox({ apiKeys: [KEY_A], stateFile, orderCompletion: 'immediate' });
      const c1 = provider(KEY_A, first.url);
      const [n] = await c1.search({ country: 'US', type: 'local', limit: 1 });
      await c1.purchase({ phoneNumber: n!.phoneNumber });
      const group = await c1.createRequirementGroup({ country: 'DE', type: 'local', action: 'ordering' });
      const key = first.publicKeyBase64;
      await first.close();

      const second = await startTelnyxSandbox({ apiKeys: [KEY_A], stateFile });
      const c2 = provider(KEY_A, second.url);
      expect(second.publicKeyBase64).toBe(key);
      expect(await c2.findOwned(n!.phoneNumber)).toBeDefined();
      expect((await c2.getRequirementGroup(group.id)).country).toBe('DE');
      expect(second.purchaseCounts()).toEqual({ [n!.phoneNumber]: 1 });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
