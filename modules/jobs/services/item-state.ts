/** Bulk jobs: the item state machine — one Cloud Task delivery claims an item, runs it once, and settles, retries, pauses or parks it. */
import { enqueueTask } from '../../../shared/api/task-targets.js';
import { jobItemContext } from '../../../shared/domain/audit.js';
import { finalItemStates, type ItemWait } from '../../../shared/domain/job.js';
import type { NumberRecord } from '../../../shared/domain/number.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { LOG_EVENTS } from '../../../shared/log-events.js';
import { providerQueue } from '../../../shared/queue/queues.js';
import { warmProvider } from '../../../shared/providers/registry.js';
import { scheduleFinalizeCheck } from './finalize-check.js';
import { jobsRepository, type JobsRepository } from '../repository/jobs.js';
import { type ItemOutcome, type JobBasics, type JobDeps, MAX_ITEM_ATTEMPTS } from './job-model.js';
import { acceptedNotDone, recheckWait, SETTLEMENT_RECHECK_MS, waitForSettlement } from './item-wait.js';
import { classify, loginPause, perform, unsettledPurchase } from './item-perform.js';

const ITEM_LEASE_MS = 2 * 60 * 1000;

/** Per database (`deps.db`): job ids derive from tenant + Idempotency-Key, so two databases can hold the same id. */
const jobBasicsCaches = new WeakMap<JobDeps['db'], Map<string, JobBasics>>();
const JOB_BASICS_CACHE_SIZE = 200;

async function jobBasics(db: JobDeps['db'], jobs: JobsRepository, tenantId: string, jobId: string): Promise<JobBasics | undefined> {
  let cache = jobBasicsCaches.get(db);
  if (!cache) jobBasicsCaches.set(db, (cache = new Map<string, JobBasics>()));
  const key = `${tenantId}/${jobId}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const job = await jobs.getJob(tenantId, jobId);
  if (!job) return undefined;
  const basics: JobBasics = { id: job.id, tenantId: job.tenantId, type: job.type, provider: job.provider, createdBy: job.createdBy, ...(job.accountId ? { accountId: job.accountId } : {}) };
  if (cache.size >= JOB_BASICS_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, basics);
  return basics;
}

/**
 * Cloud Tasks target: one item, one provider operation, at most once in effect. Each delivery logs
 * one `job.item` line (its outcome, or `retry` when it answers for the queue to retry): the job
 * throughput metric counts these.
 */
export function runItem(deps: JobDeps) {
  const run = runItemOnce(deps);
  return async (ref: { tenantId: string; jobId: string; itemId: string }, delivery: { retryCount: number }, log: Logger): Promise<ItemOutcome> => {
    const seen: { job?: JobBasics } = {};
    let outcome: ItemOutcome | 'retry' | 'error' = 'error';
    try {
      outcome = await run(ref, delivery, log, seen);
      return outcome;
    } catch (err) {
      if (err instanceof AppError && err.details?.retryable === true) outcome = 'retry';
      throw err;
    } finally {
      log.info('job item', {
        event: LOG_EVENTS.jobItem,
        jobId: ref.jobId,
        itemId: ref.itemId,
        provider: seen.job?.provider ?? 'unknown',
        type: seen.job?.type ?? 'unknown',
        outcome,
        retryCount: delivery.retryCount,
      });
    }
  };
}

/** The number an item names, read now (undefined when it names none, or the read failed: the operation reads it then). */
function numberOf(deps: JobDeps, tenantId: string, input: unknown): Promise<NumberRecord | undefined> | undefined {
  const numberId = (input as { numberId?: unknown } | undefined)?.numberId;
  return typeof numberId === 'string' ? deps.numbers.get(tenantId, numberId).catch(() => undefined) : undefined;
}

function runItemOnce(deps: JobDeps) {
  return async (ref: { tenantId: string; jobId: string; itemId: string }, delivery: { retryCount: number }, log: Logger, seen: { job?: JobBasics }): Promise<ItemOutcome> => {
    const jobs = jobsRepository(deps.db);
    const now = deps.now();
    // The job is read (or found cached) while the claim's transaction reads the item.
    let numberRead: Promise<NumberRecord | undefined> | undefined;
    const jobRead = jobBasics(deps.db, jobs, ref.tenantId, ref.jobId);
    jobRead.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    // Its provider's client loads while the item is claimed and its number read.
    jobRead.then((job) => job && warmProvider(job.provider), () => undefined);
    const claim = await jobs.transaction(async (tx) => {
      const [job, item] = await Promise.all([jobRead, tx.item(ref)]);
      if (job) seen.job = job;
      if (!job || !item) return { kind: 'gone' as const };
      if (finalItemStates.includes(item.state)) return { kind: 'final' as const };
      if (item.state === 'running' && item.leaseUntil && Date.parse(item.leaseUntil) > now.getTime()) {
        return { kind: 'busy' as const, leaseUntil: Date.parse(item.leaseUntil), attempts: item.attempts };
      }
      if (item.state === 'running' && item.waitingFor) {
        // What it waits for outlived the wait: look at it again (below) rather than redo the operation.
        tx.updateItem(ref, { leaseUntil: new Date(now.getTime() + ITEM_LEASE_MS).toISOString(), updatedAt: now.toISOString() });
        return { kind: 'recheck' as const, wait: item.waitingFor };
      }
      // Only an item that ran before can be queued again after a cancel swept the job's queued items.
      const cancelRequested = item.attempts > 0 && (await tx.job(ref.tenantId, ref.jobId))?.cancelRequested === true;
      if (cancelRequested && item.state === 'queued') {
        tx.updateItem(ref, { state: 'cancelled', updatedAt: now.toISOString(), finishedAt: now.toISOString() });
        return { kind: 'cancelled' as const };
      }
      tx.updateItem(ref, { state: 'running', attempts: item.attempts + 1, leaseUntil: new Date(now.getTime() + ITEM_LEASE_MS).toISOString(), updatedAt: now.toISOString() });
      // An update's number is read while the claim commits (the change reads it again in its own transactions).
      numberRead = job.type === 'update' ? numberOf(deps, ref.tenantId, item.input) : undefined;
      return { kind: 'run' as const, job, item };
    });
    const job = await jobRead;
    if (claim.kind === 'gone') return 'already_final';
    if (claim.kind === 'final' || claim.kind === 'cancelled') {
      // Also for an item found final: the delivery that finished it may have died before scheduling
      // this check, and the last item's check is what finishes the job (one per window, deduplicated).
      await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
      return claim.kind === 'cancelled' ? 'cancelled' : 'already_final';
    }
    if (claim.kind === 'recheck') {
      const outcome = await recheckWait(deps, ref, claim.wait, job!, log);
      if (outcome !== 'waiting') await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
      return outcome;
    }
    if (claim.kind === 'busy') {
      // Another delivery holds the item — or held it and died. Come back when its lease ends rather
      // than lean on this queue's retries, which may all be spent before then, leaving it `running`.
      await enqueueTask(deps, 'jobItem', ref, {
        queue: providerQueue(job!.provider),
        scheduleAt: new Date(claim.leaseUntil + 1000),
        // Named after the lease it waits out: a waiting item is leased again and again at the same attempt.
        id: `job-${ref.tenantId}-${ref.jobId}-${ref.itemId}-after${claim.attempts}-${claim.leaseUntil}`,
      });
      return 'busy';
    }

    const audit = jobItemContext(claim.job, ref.itemId);
    const attempt = claim.item.attempts + 1;
    /**
     * Writes this attempt's outcome unless the item moved on meanwhile: it left `running` (e.g. a
     * dead-lettered chunk failed it), or this delivery outlived its lease and a newer one claimed it.
     */
    const settle = (change: Record<string, unknown>) =>
      jobs.transaction(async (tx) => {
        const current = await tx.item(ref);
        if (!current || current.state !== 'running' || current.attempts !== attempt) return false;
        tx.updateItem(ref, { ...change, leaseUntil: null, updatedAt: deps.now().toISOString() });
        return true;
      });
    let succeeded = false;
    try {
      const result = await perform(deps, claim.job, claim.item, audit, log, numberRead);
      const wait = acceptedNotDone(claim.job, result);
      if (wait) {
        // Accepted by the provider, not done: the item waits; what settles the request or order settles it.
        if (await waitForSettlement(deps, ref, attempt, result, job!.provider, wait)) return 'waiting';
        // It ended before the wait was written, and the item with it.
        await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
        return (await jobs.getItem(ref))?.state === 'failed' ? 'failed' : 'succeeded';
      }
      // The operation happened: that is the item's truth even if something else failed it meanwhile,
      // so this write needs no read first.
      const at = deps.now().toISOString();
      await jobs.updateItem(ref, { state: 'succeeded', result, finishedAt: at, leaseUntil: null, updatedAt: at });
      succeeded = true;
    } catch (err) {
      const classified = classify(err);
      // Attempts are counted on the item: a continuation task (after a lease) starts its own retryCount at 0.
      const lastChance = Math.max(delivery.retryCount + 1, attempt) >= MAX_ITEM_ATTEMPTS;
      // A purchase whose outcome is not known (the provider may have sold the number, the look-ups
      // failed) is never ended by the item: it waits for the purchase's follow-up, which settles both.
      const unsettled = claim.job.type === 'purchase' ? await unsettledPurchase(deps, claim.job, claim.item, err, lastChance) : undefined;
      if (unsettled) {
        const wait: ItemWait = { kind: 'number-purchase', id: unsettled };
        if (await waitForSettlement(deps, ref, attempt, { numberId: unsettled, status: 'pending' }, job!.provider, wait, SETTLEMENT_RECHECK_MS)) {
          log.warn('job item waits for the outcome of its purchase', { jobId: ref.jobId, itemId: ref.itemId, numberId: unsettled });
          return 'waiting';
        }
        await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
        return (await jobs.getItem(ref))?.state === 'failed' ? 'failed' : 'succeeded';
      }
      const paused = loginPause(err);
      if (paused) {
        // Somos logins are paused (the login circuit breaker): the item comes back after the cool-down
        // without spending one of its attempts, instead of burning the queue's retries meanwhile.
        const stillOurs = await settle({ state: 'queued', error: classified, attempts: attempt - 1 });
        if (!stillOurs) return 'already_final';
        const waitMs = paused.retryAfterSeconds * 1000;
        const at = deps.now().getTime() + waitMs + Math.floor(Math.random() * Math.min(30_000, waitMs / 5 + 1));
        await enqueueTask(deps, 'jobItem', ref, {
          queue: providerQueue(job!.provider),
          scheduleAt: new Date(at),
          id: `job-${ref.tenantId}-${ref.jobId}-${ref.itemId}-paused${attempt}-${at}`,
        });
        return 'busy';
      }
      if (classified.retryable && !lastChance) {
        // Transient: free the item for the next delivery and let the queue retry with backoff.
        const stillOurs = await settle({ state: 'queued', error: classified });
        if (!stillOurs) return 'already_final';
        throw err instanceof AppError ? err : new AppError('SERVICE_UNAVAILABLE', classified.message, { retryable: true });
      }
      await settle({ state: 'failed', error: classified, finishedAt: deps.now().toISOString() });
    }
    // Outside the try: if scheduling fails, the task is retried, finds the item final, and schedules it then.
    await scheduleFinalizeCheck(deps, ref.tenantId, ref.jobId);
    return succeeded ? 'succeeded' : 'failed';
  };
}
