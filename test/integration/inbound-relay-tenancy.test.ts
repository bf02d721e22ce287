import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { apiClient, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import type { AvailableNumbers, PhoneNumber } from '../helpers/api-types.js';

// Inbound messages reach exactly one tenant, exactly once: the owner index names the tenant, and
// concurrent copies of one signed message are claimed before anything is relayed.
const projectId = 'demo-inbound-tenancy';
let stack: Stack;
let clinic: ApiClient;
let receiver: Server;
let receiverUrl: string;
const received: { path: string; body: string }[] = [];

beforeAll(async () => {
  stack = await startTestStack(projectId);
  clinic = apiClient(stack.url, await stack.token('tenancy-clinic', 'admin', 'desk'));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c)).on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  receiver?.close();
  await stack?.stop();
});

const db = () => testFirestore(projectId);
const url = () => `${stack.url}/webhooks/twilio/inbound`;
const message = (to: string, sid: string) => ({ AccountSid: SANDBOX_ACCOUNTS.twilio.accountSid, MessageSid: sid, From: '+14155550999', To: to, Body: 'hello', NumMedia: '0' });
const send = (p: Record<string, string>) =>
  fetch(url(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(SANDBOX_ACCOUNTS.twilio.authToken, url(), p) },
    body: new URLSearchParams(p).toString(),
  });
const settle = async () => {
  await stack.tasks.idle('callbacks');
  await new Promise((r) => setTimeout(r, 300));
};

/** A number bought by the clinic whose relay target is the local receiver under `/path`. */
async function boughtNumber(areaCode: string, path: string) {
  const [candidate] = (await clinic.get<AvailableNumbers>(`/v1/numbers/available?provider=twilio&limit=1&areaCode=${areaCode}`)).body.data;
  const bought = await clinic.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: candidate!.phoneNumber });
  expect(bought.status, JSON.stringify(bought.body)).toBe(201);
  await db().doc(`tenants/tenancy-clinic/numbers/${bought.body.id}`).update({ webhookUrl: `${receiverUrl}${path}`, smsEnabled: true });
  return bought.body;
}

/** A second record of the same number under another tenant, as a bug (or data written before the index) would leave it. */
async function strayCopy(number: { id: string; phoneNumber: string }, tenantId: string, path: string) {
  const original = (await db().doc(`tenants/tenancy-clinic/numbers/${number.id}`).get()).data()!;
  const id = `num_stray${tenantId.replace(/\W/g, '')}`;
  // Its tenant sorts before the clinic: a tie broken by sort order would pick this one.
  await db().doc(`tenants/${tenantId}/numbers/${id}`).set({ ...original, id, tenantId, webhookUrl: `${receiverUrl}${path}`, createdAt: '2000-01-01T00:00:00.000Z' });
}

describe('inbound routing resolves a number to one tenant', () => {
  it('relays to the tenant the owner index names, never to another record of the number', async () => {
    const number = await boughtNumber('415', '/owner');
    await strayCopy(number, 'tenancy-a-intruder', '/intruder');
    const before = received.length;
    expect((await send(message(number.phoneNumber, 'SM' + '1'.repeat(32)))).status).toBe(200);
    await settle();
    expect(received.slice(before).map((r) => r.path)).toEqual(['/owner']);
  });

  it('relays to nobody when no index entry exists and two tenants hold the number', async () => {
    const number = await boughtNumber('512', '/owner');
    await db().doc(`numberOwners/twilio:${encodeURIComponent(number.phoneNumber)}`).delete(); // held since before the index
    await strayCopy(number, 'tenancy-a-intruder-2', '/intruder');
    const before = received.length;
    expect((await send(message(number.phoneNumber, 'SM' + '2'.repeat(32)))).status).toBe(200);
    await settle();
    expect(received.slice(before)).toEqual([]);
  });
});

describe('concurrent copies of one inbound message', () => {
  it('are relayed once: 25 signed copies at the same moment make one delivery', async () => {
    const number = await boughtNumber('303', '/once');
    const p = message(number.phoneNumber, 'SM' + '3'.repeat(32));
    const before = received.length;
    const answers = await Promise.all(Array.from({ length: 25 }, () => send(p)));
    expect(answers.map((a) => a.status)).toEqual(Array(25).fill(200));
    await settle();
    expect(received.slice(before).length).toBe(1);
    const deliveries = await db().collection('tenants/tenancy-clinic/deliveries').where('numberId', '==', number.id).get();
    expect(deliveries.size).toBe(1);
  });
});
