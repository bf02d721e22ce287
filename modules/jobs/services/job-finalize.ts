/** Bulk jobs: finalize — once no item is open, the job's final status and counts, usage settled, the callback enqueued. */
import { enqueueTask } from '../../../shared/api/task-targets.js';
import { itemStates, statusFromCounts, type JobRecord } from '../../../shared/domain/job.js';
import type { Logger } from '../../../shared/log.js';
import { jobsRepository } from '../repository/jobs.js';
import type { JobDeps } from './job-model.js';

/** Longer than the API function may run: a job whose items are not all out by then lost its creation. */
const JOB_CREATION_GRACE_MS = 10 * 60 * 1000;

/**
 * When no item is open any more, the job gets its final status (once) and its callback is scheduled.
 * Answers with the job as finished (by this call or an earlier one), or undefined while it is not.
 * `expectedItems`: the job's item count, when the caller has read the job (how its items are counted).
 */
export async function finalizeIfDone(
  deps: Pick<JobDeps, 'db' | 'now' | 'tasks' | 'config'>,
  tenantId: string,
  jobId: string,
  log: Logger,
  expectedItems?: number,
): Promise<JobRecord | undefined> {
  const jobs = jobsRepository(deps.db);
  // Is any item still open? One index entry answers it (a count would scan every open item, twice a
  // second for the whole job); the full breakdown only once nothing is open.
  const open = await jobs.openItems(tenantId, jobId);
  if (open.any) return undefined;
  // The counts, and the job, in the snapshot in which none was open.
  const { job: asCounted, counts } = await jobs.jobAndItemCounts(tenantId, jobId, open.readAt, expectedItems);
  let finishedBefore: JobRecord | undefined;
  let stillBeingCreated: JobRecord | undefined;
  const finalized = await jobs.transaction(async (tx) => {
    const job = await tx.job(tenantId, jobId);
    finishedBefore = job?.finishedAt ? job : undefined;
    if (!job || job.finishedAt) return undefined;
    // Not before all its items are out (a cancel while the API is still writing them would finish
    // the job with some items to come). A creation that died is finished by its replay; without one,
    // the job ends as it is once a creation could no longer be running.
    // A creation that put its items out after that snapshot is not over either: its own check follows.
    const publishedSinceCounted = !!job.chunksPublishedAt && !asCounted?.chunksPublishedAt;
    stillBeingCreated = publishedSinceCounted || (!job.chunksPublishedAt && Date.parse(job.createdAt) + JOB_CREATION_GRACE_MS > deps.now().getTime()) ? job : undefined;
    if (stillBeingCreated) return undefined;
    // Items the job counted but that were never stored (its creation died part-way and was not
    // replayed with its Idempotency-Key) did not run: they count as failed, and the job says why,
    // rather than ending "completed" without them.
    const missing = Math.max(0, job.itemCount - itemStates.reduce((sum, state) => sum + counts[state], 0));
    const finalCounts = missing ? { ...counts, failed: counts.failed + missing } : counts;
    const status = statusFromCounts(finalCounts, job.cancelRequested === true);
    const usage = job.type === 'purchase' || job.type === 'release' ? await tx.usage(tenantId) : undefined;
    const uncounted = job.type === 'release' ? await tx.uncountedByJob(tenantId, jobId) : 0;
    const now = deps.now().toISOString();
    // Usage settles once per job: unused purchase reservations come back; released numbers stop counting.
    if (usage && job.type === 'purchase') {
      const unused = Math.max(0, (job.reserved ?? 0) - counts.succeeded);
      tx.changeUsage(tenantId, usage, { held: -unused, purchased: -unused }, deps.now());
    }
    // Only the numbers this job's releases took out of usage: not ones released before (an item
    // that found its number released already succeeds too), nor a number listed twice.
    if (usage && job.type === 'release' && uncounted > 0) tx.changeUsage(tenantId, usage, { held: -uncounted }, deps.now());
    const failureReason = missing
      ? `${missing} of ${job.itemCount} items were never stored (the request that created the job failed part-way and was not repeated with its Idempotency-Key); they did not run`
      : undefined;
    const change = { status, finalCounts, finishedAt: now, updatedAt: now, ...(failureReason ? { failureReason } : {}) };
    tx.updateJob(tenantId, jobId, change);
    return { ...job, ...change };
  });
  if (stillBeingCreated) {
    await enqueueTask(deps, 'jobFinalize', { tenantId, jobId }, {
      scheduleAt: new Date(Date.parse(stillBeingCreated.createdAt) + JOB_CREATION_GRACE_MS + 1000),
      id: `job-finalize-${tenantId}-${jobId}-after-creation`,
    });
    return undefined;
  }
  if (!finalized) {
    // Finished by an earlier check, which may have died before enqueuing the callback: the task id
    // makes this a no-op when it did not.
    if (finishedBefore?.callbackUrl) await enqueueCallback(deps, tenantId, jobId);
    return finishedBefore;
  }
  log.info('job finished', { jobId, status: finalized.status, counts });
  if (finalized.callbackUrl) await enqueueCallback(deps, tenantId, jobId);
  return finalized;
}

export const enqueueCallback = (deps: Pick<JobDeps, 'tasks' | 'config'>, tenantId: string, jobId: string) =>
  enqueueTask(deps, 'jobCallback', { tenantId, jobId }, {
    id: `job-callback-${tenantId}-${jobId}`,
  });
