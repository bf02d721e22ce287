/** Bulk jobs: the job as the API shows it (counts, percent, throughput). */
import { statusFromCounts, type JobRecord } from '../../../shared/domain/job.js';
import type { JobsRepository } from '../repository/jobs.js';

/** A job as the API shows it: counts from the items, percent, throughput. */
export async function jobView(jobs: Pick<JobsRepository, 'itemCounts'>, job: JobRecord, now: Date) {
  const counts = job.finalCounts ?? (await jobs.itemCounts(job.tenantId, job.id));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const done = counts.succeeded + counts.failed + counts.cancelled;
  const status = job.finishedAt ? job.status : total === 0 && job.search ? 'queued' : statusFromCounts(counts, job.cancelRequested === true);
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now.getTime();
  const seconds = job.startedAt ? Math.max(0.001, (end - Date.parse(job.startedAt)) / 1000) : undefined;
  const { tenantId: _t, finalCounts: _f, chunksPublishedAt: _c, ...rest } = job;
  return {
    ...rest,
    status: status === 'completed' && job.cancelRequested ? 'cancelled' : status,
    counts,
    total,
    percent: total === 0 ? 0 : Math.floor((done / total) * 100),
    ...(seconds !== undefined ? { throughputPerSecond: Math.round(((counts.succeeded + counts.failed) / seconds) * 100) / 100 } : {}),
  };
}
