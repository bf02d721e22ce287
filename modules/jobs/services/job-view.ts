/** Bulk jobs: the job as the API shows it (counts, percent, throughput). */
import { itemStates, statusFromCounts, type ItemState, type JobRecord } from '../../../shared/domain/job.js';
import type { JobsRepository } from '../repository/jobs.js';
import type { ReadTime } from '../../../shared/store/page.js';

/** How a view knows its job's counts: as a creation stored them, or read at the time the job was read. */
export type CountsFrom = { justCreated: true } | { readAt?: ReadTime };

/**
 * A job as the API shows it: counts from the items (read at the job's own read time when known; for
 * a job this request just created, each of its items as stored: queued, none yet for a search),
 * percent, throughput.
 */
export async function jobView(jobs: Pick<JobsRepository, 'itemCounts'>, job: JobRecord, now: Date, from: CountsFrom = {}) {
  const counts = job.finalCounts ?? ('justCreated' in from ? countsAtCreation(job) : await jobs.itemCounts(job.tenantId, job.id, from.readAt, job.itemCount));
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

/** The counts of a job as its creation stored it: every item queued (a search job has none until it has run). */
function countsAtCreation(job: JobRecord): Record<ItemState, number> {
  const counts = Object.fromEntries(itemStates.map((state) => [state, 0])) as Record<ItemState, number>;
  counts.queued = job.search ? 0 : job.itemCount;
  return counts;
}
