import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import { SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import type { TwilioSandbox } from '../../scripts/sandboxes/twilio.js';
import type { AvailableNumbers, CreatedJob, Delivery, Job, Page, PhoneNumber } from '../helpers/api-types.js';

// Issue 16, "Numbers (clinic)": separate voice / SMS / status URLs, an `inactive` that takes the
// number out of service at the provider (and back), and search results with LATA, rate center and
// a monthly price, cached briefly.
let stack: Stack;
let sandbox: TwilioSandbox;
let member: ApiClient;

beforeAll(async () => {
  stack = await startTestStack('demo-clinic-numbers');
  sandbox = stack.twilio!;
  member = apiClient(stack.url, await stack.token('clinic-16', 'member', 'desk'));
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => sandbox.clearFaults());

const { accountSid, authToken } = SANDBOX_ACCOUNTS.twilio;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** The number as Twilio (its sandbox) has it. */
async function atTwilio(sid: string): Promise<{ voice_url: string | null; sms_url: string | null; status_callback: string | null }> {
  const res = await fetch(`${sandbox.url}/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${sid}.json`, { headers: { authorization: basic(accountSid, authToken) } });
  expect(res.status).toBe(200);
  return (await res.json()) as { voice_url: string | null; sms_url: string | null; status_callback: string | null };
}
const urlsAtTwilio = async (sid: string) => {
  const n = await atTwilio(sid);
  return { voice: n.voice_url || null, sms: n.sms_url || null, status: n.status_callback || null };
};

async function candidate(query: string, provider = 'twilio'): Promise<string> {
  const res = await member.get<AvailableNumbers>(`/v1/numbers/available?provider=${provider}&limit=1&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data[0]!.phoneNumber;
}
async function buy(body: Record<string, unknown>) {
  const res = await member.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; providerNumberId: string; phoneNumber: string } & Record<string, unknown>;
}

const relay = () => `${stack.url}/webhooks/twilio/inbound`;
const notInService = (provider = 'twilio') => `${stack.url}/webhooks/not-in-service/${provider}`;
const urls = {
  webhookUrl: 'https://clinic.example.com/webhook/sms',
  voiceUrl: 'https://clinic.example.com/voice/answer',
  smsUrl: 'https://clinic.example.com/sms/direct',
  statusCallbackUrl: 'https://clinic.example.com/voice/status',
};

describe('voice, SMS and status URLs', () => {
  it('a purpose "both" purchase with only webhookUrl no longer sends calls to the SMS webhook', async () => {
    const bought = await buy({ phoneNumber: await candidate('areaCode=415&capabilities=sms,voice'), purpose: 'both', webhookUrl: urls.webhookUrl });
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual({ voice: null, sms: relay(), status: null });
    expect(bought).toMatchObject({ webhookUrl: urls.webhookUrl, smsEnabled: true, voiceEnabled: true });
    expect(bought).not.toHaveProperty('voiceUrl');
  });

  it('sets VoiceUrl, SmsUrl and StatusCallback as asked, at purchase and by PATCH, and shows them', async () => {
    const bought = await buy({ phoneNumber: await candidate('areaCode=212&capabilities=sms,voice'), purpose: 'both', ...urls });
    expect(bought).toMatchObject(urls);
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual({ voice: urls.voiceUrl, sms: urls.smsUrl, status: urls.statusCallbackUrl });
    expect((await member.get(`/v1/numbers/${bought.id}`)).body).toMatchObject(urls);

    const changed = await member.patch(`/v1/numbers/${bought.id}`, { voiceUrl: 'https://clinic.example.com/voice/v2', statusCallbackUrl: 'https://clinic.example.com/status/v2' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual({ voice: 'https://clinic.example.com/voice/v2', sms: urls.smsUrl, status: 'https://clinic.example.com/status/v2' });

    // Without its own smsUrl, messages go back through the relay to webhookUrl; calls are untouched.
    const relayed = await member.patch<PhoneNumber>(`/v1/numbers/${bought.id}`, { smsUrl: null });
    expect(relayed.body).not.toHaveProperty('smsUrl');
    expect(relayed.body.webhookUrl).toBe(urls.webhookUrl);
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual({ voice: 'https://clinic.example.com/voice/v2', sms: relay(), status: 'https://clinic.example.com/status/v2' });

    // Voice off clears VoiceUrl at Twilio and keeps the tenant's URL for when it is on again.
    await member.patch(`/v1/numbers/${bought.id}`, { voiceEnabled: false });
    expect((await urlsAtTwilio(bought.providerNumberId)).voice).toBeNull();
    const back = await member.patch<PhoneNumber>(`/v1/numbers/${bought.id}`, { voiceEnabled: true });
    expect(back.body.voiceUrl).toBe('https://clinic.example.com/voice/v2');
    expect((await urlsAtTwilio(bought.providerNumberId)).voice).toBe('https://clinic.example.com/voice/v2');
  });

  it('puts every URL through the outbound URL policy', async () => {
    const phoneNumber = await candidate('areaCode=617');
    for (const field of ['voiceUrl', 'smsUrl', 'statusCallbackUrl'] as const) {
      for (const bad of ['http://clinic.example.com/x', 'https://10.0.0.8/x', 'https://metadata.google.internal/x']) {
        const error = expectEnvelope(await member.post('/v1/numbers', { provider: 'twilio', phoneNumber, [field]: bad }), 400, 'VALIDATION_ERROR');
        expect(error.details!.issues!.map((i: { path: string }) => i.path)).toContain(`body.${field}`);
      }
    }
    expect(sandbox.purchaseCounts()[phoneNumber]).toBeUndefined();
  });

  it('refuses by name a URL the provider has no per-number place for', async () => {
    const plivo = await member.post<PhoneNumber>('/v1/numbers', { provider: 'plivo', phoneNumber: await candidate('country=US&areaCode=415', 'plivo'), smsUrl: urls.smsUrl });
    expect(expectEnvelope(plivo, 400, 'VALIDATION_ERROR').details!.issues).toEqual([{ path: 'body.smsUrl', message: 'not supported by plivo' }]);
    const vonage = await member.post<PhoneNumber>('/v1/numbers', { provider: 'vonage', phoneNumber: await candidate('country=GB&type=mobile&startsWith=7', 'vonage'), voiceUrl: urls.voiceUrl });
    const error = expectEnvelope(vonage, 400, 'VALIDATION_ERROR');
    expect(error.details!.issues).toEqual([{ path: 'body.voiceUrl', message: 'not supported by vonage' }]);
    expect(error.message).toMatch(/applicationId/);
  });

  it('Vonage: smsUrl is its moHttpUrl (statusCallbackUrl its voiceStatusCallback, which Vonage never lists)', async () => {
    const phoneNumber = await candidate('country=GB&type=mobile&startsWith=7', 'vonage');
    const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'vonage', phoneNumber, smsUrl: urls.smsUrl, statusCallbackUrl: urls.statusCallbackUrl });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(bought.body).toMatchObject({ smsUrl: urls.smsUrl, statusCallbackUrl: urls.statusCallbackUrl });
    expect(await atVonage(phoneNumber)).toMatchObject({ moHttpUrl: urls.smsUrl });
  });

  it('bulk purchase and update items take the same URLs', async () => {
    const phoneNumber = await candidate('areaCode=305');
    const created = await member.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber, voiceUrl: urls.voiceUrl, smsUrl: urls.smsUrl, statusCallbackUrl: urls.statusCallbackUrl }] });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    await finished(created.body.id);
    const number = (await member.get<PhoneNumber>(`/v1/numbers/${encodeURIComponent(phoneNumber)}`)).body;
    expect(number).toMatchObject({ status: 'active', voiceUrl: urls.voiceUrl, smsUrl: urls.smsUrl, statusCallbackUrl: urls.statusCallbackUrl });
    expect(await urlsAtTwilio(number.providerNumberId!)).toEqual({ voice: urls.voiceUrl, sms: urls.smsUrl, status: urls.statusCallbackUrl });

    const update = await member.post<CreatedJob>('/v1/jobs', { type: 'update', provider: 'twilio', items: [{ numberId: number.id, changes: { voiceUrl: 'https://clinic.example.com/voice/bulk' } }] });
    expect(update.status, JSON.stringify(update.body)).toBe(202);
    expect((await finished(update.body.id)).counts.succeeded).toBe(1);
    expect((await urlsAtTwilio(number.providerNumberId!)).voice).toBe('https://clinic.example.com/voice/bulk');

    const refused = await member.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber, voiceUrl: 'http://insecure.example.com' }] });
    expectEnvelope(refused, 400, 'VALIDATION_ERROR');
  });
});

describe('inactive takes the number out of service at the provider, and active puts it back', () => {
  it('Twilio: calls hear "not in service", messages are recorded and not relayed; active restores the URLs exactly', async () => {
    const bought = await buy({ phoneNumber: await candidate('areaCode=312&capabilities=sms,voice'), purpose: 'both', ...urls });
    const asked = { voice: urls.voiceUrl, sms: urls.smsUrl, status: urls.statusCallbackUrl };
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual(asked);

    const inactive = await member.patch<PhoneNumber>(`/v1/numbers/${bought.id}`, { status: 'inactive' });
    expect(inactive.status, JSON.stringify(inactive.body)).toBe(200);
    expect(inactive.body).toMatchObject({ status: 'inactive', ...urls }); // the tenant's URLs, kept
    expect(inactive.body).not.toHaveProperty('activeRouting');
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual({ voice: notInService(), sms: relay(), status: urls.statusCallbackUrl });

    // What a caller hears, and what a message gets.
    const call = { AccountSid: accountSid, CallSid: 'CA' + '1'.repeat(32), From: '+14155550999', To: bought.phoneNumber, CallStatus: 'ringing' };
    const answered = await fetch(notInService(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(call).toString() });
    expect(answered.status).toBe(200);
    expect(answered.headers.get('content-type')).toMatch(/xml/);
    expect(await answered.text()).toMatch(/<Response><Say>[^<]*not in service[^<]*<\/Say><Hangup\/><\/Response>/);

    const message = { AccountSid: accountSid, MessageSid: 'SM' + '2'.repeat(32), From: '+14155550999', To: bought.phoneNumber, Body: 'Are you open?', NumMedia: '0' };
    const signature = twilio.getExpectedTwilioSignature(authToken, relay(), message);
    const received = await fetch(relay(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(message).toString() });
    expect(received.status).toBe(200);
    expect(await received.text()).toContain('<Response/>');
    const deliveries = (await member.get<Page<Delivery>>(`/v1/deliveries?numberId=${bought.id}`)).body.data;
    expect(deliveries).toEqual([expect.objectContaining({ status: 'not_delivered', reason: 'number_inactive', attempts: [] })]);
    expect(deliveries[0]).not.toHaveProperty('webhookUrl');

    // A routing change while out of service waits for active; the provider stays out of service.
    const moved = await member.patch(`/v1/numbers/${bought.id}`, { smsUrl: 'https://clinic.example.com/sms/v2' });
    expect(moved.body).toMatchObject({ status: 'inactive', smsUrl: 'https://clinic.example.com/sms/v2' });
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual({ voice: notInService(), sms: relay(), status: urls.statusCallbackUrl });

    const active = await member.patch<PhoneNumber>(`/v1/numbers/${bought.id}`, { status: 'active' });
    expect(active.status, JSON.stringify(active.body)).toBe(200);
    expect(active.body.status).toBe('active');
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual({ ...asked, sms: 'https://clinic.example.com/sms/v2' });

    // Twice again: still exact, and active → active changes nothing.
    await member.patch(`/v1/numbers/${bought.id}`, { status: 'inactive' });
    await member.patch(`/v1/numbers/${bought.id}`, { status: 'active' });
    await member.patch(`/v1/numbers/${bought.id}`, { status: 'active' });
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual({ ...asked, sms: 'https://clinic.example.com/sms/v2' });
  });

  it('Twilio: a number with nothing set goes back to nothing set', async () => {
    const bought = await buy({ phoneNumber: await candidate('areaCode=646') });
    await member.patch(`/v1/numbers/${bought.id}`, { status: 'inactive' });
    expect((await urlsAtTwilio(bought.providerNumberId)).voice).toBe(notInService());
    await member.patch(`/v1/numbers/${bought.id}`, { status: 'active' });
    expect(await urlsAtTwilio(bought.providerNumberId)).toEqual({ voice: null, sms: null, status: null });
  });

  it('Vonage: messages to the not-in-service handler and the application detached; active restores both', async () => {
    const appId = 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab';
    const phoneNumber = await candidate('country=GB&type=mobile&startsWith=7', 'vonage');
    const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'vonage', phoneNumber, applicationId: appId, smsUrl: urls.smsUrl });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(await atVonage(phoneNumber)).toMatchObject({ messagesCallbackValue: appId, moHttpUrl: urls.smsUrl });

    expect((await member.patch<PhoneNumber>(`/v1/numbers/${bought.body.id}`, { status: 'inactive' })).status).toBe(200);
    const off = await atVonage(phoneNumber);
    expect(off.moHttpUrl).toBe(notInService('vonage'));
    expect(off.messagesCallbackValue ?? null).toBeNull();
    expect(off.voiceCallbackValue ?? null).toBeNull();
    const sms = await fetch(notInService('vonage'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msisdn: '447700900001', to: phoneNumber.slice(1), text: 'hi' }) });
    expect(sms.status).toBe(200);

    expect((await member.patch<PhoneNumber>(`/v1/numbers/${bought.body.id}`, { status: 'active' })).status).toBe(200);
    expect(await atVonage(phoneNumber)).toMatchObject({ messagesCallbackValue: appId, voiceCallbackValue: appId, moHttpUrl: urls.smsUrl });
  });

  it('Plivo: the application detached, and linked again on active', async () => {
    const appId = '20372631212782780';
    const phoneNumber = await candidate('country=US&areaCode=415', 'plivo');
    const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'plivo', phoneNumber, applicationId: appId });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect((await atPlivo(phoneNumber)).application).toMatch(new RegExp(`/Application/${appId}/$`));
    await member.patch<PhoneNumber>(`/v1/numbers/${bought.body.id}`, { status: 'inactive' });
    expect((await atPlivo(phoneNumber)).application).toBeNull();
    await member.patch<PhoneNumber>(`/v1/numbers/${bought.body.id}`, { status: 'active' });
    expect((await atPlivo(phoneNumber)).application).toMatch(new RegExp(`/Application/${appId}/$`));
  });
});

describe('inactive at Telnyx', () => {
  it('Telnyx: the voice connection and the messaging profile detached; active attaches both again', async () => {
    const phoneNumber = await candidate('country=US&type=local', 'telnyx');
    const ordered = await member.post<PhoneNumber>('/v1/numbers', { provider: 'telnyx', phoneNumber, connectionId: 'conn-clinic-1', messagingProfileId: 'mp-clinic-1' });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
    const id = ordered.body.id;
    const deadline = Date.now() + 15_000;
    while ((await member.get<PhoneNumber>(`/v1/numbers/${id}`)).body.status !== 'active') {
      if (Date.now() > deadline) throw new Error('the Telnyx order never completed');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await atTelnyx(phoneNumber)).toMatchObject({ connection_id: 'conn-clinic-1', messaging_profile_id: 'mp-clinic-1' });

    expect((await member.patch(`/v1/numbers/${id}`, { status: 'inactive' })).status).toBe(200);
    const off = await atTelnyx(phoneNumber);
    expect(off.connection_id || null).toBeNull();
    expect(off.messaging_profile_id || null).toBeNull();

    expect((await member.patch(`/v1/numbers/${id}`, { status: 'active' })).status).toBe(200);
    expect(await atTelnyx(phoneNumber)).toMatchObject({ connection_id: 'conn-clinic-1', messaging_profile_id: 'mp-clinic-1' });
  });
});

describe('search results', () => {
  const searchLog = () => sandbox.requestLog().filter((r) => r.path.includes('/AvailablePhoneNumbers/{CountryCode}/'));
  const pricingLog = () => sandbox.requestLog().filter((r) => r.path.startsWith('/v1/PhoneNumbers/'));

  it('carry LATA, rate center and the monthly price of Twilio’s Pricing API', async () => {
    const res = await member.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&areaCode=415&limit=5');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    for (const n of res.body.data) {
      expect(n).toMatchObject({ lata: expect.stringMatching(/^\d{3}$/), rateCenter: expect.any(String), monthlyCost: { amount: '1.15', currency: 'USD' } });
    }
    const tollFree = await member.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&type=toll_free&limit=2');
    expect(tollFree.body.data[0]!.monthlyCost).toEqual({ amount: '2.15', currency: 'USD' });
    expect(pricingLog().filter((r) => r.path === '/v1/PhoneNumbers/Countries/{IsoCountry}')).toHaveLength(1); // once per country (a day)
  });

  it('a failing Pricing API leaves the price out, never the search', async () => {
    sandbox.injectFault({ status: 500, pathPattern: '^/v1/PhoneNumbers/Countries/CA$' });
    const res = await member.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&country=CA&limit=3');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    for (const n of res.body.data) expect(n).not.toHaveProperty('monthlyCost');
  });

  it('three identical searches ask Twilio once; a number bought since is left out of the cached answer', async () => {
    const before = searchLog().length;
    const query = '/v1/numbers/available?provider=twilio&areaCode=702&contains=888&limit=5';
    const answers = [await member.get<AvailableNumbers>(query), await member.get<AvailableNumbers>(query), await member.get<AvailableNumbers>(query)];
    for (const a of answers) expect(a.status).toBe(200);
    expect(answers[1]!.body).toEqual(answers[0]!.body);
    expect(answers[2]!.body).toEqual(answers[0]!.body);
    expect(searchLog().length - before).toBe(1);

    const [first, ...rest] = answers[0]!.body.data;
    expect(rest.length).toBeGreaterThan(0); // fewer than the limit: all Twilio had
    await buy({ phoneNumber: first!.phoneNumber });
    const after = await member.get<AvailableNumbers>(query);
    expect(after.body.data.map((n: { phoneNumber: string }) => n.phoneNumber)).toEqual(rest.map((n) => n.phoneNumber));
    expect(after.body.count).toBe(rest.length);
    expect(searchLog().length - before).toBe(1);
    // Another query is asked of Twilio.
    await member.get('/v1/numbers/available?provider=twilio&areaCode=702&contains=888&limit=4');
    expect(searchLog().length - before).toBe(2);
  });

  it('a full cached answer that lost a number to a purchase is asked for again, never shown short', async () => {
    const query = '/v1/numbers/available?provider=twilio&areaCode=702&limit=2';
    const first = await member.get<AvailableNumbers>(query);
    expect(first.body.count).toBe(2);
    const before = searchLog().length;
    await buy({ phoneNumber: first.body.data[0]!.phoneNumber });
    const after = await member.get<AvailableNumbers>(query);
    expect(after.body.count).toBe(2);
    expect(after.body.data.map((n: { phoneNumber: string }) => n.phoneNumber)).not.toContain(first.body.data[0]!.phoneNumber);
    expect(searchLog().length - before).toBe(1);
  });
});

async function finished(jobId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await member.get<Job>(`/v1/jobs/${jobId}`)).body;
    if (job.finishedAt) return job;
    if (Date.now() > deadline) throw new Error(`job not finished: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function atVonage(phoneNumber: string): Promise<Record<string, string | undefined>> {
  const { apiKey, apiSecret } = SANDBOX_ACCOUNTS.vonage;
  const msisdn = phoneNumber.slice(1);
  const res = await fetch(`${stack.providerUrls.vonage}/account/numbers?api_key=${apiKey}&api_secret=${apiSecret}&pattern=${msisdn}&search_pattern=1`);
  const body = (await res.json()) as { numbers?: Record<string, string>[] };
  const found = body.numbers?.find((n) => n.msisdn === msisdn);
  expect(found, JSON.stringify(body)).toBeDefined();
  return found!;
}

async function atPlivo(phoneNumber: string): Promise<{ application: string | null }> {
  const { authId, authToken: token } = SANDBOX_ACCOUNTS.plivo;
  const res = await fetch(`${stack.providerUrls.plivo}/v1/Account/${authId}/Number/${phoneNumber.slice(1)}/`, { headers: { authorization: basic(authId, token) } });
  expect(res.status).toBe(200);
  return (await res.json()) as { application: string | null };
}

async function atTelnyx(phoneNumber: string): Promise<{ connection_id?: string | null; messaging_profile_id?: string | null }> {
  const res = await fetch(`${stack.providerUrls.telnyx}/v2/phone_numbers?filter[phone_number]=${phoneNumber.slice(1)}`, {
    headers: { authorization: `Bearer ${SANDBOX_ACCOUNTS.telnyx.apiKey}` },
  });
  const body = (await res.json()) as { data?: { phone_number: string; connection_id?: string | null; messaging_profile_id?: string | null }[] };
  const found = body.data?.find((n) => n.phone_number === phoneNumber);
  expect(found, JSON.stringify(body)).toBeDefined();
  return found!;
}
