import type { z } from 'zod';
import { accountPolicies, type TenantSettingsResource } from '../../../shared/api/schemas.js';
import type { Config } from '../../../shared/config.js';
import type { Ports } from '../../../shared/ports.js';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { AccountPolicy } from '../../../shared/providers/registry.js';
import { CarriersSchema, defaultCarriers, type Carriers } from '../../../shared/domain/carriers.js';
import { readTenantSettings, updateTenantSettingFields, type TenantSettingFields } from '../repository.js';

/**
 * A tenant's settings live on its own document, tenants/{id}, beside the spend-guard `limits` (and
 * the Somos `respOrgId` / `somosEntityId`). What is not set there falls back to the deployment's
 * configuration.
 */
export type TenantSettings = z.infer<typeof TenantSettingsResource>;

const isPolicy = (value: unknown): value is AccountPolicy => (accountPolicies as readonly unknown[]).includes(value);

type SettingsConfig = Pick<Config, 'ACCOUNT_POLICY_DEFAULT' | 'SOMOS_DEFAULT_CARRIERS'>;

/** The tenant's account policy (its own, else the deployment default), with where it came from. */
export async function readAccountPolicy(
  db: Ports['db'],
  tenantId: string,
  config: Pick<Config, 'ACCOUNT_POLICY_DEFAULT'>,
): Promise<{ policy: AccountPolicy; source: 'tenant' | 'default' }> {
  const own = (await readTenantSettings(db, tenantId)).accountPolicy;
  return isPolicy(own) ? { policy: own, source: 'tenant' } : { policy: config.ACCOUNT_POLICY_DEFAULT, source: 'default' };
}

interface StoredSettings {
  policy: { policy: AccountPolicy; source: 'tenant' | 'default' };
  carriers: { carriers: Carriers | null; source: 'tenant' | 'default' | 'none' };
}

function settingsOf(stored: TenantSettingFields, config: SettingsConfig): StoredSettings {
  const own = stored.accountPolicy;
  const carriers = CarriersSchema.safeParse(stored.tollfreeCarriers);
  const fallback = defaultCarriers(config);
  return {
    policy: isPolicy(own) ? { policy: own, source: 'tenant' } : { policy: config.ACCOUNT_POLICY_DEFAULT, source: 'default' },
    carriers: carriers.success ? { carriers: carriers.data, source: 'tenant' } : fallback ? { carriers: fallback, source: 'default' } : { carriers: null, source: 'none' },
  };
}

const resource = (config: SettingsConfig, read: StoredSettings): TenantSettings => ({
  accountPolicy: read.policy.policy,
  accountPolicySource: read.policy.source,
  tollfreeCarriers: read.carriers.carriers,
  tollfreeCarriersSource: read.carriers.source,
  defaults: { accountPolicy: config.ACCOUNT_POLICY_DEFAULT, tollfreeCarriers: defaultCarriers(config) ?? null },
});

export function getTenantSettings(deps: Pick<Ports, 'db' | 'config'>) {
  return async (tenantId: string): Promise<TenantSettings> => resource(deps.config, settingsOf(await readTenantSettings(deps.db, tenantId), deps.config));
}

export interface TenantSettingsChanges {
  accountPolicy?: AccountPolicy | null;
  tollfreeCarriers?: Carriers | null;
}

/** Changes the tenant's settings on tenants/{id}, audited in the same transaction (null: back to the default). */
export function updateTenantSettings(deps: Pick<Ports, 'db' | 'config' | 'now'>) {
  return async (tenantId: string, changes: TenantSettingsChanges, audit: AuditContext): Promise<TenantSettings> => {
    return updateTenantSettingFields(deps.db, tenantId, audit, (stored) => {
      const before = settingsOf(stored, deps.config);
      const now = deps.now().toISOString();
      // null: the field is removed (back to the default).
      const write: Record<string, unknown> = {};
      if (changes.accountPolicy !== undefined) write.accountPolicy = changes.accountPolicy;
      if (changes.tollfreeCarriers !== undefined) write.tollfreeCarriers = changes.tollfreeCarriers;
      const fallback = defaultCarriers(deps.config);
      const after: StoredSettings = {
        policy:
          changes.accountPolicy === undefined
            ? before.policy
            : changes.accountPolicy === null
              ? { policy: deps.config.ACCOUNT_POLICY_DEFAULT, source: 'default' }
              : { policy: changes.accountPolicy, source: 'tenant' },
        carriers:
          changes.tollfreeCarriers === undefined
            ? before.carriers
            : changes.tollfreeCarriers !== null
              ? { carriers: changes.tollfreeCarriers, source: 'tenant' }
              : fallback
                ? { carriers: fallback, source: 'default' }
                : { carriers: null, source: 'none' },
      };
      const view = (s: StoredSettings) => ({
        accountPolicy: s.policy.policy,
        accountPolicySource: s.policy.source,
        tollfreeCarriers: s.carriers.carriers,
        tollfreeCarriersSource: s.carriers.source,
      });
      return { write, at: now, before: view(before), after: view(after), result: resource(deps.config, after) };
    });
  };
}
