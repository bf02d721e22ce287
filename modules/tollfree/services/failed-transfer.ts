import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { conflict, notFound } from '../../../shared/http/errors.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { dropOwnerOf, inTransaction, readNumber, readOwner, removeNumber, toView, type TollFreeRecord, type TollFreeView } from './number-records.js';
import { callContext } from './platform.js';

/**
 * A RespOrg change into the tenant that was rejected or cancelled leaves the number `transfer_failed`:
 * it was never ours. The record names the RespOrg the registry reports (registryHolder), and the
 * tenant may remove it (DELETE /v1/tollfree/{number}: dismissFailedTransfer). Nothing is asked of the
 * registry to remove it.
 */

/** The RespOrg unit the registry names for the number now; undefined when it names none or cannot be asked. */
export async function registryHolder(deps: Pick<Deps, 'somos'>, respOrgId: string, num: string): Promise<string | undefined> {
  try {
    const { registry } = await deps.somos();
    const q = await registry.query(callContext({ respOrgId }), num);
    return q.pending ? undefined : q.data.respOrgId;
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    return undefined;
  }
}

/** Removes a transfer_failed record, and the owner index entry if it still names the tenant (audited). */
export async function dismissFailedTransfer(deps: Pick<Deps, 'db'>, record: TollFreeRecord, audit: AuditContext): Promise<TollFreeView> {
  return inTransaction(deps, async (t) => {
    const [before, owner] = await Promise.all([readNumber(t, record.tenantId, record.id), readOwner(t, record.id)]);
    if (!before) throw notFound('Toll-free number');
    if (before.status !== 'transfer_failed') throw conflict(`This number is ${before.status} now; only a failed transfer's record can be removed this way`, { status: before.status });
    dropOwnerOf(t, record.id, owner, record.tenantId);
    removeNumber(t, audit, 'tollfree.transfer_dismissed', before);
    return toView(before);
  });
}
