import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError } from '../../../shared/http/errors.js';
import { mutateNumber, registryBusy, type TollFreeRecord } from './number-records.js';
import { deleteVersionAtRegistry, registryVersions, sameMinute, scheduledOf } from './routing-versions.js';
import { cancellingOf } from './scheduled-routing.js';

export { cancellingOf };

/**
 * Before an active number is disconnected, its pending (future-dated) routing versions are withdrawn,
 * as the Somos portal does: at the registry (C1: DELETE /cus/rec/tfnum/{num}/effDtTm/{e}/recVersionId/{v},
 * as cancelRoutingVersion) and here. First, so that a registry refusing a disconnect while versions are
 * pending (G) never sees one, and a version never takes effect on a disconnected number.
 *
 * Safe to die midway: the versions leave scheduledRouting for cancellingRouting (the intent, audited as
 * tollfree.routing_cancelled) before any registry call; each is then deleted at the registry (one gone
 * already, or in effect there, is left alone) and the intent is cleared. A retried disconnect finds the
 * intent and finishes the work.
 */
type WithdrawDeps = Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks'>;

/** Marks an active number as being disconnected (a write, audited): routing changes wait for the outcome. */
export async function markDisconnecting(deps: Pick<Deps, 'db' | 'now'>, record: TollFreeRecord, audit: AuditContext): Promise<TollFreeRecord> {
  return mutateNumber(deps, record.tenantId, record.id, audit, 'tollfree.disconnect_started', (before) =>
    before.status === 'active' ? { ...before, disconnectingAt: deps.now().toISOString(), updatedAt: deps.now().toISOString() } : undefined,
  );
}

/** Takes the mark off a number whose disconnect the registry refused (a write, audited). */
export async function clearDisconnecting(deps: Pick<Deps, 'db' | 'now'>, record: TollFreeRecord, audit: AuditContext): Promise<TollFreeRecord> {
  return mutateNumber(deps, record.tenantId, record.id, audit, 'tollfree.disconnect_refused', (before) => {
    if (before.disconnectingAt === undefined) return undefined;
    const { disconnectingAt: _mark, ...rest } = before;
    return { ...rest, updatedAt: deps.now().toISOString() };
  });
}

export async function withdrawScheduledRouting(deps: WithdrawDeps, record: TollFreeRecord, audit: AuditContext): Promise<TollFreeRecord> {
  let current = record;
  if (scheduledOf(record).length) {
    current = await mutateNumber(deps, record.tenantId, record.id, audit, 'tollfree.routing_cancelled', (before) => {
      const scheduled = scheduledOf(before);
      if (!scheduled.length) return undefined;
      const { scheduledRouting: _scheduled, ...rest } = before;
      const intent = [...cancellingOf(before), ...scheduled.map(({ id, effectiveAt, effDtTm, recVersionId }) => ({ id, effectiveAt, effDtTm, ...(recVersionId ? { recVersionId } : {}) }))];
      return { ...rest, cancellingRouting: intent, updatedAt: deps.now().toISOString() };
    });
  }
  const intent = cancellingOf(current);
  if (!intent.length) return current;
  const info = await registryVersions(deps, current);
  if (info && 'pending' in info) throw registryBusy();
  for (const version of intent) {
    const atRegistry = info?.versions?.find((v) => sameMinute(v.effDtTm, version.effectiveAt));
    // Not (or no longer) there, or in effect already: nothing left to withdraw.
    if (!atRegistry || (atRegistry.status && atRegistry.status !== 'PENDING')) continue;
    const recVersionId = atRegistry.recVersionId ?? version.recVersionId;
    if (!recVersionId) throw new AppError('PROVIDER_ERROR', 'The registry listed a pending routing version without its recVersionId', { provider: 'somos', retryable: false });
    if (!(await deleteVersionAtRegistry(deps, current, version.effDtTm, recVersionId))) throw registryBusy();
  }
  return mutateNumber(deps, current.tenantId, current.id, audit, 'tollfree.routing_withdrawn', (before) => {
    if (before.cancellingRouting === undefined) return undefined;
    const { cancellingRouting: _done, ...rest } = before;
    return { ...rest, updatedAt: deps.now().toISOString() };
  });
}
