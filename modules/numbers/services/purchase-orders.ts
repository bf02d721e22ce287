import type { Deps } from '../../../shared/deps.js';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { NumberRecord } from '../../../shared/domain/number.js';
import { AppError } from '../../../shared/http/errors.js';
import { logger as rootLogger, type Logger } from '../../../shared/log.js';
import { logProvisioning } from '../../../shared/log-events.js';
import type { NumberProviderName } from '../../../shared/providers/registry.js';
import type { ProviderNumber } from '../../../shared/providers/types.js';
import { readJobItemIn, scheduleFinalizeCheck, settleJobItemIn } from '../../jobs/index.js';
import { orderedNumberOutcome, waitsForNumber } from '../../../shared/domain/job.js';
import { activated, scheduleSettle, type PurchaseDeps, type SettleOutcome } from './purchase-kit.js';

/**
 * Purchases a provider answers with an order (Telnyx): the number waits, pending with its order id,
 * for the order's webhook or poll — held for days when its requirement group is under review.
 */
/**
 * The provider accepted an order that completes later: the number stays pending with the
 * order id until the order's webhook (or the follow-up poll) settles it.
 */
export async function placeOrder(deps: PurchaseDeps, pending: NumberRecord, bought: ProviderNumber, audit: AuditContext, log: Logger) {
  const order = bought.order!;
  if (order.status === 'failure') {
    await deps.numbers.abandonPurchase(pending.tenantId, pending.id, pending.phoneNumber, audit);
    logProvisioning(log, { operation: 'order', provider: pending.provider, outcome: 'failed', reason: 'order_refused', numberId: pending.id, via: pending.origin ? 'job' : 'api' });
    throw new AppError('CONFLICT', `${pending.provider} refused the order: ${order.failureReason ?? 'no reason given'}`, {
      provider: pending.provider,
      orderId: order.id,
      retryable: false,
    });
  }
  const underReview = order.requirementsStatus === 'requirement-info-under-review';
  const record = await deps.numbers.update(pending.tenantId, pending.id, 'numbers.ordered', audit, (current) => ({
    ...current,
    orderId: order.id,
    // What the number offers, as its search result said (the order's own resource says nothing).
    ...(bought.capabilitiesUnknown ? {} : { capabilities: bought.capabilities }),
    ...(underReview ? { statusReason: `Held by ${pending.provider} while the requirement group is under review; it becomes active once approved` } : {}),
    ...(bought.providerNumberId && bought.providerNumberId !== bought.phoneNumber ? { providerNumberId: bought.providerNumberId } : {}),
    updatedAt: deps.now().toISOString(),
    purchase: { attempts: current.purchase?.attempts ?? 1, outcome: 'ordered', leaseUntil: current.purchase?.leaseUntil ?? deps.now().toISOString() },
  }));
  // The order's webhook normally settles it; this poll is the fallback.
  await scheduleSettle(deps, record, new Date(deps.now().getTime() + ORDER_POLL_MS), `o${order.id}`).catch((err) =>
    log.error('could not schedule the order poll; the lease-end follow-up remains', { err }),
  );
  return record;
}

/** How long an order may stay silent before the follow-up polls it. */
export const ORDER_POLL_MS = 10 * 60 * 1000;
const UNDER_REVIEW_POLL_MS = 60 * 60 * 1000;

export interface OrderUpdate {
  orderId: string;
  status: 'pending' | 'success' | 'failure';
  failureReason?: string;
  /** When the provider emitted this state; an older update never regresses a newer one. */
  occurredAt: string;
  phoneNumbers?: { phoneNumber: string; providerNumberId?: string }[];
}

/**
 * Applies an order's state (webhook or poll) to the number it sells: success → active,
 * failure → error with the provider's reason. Stale and repeated updates change nothing.
 */
export function applyOrderUpdate(deps: Pick<Deps, 'numbers' | 'providers' | 'now' | 'tasks' | 'config'>) {
  return async (record: NumberRecord, update: OrderUpdate, audit: AuditContext): Promise<'applied' | 'stale' | 'ignored'> => {
    const outcome = await applyOrder(deps, record, update, audit);
    // A bulk job's item that waits for this order ends with it (in the same transaction); then its job may be done.
    if (outcome === 'applied' && update.status !== 'pending' && record.origin) await scheduleFinalizeCheck(deps, record.tenantId, record.origin.jobId);
    return outcome;
  };
}

/**
 * Inside a number's settling transaction (reads, then writes): the bulk item that waits for this
 * number's order ends with it. An item not yet waiting is left alone: its delivery looks at the
 * number once it has recorded the wait. The item is read and settled through the jobs module.
 */
export async function settleWaitingJobItem(
  tx: Parameters<typeof readJobItemIn>[0],
  firestore: Parameters<typeof readJobItemIn>[1],
  after: NumberRecord,
): Promise<void> {
  const outcome = after.origin ? orderedNumberOutcome(after) : undefined;
  if (!after.origin || !outcome) return;
  const item = await readJobItemIn(tx, firestore, after.tenantId, after.origin);
  if (item?.state !== 'running' || !waitsForNumber(item.waitingFor, after.id)) return;
  settleJobItemIn(tx, firestore, after.tenantId, after.origin, outcome, after.updatedAt);
}

async function applyOrder(deps: Pick<Deps, 'numbers' | 'providers' | 'now'>, record: NumberRecord, update: OrderUpdate, audit: AuditContext): Promise<'applied' | 'stale' | 'ignored'> {
  if (record.status !== 'pending' || record.orderId !== update.orderId) return 'ignored';
  if (record.orderEventAt && Date.parse(record.orderEventAt) >= Date.parse(update.occurredAt)) return 'stale';
  if (update.status === 'pending') {
    await deps.numbers.update(record.tenantId, record.id, 'numbers.order_pending', audit, (current) =>
      current.status === 'pending' ? { ...current, orderEventAt: update.occurredAt, updatedAt: deps.now().toISOString() } : current,
    );
    return 'applied';
  }
  if (update.status === 'failure') {
    let failed = false;
    await deps.numbers.update(
      record.tenantId,
      record.id,
      'numbers.order_failed',
      audit,
      (current) => {
        failed = false;
        if (current.status !== 'pending' || (current.orderEventAt && current.orderEventAt >= update.occurredAt)) return current;
        failed = true;
        const { purchase: _purchase, ...rest } = current;
        return {
          ...rest,
          status: 'error',
          statusReason: update.failureReason ?? `The ${current.provider} order failed`,
          orderEventAt: update.occurredAt,
          updatedAt: deps.now().toISOString(),
        };
      },
      (tx, firestore, _before, after) => settleWaitingJobItem(tx, firestore, after),
      // A bulk job's number: its job returns the reservation of the failed item when it ends.
      record.origin ? { deferUsage: record.origin.jobId } : {},
    );
    if (failed) logProvisioning(rootLogger, { operation: 'order', provider: record.provider, outcome: 'failed', reason: 'order_failed', numberId: record.id, via: 'webhook' });
    return 'applied';
  }
  const provider = await deps.providers.forAccount(record.tenantId, record.provider as NumberProviderName, record.accountId);
  const owned = await provider.findOwned(record.phoneNumber);
  if (!owned) throw new AppError('SERVICE_UNAVAILABLE', 'The order completed but the number is not listed yet; retry', { retryable: true }, 30);
  let activatedNow = false;
  await deps.numbers.update(
    record.tenantId,
    record.id,
    'numbers.activate',
    audit,
    (current) => {
      activatedNow = false;
      if (current.status !== 'pending' || (current.orderEventAt && current.orderEventAt >= update.occurredAt)) return current;
      activatedNow = true;
      return { ...activated(current, owned, deps.now().toISOString()), orderEventAt: update.occurredAt };
    },
    (tx, firestore, _before, after) => settleWaitingJobItem(tx, firestore, after),
  );
  if (activatedNow) logProvisioning(rootLogger, { operation: 'order', provider: record.provider, outcome: 'succeeded', numberId: record.id, via: 'webhook' });
  return 'applied';
}

/** The fallback when an order's webhook never came: ask the provider, apply what it says. */
export async function pollOrder(deps: PurchaseDeps, record: NumberRecord, audit: AuditContext, log: Logger): Promise<SettleOutcome> {
  const provider = await deps.providers.forAccount(record.tenantId, record.provider as NumberProviderName, record.accountId);
  if (!provider.getOrder) throw new Error(`${record.provider} has no orders to poll`);
  const order = await provider.getOrder(record.orderId!);
  if (order.status === 'pending') {
    // An order held while its requirement group is reviewed (days) is asked about hourly, not every 10 minutes.
    const underReview = order.phoneNumbers.some((p) => p.requirementsStatus === 'requirement-info-under-review');
    await scheduleSettle(deps, record, new Date(deps.now().getTime() + (underReview ? UNDER_REVIEW_POLL_MS : ORDER_POLL_MS)), `o${order.id}-${Date.now()}`);
    return 'order_pending';
  }
  await applyOrderUpdate(deps)(record, { orderId: order.id, status: order.status, ...(order.failureReason ? { failureReason: order.failureReason } : {}), occurredAt: deps.now().toISOString() }, audit);
  log.info('order settled by polling', { numberId: record.id, orderId: order.id, status: order.status });
  return order.status === 'success' ? 'activated' : 'order_failed';
}
