import type { Firestore } from '@google-cloud/firestore';
import type { AuditContext } from '../../domain/audit.js';
import type { Deps } from '../../deps.js';
import { AppError, conflict } from '../../http/errors.js';
import { holdingStatuses } from '../../domain/number.js';
import { credentialSchemas, maskCredentials, type AccountProvider } from '../../providers/credentials.js';
import { createProvider, numberProviders, type AccountLookup, type NumberProviderName } from '../../providers/registry.js';
import { ProviderError } from '../../providers/types.js';
import { createTenantCollection, type TenantDoc } from '../../store/tenant-collection.js';
import { paths } from '../../store/firestore.js';

/** What Firestore keeps of a tenant's own provider account: a reference and a masked preview, never the secret. */
export interface ProviderAccountRecord extends TenantDoc {
  provider: AccountProvider;
  label?: string;
  /** Secret Manager id holding the credentials. */
  secretName: string;
  credentialsPreview: Record<string, string>;
  isDefault: boolean;
  verifiedAt: string;
  createdBy: string;
}

export const providerAccountsCollection = (db: () => Promise<Firestore>) =>
  createTenantCollection<ProviderAccountRecord>(db, {
    collection: 'providerAccounts',
    idPrefix: 'acc',
    resource: 'provider-accounts',
    label: 'Provider account',
  });

/** The resolver's view: which secret backs a tenant's (default) account for a provider. */
export function accountLookup(db: () => Promise<Firestore>): AccountLookup {
  const accounts = providerAccountsCollection(db);
  return {
    async find(tenantId, provider, accountId) {
      if (accountId) {
        const account = await accounts.get(tenantId, accountId);
        return account && account.provider === provider ? { id: account.id, secretName: account.secretName } : undefined;
      }
      // On every provider call: one indexed read, no count.
      const page = await accounts.list(tenantId, 1, undefined, [['provider', '==', provider], ['isDefault', '==', true]], { total: false });
      const account = page.items[0];
      return account ? { id: account.id, secretName: account.secretName } : undefined;
    },
  };
}

export const tenantSecretName = (tenantId: string, provider: AccountProvider, id: string) => `tenant-${tenantId}-${provider}-${id}`;

type AccountDeps = Pick<Deps, 'db' | 'secrets' | 'config' | 'log' | 'now'>;

export function addProviderAccount(deps: AccountDeps) {
  const accounts = providerAccountsCollection(deps.db);
  return async (
    tenantId: string,
    input: { provider: AccountProvider; credentials: Record<string, string>; label?: string; isDefault?: boolean },
    audit: AuditContext,
    uid: string,
  ): Promise<ProviderAccountRecord> => {
    const { provider } = input;
    if (!(numberProviders as readonly string[]).includes(provider)) {
      throw new AppError('VALIDATION_ERROR', `${provider} accounts cannot be added yet: the platform does not support ${provider} numbers`, {
        issues: [{ path: 'body.provider', message: `supported: ${numberProviders.join(', ')}` }],
      });
    }
    const credentials = credentialSchemas[provider].parse(input.credentials) as Record<string, string>;
    const client = await createProvider(provider as NumberProviderName, credentials, deps);
    try {
      await client.verifyCredentials();
    } catch (err) {
      if (err instanceof ProviderError && (err.info.kind === 'auth' || err.info.httpStatus === 401 || err.info.httpStatus === 403)) {
        throw new AppError('VALIDATION_ERROR', `${provider} rejected these credentials; nothing was stored. Check them and try again.`, {
          issues: [{ path: 'body.credentials', message: 'rejected by the provider' }],
          provider,
        });
      }
      throw err;
    }

    const id = accounts.newId();
    const secretName = tenantSecretName(tenantId, provider, id);
    await deps.secrets.put(secretName, JSON.stringify(credentials), { tenant: tenantId, provider });
    const now = deps.now().toISOString();
    const record: ProviderAccountRecord = {
      id,
      tenantId,
      provider,
      ...(input.label ? { label: input.label } : {}),
      secretName,
      credentialsPreview: maskCredentials(provider, credentials),
      isDefault: false,
      verifiedAt: now,
      createdAt: now,
      updatedAt: now,
      createdBy: uid,
    };
    try {
      return await accounts.create(record, audit, 'provider_accounts.create', async (tx, firestore) => {
        const defaults = await tx.get(
          firestore.collection(`tenants/${tenantId}/providerAccounts`).where('provider', '==', provider).where('isDefault', '==', true),
        );
        // The first account of a provider becomes its default; a new default replaces the old one.
        record.isDefault = defaults.empty || input.isDefault === true;
        if (record.isDefault) for (const doc of defaults.docs) tx.update(doc.ref, { isDefault: false, updatedAt: now });
      });
    } catch (err) {
      await deps.secrets.delete(secretName).catch((e) => deps.log.error('could not remove the secret of a failed account creation', { secretName, err: e }));
      throw err;
    }
  };
}

export function removeProviderAccount(deps: AccountDeps) {
  const accounts = providerAccountsCollection(deps.db);
  return async (tenantId: string, id: string, force: boolean, audit: AuditContext): Promise<ProviderAccountRecord> => {
    const removed = await accounts.delete(tenantId, id, audit, 'provider_accounts.delete', async (current, tx, firestore) => {
      if (force) return;
      const inUse = await tx.get(
        firestore.collection(paths.numbers(tenantId)).where('accountId', '==', current.id).where('status', 'in', [...holdingStatuses]).limit(1),
      );
      if (!inUse.empty) {
        throw conflict(`Numbers still use this ${current.provider} account; release them first or delete with ?force=true`, {
          numberId: inUse.docs[0]!.id,
        });
      }
      // A purchase job fixed its account when it was created: its remaining items would all fail.
      const busy = await tx.get(
        firestore.collection(`${paths.tenant(tenantId)}/jobs`).where('accountId', '==', current.id).where('status', 'in', ['queued', 'running']).limit(1),
      );
      if (!busy.empty) {
        throw conflict(`A bulk job still buys through this ${current.provider} account; let it finish or cancel it first, or delete with ?force=true`, {
          jobId: busy.docs[0]!.id,
        });
      }
    });
    // The reference is gone first, so nothing can use the secret any more; then the secret.
    await deps.secrets.delete(removed.secretName).catch((err) =>
      deps.log.error('provider account removed but its secret could not be deleted; delete it by hand', { secretName: removed.secretName, err }),
    );
    return removed;
  };
}

export function toAccountResource(record: ProviderAccountRecord) {
  return {
    id: record.id,
    provider: record.provider,
    ...(record.label ? { label: record.label } : {}),
    credentials: record.credentialsPreview,
    isDefault: record.isDefault,
    verifiedAt: record.verifiedAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
