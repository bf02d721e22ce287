import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import type { Ports } from '../../shared/ports.js';
import { createProviderResolver, platformSecretName, type AccountLookup } from '../../shared/providers/registry.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';

const TWILIO = JSON.stringify({ accountSid: `AC${'1'.repeat(32)}`, authToken: 'f'.repeat(32) });

async function arrange(accounts: AccountLookup) {
  const secrets = new LocalSecretStore();
  await secrets.put(platformSecretName('twilio'), TWILIO);
  await secrets.put('tenant-own-twilio', TWILIO);
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), child: () => log } as unknown as Ports['log'];
  const config = parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test' });
  return createProviderResolver({ config, secrets, log, accounts });
}

describe("the provider resolver's tenant account", () => {
  it("buys on the tenant's own account even when its account policy cannot be read (the policy matters only without one)", async () => {
    const resolver = await arrange({ find: async () => ({ id: 'acc_1', secretName: 'tenant-own-twilio' }), policy: () => Promise.reject(new Error('unavailable')) });
    expect((await resolver.forTenant('t1', 'twilio')).accountId).toBe('acc_1');
  });

  it("refuses the platform's account to an own-only tenant without an account, and uses it for the others", async () => {
    const ownOnly = await arrange({ find: async () => undefined, policy: async () => 'own-only' });
    await expect(ownOnly.forTenant('t1', 'twilio')).rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'no_account' } });
    const platform = await arrange({ find: async () => undefined, policy: async () => 'platform' });
    expect((await platform.forTenant('t1', 'twilio')).accountId).toBe('platform');
  });

  it('fails as the account lookup fails, whatever the policy read does', async () => {
    const resolver = await arrange({ find: () => Promise.reject(new Error('lookup down')), policy: () => Promise.reject(new Error('policy down')) });
    await expect(resolver.forTenant('t1', 'twilio')).rejects.toThrow('lookup down');
  });
});
