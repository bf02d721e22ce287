/** Bulk jobs: item counts per state and the job as the API shows it (counts, percent, throughput). */
import type { Firestore } from '@google-cloud/firestore';
import { itemStates, statusFromCounts, type ItemState, type JobRecord } from '../../../shared/domain/job.js';
import { itemsPath } from './job-model.js';

/** Counts per item state, read in one snapshot (a read-only transaction) so they always add up. */
export async function itemCounts(db: Firestore, tenantId: string, jobId: string): Promise<Record<ItemState, number>> {
  const items = db.collection(itemsPath(tenantId, jobId));
  const entries = await db.runTransaction(
    (tx) => Promise.all(itemStates.map(async (state) => [state, (await tx.get(items.where('state', '==', state).count())).data().count] as const)),
    { readOnly: true },
  );
  return Object.fromEntries(entries) as Record<ItemState, number>;
}

/** A job as the API shows it: counts from the items, percent, throughput. */
export async function jobView(db: Firestore, job: JobRecord, now: Date) {
  const counts = job.finalCounts ?? (await itemCounts(db, job.tenantId, job.id));
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
