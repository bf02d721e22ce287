import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import type { Stack } from '../../scripts/local/stack.js';
import { clearSearchCaches } from '../../modules/numbers/services/search.js';
import type { Agent, AvailableNumbers, Page, PhoneNumber } from '../helpers/api-types.js';

// Issue 16, numbers (the clinic and the AI-agent company): a number released by its phone number,
// an outbound caller ID shared by agents, 405s that name the real methods, and released numbers
// that are not bought straight back (sandbox aging; our own quarantine in search).
const projectId = 'demo-numbers-by-phone';
let stack: Stack;
let admin: ApiClient;
let member: ApiClient;
let other: ApiClient;

beforeAll(async () => {
  stack = await startTestStack(projectId);
  admin = apiClient(stack.url, await stack.token('clinic-16', 'admin', 'ops'));
  member = apiClient(stack.url, await stack.token('clinic-16', 'member', 'desk'));
  other = apiClient(stack.url, await stack.token('clinic-17', 'admin', 'ops'));
});
afterAll(async () => {
  await stack?.stop();
});

const DAY = 24 * 3600_000;
const search = async (client: ApiClient, query: string) => {
  const res = await client.get<AvailableNumbers>(`/v1/numbers/available?provider=twilio&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: { phoneNumber: string }[]; count: number; quarantined?: number };
};
const buy = async (phoneNumber: string) => {
  const res = await member.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; phoneNumber: string };
};

describe('numbers by phone number', () => {
  it('GET and DELETE /v1/numbers/{E.164} (also %2B-encoded) resolve to the tenant’s held number', async () => {
    const [candidate] = (await search(member, 'areaCode=415&limit=1')).data;
    const bought = await buy(candidate!.phoneNumber);
    const e164 = bought.phoneNumber;
    expect((await member.get(`/v1/numbers/${e164}`)).body).toMatchObject({ id: bought.id, phoneNumber: e164 });
    expect((await member.get(`/v1/numbers/${encodeURIComponent(e164)}`)).body).toMatchObject({ id: bought.id });
    expect((await member.patch(`/v1/numbers/${encodeURIComponent(e164)}`, { displayName: 'Front desk' })).body).toMatchObject({ id: bought.id, displayName: 'Front desk' });
    // Another tenant, and a number nobody here holds: 404.
    expectEnvelope(await other.get(`/v1/numbers/${e164}`), 404, 'NOT_FOUND');
    expectEnvelope(await other.delete(`/v1/numbers/${e164}`), 404, 'NOT_FOUND');
    expect(expectEnvelope(await admin.delete('/v1/numbers/+14155550100'), 404, 'NOT_FOUND').message).toMatch(/holds no number \+14155550100/);
    expectEnvelope(await admin.delete('/v1/numbers/4155550100'), 400, 'VALIDATION_ERROR');

    const released = await admin.delete<PhoneNumber>(`/v1/numbers/${encodeURIComponent(e164)}`, { reason: 'clinic moved' });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body).toMatchObject({ id: bought.id, status: 'released', releaseReason: 'clinic moved' });
    // Released, it is no longer the tenant's number: by phone number 404, by id still there.
    expectEnvelope(await admin.delete(`/v1/numbers/${e164}`), 404, 'NOT_FOUND');
    expect((await member.get<PhoneNumber>(`/v1/numbers/${bought.id}`)).body.status).toBe('released');
  });
});

describe('agents share an outbound caller ID; one agent answers a number', () => {
  it('lets several agents call from one number, and keeps inbound to one agent', async () => {
    const found = (await search(member, 'areaCode=212&limit=3')).data;
    const line = await buy(found[0]!.phoneNumber);
    const callerId = await buy(found[1]!.phoneNumber);
    const a = await member.post<Agent>('/v1/agents', { name: 'Sales A', inboundPhone: line.phoneNumber, outboundPhone: callerId.phoneNumber });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const b = await member.post<Agent>('/v1/agents', { name: 'Sales B', outboundPhone: callerId.phoneNumber });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    const c = await member.post<Agent>('/v1/agents', { name: 'Sales C' });
    expect((await member.patch<Agent>(`/v1/agents/${c.body.id}`, { outboundPhone: callerId.phoneNumber })).status).toBe(200);

    const shared = (await member.get<PhoneNumber>(`/v1/numbers/${callerId.id}`)).body;
    expect(shared.outboundAgentIds).toEqual([a.body.id, b.body.id, c.body.id].sort());
    expect(shared.agentId).toBeUndefined();
    expect((await member.get<Page<PhoneNumber>>(`/v1/numbers?agentId=${b.body.id}`)).body.data.map((n: { id: string }) => n.id)).toEqual([callerId.id]);
    expect((await member.get<Page<PhoneNumber>>(`/v1/numbers?agentId=${a.body.id}`)).body.data.map((n: { id: string }) => n.id).sort()).toEqual([line.id, callerId.id].sort());

    // Inbound stays one agent per number.
    const taken = expectEnvelope(await member.post('/v1/agents', { name: 'Sales D', inboundPhone: line.phoneNumber }), 409, 'CONFLICT');
    expect(taken.details).toMatchObject({ agentId: a.body.id, field: 'inboundPhone' });
    // A number others call from may still be answered by one agent.
    expect((await member.patch<Agent>(`/v1/agents/${b.body.id}`, { inboundPhone: callerId.phoneNumber })).status).toBe(200);
    expect((await member.get<PhoneNumber>(`/v1/numbers/${callerId.id}`)).body).toMatchObject({ agentId: b.body.id, outboundAgentIds: [a.body.id, b.body.id, c.body.id].sort() });

    // One agent letting go leaves the others.
    await member.patch<Agent>(`/v1/agents/${c.body.id}`, { outboundPhone: null });
    expect((await member.get<PhoneNumber>(`/v1/numbers/${callerId.id}`)).body.outboundAgentIds).toEqual([a.body.id, b.body.id].sort());

    // Releasing a shared number needs force, which clears every agent's reference.
    expect(expectEnvelope(await admin.delete(`/v1/numbers/${callerId.id}`), 409, 'CONFLICT').details!.outboundAgentIds).toHaveLength(2);
    const forced = await admin.delete<PhoneNumber>(`/v1/numbers/${callerId.id}?force=true`);
    expect(forced.status, JSON.stringify(forced.body)).toBe(200);
    expect(forced.body.outboundAgentIds).toBeUndefined();
    const agentA = (await member.get<Agent>(`/v1/agents/${a.body.id}`)).body;
    const agentB = (await member.get<Agent>(`/v1/agents/${b.body.id}`)).body;
    expect(agentA).toMatchObject({ inboundPhone: line.phoneNumber });
    expect(agentA.outboundPhone).toBeUndefined();
    expect(agentB.outboundPhone).toBeUndefined();
    expect(agentB.inboundPhone).toBeUndefined();
  });
});

describe('405 names the methods the path really has', () => {
  it('through the gateway', async () => {
    const numberPath = '/v1/numbers/num_00000000000000000000';
    const put = await member.call('PUT', numberPath, { body: { displayName: 'x' } });
    expectEnvelope(put, 405, 'METHOD_NOT_ALLOWED');
    expect(put.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE');
    const collection = await member.call('PUT', '/v1/numbers');
    expectEnvelope(collection, 405, 'METHOD_NOT_ALLOWED');
    expect(collection.headers.get('allow')).toBe('GET, HEAD, POST');
    const accounts = await admin.call('POST', '/v1/provider-accounts/acc_0000000000000000');
    expect(accounts.headers.get('allow')).toBe('PATCH, DELETE');
  });

  it('at a function called directly', async () => {
    const server = getTestServer('numbersGet');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/v1/numbers/num_00000000000000000000`, { method: 'PUT' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('released numbers are not bought straight back', () => {
  it('the provider ages a released number; our search keeps it from the releasing tenant for RELEASE_QUARANTINE_DAYS', async () => {
    const [candidate] = (await search(member, 'areaCode=305&limit=1')).data;
    const x = candidate!.phoneNumber;
    const digits = `contains=${x.slice(2)}`;
    const bought = await buy(x);
    expect((await admin.delete(`/v1/numbers/${bought.id}`)).status).toBe(200);

    // The provider (sandbox) holds it back: not offered to anyone, not sold.
    expect((await search(other, digits)).data.map((n) => n.phoneNumber)).not.toContain(x);
    const again = await member.post('/v1/numbers', { provider: 'twilio', phoneNumber: x });
    expect(expectEnvelope(again, 409, 'CONFLICT').message).toMatch(/no longer available at twilio/);
    expect(stack.twilio!.purchaseCounts()[x]).toBe(1);

    // Aged out at the provider (31 sandbox days later): others see it; the tenant that released it
    // does not, while our quarantine lasts (30 days of our own clock).
    stack.twilio!.advanceClock(31 * DAY);
    clearSearchCaches(); // 31 days on, our 30-second cache of the provider's answers has long run out
    expect((await search(other, digits)).data.map((n) => n.phoneNumber)).toContain(x);
    const mine = await search(member, digits);
    expect(mine.data.map((n) => n.phoneNumber)).not.toContain(x);
    expect(mine.quarantined).toBe(1);

    // Past the quarantine, it is offered again.
    await testFirestore(projectId).doc(`tenants/clinic-16/numbers/${bought.id}`).update({ releasedAt: new Date(Date.now() - 31 * DAY).toISOString() });
    expect((await search(member, digits)).data.map((n) => n.phoneNumber)).toContain(x);
    expect((await buy(x)).phoneNumber).toBe(x);
  });
});
