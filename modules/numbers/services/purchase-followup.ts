/**
 * A purchase's follow-up (Cloud Tasks): once its lease has run out, a purchase still pending is
 * looked up at the provider and settled either way (modules/numbers/services/purchase.ts buys).
 */
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { NumberRecord } from '../../../shared/domain/number.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { logProvisioning } from '../../../shared/log-events.js';
import type { NumberProviderName } from '../../../shared/providers/registry.js';
import { providerQueue } from '../../../shared/queue/queues.js';
import { scheduleFinalizeCheck } from '../../jobs/index.js';
import { activate } from './purchase.js';
import { enqueueSettle, scheduleSettle, type PurchaseDeps, type SettleOutcome } from './purchase-kit.js';
import { ORDER_POLL_MS, pollOrder, settleWaitingJobItem } from './purchase-orders.js';

/** Provider-side attempts of a follow-up before its task is left to its queue's own retries (~1 h of backoff). */
const SETTLE_RETRIES = 20;

/**
 * The follow-up of a purchase (Cloud Tasks): once the purchase's lease has run out,
 * a number still pending is looked up at the provider and settled either way.
 * Throws while it cannot decide yet, so the task is retried.
 *
 * Every purchase has one, on the fast `followups` queue, where nearly all of them find the
 * purchase settled and stop. One that has to ask the provider is handed to that provider's queue
 * (`atProvider`), so that a backlog after a provider incident reaches the provider at its queue's
 * rate, alongside its bulk items. Whatever fails there (the provider, Firestore) schedules the
 * next try back on `followups` (backoff up to 5 minutes, ~1 h in all): the provider queue's own
 * short retry budget is not what keeps a purchase from staying pending.
 */
export function settlePendingPurchase(deps: PurchaseDeps) {
  return async (
    tenantId: string,
    numberId: string,
    audit: AuditContext,
    log: Logger,
    delivery: { atProvider?: boolean; retry?: number; key?: string } = {},
  ): Promise<SettleOutcome> => {
    const retry = delivery.retry ?? 0;
    if (!delivery.atProvider) return handOff(deps, tenantId, numberId, retry);
    try {
      return await settleAtProvider(deps, tenantId, numberId, audit, log);
    } catch (err) {
      if (retry + 1 >= SETTLE_RETRIES) throw err; // the provider queue's retries are the last ones
      const delayMs = Math.min(300_000, 1000 * 2 ** retry) * (1 + Math.random() / 4);
      // The hand-off's key makes the id unique per purchase attempt or order poll: a name Cloud
      // Tasks saw within the hour would be taken as a duplicate and end the chain.
      await enqueueSettle(deps, { tenantId, numberId, retry: retry + 1 }, `r${retry + 1}-${delivery.key ?? 'a1'}`, {
        at: new Date(deps.now().getTime() + delayMs),
      });
      log.warn('purchase follow-up could not reach a decision at the provider; trying again later', { numberId, retry: retry + 1, delayMs: Math.round(delayMs), err });
      return 'retry_scheduled';
    }
  };
}

/** On `followups`: a read, and for a purchase still open after its lease, the hand-off to the provider's queue. */
async function handOff(deps: PurchaseDeps, tenantId: string, numberId: string, retry: number): Promise<SettleOutcome> {
  const record = await deps.numbers.get(tenantId, numberId);
  if (!record || record.status !== 'pending') return 'already_settled';
  const ordered = record.purchase?.outcome === 'ordered' && record.orderId !== undefined;
  const leaseLeft = Date.parse(record.purchase?.leaseUntil ?? '') - deps.now().getTime();
  if (!ordered && leaseLeft > 0) {
    throw new AppError('SERVICE_UNAVAILABLE', 'The purchase is still in flight', { retryable: true }, Math.ceil(leaseLeft / 1000));
  }
  // One key per purchase attempt, or per order poll (polls are ORDER_POLL_MS apart): a redelivered
  // follow-up hands off once, and a later attempt or poll is never mistaken for a duplicate.
  const key = ordered ? `o${record.orderId}-${Math.floor(deps.now().getTime() / ORDER_POLL_MS)}` : `a${record.purchase?.attempts ?? 1}`;
  await enqueueSettle(deps, { tenantId, numberId, atProvider: true, key, ...(retry ? { retry } : {}) }, `p${key}-r${retry}`, {
    queue: providerQueue(record.provider),
  });
  return 'handed_off';
}

/** On the provider's queue: poll the order, or look the number up and settle it either way. */
async function settleAtProvider(deps: PurchaseDeps, tenantId: string, numberId: string, audit: AuditContext, log: Logger): Promise<SettleOutcome> {
  const record = await deps.numbers.get(tenantId, numberId);
  if (!record || record.status !== 'pending') return 'already_settled';
  if (record.purchase?.outcome === 'ordered' && record.orderId) return pollOrder(deps, record, audit, log);
  const leaseUntil = Date.parse(record.purchase?.leaseUntil ?? '');
  if (leaseUntil > deps.now().getTime()) {
    // A newer attempt resumed the purchase, or the attempt renewed its lease, after the hand-off.
    // Its own follow-up settles it; this makes sure one exists for this lease (named per lease: the
    // name of a follow-up that already ran would be taken as a duplicate and end the chain).
    await scheduleSettle(deps, record, new Date(leaseUntil + 2000), `a${record.purchase?.attempts ?? 1}-l${leaseUntil}`);
    return 'retry_scheduled';
  }
  const provider = await deps.providers.forAccount(tenantId, record.provider as NumberProviderName, record.accountId);
  // The attempt's state before this look-up. If the attempt writes meanwhile (its call answered
  // after its lease, or its own look-up failed), this look-up may predate that call's effect (a slow
  // provider that sold late): it settles nothing, and the next one comes after the attempt's answer.
  const lookedUpAt = purchaseState(record);
  const owned = await provider.findOwned(record.phoneNumber); // a failure here schedules the next try
  if (owned) {
    await activate(deps, record, owned, audit, log, 'followup');
    if (record.origin) await scheduleFinalizeCheck(deps, tenantId, record.origin.jobId);
    log.info('follow-up activated a purchase the provider completed', { numberId });
    return 'activated';
  }
  let marked = false;
  let lookAgain = false;
  await deps.numbers.update(
    tenantId,
    numberId,
    'numbers.purchase_failed',
    audit,
    (current) => {
      marked = false;
      lookAgain = false;
      // Only the attempt that was looked up, and only while no newer attempt holds a lease.
      const sameAttempt = current.purchase?.attempts === record.purchase?.attempts;
      if (current.status !== 'pending' || !sameAttempt || Date.parse(current.purchase?.leaseUntil ?? '') > deps.now().getTime()) return current;
      if (purchaseState(current) !== lookedUpAt) {
        lookAgain = true;
        return current;
      }
      marked = true;
      const { purchase: _purchase, ...rest } = current;
      return {
        ...rest,
        status: 'error',
        statusReason: `${record.provider} did not complete the purchase; nothing was bought`,
        updatedAt: deps.now().toISOString(),
      };
    },
    // A bulk item that waits for this purchase's outcome ends with it.
    record.origin ? (tx, firestore, _before, after) => settleWaitingJobItem(tx, firestore, after) : undefined,
    // A bulk job's number: the job settles its reservation when it ends (its item may still buy).
    record.origin ? { deferUsage: record.origin.jobId } : {},
  );
  // Thrown: the follow-up is tried again shortly, and its next look-up comes after the attempt's answer.
  if (lookAgain) throw new AppError('SERVICE_UNAVAILABLE', 'The purchase attempt answered after this look-up; looking again', { retryable: true });
  if (!marked) return 'already_settled';
  if (record.origin) await scheduleFinalizeCheck(deps, tenantId, record.origin.jobId);
  log.warn('follow-up found the purchase never happened', { numberId });
  logProvisioning(log, { operation: 'purchase', provider: record.provider, outcome: 'failed', reason: 'not_completed', numberId, via: 'followup' });
  return 'not_bought';
}

/** What a follow-up compares before settling "not bought": any write of the attempt's since its look-up changes it. */
const purchaseState = (record: NumberRecord) => {
  const p = record.purchase;
  return p ? `${p.attempts}|${p.outcome}|${p.leaseUntil}|${p.answeredAfterLease === true}` : '';
};
