import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { apiClient, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { CUSTOMER_SANDBOX_ACCOUNTS, SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import type { AvailableNumbers, Delivery, Page, PhoneNumber, ProviderAccount, SigningSecret } from '../helpers/api-types.js';

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
  const [candidate] = (await member.get<AvailableNumbers>(`/v1/numbers/available?provider=${provider}&limit=1&${query}`)).body.data;
  const bought = await member.post<PhoneNumber>('/v1/numbers', { provider, phoneNumber: candidate!.phoneNumber });
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
    const secret = (await apiClient(stack.url, await stack.token('clinic', 'admin', 'lead')).post<SigningSecret>('/v1/signing-secret')).body.secret;
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
    const deliveries = (await member.get<Page<Delivery>>(`/v1/deliveries?numberId=${number.id}`)).body.data;
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

// Issue 16: what providers really send — Twilio's own signature rules, Plivo's numbers without "+",
// MMS from everyone — and messages nobody receives are recorded, not dropped.
describe('signatures as the providers compute them, numbers and MMS as they send them', () => {
  const lastMessage = () => JSON.parse(received.at(-1)!.body).message;
  const inboundEvent = async (key: string) => (await testFirestore(projectId).doc(`webhookEvents/inbound_${key}`).get()).data();

  it('twilio: a signature over the URL without its port, repeated keys, MMS media', async () => {
    const number = await numberWithWebhook('twilio', 'areaCode=212');
    const before = received.length;
    const entries: [string, string][] = [
      ['AccountSid', SANDBOX_ACCOUNTS.twilio.accountSid],
      ['MessageSid', 'MM' + 'd'.repeat(32)],
      ['From', '+14155550999'],
      ['To', number.phoneNumber],
      ['Body', 'see attached'],
      ['NumMedia', '2'],
      ['MediaUrl0', 'https://media.example.com/a.jpg'],
      ['MediaContentType0', 'image/jpeg'],
      ['MediaUrl1', 'https://media.example.com/b.png'],
      ['MediaContentType1', 'image/png'],
      ['AddOns', 'b'],
      ['AddOns', 'a'],
    ];
    const asSdkParams = { ...Object.fromEntries(entries), AddOns: ['b', 'a'] };
    const portless = `${stack.url.replace(/:\d+$/, '')}/webhooks/twilio/inbound`; // what Twilio signs for a URL configured without its port
    const signature = twilio.getExpectedTwilioSignature(SANDBOX_ACCOUNTS.twilio.authToken, portless, asSdkParams);
    const res = await post('/webhooks/twilio/inbound', new URLSearchParams(entries).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });
    expect(res.status).toBe(200);
    await waitForDeliveries(before + 1);
    expect(lastMessage()).toMatchObject({
      provider: 'twilio',
      type: 'mms',
      text: 'see attached',
      media: [
        { url: 'https://media.example.com/a.jpg', contentType: 'image/jpeg' },
        { url: 'https://media.example.com/b.png', contentType: 'image/png' },
      ],
    });
  });

  it('twilio: an HMAC_SHA256 signature of a Webhooks Rule, checked with the account’s SharedKey secret', async () => {
    const sharedKey = 'rule-shared-key-secret-0000000001';
    const ruleAdmin = apiClient(stack.url, await stack.token('rule-clinic', 'admin', 'lead'));
    const account = await ruleAdmin.post<ProviderAccount>('/v1/provider-accounts', { provider: 'twilio', credentials: { ...CUSTOMER_SANDBOX_ACCOUNTS.twilio, webhookSharedKeySecret: sharedKey } });
    expect(account.status, JSON.stringify(account.body)).toBe(201);
    expect(JSON.stringify(account.body)).not.toContain(sharedKey);
    const [candidate] = (await ruleAdmin.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&limit=1&areaCode=213')).body.data;
    const bought = await ruleAdmin.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: candidate!.phoneNumber });
    expect(bought.body).toMatchObject({ accountId: account.body.id });
    await testFirestore(projectId).doc(`tenants/rule-clinic/numbers/${bought.body.id}`).update({ webhookUrl: receiverUrl, status: 'active', smsEnabled: true });
    const p = { AccountSid: CUSTOMER_SANDBOX_ACCOUNTS.twilio.accountSid, MessageSid: 'SM' + 'e'.repeat(32), From: '+14155550999', To: candidate!.phoneNumber, Body: 'signed by a rule', NumMedia: '0' };
    const url = `${stack.url}/webhooks/twilio/inbound`;
    const settings = 'key=webhooks_sharedkey_0001,algorithm=HMAC_SHA256';
    const headers = (signature: string, withSettings = true) => ({
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      ...(withSettings ? { 'x-twilio-webhooks-signature-settings': settings } : {}),
    });
    expect((await post('/webhooks/twilio/inbound', form(p), headers(twilio.getExpectedTwilioSignature(sharedKey, url, p)))).status).toBe(401); // SHA-1 under a SHA-256 rule
    expect((await post('/webhooks/twilio/inbound', form(p), headers(twilio.getExpectedTwilioSignature(CUSTOMER_SANDBOX_ACCOUNTS.twilio.authToken, url, p, 'HMAC_SHA256')))).status).toBe(401);
    const before = received.length;
    const res = await post('/webhooks/twilio/inbound', form(p), headers(twilio.getExpectedTwilioSignature(sharedKey, url, p, 'HMAC_SHA256')));
    expect(res.status).toBe(200);
    await waitForDeliveries(before + 1);
    expect(lastMessage()).toMatchObject({ text: 'signed by a rule', numberId: bought.body.id });

    // The account force-removed: the number is detached, and a message to it cannot be verified any more.
    expect((await ruleAdmin.delete<ProviderAccount>(`/v1/provider-accounts/${account.body.id}?force=true`)).body).toMatchObject({ detachedNumbers: 1 });
    expect((await ruleAdmin.get<PhoneNumber>(`/v1/numbers/${bought.body.id}`)).body).toMatchObject({ status: 'active', statusReason: 'account_detached', account: { status: 'detached' } });
    const late = { ...p, MessageSid: 'SM' + 'd'.repeat(32), Body: 'after the account went' };
    expect((await post('/webhooks/twilio/inbound', form(late), { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401); // unsigned
    const otherAccount = { ...late, AccountSid: SANDBOX_ACCOUNTS.twilio.accountSid };
    expect((await post('/webhooks/twilio/inbound', form(otherAccount), headers(twilio.getExpectedTwilioSignature(sharedKey, url, otherAccount, 'HMAC_SHA256')))).status).toBe(401);
    const detached = await post('/webhooks/twilio/inbound', form(late), headers(twilio.getExpectedTwilioSignature(sharedKey, url, late, 'HMAC_SHA256')));
    expect(detached.status).toBe(200); // answered: Twilio does not retry
    expect(await detached.text()).toContain('<Response'); // Twilio's empty TwiML answer
    // Nothing stored: it could not be verified.
    expect(await inboundEvent(`detached_twilio_${late.MessageSid}`)).toBeUndefined();
    const deliveries = (await ruleAdmin.get<Page<Delivery>>(`/v1/deliveries?numberId=${bought.body.id}`)).body.data;
    expect(deliveries.some((d) => d.message.providerMessageId === late.MessageSid)).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(received.length).toBe(before + 1); // never relayed
  });

  it('plivo: To/From without "+" are normalised and relayed; MMS Body and Media<N> too', async () => {
    const number = await numberWithWebhook('plivo', 'country=US&areaCode=415');
    const url = `${stack.url}/webhooks/plivo/inbound`;
    const send = async (params: Record<string, string>, nonce: string) => {
      const signature = plivoReference(SANDBOX_ACCOUNTS.plivo.authToken, url, params, nonce);
      return post('/webhooks/plivo/inbound', form(params), { 'content-type': 'application/x-www-form-urlencoded', 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce });
    };
    let before = received.length;
    const sms = { From: '14155550888', To: number.phoneNumber.slice(1), Text: 'no plus sign', Type: 'sms', MessageUUID: 'c3b8a7e2-0000-4000-8000-000000000011' };
    expect((await send(sms, '11111111111111111111')).status).toBe(200);
    await waitForDeliveries(before + 1);
    expect(lastMessage()).toMatchObject({ provider: 'plivo', from: '+14155550888', to: number.phoneNumber, text: 'no plus sign', type: 'sms', numberId: number.id });
    before = received.length;
    const mms = {
      From: '14155550888',
      To: number.phoneNumber.slice(1),
      Body: 'a picture',
      Type: 'mms',
      MediaCount: '2',
      Media0: 'https://media.plivo.example/0.jpg',
      Media1: 'https://media.plivo.example/1.jpg',
      MessageUUID: 'c3b8a7e2-0000-4000-8000-000000000012',
    };
    expect((await send(mms, '22222222222222222222')).status).toBe(200);
    await waitForDeliveries(before + 1);
    expect(lastMessage()).toMatchObject({ type: 'mms', text: 'a picture', media: [{ url: 'https://media.plivo.example/0.jpg' }, { url: 'https://media.plivo.example/1.jpg' }] });
  });

  it('telnyx: MMS media are relayed', async () => {
    const number = await numberWithWebhook('telnyx', 'country=US&type=local');
    const before = received.length;
    const event = {
      eventType: 'message.received',
      id: 'evt-inbound-mms-1',
      payload: { id: 'msg-mms-1', type: 'MMS', from: { phone_number: '+14155550777' }, to: [{ phone_number: number.phoneNumber }], text: 'photo', media: [{ url: 'https://media.telnyx.example/1.jpg', content_type: 'image/jpeg' }] },
    };
    expect((await stack.sandboxes.telnyx!.sendWebhook(event, { url: `${stack.url}/webhooks/telnyx/inbound` })).status).toBe(200);
    await waitForDeliveries(before + 1);
    expect(lastMessage()).toMatchObject({ type: 'mms', text: 'photo', media: [{ url: 'https://media.telnyx.example/1.jpg', contentType: 'image/jpeg' }] });
  });

  it('records a message to a number no tenant holds (outcome unknown_number), relaying it nowhere', async () => {
    const before = received.length;
    const p = { AccountSid: SANDBOX_ACCOUNTS.twilio.accountSid, MessageSid: 'SM' + 'f'.repeat(32), From: '+14155550999', To: '+14155550000', Body: 'anyone?', NumMedia: '0' };
    const res = await post('/webhooks/twilio/inbound', form(p), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(SANDBOX_ACCOUNTS.twilio.authToken, `${stack.url}/webhooks/twilio/inbound`, p) });
    expect(res.status).toBe(200);
    expect(await inboundEvent(`twilio_${p.MessageSid}`)).toMatchObject({ outcome: 'unknown_number', reason: 'unknown_number', to: '+14155550000', providerMessageId: p.MessageSid });
    await new Promise((r) => setTimeout(r, 200));
    expect(received.length).toBe(before);
  });

  it('shows a message to a number the tenant released as not delivered, with the reason', async () => {
    const number = await numberWithWebhook('plivo', 'country=US&areaCode=646');
    const admin = apiClient(stack.url, await stack.token('clinic', 'admin', 'lead'));
    const released = await admin.delete<PhoneNumber>(`/v1/numbers/${number.id}`);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body.status).toBe('released');
    const before = received.length;
    const url = `${stack.url}/webhooks/plivo/inbound`;
    const params = { From: '14155550888', To: number.phoneNumber.slice(1), Text: 'are you still there?', Type: 'sms', MessageUUID: 'c3b8a7e2-0000-4000-8000-000000000013' };
    const nonce = '33333333333333333333';
    const signature = plivoReference(SANDBOX_ACCOUNTS.plivo.authToken, url, params, nonce);
    const res = await post('/webhooks/plivo/inbound', form(params), { 'content-type': 'application/x-www-form-urlencoded', 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce });
    expect(res.status).toBe(200);
    expect(await inboundEvent(`plivo_${nonce}`)).toMatchObject({ outcome: 'released_number', tenantId: 'clinic', numberId: number.id });
    const deliveries = (await member.get<Page<Delivery>>(`/v1/deliveries?numberId=${number.id}`)).body.data;
    expect(deliveries).toEqual([
      expect.objectContaining({ status: 'not_delivered', reason: 'released_number', attempts: [], message: expect.objectContaining({ text: 'are you still there?', to: number.phoneNumber }) }),
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(received.length).toBe(before);
  });
});
