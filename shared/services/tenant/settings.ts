import type { Firestore, Transaction } from '@google-cloud/firestore';
import type { z } from 'zod';
import { accountPolicies, type TenantSettingsResource } from '../../api/schemas.js';
import type { Config } from '../../config.js';
import type { Deps } from '../../deps.js';
import { recordAudit, type AuditContext } from '../../domain/audit.js';
import type { AccountPolicy } from '../../providers/registry.js';
import { paths } from '../../store/firestore.js';

/**
 * A tenant's settings live on its own document, tenants/{id}, beside the spend-guard `limits` (and
 * the Somos `respOrgId` / `somosEntityId`). What is not set there falls back to the deployment's
 * configuration.
 */
export type TenantSettings = z.infer<typeof TenantSettingsResource>;

const isPolicy = (value: unknown): value is AccountPolicy => (accountPolicies as readonly unknown[]).includes(value);

/** The tenant's account policy (its own, else the deployment default), with where it came from. */
export async function readAccountPolicy(
  firestore: Firestore,
  tenantId: string,
  config: Pick<Config, 'ACCOUNT_POLICY_DEFAULT'>,
  tx?: Transaction,
): Promise<{ policy: AccountPolicy; source: 'tenant' | 'default' }> {
  const ref = firestore.doc(paths.tenant(tenantId));
  const own = (tx ? await tx.get(ref) : await ref.get()).get('accountPolicy');
  return isPolicy(own) ? { policy: own, source: 'tenant' } : { policy: config.ACCOUNT_POLICY_DEFAULT, source: 'default' };
}

const resource = (config: Pick<Config, 'ACCOUNT_POLICY_DEFAULT'>, read: { policy: AccountPolicy; source: 'tenant' | 'default' }): TenantSettings => ({
  accountPolicy: read.policy,
  accountPolicySource: read.source,
  defaults: { accountPolicy: config.ACCOUNT_POLICY_DEFAULT },
});

export function getTenantSettings(deps: Pick<Deps, 'db' | 'config'>) {
  return async (tenantId: string): Promise<TenantSettings> => resource(deps.config, await readAccountPolicy(await deps.db(), tenantId, deps.config));
}

/** Changes the tenant's settings on tenants/{id}, audited in the same transaction (null: back to the default). */
export function updateTenantSettings(deps: Pick<Deps, 'db' | 'config' | 'now'>) {
  return async (tenantId: string, changes: { accountPolicy?: AccountPolicy | null }, audit: AuditContext): Promise<TenantSettings> => {
    const firestore = await deps.db();
    const ref = firestore.doc(paths.tenant(tenantId));
    return firestore.runTransaction(async (tx) => {
      const before = await readAccountPolicy(firestore, tenantId, deps.config, tx);
      const now = deps.now().toISOString();
      if (changes.accountPolicy !== undefined) {
        const { FieldValue } = await import('@google-cloud/firestore');
        tx.set(ref, { accountPolicy: changes.accountPolicy ?? FieldValue.delete(), settingsUpdatedAt: now }, { merge: true });
      }
      const after = changes.accountPolicy === undefined ? before : changes.accountPolicy === null ? { policy: deps.config.ACCOUNT_POLICY_DEFAULT, source: 'default' as const } : { policy: changes.accountPolicy, source: 'tenant' as const };
      recordAudit(firestore, tx, tenantId, audit, {
        action: 'tenant.settings_update',
        resource: 'tenant/settings',
        before: { accountPolicy: before.policy, accountPolicySource: before.source },
        after: { accountPolicy: after.policy, accountPolicySource: after.source },
      });
      return resource(deps.config, after);
    });
  };
}
