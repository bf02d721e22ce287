import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, expectEnvelope, type ApiClient } from '../helpers/api.js';
import { startTestStack } from '../helpers/stack.js';
import { CUSTOMER_SANDBOX_ACCOUNTS, SANDBOX_ACCOUNTS, type Stack } from '../../scripts/local/stack.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import type { AuditRecord, AvailableNumbers, Page, PhoneNumber, ProviderAccount } from '../helpers/api-types.js';

// Issue 16, provider accounts (the AI-agent company brings its own Twilio / Plivo accounts): a removed
// account never strands its numbers, credentials rotate, the same account is added once, and a tenant
// can refuse the operator's account (accountPolicy own-only) — every purchase says which account paid.
let stack: Stack & { dataDir: string };
let admin: ApiClient;
let member: ApiClient;

beforeAll(async () => {
  stack = await startTestStack('demo-account-lifecycle');
  admin = apiClient(stack.url, await stack.token('agents-co', 'admin', 'founder'));
  member = apiClient(stack.url, await stack.token('agents-co', 'member', 'dev'));
});
afterAll(async () => {
  await stack?.stop();
});

const available = async (client: ApiClient, provider: string, query: string) => {
  const res = await client.get<AvailableNumbers>(`/v1/numbers/available?provider=${provider}&limit=1&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data[0]!.phoneNumber;
};
const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
/** Whether the customer's Plivo account holds the number (at the sandbox). */
const atPlivo = async (e164: string) => {
  const { authId, authToken } = CUSTOMER_SANDBOX_ACCOUNTS.plivo;
  const res = await fetch(`${stack.sandboxes.plivo!.url}/v1/Account/${authId}/Number/${e164.slice(1)}/`, { headers: { authorization: basic(authId, authToken) } });
  return res.status === 200;
};

describe('force-removing an account leaves its numbers detached, never stranded', () => {
  let accountId: string;
  let numberId: string;
  let phoneNumber: string;

  it('buys on the tenant’s own Plivo account and says which account paid', async () => {
    const added = await admin.post<ProviderAccount>('/v1/provider-accounts', { provider: 'plivo', credentials: CUSTOMER_SANDBOX_ACCOUNTS.plivo, label: 'Our Plivo' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    accountId = added.body.id;
    phoneNumber = await available(member, 'plivo', 'country=US&areaCode=415');
    const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'plivo', phoneNumber });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(bought.body).toMatchObject({ accountId, account: { id: accountId, kind: 'own', label: 'Our Plivo', status: 'attached' } });
    numberId = bought.body.id;
    expect(await atPlivo(phoneNumber)).toBe(true);
  });

  it('refuses a plain removal while numbers use the account; ?force=true leaves them held and detached', async () => {
    expect(expectEnvelope(await admin.delete(`/v1/provider-accounts/${accountId}`), 409, 'CONFLICT').message).toMatch(/force=true/);
    const removed = await admin.delete(`/v1/provider-accounts/${accountId}?force=true`);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toMatchObject({ id: accountId, detachedNumbers: 1 });

    const number = (await member.get(`/v1/numbers/${numberId}`)).body;
    expect(number).toMatchObject({ status: 'active', statusReason: 'account_detached', accountId, account: { id: accountId, kind: 'own', status: 'detached' } });
    // Changes the provider must hear of, and a release, say what happened and how to get the number back.
    const change = expectEnvelope(await member.patch(`/v1/numbers/${numberId}`, { displayName: 'Support' }), 409, 'CONFLICT');
    expect(change.details).toMatchObject({ reason: 'account_detached', accountId, provider: 'plivo' });
    expect(change.message).toMatch(/add the same plivo account again/);
    expect(change.message).not.toMatch(/No plivo credentials found/);
    const release = expectEnvelope(await admin.delete(`/v1/numbers/${numberId}`), 409, 'CONFLICT');
    expect(release.details!.reason).toBe('account_detached');
    expect(release.message).toMatch(/recordsOnly=true/);
    expect(release.message).toMatch(/still holds and bills/);
    // Our own fields stay manageable all along.
    expect((await member.patch<PhoneNumber>(`/v1/numbers/${numberId}`, { tags: ['kept'] })).body.tags).toEqual(['kept']);
    expect(await atPlivo(phoneNumber)).toBe(true);
  });

  it('re-adding the same account gets its id back: the numbers are attached and manageable again', async () => {
    const again = await admin.post('/v1/provider-accounts', { provider: 'plivo', credentials: CUSTOMER_SANDBOX_ACCOUNTS.plivo });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body).toMatchObject({ id: accountId, reattachedNumbers: 1, isDefault: true });
    const attached = (await member.get(`/v1/numbers/${numberId}`)).body;
    expect(attached).toMatchObject({ accountId, account: { id: accountId, kind: 'own', status: 'attached' } });
    expect(attached).not.toHaveProperty('statusReason');
    const renamed = await member.patch(`/v1/numbers/${numberId}`, { displayName: 'Support' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);

    // The same account cannot be added twice.
    const twice = expectEnvelope(await admin.post('/v1/provider-accounts', { provider: 'plivo', credentials: CUSTOMER_SANDBOX_ACCOUNTS.plivo }), 409, 'CONFLICT');
    expect(twice.details).toMatchObject({ accountId, reason: 'duplicate_account' });
    expect(twice.message).toContain(accountId);
    expect((await admin.get<Page<ProviderAccount>>('/v1/provider-accounts')).body.data.filter((a: { provider: string }) => a.provider === 'plivo')).toHaveLength(1);

    const released = await admin.delete(`/v1/numbers/${numberId}`);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(await atPlivo(phoneNumber)).toBe(false); // released at Plivo: it stops billing
  });

  it('a detached number can be released from our records only, with the provider side said plainly', async () => {
    const other = await available(member, 'plivo', 'country=US&areaCode=212');
    const bought = (await member.post<PhoneNumber>('/v1/numbers', { provider: 'plivo', phoneNumber: other })).body;
    expect(bought.accountId).toBe(accountId);
    expect((await admin.delete<ProviderAccount>(`/v1/provider-accounts/${accountId}?force=true`)).body.detachedNumbers).toBe(1);

    const dropped = await admin.delete<PhoneNumber>(`/v1/numbers/${bought.id}?recordsOnly=true`, { reason: 'account closed' });
    expect(dropped.status, JSON.stringify(dropped.body)).toBe(200);
    expect(dropped.body).toMatchObject({ status: 'released', releaseReason: 'account closed', account: { status: 'detached' } });
    expect(dropped.body.statusReason).toMatch(/our records only.*plivo still holds and bills/);
    expect(await atPlivo(other)).toBe(true); // nothing was asked of Plivo

    // recordsOnly is only for detached numbers: an attached one is released at its provider.
    const platform = (await member.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: await available(member, 'twilio', 'areaCode=512') })).body;
    expect(platform.account).toMatchObject({ id: 'platform', kind: 'platform' });
    expectEnvelope(await admin.delete(`/v1/numbers/${platform.id}?recordsOnly=true`), 400, 'VALIDATION_ERROR');
    expect((await admin.delete<PhoneNumber>(`/v1/numbers/${platform.id}`)).status).toBe(200);
  });
});

describe('credential rotation', () => {
  const { accountSid, authToken } = CUSTOMER_SANDBOX_ACCOUNTS.twilio;
  const rotatedToken = 'abcdef02'.repeat(4);
  let accountId: string;
  const secrets = () => new LocalSecretStore({ dir: path.join(stack.dataDir, 'secrets') });

  it('verifies new credentials with the provider before they replace the stored ones', async () => {
    const added = await admin.post<ProviderAccount>('/v1/provider-accounts', { provider: 'twilio', credentials: CUSTOMER_SANDBOX_ACCOUNTS.twilio });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    accountId = added.body.id;
    expectEnvelope(await member.patch(`/v1/provider-accounts/${accountId}`, { label: 'x' }), 403, 'FORBIDDEN');

    // A token Twilio does not know: refused, nothing stored.
    const refused = expectEnvelope(await admin.patch(`/v1/provider-accounts/${accountId}`, { credentials: { authToken: rotatedToken } }), 400, 'VALIDATION_ERROR');
    expect(refused.message).toMatch(/keeps its current ones/);
    // Another account's credentials are not a rotation.
    const other = expectEnvelope(await admin.patch(`/v1/provider-accounts/${accountId}`, { credentials: SANDBOX_ACCOUNTS.twilio }), 400, 'VALIDATION_ERROR');
    expect(other.message).toMatch(/another twilio account/);
    expect((await secrets().versions(`tenant-agents-co-twilio-${accountId}`)).map((v) => v.state)).toEqual(['ENABLED']);
    const still = await member.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: await available(member, 'twilio', 'areaCode=206') });
    expect(still.body).toMatchObject({ accountId, account: { kind: 'own' } });
  });

  it('stores a new secret version, and disables the old one once the new one works', async () => {
    stack.twilio!.addSecondaryAuthToken(accountSid, rotatedToken);
    const rotated = await admin.patch(`/v1/provider-accounts/${accountId}`, { credentials: { authToken: rotatedToken }, label: 'Main Twilio' });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body).toMatchObject({ id: accountId, label: 'Main Twilio', credentials: { authToken: '***masked***' }, credentialsRotatedAt: expect.any(String) });
    expect(JSON.stringify(rotated.body)).not.toContain(rotatedToken);
    expect(await secrets().versions(`tenant-agents-co-twilio-${accountId}`)).toEqual([
      { version: 1, state: 'DISABLED' },
      { version: 2, state: 'ENABLED' },
    ]);
    // The old token stops working at Twilio: the account keeps working with the new one.
    stack.twilio!.promoteSecondaryAuthToken(accountSid);
    const bought = await member.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber: await available(member, 'twilio', 'areaCode=303') });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(bought.body).toMatchObject({ accountId, account: { id: accountId, kind: 'own', label: 'Main Twilio' } });
    // The same account (same Account SID) cannot be added again, with either token.
    for (const token of [rotatedToken, authToken]) {
      const twice = await admin.post('/v1/provider-accounts', { provider: 'twilio', credentials: { accountSid, authToken: token } });
      expect(expectEnvelope(twice, 409, 'CONFLICT').details).toMatchObject({ accountId, reason: 'duplicate_account' });
    }
    // Nor by another tenant, with working credentials: a 409 that names neither the tenant nor its account.
    const rival = apiClient(stack.url, await stack.token('rival-co', 'admin', 'cto'));
    const taken = expectEnvelope(await rival.post('/v1/provider-accounts', { provider: 'twilio', credentials: { accountSid, authToken: rotatedToken } }), 409, 'CONFLICT');
    expect(taken.details).toMatchObject({ reason: 'account_in_use' });
    expect(JSON.stringify(taken)).not.toMatch(new RegExp(`agents-co|${accountId}|${rotatedToken}`));
    expect((await rival.get<Page<ProviderAccount>>('/v1/provider-accounts')).body.data).toEqual([]);
  });
});

describe('account policy: no silent fallback to the operator’s account', () => {
  let ownAdmin: ApiClient;
  let ownMember: ApiClient;
  beforeAll(async () => {
    ownAdmin = apiClient(stack.url, await stack.token('strict-co', 'admin', 'cto'));
    ownMember = apiClient(stack.url, await stack.token('strict-co', 'member', 'dev'));
  });

  it('reads and sets the tenant setting (admin), default from the deployment', async () => {
    expect((await ownAdmin.get('/v1/tenant/settings')).body).toMatchObject({ accountPolicy: 'platform', accountPolicySource: 'default', defaults: { accountPolicy: 'platform' } });
    expectEnvelope(await ownMember.get('/v1/tenant/settings'), 403, 'FORBIDDEN');
    expectEnvelope(await ownMember.patch('/v1/tenant/settings', { accountPolicy: 'own-only' }), 403, 'FORBIDDEN');
    expectEnvelope(await ownAdmin.patch('/v1/tenant/settings', { accountPolicy: 'mine' }), 400, 'VALIDATION_ERROR');
    const set = await ownAdmin.patch('/v1/tenant/settings', { accountPolicy: 'own-only' });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ accountPolicy: 'own-only', accountPolicySource: 'tenant' });
    const audit = (await ownAdmin.get<Page<AuditRecord>>('/v1/audit?resource=tenant/settings')).body.data;
    expect(audit[0]).toMatchObject({ action: 'tenant.settings_update', after: { accountPolicy: 'own-only' } });
  });

  it('own-only: a purchase (single or bulk) without an own account is 409 no_account', async () => {
    // The platform tenant's purchase shows the operator's account paid.
    const platformPaid = await member.post('/v1/numbers', { provider: 'vonage', phoneNumber: await available(member, 'vonage', 'country=GB&type=mobile') });
    expect(platformPaid.body).toMatchObject({ accountId: 'platform', account: { id: 'platform', kind: 'platform', status: 'attached' } });

    const phoneNumber = await available(member, 'twilio', 'areaCode=415');
    const single = expectEnvelope(await ownMember.post('/v1/numbers', { provider: 'twilio', phoneNumber }), 409, 'CONFLICT');
    expect(single.message).toMatch(/^No twilio account added — add one first/);
    expect(single.details).toMatchObject({ reason: 'no_account', provider: 'twilio' });
    const named = expectEnvelope(await ownMember.post('/v1/numbers', { provider: 'twilio', phoneNumber, accountId: 'platform' }), 409, 'CONFLICT');
    expect(named.details!.reason).toBe('no_account');
    const bulk = expectEnvelope(await ownMember.post('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber }] }), 409, 'CONFLICT');
    expect(bulk.details!.reason).toBe('no_account');
    expect((await ownMember.get<Page<PhoneNumber>>('/v1/numbers')).body.data).toEqual([]);
    expect(stack.twilio!.purchaseCounts()[phoneNumber]).toBeUndefined();
    expect(expectEnvelope(await ownMember.get('/v1/numbers/available?provider=twilio&areaCode=415'), 409, 'CONFLICT').details!.reason).toBe('no_account');

    // With its own account it buys — through that account.
    const own = await ownAdmin.post<ProviderAccount>('/v1/provider-accounts', { provider: 'vonage', credentials: CUSTOMER_SANDBOX_ACCOUNTS.vonage, label: 'Strict Vonage' });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    const bought = await ownMember.post<PhoneNumber>('/v1/numbers', { provider: 'vonage', phoneNumber: await available(ownMember, 'vonage', 'country=GB&type=mobile') });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(bought.body).toMatchObject({ accountId: own.body.id, account: { id: own.body.id, kind: 'own', label: 'Strict Vonage' } });

    // Back to the deployment default: the operator's account buys again.
    expect((await ownAdmin.patch('/v1/tenant/settings', { accountPolicy: null })).body).toMatchObject({ accountPolicy: 'platform', accountPolicySource: 'default' });
    const fallback = await ownMember.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber });
    expect(fallback.status, JSON.stringify(fallback.body)).toBe(201);
    expect(fallback.body.account).toMatchObject({ id: 'platform', kind: 'platform' });
  });
});
