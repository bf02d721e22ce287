/** Bulk jobs: cancel — the job flagged, its queued items cancelled, then finalized. */
import type { JobRecord } from '../../../shared/domain/job.js';
import { conflict, notFound } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { itemsPath, type JobDeps, jobPath, jobOf } from './job-model.js';
import { moveUnchangedItems } from './item-writes.js';
import { finalizeIfDone } from './job-finalize.js';

export function cancelJob(deps: JobDeps) {
  return async (tenantId: string, jobId: string, log: Logger): Promise<JobRecord> => {
    const db = await deps.db();
    const jobRef = db.doc(jobPath(tenantId, jobId));
    const job = await db.runTransaction(async (tx) => {
      const current = jobOf(await tx.get(jobRef));
      if (!current) throw notFound('Job');
      if (current.finishedAt) throw conflict(`This job already finished (${current.status})`, { status: current.status });
      tx.update(jobRef, { cancelRequested: true, updatedAt: deps.now().toISOString() });
      return { ...current, cancelRequested: true };
    });
    // Items not started yet become cancelled now; running ones finish (their tasks see the flag otherwise).
    const queued = await db.collection(itemsPath(tenantId, jobId)).where('state', '==', 'queued').get();
    const now = deps.now().toISOString();
    await moveUnchangedItems(db, queued.docs, { state: 'cancelled', updatedAt: now, finishedAt: now });
    await finalizeIfDone(deps, tenantId, jobId, log);
    return job;
  };
}
