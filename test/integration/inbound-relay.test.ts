import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { apiClient, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';

// Inbound messages: provider signature checked with the providers' real algorithms, then relayed
// to the number's webhookUrl signed by us, retried, every attempt recorded.
const projectId = 'demo-inbound';
let stack: Stack;
let member: ApiClient;
let receiver: Server;
let receiverUrl: string;
const received: { body: string; signature: string }[] = [];
let failFirst = false;

beforeAll(async () => {
  stack = await startTestStack(projectId);
  member = apiClient(stack.url, await stack.token('clinic', 'member', 'desk'));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c)).on('end', () => {
      received.push({ body, signature: String(req.headers['x-signature']) });
      res.statusCode = failFirst && received.length === 1 ? 503 : 200;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/inbound`;
});
afterAll(async () => {
  receiver?.close();
  await stack?.stop();
});

/** Buys a number and points its webhookUrl at the local receiver (the API only takes https URLs). */
async function numberWithWebhook(provider: 'twilio' | 'plivo' | 'telnyx', query: string) {
  const [candidate] = (await member.get(`/v1/numbers/available?provider=${provider}&limit=1&${query}`)).body.data;
  const bought = await member.post('/v1/numbers', { provider, phoneNumber: candidate.phoneNumber });
  expect(bought.status, JSON.stringify(bought.body)).toBe(201);
  await testFirestore(projectId).doc(`tenants/clinic/numbers/${bought.body.id}`).update({ webhookUrl: receiverUrl, status: 'active', smsEnabled: true });
  return bought.body as { id: string; phoneNumber: string };
}

const waitForDeliveries = async (count: number) => {
  const deadline = Date.now() + 15_000;
  while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await stack.tasks.idle('callbacks');
};

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${stack.url}${path}`, { method: 'POST', headers, body });

describe('twilio', () => {
  let number: { id: string; phoneNumber: string };
  const url = () => `${stack.url}/webhooks/twilio/inbound`;
  const params = (sid: string) => ({
    AccountSid: SANDBOX_ACCOUNTS.twilio.accountSid,
    MessageSid: sid,
    From: '+14155550999',
    To: number.phoneNumber,
    Body: 'Can I move my appointment?',
    NumMedia: '0',
  });
  const signed = (p: Record<string, string>) => twilio.getExpectedTwilioSignature(SANDBOX_ACCOUNTS.twilio.authToken, url(), p);

  it('relays a message signed with Twilio’s own algorithm, retrying until the webhook accepts it', async () => {
    number = await numberWithWebhook('twilio', 'areaCode=415');
    const secret = (await apiClient(stack.url, await stack.token('clinic', 'admin', 'lead')).post('/v1/signing-secret')).body.secret as string;
    failFirst = true;
    const p = params('SM' + 'a'.repeat(32));
    const res = await post('/webhooks/twilio/inbound', form(p), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed(p) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/xml/);
    expect(await res.text()).toContain('<Response/>');
    await waitForDeliveries(2);
    failFirst = false;
    const { body, signature } = received.at(-1)!;
    const [t, v1] = signature.split(',').map((part) => part.split('=')[1]);
    expect(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')).toBe(v1);
    expect(JSON.parse(body)).toMatchObject({ type: 'message.received', message: { provider: 'twilio', from: '+14155550999', to: number.phoneNumber, text: 'Can I move my appointment?', numberId: number.id } });
    const deliveries = (await member.get(`/v1/deliveries?numberId=${number.id}`)).body.data;
    expect(deliveries[0]).toMatchObject({ status: 'delivered', attempts: [expect.objectContaining({ status: 503 }), expect.objectContaining({ status: 200 })] });
  });

  it('rejects forged, unsigned and oversized requests with no side effect; a replay is not delivered twice', async () => {
    const before = received.length;
    const p = params('SM' + 'b'.repeat(32));
    expect((await post('/webhooks/twilio/inbound', form(p), { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401);
    const forged = twilio.getExpectedTwilioSignature('0'.repeat(32), url(), p);
    expect((await post('/webhooks/twilio/inbound', form(p), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': forged })).status).toBe(401);
    const tampered = { ...p, Body: 'changed' };
    expect((await post('/webhooks/twilio/inbound', form(tampered), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed(p) })).status).toBe(401);
    const huge = { ...p, Body: 'x'.repeat(70_000) };
    expect((await post('/webhooks/twilio/inbound', form(huge), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed(huge) })).status).toBe(413);
    expect((await testFirestore(projectId).doc(`webhookEvents/inbound_twilio_${p.MessageSid}`).get()).exists).toBe(false);

    const genuine = params('SM' + 'c'.repeat(32));
    for (let i = 0; i < 2; i++) {
      const res = await post('/webhooks/twilio/inbound', form(genuine), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed(genuine) });
      expect(res.status).toBe(200);
    }
    await waitForDeliveries(before + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(received.length).toBe(before + 1);
  });
});

/** plivo-node's validateV3Signature (lib/utils/v3Security.js), transcribed independently for a POST without query. */
function plivoReference(authToken: string, uri: string, params: Record<string, string>, nonce: string): string {
  const sortedParams = Object.keys(params).sort().map((k) => k + params[k]).join('');
  const base = `${uri}?${sortedParams}`; // construct_get_url adds "?" when there are POST params and no query
  return createHmac('sha256', authToken).update(`${base}.${nonce}`).digest('base64');
}

describe('plivo', () => {
  it('relays a V3-signed message and refuses a replayed nonce', async () => {
    const number = await numberWithWebhook('plivo', 'country=US&areaCode=212');
    const before = received.length;
    const url = `${stack.url}/webhooks/plivo/inbound`;
    const params = { From: '14155550888', To: number.phoneNumber, Text: 'hello plivo', Type: 'sms', MessageUUID: 'c3b8a7e2-0000-4000-8000-000000000001' };
    const nonce = '12345678901234567890';
    const signature = plivoReference(SANDBOX_ACCOUNTS.plivo.authToken, url, params, nonce);
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-plivo-signature-v3': `rotated-old-signature,${signature}`, 'x-plivo-signature-v3-nonce': nonce };
    const res = await post('/webhooks/plivo/inbound', form(params), headers);
    expect(res.status).toBe(200);
    await waitForDeliveries(before + 1);
    expect(JSON.parse(received.at(-1)!.body).message).toMatchObject({ provider: 'plivo', text: 'hello plivo', to: number.phoneNumber });
    expect((await post('/webhooks/plivo/inbound', form(params), headers)).status).toBe(401); // same nonce again
    expect((await post('/webhooks/plivo/inbound', form(params), { ...headers, 'x-plivo-signature-v3': 'forged', 'x-plivo-signature-v3-nonce': 'other' })).status).toBe(401);
  });
});

describe('telnyx', () => {
  it('relays an Ed25519-signed message.received and refuses a stale one', async () => {
    const number = await numberWithWebhook('telnyx', 'country=US&type=local');
    const before = received.length;
    const event = { eventType: 'message.received', id: 'evt-inbound-1', payload: { id: 'msg-1', from: { phone_number: '+14155550777' }, to: [{ phone_number: number.phoneNumber }], text: 'hi from telnyx', media: [] } };
    const delivery = await stack.sandboxes.telnyx!.sendWebhook(event, { url: `${stack.url}/webhooks/telnyx/inbound` });
    expect(delivery.status).toBe(200);
    await waitForDeliveries(before + 1);
    expect(JSON.parse(received.at(-1)!.body).message).toMatchObject({ provider: 'telnyx', text: 'hi from telnyx' });
    const stale = await post('/webhooks/telnyx/inbound', delivery.body, { ...delivery.headers, 'telnyx-timestamp': String(Math.floor(Date.now() / 1000) - 600) });
    expect(stale.status).toBe(401);
  });
});
