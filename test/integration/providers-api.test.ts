import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import { CUSTOMER_SANDBOX_ACCOUNTS, SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import type { AvailableNumbers, PhoneNumber, ProviderAccount } from '../helpers/api-types.js';

// Plivo and Vonage through the same numbers API as Twilio, against their sandboxes.
let stack: Stack;
let admin: ApiClient;
let member: ApiClient;

beforeAll(async () => {
  stack = await startTestStack('demo-providers-api');
  admin = apiClient(stack.url, await stack.token('contact-centre', 'admin', 'lead'));
  member = apiClient(stack.url, await stack.token('contact-centre', 'member', 'agent'));
});
afterAll(async () => {
  await stack?.stop();
});

const searchOne = async (provider: string, query: string) => {
  const res = await member.get<AvailableNumbers>(`/v1/numbers/available?provider=${provider}&limit=5&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.data.length).toBeGreaterThan(0);
  return res.body.data as { phoneNumber: string; provider: string; monthlyCost?: { amount: string; currency: string } }[];
};

describe.each([
  { provider: 'plivo', search: 'country=US&areaCode=415', unsupported: 'contains=55*', unsupportedName: 'contains', appId: '20372631212782780' },
  {
    provider: 'vonage',
    search: 'country=GB&type=mobile&startsWith=7',
    unsupported: 'region=CA',
    unsupportedName: 'region',
    appId: 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab',
  },
])('$provider numbers through the API', ({ provider, search, unsupported, unsupportedName, appId }) => {
  let numberId: string;

  it('searches with the filters the provider supports and refuses the others by name', async () => {
    const found = await searchOne(provider, search);
    for (const n of found) expect(n.provider).toBe(provider);
    expect(found[0]!.monthlyCost).toMatchObject({ amount: expect.any(String), currency: expect.any(String) });
    const refused = expectEnvelope(await member.get(`/v1/numbers/available?provider=${provider}&country=US&${unsupported}`), 400, 'VALIDATION_ERROR');
    expect(refused.message).toContain(unsupportedName);
    expect(refused.details!.supportedFilters!.length).toBeGreaterThan(0);
  });

  it('buys, routes through an application, and releases', async () => {
    const [candidate] = await searchOne(provider, search);
    // A per-number voice URL is not how these providers route calls: refused by name, not silently dropped.
    const refused = await member.post('/v1/numbers', { provider, phoneNumber: candidate!.phoneNumber, voiceUrl: 'https://example.com/hook' });
    const error = expectEnvelope(refused, 400, 'VALIDATION_ERROR');
    expect(error.message).toMatch(/voiceUrl.*applicationId/);
    expect(error.details!.issues).toEqual([{ path: 'body.voiceUrl', message: `not supported by ${provider}` }]);

    const bought = await member.post<PhoneNumber>(
      '/v1/numbers',
      { provider, phoneNumber: candidate!.phoneNumber, displayName: 'Queue A' },
      { headers: { 'idempotency-key': `${provider}-buy-1` } },
    );
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(bought.body).toMatchObject({ provider, status: 'active', phoneNumber: candidate!.phoneNumber });
    numberId = bought.body.id;
    expect(stack.sandboxes[provider as 'plivo' | 'vonage']!.purchaseCounts()[candidate!.phoneNumber]).toBe(1);

    const routed = await member.patch<PhoneNumber>(`/v1/numbers/${numberId}`, { applicationId: appId });
    expect(routed.status, JSON.stringify(routed.body)).toBe(200);
    expect(routed.body.applicationId).toBe(appId);

    const released = await admin.delete<PhoneNumber>(`/v1/numbers/${numberId}`);
    expect(released.body.status).toBe('released');
    expectEnvelope(await admin.delete(`/v1/numbers/${numberId}`), 409, 'CONFLICT');
  });

  it('refuses applications on Twilio numbers, which route by webhook URL', async () => {
    const [candidate] = (await member.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&areaCode=512&limit=1')).body.data;
    const res = await member.post('/v1/numbers', { provider: 'twilio', phoneNumber: candidate!.phoneNumber, applicationId: 'app-1' });
    expect(expectEnvelope(res, 400, 'VALIDATION_ERROR').message).toMatch(/webhookUrl/);
  });
});

describe('bring-your-own Plivo and Vonage accounts', () => {
  it('verifies the credentials, stores them masked, and buys on the tenant’s account', async () => {
    const wrong = await admin.post('/v1/provider-accounts', {
      provider: 'plivo',
      credentials: { authId: CUSTOMER_SANDBOX_ACCOUNTS.plivo.authId, authToken: 'definitely-not-the-token' },
    });
    expectEnvelope(wrong, 400, 'VALIDATION_ERROR');
    const plivo = await admin.post<ProviderAccount>('/v1/provider-accounts', { provider: 'plivo', credentials: CUSTOMER_SANDBOX_ACCOUNTS.plivo });
    expect(plivo.status, JSON.stringify(plivo.body)).toBe(201);
    expect(JSON.stringify(plivo.body)).not.toContain(CUSTOMER_SANDBOX_ACCOUNTS.plivo.authToken);
    const vonage = await admin.post<ProviderAccount>('/v1/provider-accounts', { provider: 'vonage', credentials: CUSTOMER_SANDBOX_ACCOUNTS.vonage });
    expect(vonage.status, JSON.stringify(vonage.body)).toBe(201);
    expect(vonage.body.credentials.apiSecret).toBe('***masked***');

    const [candidate] = await searchOne('plivo', 'country=US&areaCode=212');
    const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'plivo', phoneNumber: candidate!.phoneNumber });
    expect(bought.body).toMatchObject({ accountId: plivo.body.id, status: 'active' });
    // The purchase landed in the customer's account, not the platform's.
    const platformAuth = 'Basic ' + Buffer.from(`${SANDBOX_ACCOUNTS.plivo.authId}:${SANDBOX_ACCOUNTS.plivo.authToken}`).toString('base64');
    const digits = candidate!.phoneNumber.slice(1);
    const atPlatform = await fetch(`${stack.sandboxes.plivo!.url}/v1/Account/${SANDBOX_ACCOUNTS.plivo.authId}/Number/${digits}/`, {
      headers: { authorization: platformAuth },
    });
    expect(atPlatform.status).toBe(404);
  });
});
