/** Bulk jobs: fan-out — items and chunk messages published, and the Pub/Sub worker turning a chunk into one Cloud Task per item. */
import { enqueueTask } from '../../../shared/api/task-targets.js';
import { finalItemStates, itemIdFor, type JobRecord } from '../../../shared/domain/job.js';
import type { Logger } from '../../../shared/log.js';
import { providerQueue } from '../../../shared/queue/queues.js';
import { scheduleFinalizeCheck } from './finalize-check.js';
import { jobsRepository, type JobsRepository, type VersionedJob } from '../repository/jobs.js';
import { CHUNK_SIZE, type ChunkMessage, JOB_TOPIC, type JobDeps } from './job-model.js';
import { expandedItem, expandSearch, expandTollFreeSearch } from './job-search-expansion.js';
import { finalizeIfDone } from './job-finalize.js';

/**
 * Writes the job's items and publishes their chunks, then marks the job as fully out. A search job's
 * message is only published: the worker writes its items and marks it once it has found them.
 */
export async function publishItems(deps: JobDeps, jobs: JobsRepository, job: JobRecord, valid: { index: number; input: Record<string, unknown> }[], now: string, resuming: boolean) {
  if (job.search) {
    await publishChunks(deps, job, 0, true);
    return;
  }
  // Each chunk goes out as soon as its items are stored (a 10,000-item job starts at the provider
  // after its first write, not after its last), and while the next chunk is being written.
  const published: Promise<string>[] = [];
  for (let from = 0; from < valid.length; from += CHUNK_SIZE) {
    const chunk = valid.slice(from, from + CHUNK_SIZE);
    // Resuming, some items may exist and have run already: only the missing ones are created.
    await (resuming ? jobs.writeMissingItems(job.tenantId, job.id, chunk, now) : jobs.writeItems(job.tenantId, job.id, chunk, now));
    const publishing = publishChunk(deps, job, chunk[0]!.index, chunk.at(-1)!.index + 1, chunk.map((item) => item.index));
    publishing.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    published.push(publishing);
  }
  await Promise.all(published);
  await jobs.updateJob(job.tenantId, job.id, { chunksPublishedAt: deps.now().toISOString() });
  // A check that ran while the items were still being written (after a cancel) waited for this.
  await scheduleFinalizeCheck(deps, job.tenantId, job.id);
}

/** One message per range of item indexes (invalid items left gaps; a range may hold fewer items). */
async function publishChunks(deps: Pick<JobDeps, 'publisher' | 'now'>, job: JobRecord, indexEnd: number, expand: boolean) {
  if (expand) {
    await deps.publisher.publish(JOB_TOPIC, { tenantId: job.tenantId, jobId: job.id, expand: true, publishedAt: deps.now().toISOString() } satisfies ChunkMessage);
    return;
  }
  for (let from = 0; from < indexEnd; from += CHUNK_SIZE) {
    const to = Math.min(indexEnd, from + CHUNK_SIZE);
    await publishChunk(deps, job, from, to, Array.from({ length: to - from }, (_, i) => from + i));
  }
}

const publishChunk = (deps: Pick<JobDeps, 'publisher' | 'now'>, job: JobRecord, from: number, to: number, indexes: number[]) =>
  deps.publisher.publish(JOB_TOPIC, { tenantId: job.tenantId, jobId: job.id, from, to, indexes, publishedAt: deps.now().toISOString() } satisfies ChunkMessage);

/** The Pub/Sub worker: a chunk of item ids → one Cloud Task each on the provider's queue (task ids dedupe redelivery). */
export function expandChunk(deps: JobDeps) {
  return async (message: ChunkMessage, log: Logger): Promise<{ enqueued: number }> => {
    const jobs = jobsRepository(deps.db);
    const read = await jobs.getVersionedJob(message.tenantId, message.jobId);
    const job = read?.job;
    if (!read || !job) {
      log.warn('chunk for a job that does not exist; dropped', { jobId: message.jobId });
      return { enqueued: 0 };
    }
    if (message.expand) {
      if (job.finishedAt) return { enqueued: 0 }; // e.g. its search was dead-lettered and the job failed
      // The numbers are found once and kept: a redelivered message (or one retried after a crash
      // half-way through the writes) reuses them. Searching again would find other numbers, since
      // the first ones are being bought, and rewrite items that may already have succeeded.
      let numbers = await jobs.expansion(job.tenantId, job.id);
      if (!numbers) {
        const found = job.type === 'tollfree-reserve' ? await expandTollFreeSearch(deps, job, log) : await expandSearch(deps, job, log);
        numbers = await jobs.transaction(async (tx) => {
          const kept = await tx.expansion(job.tenantId, job.id);
          if (kept) return kept;
          // The searches take a while: the job may have failed meanwhile (its message dead-lettered
          // by an earlier delivery, its reservation returned). Then these numbers must not be bought.
          if ((await tx.job(job.tenantId, job.id))?.finishedAt) return undefined;
          const now = deps.now().toISOString();
          tx.createExpansion(job.tenantId, job.id, found, now);
          tx.updateJob(job.tenantId, job.id, { itemCount: found.length, updatedAt: now });
          return found;
        });
        if (!numbers) {
          log.warn('search finished after its job had; nothing expanded', { jobId: job.id });
          return { enqueued: 0 };
        }
      }
      const items = numbers.map((found, index) => ({ index, input: expandedItem(job, found) }));
      await jobs.writeMissingItems(job.tenantId, job.id, items, deps.now().toISOString());
      await publishChunks(deps, job, items.length, false);
      await jobs.updateJob(job.tenantId, job.id, { chunksPublishedAt: deps.now().toISOString() });
      await finalizeIfDone(deps, job.tenantId, job.id, log);
      return { enqueued: 0 };
    }
    if (job.cancelRequested) {
      // Items written after the cancel swept (a search still expanding) end here, not at the provider.
      const items = await jobs.chunkItems(message);
      const now = deps.now().toISOString();
      // Only items no task claimed since they were read (as cancel itself does).
      await jobs.moveUnchangedItems(items.filter(({ item }) => item.state === 'queued'), { state: 'cancelled', updatedAt: now, finishedAt: now });
      await finalizeIfDone(deps, job.tenantId, job.id, log);
      return { enqueued: 0 };
    }
    // The job starts when its first chunk reaches the queue: once per chunk at most, never per item.
    // Only if nothing changed the job since it was read: a late chunk must never turn a job that
    // finished meanwhile (e.g. its items were dead-lettered) back into "running". Something else may
    // have changed it (the API marking its chunks out, a cancel): then read it again.
    let current: VersionedJob = read;
    for (let tries = 0; tries < 3 && !current.job.startedAt && !current.job.finishedAt; tries++) {
      const now = deps.now().toISOString();
      // False when the job changed since it was read.
      const started = await jobs.updateJobIfUnchanged(current, { startedAt: now, status: 'running', updatedAt: now });
      if (started) break;
      current = (await jobs.getVersionedJob(job.tenantId, job.id))!;
    }
    // Item ids follow from their indexes, so a chunk that lists them needs no read of its items: a
    // task for an item that is already final (a redelivered chunk) does nothing when it runs, and
    // Cloud Tasks drops a task name it has seen anyway. Older messages are read as before.
    const itemIds =
      message.indexes && message.indexes.every((i) => Number.isInteger(i) && i >= (message.from ?? 0) && i < (message.to ?? 0))
        ? message.indexes.map(itemIdFor)
        : (await jobs.chunkItems(message)).filter(({ item }) => !finalItemStates.includes(item.state)).map(({ item }) => item.id);
    for (const itemId of itemIds) {
      await enqueueTask(deps, 'jobItem', { tenantId: job.tenantId, jobId: job.id, itemId }, {
        queue: providerQueue(job.provider),
        id: `job-${job.tenantId}-${job.id}-${itemId}`,
      });
    }
    return { enqueued: itemIds.length };
  };
}
