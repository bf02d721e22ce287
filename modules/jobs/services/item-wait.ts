/** Bulk jobs: items the provider accepted but has not done yet (toll-free 202s, number orders) — waiting, rechecking and settling them. */
import { enqueueTask } from '../../../shared/api/task-targets.js';
import { jobItemContext } from '../../../shared/domain/audit.js';
import { finalItemStates, itemSettlement, orderedNumberOutcome, type ItemSettlement, type ItemWait } from '../../../shared/domain/job.js';
import type { Logger } from '../../../shared/log.js';
import { settlePendingPurchase } from '../../numbers/index.js';
import { providerQueue } from '../../../shared/queue/queues.js';
import { jobsRepository } from '../repository/jobs.js';
import type { ItemOutcome, ItemRef, JobBasics, JobDeps } from './job-model.js';

/** How long an item waits before looking itself (a 202's follow-ups poll for about an hour; an order's every 10 minutes). */
const SETTLEMENT_WAIT_MS = 75 * 60 * 1000;
export const SETTLEMENT_RECHECK_MS = 15 * 60 * 1000;

/** A result the provider accepted without doing it yet: a toll-free 202, or a purchase that became an order. */
export function acceptedNotDone(job: JobBasics, result: Record<string, unknown>): ItemWait | undefined {
  if (result.pending === true && typeof result.requestId === 'string') return { kind: 'tollfree-request', id: result.requestId };
  if (job.type === 'purchase' && result.status === 'pending' && typeof result.numberId === 'string') return { kind: 'number-order', id: result.numberId };
  return undefined;
}

/**
 * The item waits: still `running` (its job stays open), leased until a fallback look of its own,
 * scheduled here. False when what it waits for ended first and settled the item (or a newer
 * delivery holds it).
 */
export async function waitForSettlement(deps: JobDeps, ref: ItemRef, attempt: number, result: Record<string, unknown>, provider: string, wait: ItemWait, waitMs = SETTLEMENT_WAIT_MS): Promise<boolean> {
  const leaseUntil = new Date(deps.now().getTime() + waitMs);
  const waiting = await jobsRepository(deps.db).transaction(async (tx) => {
    const current = await tx.item(ref);
    if (!current || current.state !== 'running' || current.attempts !== attempt) return false;
    tx.updateItem(ref, { result, waitingFor: wait, leaseUntil: leaseUntil.toISOString(), updatedAt: deps.now().toISOString() });
    return true;
  });
  if (!waiting) return false;
  // What it waits for may have ended between the provider's answer and this write, without seeing the wait.
  if (wait.kind === 'number-order' || wait.kind === 'number-purchase') {
    const number = await deps.numbers.get(ref.tenantId, wait.id);
    if (number && number.status !== 'pending') {
      await settleWaitingItem(deps, ref, orderedNumberOutcome(number)!);
      return false;
    }
  }
  await enqueueTask(deps, 'jobItem', ref, {
    queue: providerQueue(provider),
    scheduleAt: new Date(leaseUntil.getTime() + 1000),
    id: `job-${ref.tenantId}-${ref.jobId}-${ref.itemId}-wait${leaseUntil.getTime()}`,
  });
  return true;
}

/** Ends a waiting item with its outcome, unless something settled it already. True when this call did. */
async function settleWaitingItem(
  deps: Pick<JobDeps, 'db' | 'now'>,
  ref: ItemRef,
  outcome: ItemSettlement,
): Promise<boolean> {
  return jobsRepository(deps.db).transaction(async (tx) => {
    const current = await tx.item(ref);
    if (!current || current.state !== 'running' || !current.waitingFor) return false;
    tx.updateItem(ref, itemSettlement(outcome, deps.now().toISOString()));
    return true;
  });
}

/**
 * The fallback look of a waiting item whose wait ran out, through the code that normally settles
 * what it waits for (which also restarts a lost follow-up chain): one poll of a toll-free request
 * (failed after its last poll), or the purchase follow-up of an ordered number. Still open → another
 * look later; ended → the item ends with it.
 */
export async function recheckWait(deps: JobDeps, ref: ItemRef, wait: ItemWait, job: JobBasics, log: Logger): Promise<ItemOutcome> {
  let outcome: ItemSettlement | undefined;
  try {
    outcome = await lookAtWait(deps, ref, wait, job, log);
  } catch (err) {
    // The provider or registry could not answer now: look again later (the item keeps waiting; a
    // thrown error would leave it to this task's retries, whose names repeat per lease).
    log.warn('job item could not look at what it waits for; looking again later', { jobId: ref.jobId, itemId: ref.itemId, waitingFor: wait, err });
  }
  const item = (await jobsRepository(deps.db).getItem(ref))!;
  if (finalItemStates.includes(item.state)) return item.state === 'succeeded' ? 'succeeded' : 'failed';
  if (!outcome) {
    log.info('job item still waiting', { jobId: ref.jobId, itemId: ref.itemId, waitingFor: wait });
    await waitForSettlement(deps, ref, item.attempts, item.result ?? {}, job.provider, wait, SETTLEMENT_RECHECK_MS);
    return 'waiting';
  }
  await settleWaitingItem(deps, ref, outcome);
  return outcome.state;
}

/** What a waiting item waits for, looked at once: its outcome once it has ended, else undefined. */
async function lookAtWait(deps: JobDeps, ref: ItemRef, wait: ItemWait, job: JobBasics, log: Logger): Promise<ItemSettlement | undefined> {
  const audit = jobItemContext(job, ref.itemId);
  let outcome: ItemSettlement | undefined;
  if (wait.kind === 'tollfree-request') {
    outcome = await (await import('./tollfree-items.js')).lookAtTollFreeRequest(deps, ref, wait.id, audit);
  } else {
    let number = await deps.numbers.get(ref.tenantId, wait.id);
    if (number?.status === 'pending') {
      await settlePendingPurchase(deps)(ref.tenantId, wait.id, audit, log, { atProvider: true, key: `wait-${deps.now().getTime()}` });
      number = await deps.numbers.get(ref.tenantId, wait.id);
    }
    if (!number) outcome = { state: 'failed', error: { code: 'INTERNAL', message: 'The number this item waited for is gone', retryable: false } };
    else outcome = orderedNumberOutcome(number);
  }
  return outcome;
}
