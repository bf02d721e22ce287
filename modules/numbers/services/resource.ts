import type { z } from 'zod';
import type { Deps } from '../../../shared/deps.js';
import type { NumberRecord } from '../../../shared/domain/number.js';
import { NumberAccount, PhoneNumberResource } from '../../../shared/api/schemas.js';
import { PLATFORM_ACCOUNT_ID } from '../../../shared/providers/registry.js';
import { providerAccountsCollection } from '../../accounts/index.js';

type Resource = z.infer<typeof PhoneNumberResource>;
type Account = z.infer<typeof NumberAccount>;

/**
 * The API shape of a stored number. Parsing through the schema keeps only the
 * documented fields (internal purchase bookkeeping stays inside) in a stable order.
 */
export function toResource(record: NumberRecord, account?: Account): Resource {
  // A number still held on a removed account is not plainly `active`: the reason says why nothing can change it.
  const detached = account?.status === 'detached' && record.status !== 'released';
  return PhoneNumberResource.parse(account ? { ...record, account, ...(detached ? { statusReason: 'account_detached' } : {}) } : record);
}

/**
 * The account behind each of these numbers: the platform's, or one of the tenant's own — `detached`
 * when that account was removed (one read per distinct account).
 */
export async function accountsOf(db: Deps['db'], tenantId: string, records: readonly NumberRecord[]): Promise<Map<string, Account>> {
  const accounts = providerAccountsCollection(db);
  const ids = [...new Set(records.map((r) => r.accountId).filter((id) => id && id !== PLATFORM_ACCOUNT_ID))];
  const found = await Promise.all(ids.map((id) => accounts.get(tenantId, id)));
  const result = new Map<string, Account>([[PLATFORM_ACCOUNT_ID, { id: PLATFORM_ACCOUNT_ID, kind: 'platform', label: 'The platform’s account', status: 'attached' }]]);
  ids.forEach((id, i) => {
    const account = found[i];
    // Unlabelled: the provider and the account's masked identifier (e.g. "twilio AC…beef").
    const label = account ? account.label ?? `${account.provider} ${Object.values(account.credentialsPreview)[0] ?? ''}`.trim() : undefined;
    result.set(id, { id, kind: 'own', ...(label ? { label } : {}), status: account ? 'attached' : 'detached' });
  });
  return result;
}

/** Numbers as the API shows them, each with the account that pays for it. */
export async function toResources(deps: { db: Deps['db'] }, tenantId: string, records: readonly NumberRecord[]): Promise<Resource[]> {
  const accounts = await accountsOf(deps.db, tenantId, records);
  return records.map((record) => toResource(record, accounts.get(record.accountId)));
}

export async function toResourceWithAccount(deps: { db: Deps['db'] }, record: NumberRecord): Promise<Resource> {
  return (await toResources(deps, record.tenantId, [record]))[0]!;
}
