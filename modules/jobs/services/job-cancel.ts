/** Bulk jobs: cancel — the job flagged, its queued items cancelled, then finalized. */
import type { JobRecord } from '../../../shared/domain/job.js';
import { conflict, notFound } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { jobsRepository } from '../repository/jobs.js';
import type { JobDeps } from './job-model.js';
import { finalizeIfDone } from './job-finalize.js';

/** Answers with the job as this cancel left it: finished when no item was running, else cancelling. */
export function cancelJob(deps: JobDeps) {
  return async (tenantId: string, jobId: string, log: Logger): Promise<JobRecord> => {
    const jobs = jobsRepository(deps.db);
    const job = await jobs.transaction(async (tx) => {
      const current = await tx.job(tenantId, jobId);
      if (!current) throw notFound('Job');
      if (current.finishedAt) throw conflict(`This job already finished (${current.status})`, { status: current.status });
      const change = { cancelRequested: true, updatedAt: deps.now().toISOString() };
      tx.updateJob(tenantId, jobId, change);
      return { ...current, ...change };
    });
    // Items not started yet become cancelled now; running ones finish (their tasks see the flag otherwise).
    const queued = await jobs.itemsInState(tenantId, jobId, 'queued');
    const now = deps.now().toISOString();
    await jobs.moveUnchangedItems(queued, { state: 'cancelled', updatedAt: now, finishedAt: now });
    return (await finalizeIfDone(deps, tenantId, jobId, log, job.itemCount)) ?? job;
  };
}
