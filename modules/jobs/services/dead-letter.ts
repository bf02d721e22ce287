/** Bulk jobs: dead-lettered chunk messages — waiting items failed, or a search job that never expanded failed with its reservation returned. */
import { itemStates, type ItemState } from '../../../shared/domain/job.js';
import type { Logger } from '../../../shared/log.js';
import { jobsRepository, type JobsRepository } from '../repository/jobs.js';
import type { ChunkMessage, JobDeps } from './job-model.js';
import { enqueueCallback, finalizeIfDone } from './job-finalize.js';

export async function markChunkDeadLettered(deps: Pick<JobDeps, 'db' | 'now' | 'tasks' | 'config'>, message: ChunkMessage, log: Logger) {
  const jobs = jobsRepository(deps.db);
  if (message.expand) return failUnexpandedJob(deps, jobs, message, log);
  const items = await jobs.chunkItems(message);
  const now = deps.now().toISOString();
  // Only items no task has picked up: a running item's task settles it (and may be buying right now).
  const waiting = items.filter(({ item }) => item.state === 'queued');
  await jobs.moveUnchangedItems(waiting, {
    state: 'failed',
    error: { code: 'DEAD_LETTERED', message: 'The chunk could not be delivered to the worker', retryable: false },
    updatedAt: now,
    finishedAt: now,
  });
  log.error('job chunk dead-lettered; its waiting items failed', { jobId: message.jobId, from: message.from, to: message.to });
  await finalizeIfDone(deps, message.tenantId, message.jobId, log);
}

/**
 * A search job whose search message was dead-lettered: if it has no items, nothing was or will be
 * bought, so it finishes as failed, with a reason and its whole reservation returned. (With items,
 * their own chunks settle them.)
 */
async function failUnexpandedJob(deps: Pick<JobDeps, 'db' | 'now' | 'tasks' | 'config'>, jobs: JobsRepository, message: ChunkMessage, log: Logger) {
  const failed = await jobs.transaction(async (tx) => {
    const job = await tx.job(message.tenantId, message.jobId);
    const expanded = (await tx.expansion(message.tenantId, message.jobId)) !== undefined;
    if (!job || job.finishedAt || expanded) return undefined;
    const usage = job.type === 'purchase' ? await tx.usage(message.tenantId) : undefined;
    const now = deps.now().toISOString();
    if (usage) tx.changeUsage(message.tenantId, usage, { held: -(job.reserved ?? 0), purchased: -(job.reserved ?? 0) }, deps.now());
    const finalCounts = Object.fromEntries(itemStates.map((state) => [state, 0])) as Record<ItemState, number>;
    const nothing = job.type === 'tollfree-reserve' ? 'nothing was reserved' : 'nothing was bought';
    tx.updateJob(message.tenantId, message.jobId, { status: 'failed', failureReason: `The ${job.provider} search for this job could not be run; ${nothing}`, finalCounts, finishedAt: now, updatedAt: now });
    return job;
  });
  if (!failed) {
    await finalizeIfDone(deps, message.tenantId, message.jobId, log);
    return;
  }
  log.error('search job dead-lettered before it found its numbers; job failed', { jobId: message.jobId });
  if (failed.callbackUrl) await enqueueCallback(deps, message.tenantId, message.jobId);
}
