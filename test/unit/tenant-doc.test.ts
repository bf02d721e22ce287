/**
 * A request reads its tenant's document once outside transactions (shared/store/tenant-doc.ts): the
 * edge's rate limit (readLimits) and an operation's settings (the account policy, the toll-free
 * settings) share the read; a settings change in the same request is seen by its later reads; another
 * request, or code outside a request, reads again.
 */
import type { Firestore } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import type { AuditContext } from '../../shared/domain/audit.js';
import { defaultLimits, readLimits } from '../../shared/domain/limits.js';
import { readTenantDoc } from '../../shared/store/tenant-doc.js';
import { runInScope, type RequestScope } from '../../shared/trace.js';
import { getTenantSettings, readAccountPolicy, updateTenantSettings } from '../../modules/accounts/services/tenant-settings.js';
import { tenantTollFreeSettings } from '../../modules/tollfree/repository/tenant-settings.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';

const config = parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test' });
const audit: AuditContext = { actor: { type: 'user', uid: 'u1', role: 'admin' }, requestId: 'req-1' };
const newScope = (): RequestScope => ({ trace: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', sampled: false, source: 'generated' } });

function arrange() {
  const mem = memoryFirestore();
  mem.write('tenants/t1', { limits: { requestsPerMinute: 7 }, accountPolicy: 'own-only', respOrgId: 'XYZ01' });
  const deps = { db: async () => mem.firestore, config, now: () => new Date('2026-03-01T09:00:00.000Z') };
  const tenantReads = () => mem.stats.reads.filter((path) => path === 'tenants/t1').length;
  return { mem, deps, tenantReads };
}

describe('the tenant document within one request', () => {
  it('is read once for the rate limit, the account policy and the toll-free settings', async () => {
    const { deps, tenantReads } = arrange();

    const read = await runInScope(newScope(), async () => ({
      limits: await readLimits(await deps.db(), 't1', defaultLimits(config)),
      policy: await readAccountPolicy(deps.db, 't1', config),
      tollfree: await tenantTollFreeSettings(deps, 't1'),
    }));

    expect(read.limits.requestsPerMinute).toBe(7);
    expect(read.policy).toEqual({ policy: 'own-only', source: 'tenant' });
    expect(read.tollfree.respOrgId).toBe('XYZ01');
    expect(tenantReads()).toBe(1);
  });

  it('is read again by another request, and by code outside a request', async () => {
    const { deps, tenantReads } = arrange();

    await runInScope(newScope(), () => readAccountPolicy(deps.db, 't1', config));
    await runInScope(newScope(), () => readAccountPolicy(deps.db, 't1', config));
    await readAccountPolicy(deps.db, 't1', config);
    await readAccountPolicy(deps.db, 't1', config);

    expect(tenantReads()).toBe(4);
  });

  it('shows a change the same request wrote, not the copy read before it', async () => {
    const { deps } = arrange();

    const [before, after] = await runInScope(newScope(), async () => {
      const first = await readAccountPolicy(deps.db, 't1', config);
      await updateTenantSettings(deps)('t1', { accountPolicy: 'platform' }, audit);
      return [first, await getTenantSettings(deps)('t1')] as const;
    });

    expect(before.policy).toBe('own-only');
    expect(after.accountPolicy).toBe('platform');
  });

  it('is read again after a read that failed', async () => {
    const { mem } = arrange();
    let failures = 1;
    const flaky = {
      doc: (path: string) => ({
        get: () => (failures-- > 0 ? Promise.reject(Object.assign(new Error('unavailable'), { code: 14 })) : mem.firestore.doc(path).get()),
      }),
    } as unknown as Firestore;

    const outcome = await runInScope(newScope(), async () => {
      const first = await readTenantDoc(flaky, 't1').then(
        () => 'read',
        (err: { code?: number }) => `failed ${err.code}`,
      );
      const second = await readTenantDoc(flaky, 't1');
      return { first, second: second.get('accountPolicy') as unknown };
    });

    expect(outcome).toEqual({ first: 'failed 14', second: 'own-only' });
  });
});
