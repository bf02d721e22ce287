/**
 * The accounts module's workflows (modules/accounts/services) on the in-memory Firestore and the
 * in-memory secret store: a tenant's settings (read with the deployment's defaults, changed, cleared
 * back to them, audited), and its provider accounts (listing, the default account the resolver finds,
 * label and default changes, removal and its guards) — with no provider call (adding an account and
 * rotating credentials verify them with the provider, so they stay with the integration suite; here the
 * provider accepts any credentials, for the platform-wide one-tenant-per-account index).
 */
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import type { AuditContext } from '../../shared/domain/audit.js';
import type { Ports } from '../../shared/ports.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import { paths } from '../../shared/store/firestore.js';
import {
  accountKey,
  accountLookup,
  addProviderAccount,
  providerAccountsCollection,
  removeProviderAccount,
  tenantSecretName,
  updateProviderAccount,
  type ProviderAccountRecord,
} from '../../modules/accounts/services/provider-accounts.js';
import { getTenantSettings, updateTenantSettings } from '../../modules/accounts/services/tenant-settings.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';
import { refusal } from '../helpers/refusal.js';

// The provider accepts any credentials it is shown (only addProviderAccount asks it, before storing them).
vi.mock('../../shared/providers/registry.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../shared/providers/registry.js')>()),
  createProvider: () => Promise.resolve({ verifyCredentials: () => Promise.resolve() }),
}));

const audit: AuditContext = { actor: { type: 'user', uid: 'u1', role: 'admin' }, requestId: 'req-1' };
const A = 'tenant-a';
const B = 'tenant-b';

function arrange(env: Record<string, string> = {}) {
  const mem = memoryFirestore();
  const secrets = new LocalSecretStore();
  let now = Date.parse('2026-03-01T09:00:00.000Z');
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), child: () => log } as unknown as Ports['log'];
  const deps = {
    db: async () => mem.firestore,
    now: () => new Date((now += 1000)),
    config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test', ...env }),
    log,
    secrets,
    providers: {
      forTenant: () => Promise.reject(new Error('no provider call expected')),
      forAccount: () => Promise.reject(new Error('no provider call expected')),
    } as unknown as Ports['providers'],
  } satisfies Pick<Ports, 'db' | 'now' | 'config' | 'log' | 'secrets' | 'providers'>;
  let seq = 0;
  /** A provider account as adding it leaves it: the record, its key document and its secret. */
  const addAccount = async (tenantId: string, provider: 'twilio' | 'telnyx', extra: Partial<ProviderAccountRecord> = {}) => {
    seq++;
    const id = `acc_${String(seq).padStart(16, '0')}`;
    const secretName = tenantSecretName(tenantId, provider, id);
    const secretVersion = await secrets.put(secretName, JSON.stringify({ accountSid: `AC${seq}`, authToken: 'secret-token' }), { tenant: tenantId, provider });
    const at = new Date(Date.parse('2026-02-01T00:00:00.000Z') + seq * 60_000).toISOString();
    const record: ProviderAccountRecord = {
      id,
      tenantId,
      provider,
      secretName,
      secretVersion,
      accountKey: `key${seq}`,
      credentialsPreview: { accountSid: `AC…${seq}` },
      isDefault: false,
      verifiedAt: at,
      createdAt: at,
      updatedAt: at,
      createdBy: 'u1',
      ...extra,
    };
    mem.write(`tenants/${tenantId}/providerAccounts/${id}`, { ...record });
    mem.write(`tenants/${tenantId}/providerAccountKeys/${record.accountKey!}`, { provider, accountId: id, createdAt: at });
    return record;
  };
  const account = (tenantId: string, id: string) => mem.read(`tenants/${tenantId}/providerAccounts/${id}`) as ProviderAccountRecord | undefined;
  const auditActions = (tenantId: string) => mem.list(`tenants/${tenantId}/audit`).map((p) => mem.read(p)!.action);
  return { mem, deps, secrets, log, addAccount, account, auditActions };
}

describe('tenant settings (in memory)', () => {
  it('reads the deployment defaults for a tenant that set nothing', async () => {
    const { deps } = arrange({ ACCOUNT_POLICY_DEFAULT: 'platform', SOMOS_DEFAULT_CARRIERS: '0555,0222' });
    expect(await getTenantSettings(deps)(A)).toEqual({
      accountPolicy: 'platform',
      accountPolicySource: 'default',
      tollfreeCarriers: { interLATA: ['0555', '0222'], intraLATA: ['0555', '0222'] },
      tollfreeCarriersSource: 'default',
      defaults: { accountPolicy: 'platform', tollfreeCarriers: { interLATA: ['0555', '0222'], intraLATA: ['0555', '0222'] } },
    });
  });

  it('stores the tenant’s own settings beside its other fields, audited, and clears them back to the defaults with null', async () => {
    const { deps, mem, auditActions } = arrange();
    mem.write(paths.tenant(A), { name: 'Acme', limits: { maxNumbers: 10 } });

    const changed = await updateTenantSettings(deps)(A, { accountPolicy: 'own-only', tollfreeCarriers: { interLATA: ['0333'], intraLATA: ['0444'] } }, audit);
    expect(changed).toMatchObject({ accountPolicy: 'own-only', accountPolicySource: 'tenant', tollfreeCarriers: { interLATA: ['0333'], intraLATA: ['0444'] }, tollfreeCarriersSource: 'tenant' });
    expect(mem.read(paths.tenant(A))).toMatchObject({ name: 'Acme', limits: { maxNumbers: 10 }, accountPolicy: 'own-only', tollfreeCarriers: { interLATA: ['0333'], intraLATA: ['0444'] } });
    expect(await getTenantSettings(deps)(A)).toEqual(changed);

    const cleared = await updateTenantSettings(deps)(A, { accountPolicy: null }, audit);
    expect(cleared).toMatchObject({ accountPolicy: 'platform', accountPolicySource: 'default', tollfreeCarriersSource: 'tenant' });
    expect(mem.read(paths.tenant(A))).not.toHaveProperty('accountPolicy');
    expect(mem.read(paths.tenant(A))).toMatchObject({ name: 'Acme', tollfreeCarriers: { interLATA: ['0333'], intraLATA: ['0444'] } });
    expect(await getTenantSettings(deps)(A)).toEqual(cleared);
    expect(auditActions(A)).toEqual(['tenant.settings_update', 'tenant.settings_update']);
  });

  it('keeps tenants apart: B’s change leaves A’s settings as they were', async () => {
    const { deps, mem } = arrange();
    await updateTenantSettings(deps)(A, { accountPolicy: 'own-only' }, audit);
    await updateTenantSettings(deps)(B, { accountPolicy: 'platform' }, audit);
    await updateTenantSettings(deps)(B, { accountPolicy: null }, audit);
    expect(await getTenantSettings(deps)(A)).toMatchObject({ accountPolicy: 'own-only', accountPolicySource: 'tenant' });
    expect(await getTenantSettings(deps)(B)).toMatchObject({ accountPolicy: 'platform', accountPolicySource: 'default' });
    expect(mem.list(`tenants/${A}/audit`)).toHaveLength(1);
  });
});

describe('provider accounts (in memory)', () => {
  it('lists a tenant’s accounts newest first, and the resolver finds the default one of a provider', async () => {
    const { deps, addAccount } = arrange();
    const first = await addAccount(A, 'twilio', { isDefault: true });
    const second = await addAccount(A, 'twilio');
    const telnyx = await addAccount(A, 'telnyx', { isDefault: true });

    const page = await providerAccountsCollection(deps.db).list(A, 2);
    expect(page.items.map((a) => a.id)).toEqual([telnyx.id, second.id]);
    expect(page.total).toBe(3);
    expect((await providerAccountsCollection(deps.db).list(A, 2, page.nextCursor)).items.map((a) => a.id)).toEqual([first.id]);

    const lookup = accountLookup(deps.db, deps.config);
    expect(await lookup.find(A, 'twilio')).toEqual({ id: first.id, secretName: first.secretName });
    expect(await lookup.find(A, 'twilio', second.id)).toEqual({ id: second.id, secretName: second.secretName });
    expect(await lookup.find(A, 'telnyx', second.id)).toBeUndefined(); // an account of another provider
    expect(await lookup.find(A, 'plivo')).toBeUndefined();
  });

  it('changes the label, and makes an account the default in place of the previous one (of that provider only)', async () => {
    const { deps, addAccount, account, auditActions } = arrange();
    const old = await addAccount(A, 'twilio', { isDefault: true, label: 'Old' });
    const next = await addAccount(A, 'twilio');
    const telnyx = await addAccount(A, 'telnyx', { isDefault: true });

    const updated = await updateProviderAccount(deps)(A, next.id, { label: 'Main', isDefault: true }, audit);
    expect(updated).toMatchObject({ id: next.id, label: 'Main', isDefault: true });
    expect(account(A, next.id)).toMatchObject({ label: 'Main', isDefault: true });
    expect(account(A, old.id)).toMatchObject({ isDefault: false, label: 'Old' });
    expect(account(A, telnyx.id)?.isDefault).toBe(true);
    expect(await accountLookup(deps.db).find(A, 'twilio')).toEqual({ id: next.id, secretName: next.secretName });

    const unlabelled = await updateProviderAccount(deps)(A, old.id, { label: null }, audit);
    expect(unlabelled).not.toHaveProperty('label');
    expect(auditActions(A)).toEqual(['provider_accounts.update', 'provider_accounts.update']);
  });

  it('refuses (409) to remove an account numbers are held on or a bulk job buys through, then removes it: secret deleted, key kept as a tombstone', async () => {
    const { deps, mem, addAccount, account, secrets } = arrange();
    const acc = await addAccount(A, 'twilio', { isDefault: true });
    mem.write(paths.number(A, 'n1'), { id: 'n1', tenantId: A, accountId: acc.id, status: 'active', phoneNumber: '+14155550101' });
    mem.write(`tenants/${A}/jobs/job1`, { id: 'job1', tenantId: A, accountId: acc.id, status: 'running' });

    expect(await refusal(removeProviderAccount(deps)(A, acc.id, false, audit))).toMatchObject({ code: 'CONFLICT', status: 409, details: { numberId: 'n1' } });
    mem.write(paths.number(A, 'n1'), { ...mem.read(paths.number(A, 'n1')), status: 'released' });
    expect(await refusal(removeProviderAccount(deps)(A, acc.id, false, audit))).toMatchObject({ code: 'CONFLICT', details: { jobId: 'job1' } });
    expect(account(A, acc.id)).toBeDefined();
    expect(await secrets.access(acc.secretName)).toContain('secret-token');

    mem.write(`tenants/${A}/jobs/job1`, { ...mem.read(`tenants/${A}/jobs/job1`), status: 'completed' });
    expect(await removeProviderAccount(deps)(A, acc.id, false, audit)).toMatchObject({ id: acc.id });
    expect(account(A, acc.id)).toBeUndefined();
    await expect(secrets.access(acc.secretName)).rejects.toThrow();
    expect(mem.read(`tenants/${A}/providerAccountKeys/${acc.accountKey!}`)).toMatchObject({ accountId: acc.id, removedAt: expect.any(String) });
  });

  it('removes with force an account that still holds numbers, and says how many were detached', async () => {
    const { deps, mem, addAccount, account } = arrange();
    const acc = await addAccount(A, 'twilio');
    mem.write(paths.number(A, 'n1'), { id: 'n1', tenantId: A, accountId: acc.id, status: 'active' });
    mem.write(paths.number(A, 'n2'), { id: 'n2', tenantId: A, accountId: acc.id, status: 'inactive' });
    mem.write(paths.number(A, 'n3'), { id: 'n3', tenantId: A, accountId: acc.id, status: 'released' });
    expect(await removeProviderAccount(deps)(A, acc.id, true, audit)).toMatchObject({ id: acc.id, detachedNumbers: 2 });
    expect(account(A, acc.id)).toBeUndefined();
    expect(mem.read(paths.number(A, 'n1'))).toMatchObject({ accountId: acc.id, status: 'active' }); // kept, shown detached
  });

  it('keeps tenants apart: B neither lists, finds, changes nor removes A’s account', async () => {
    const { deps, addAccount, account, secrets } = arrange();
    const acc = await addAccount(A, 'twilio', { isDefault: true, label: 'A’s' });

    expect(await providerAccountsCollection(deps.db).list(B, 10)).toEqual({ items: [], total: 0 });
    expect(await accountLookup(deps.db).find(B, 'twilio')).toBeUndefined();
    expect(await accountLookup(deps.db).find(B, 'twilio', acc.id)).toBeUndefined();
    expect(await refusal(updateProviderAccount(deps)(B, acc.id, { label: 'Hijacked' }, audit))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusal(removeProviderAccount(deps)(B, acc.id, true, audit))).toMatchObject({ code: 'NOT_FOUND' });

    expect(account(A, acc.id)).toMatchObject({ label: 'A’s', isDefault: true });
    expect(await secrets.access(acc.secretName)).toContain('secret-token');
  });
});

describe('one provider account, one tenant (platform-wide index, in memory)', () => {
  const SID = `AC${'a'.repeat(32)}`;
  const twilio = (authToken: string) => ({ provider: 'twilio' as const, credentials: { accountSid: SID, authToken } });
  const ownerPath = `providerAccountOwners/${accountKey('twilio', { accountSid: SID })}`;

  it('refuses (409, without naming the tenant) a Twilio account another tenant has added; the first tenant’s account is untouched', async () => {
    const { deps, mem, account } = arrange();
    const add = addProviderAccount(deps);
    const first = await add(A, twilio('1'.repeat(32)), audit, 'u1');
    expect(mem.read(ownerPath)).toMatchObject({ provider: 'twilio', tenantId: A, accountId: first.id });
    expect(JSON.stringify(mem.read(ownerPath))).not.toContain('1'.repeat(32));

    const taken = await refusal(add(B, twilio('2'.repeat(32)), audit, 'u2'));
    expect(taken).toMatchObject({ code: 'CONFLICT', status: 409, details: { reason: 'account_in_use' } });
    expect(JSON.stringify({ message: taken.message, details: taken.details })).not.toMatch(new RegExp(`${A}|${first.id}`));
    expect(mem.list(`tenants/${B}/providerAccounts`)).toEqual([]);
    expect(mem.list(`tenants/${B}/providerAccountKeys`)).toEqual([]);
    expect(account(A, first.id)).toBeDefined();
    expect(mem.read(ownerPath)).toMatchObject({ tenantId: A, accountId: first.id });

    // The same tenant again: today's answer, naming its own account.
    expect(await refusal(add(A, twilio('1'.repeat(32)), audit, 'u1'))).toMatchObject({ code: 'CONFLICT', details: { reason: 'duplicate_account', accountId: first.id } });
  });

  it('releases the entry when the account is removed: another tenant may add it then, and the first may not add it back', async () => {
    const { deps, mem } = arrange();
    const add = addProviderAccount(deps);
    const first = await add(A, twilio('1'.repeat(32)), audit, 'u1');
    await removeProviderAccount(deps)(A, first.id, false, audit);
    expect(mem.read(ownerPath)).toBeUndefined();

    const second = await add(B, twilio('2'.repeat(32)), audit, 'u2');
    expect(mem.read(ownerPath)).toMatchObject({ tenantId: B, accountId: second.id });
    expect(await refusal(add(A, twilio('1'.repeat(32)), audit, 'u1'))).toMatchObject({ code: 'CONFLICT', details: { reason: 'account_in_use' } });
  });

  it('keeps the entry through a force-removal while the tenant’s numbers stay held (detached) on the account: only that tenant may add it back, until it holds none', async () => {
    const { deps, mem } = arrange();
    const add = addProviderAccount(deps);
    const first = await add(A, twilio('1'.repeat(32)), audit, 'u1');
    mem.write(paths.number(A, 'n1'), { id: 'n1', tenantId: A, accountId: first.id, status: 'active', phoneNumber: '+14155550101' });
    await removeProviderAccount(deps)(A, first.id, true, audit);
    expect(mem.read(ownerPath)).toMatchObject({ tenantId: A, accountId: first.id });

    // Another tenant would hold A's detached number in its own account: refused.
    expect(await refusal(add(B, twilio('2'.repeat(32)), audit, 'u2'))).toMatchObject({ code: 'CONFLICT', details: { reason: 'account_in_use' } });
    // A adds it back and gets its numbers (the same account id) back.
    const again = await add(A, twilio('1'.repeat(32)), audit, 'u1');
    expect(again.id).toBe(first.id);
    await removeProviderAccount(deps)(A, first.id, true, audit);

    // Once A holds no number on it, the entry is stale: another tenant may take it over.
    mem.write(paths.number(A, 'n1'), { ...mem.read(paths.number(A, 'n1')), status: 'released' });
    const second = await add(B, twilio('2'.repeat(32)), audit, 'u2');
    expect(mem.read(ownerPath)).toMatchObject({ tenantId: B, accountId: second.id });
  });

  it('a rotation onto an account and another tenant adding it at once: one of them gets it, the other changes nothing', async () => {
    const { deps, secrets, mem } = arrange();
    deps.providers = { forAccount: () => Promise.resolve({ verifyCredentials: () => Promise.resolve() }) } as unknown as Ports['providers'];
    const K1 = `KEY${'1'.repeat(24)}`;
    const K2 = `KEY${'2'.repeat(24)}`;
    const add = addProviderAccount(deps);
    const mine = await add(A, { provider: 'telnyx', credentials: { apiKey: K1 } }, audit, 'u1');
    // Tenant B adds K2 while A's rotation onto K2 stores its new secret version.
    let theirs: unknown;
    const put = secrets.put.bind(secrets);
    secrets.put = async (name, value, labels) => {
      if (theirs === undefined && name === mine.secretName) {
        theirs = await add(B, { provider: 'telnyx', credentials: { apiKey: K2 } }, audit, 'u2').then(
          () => 'added',
          (err: unknown) => err,
        );
      }
      return put(name, value, labels);
    };

    const rotation = await updateProviderAccount(deps)(A, mine.id, { credentials: { apiKey: K2 } }, audit).then(
      () => 'rotated',
      (err: unknown) => err,
    );

    const ownerOfK2 = mem.read(`providerAccountOwners/${accountKey('telnyx', { apiKey: K2 })}`);
    const aKey = (JSON.parse(await secrets.access(mine.secretName)) as { apiKey: string }).apiKey;
    // A took the key before storing anything under it: B's add, coming after, is refused.
    expect(rotation).toBe('rotated');
    expect(theirs).toMatchObject({ code: 'CONFLICT', details: { reason: 'account_in_use' } });
    expect(aKey).toBe(K2);
    expect(ownerOfK2).toMatchObject({ tenantId: A, accountId: mine.id });
    expect(mem.list(`tenants/${B}/providerAccounts`)).toEqual([]);
  });

  it('a rotation that does not complete leaves nothing behind: its secret version disabled, the key it took given back', async () => {
    const { deps, secrets, mem } = arrange();
    const K1 = `KEY${'3'.repeat(24)}`;
    const K2 = `KEY${'4'.repeat(24)}`;
    const mine = await addProviderAccount(deps)(A, { provider: 'telnyx', credentials: { apiKey: K1 } }, audit, 'u1');
    // Stored, but the provider refuses the new version once it is read back.
    deps.providers = { forAccount: () => Promise.resolve({ verifyCredentials: () => Promise.reject(new Error('refused')) }) } as unknown as Ports['providers'];

    expect(await refusal(updateProviderAccount(deps)(A, mine.id, { credentials: { apiKey: K2 } }, audit))).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

    expect((JSON.parse(await secrets.access(mine.secretName)) as { apiKey: string }).apiKey).toBe(K1);
    expect(mem.read(`providerAccountOwners/${accountKey('telnyx', { apiKey: K2 })}`)).toBeUndefined();
    // Another tenant may add K2 now.
    await addProviderAccount(deps)(B, { provider: 'telnyx', credentials: { apiKey: K2 } }, audit, 'u2');
  });

  it('checks the same account and another tenant’s in one read-only snapshot before the provider: adding commits once', async () => {
    const { deps, mem } = arrange();
    const before = mem.stats.commits;

    await addProviderAccount(deps)(A, twilio('1'.repeat(32)), audit, 'u1');

    expect(mem.stats.commits - before).toBe(1);
  });

  it('finds an account added before account keys (none recorded) as the same account: its key is recorded, then checked', async () => {
    const { deps, mem, secrets, account } = arrange();
    const id = 'acc_0000000000legacy';
    const secretName = tenantSecretName(A, 'twilio', id);
    const at = '2026-01-01T00:00:00.000Z';
    await secrets.put(secretName, JSON.stringify({ accountSid: SID, authToken: '1'.repeat(32) }), { tenant: A, provider: 'twilio' });
    const record = { id, tenantId: A, provider: 'twilio', secretName, secretVersion: '1', credentialsPreview: { accountSid: 'AC…aaaa' }, isDefault: true, verifiedAt: at, createdAt: at, updatedAt: at, createdBy: 'u1' };
    mem.write(`tenants/${A}/providerAccounts/${id}`, record);

    const again = await refusal(addProviderAccount(deps)(A, twilio('1'.repeat(32)), audit, 'u1'));

    expect(again).toMatchObject({ code: 'CONFLICT', details: { reason: 'duplicate_account', accountId: id } });
    expect(mem.read(`tenants/${A}/providerAccountKeys/${accountKey('twilio', { accountSid: SID })}`)).toMatchObject({ accountId: id });
    expect(mem.list(`tenants/${A}/providerAccounts`)).toEqual([`tenants/${A}/providerAccounts/${id}`]);
    expect(account(A, id)).toBeDefined();
  });

  it('refuses the platform’s own account as a tenant’s (409 account_in_use)', async () => {
    const { deps, secrets, mem } = arrange();
    await secrets.put('provider-twilio-platform', JSON.stringify({ accountSid: SID, authToken: '9'.repeat(32) }));

    expect(await refusal(addProviderAccount(deps)(A, twilio('1'.repeat(32)), audit, 'u1'))).toMatchObject({ code: 'CONFLICT', details: { reason: 'account_in_use' } });
    expect(mem.list(`tenants/${A}/providerAccounts`)).toEqual([]);
  });

  it('refuses an account another tenant added before the index existed (its record has the key, no index entry)', async () => {
    const { deps, mem, addAccount } = arrange();
    const legacy = await addAccount(A, 'twilio', { accountKey: accountKey('twilio', { accountSid: SID }) });
    expect(mem.read(ownerPath)).toBeUndefined();

    expect(await refusal(addProviderAccount(deps)(B, twilio('2'.repeat(32)), audit, 'u2'))).toMatchObject({ code: 'CONFLICT', details: { reason: 'account_in_use' } });
    expect(mem.read(`tenants/${A}/providerAccounts/${legacy.id}`)).toBeDefined();
  });
});
