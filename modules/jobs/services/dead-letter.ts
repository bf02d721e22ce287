/** Bulk jobs: dead-lettered chunk messages — waiting items failed, or a search job that never expanded failed with its reservation returned. */
import type { Firestore } from '@google-cloud/firestore';
import { itemStates, type ItemState, type JobItemRecord } from '../../../shared/domain/job.js';
import type { Logger } from '../../../shared/log.js';
import { changeUsage, readUsage } from '../../../shared/domain/limits.js';
import { type ChunkMessage, type JobDeps, jobPath, jobOf } from './job-model.js';
import { chunkItems, moveUnchangedItems } from './item-writes.js';
import { enqueueCallback, finalizeIfDone } from './job-finalize.js';

export async function markChunkDeadLettered(deps: Pick<JobDeps, 'db' | 'now' | 'tasks' | 'config'>, message: ChunkMessage, log: Logger) {
  const db = await deps.db();
  if (message.expand) return failUnexpandedJob(deps, db, message, log);
  const snap = await chunkItems(db, message);
  const now = deps.now().toISOString();
  // Only items no task has picked up: a running item's task settles it (and may be buying right now).
  const waiting = snap.docs.filter((doc) => (doc.data() as JobItemRecord).state === 'queued');
  await moveUnchangedItems(db, waiting, {
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
async function failUnexpandedJob(deps: Pick<JobDeps, 'db' | 'now' | 'tasks' | 'config'>, db: Firestore, message: ChunkMessage, log: Logger) {
  const jobRef = db.doc(jobPath(message.tenantId, message.jobId));
  const failed = await db.runTransaction(async (tx) => {
    const job = jobOf(await tx.get(jobRef));
    const expanded = (await tx.get(db.doc(`${jobPath(message.tenantId, message.jobId)}/expansion/numbers`))).exists;
    if (!job || job.finishedAt || expanded) return undefined;
    const usage = job.type === 'purchase' ? await readUsage(tx, db, message.tenantId) : undefined;
    const now = deps.now().toISOString();
    if (usage) changeUsage(tx, db, message.tenantId, usage, { held: -(job.reserved ?? 0), purchased: -(job.reserved ?? 0) }, deps.now());
    const finalCounts = Object.fromEntries(itemStates.map((state) => [state, 0])) as Record<ItemState, number>;
    const nothing = job.type === 'tollfree-reserve' ? 'nothing was reserved' : 'nothing was bought';
    tx.update(jobRef, { status: 'failed', failureReason: `The ${job.provider} search for this job could not be run; ${nothing}`, finalCounts, finishedAt: now, updatedAt: now });
    return job;
  });
  if (!failed) {
    await finalizeIfDone(deps, message.tenantId, message.jobId, log);
    return;
  }
  log.error('search job dead-lettered before it found its numbers; job failed', { jobId: message.jobId });
  if (failed.callbackUrl) await enqueueCallback(deps, message.tenantId, message.jobId);
}
