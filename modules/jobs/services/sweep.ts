import { enqueueTask } from '../../../shared/api/task-targets.js';
import type { JobItemRecord, JobRecord } from '../../../shared/domain/job.js';
import type { Deps } from '../../../shared/deps.js';
import type { Logger } from '../../../shared/log.js';
import { providerQueue } from '../../../shared/queue/queues.js';
import { scheduleFinalizeCheck } from './finalize-check.js';
import { jobsRepository, type StoredItem } from '../repository/jobs.js';
import { sweepStore, type SweptJob } from '../repository/sweep.js';
import { JOB_TOPIC, type ChunkMessage } from './jobs.js';

/**
 * The sweeper: brings back job items that lost their task, and the jobs nothing would finish.
 *
 * An item's task can be lost: the API or the chunk worker died between writing items and enqueuing
 * their tasks, a task ran out of attempts while its function kept crashing, or (the dev stack) the
 * in-memory queue was dropped by Ctrl-C. Such an item stays `queued`, or `running` under an expired
 * lease, and its job never ends. Run by Cloud Scheduler (and once when the local stack starts), the
 * sweep finds them through two indexed collection-group queries, oldest first and bounded per run:
 *
 * - `queued` items not changed for JOB_SWEEP_STALE_MS, unless their job changed an item within that
 *   time (a job that moves is alive: its waiting items are behind it in the provider's queue);
 * - `running` items whose lease ended more than JOB_SWEEP_STALE_MS ago (whatever was to come back for
 *   them, a retry, a lease's continuation or a wait's own look, comes within a minute of its end).
 *   A running item under a live lease is never touched.
 *
 * Each gets a new task for its own claim logic to decide on (a final item does nothing; a leased one
 * waits for its lease; only a claim runs the operation), so a task that turns out not to be lost costs
 * one no-op delivery, never a second purchase. The task is named after the item's state as found: a
 * sweep of an item that moved on since gets a new name (its first task's name is spent), and sweeping
 * an item that has not moved re-uses the name, so the queue drops the copy instead of piling it up.
 * Items of a job being cancelled are cancelled instead. Then every open job untouched for the same
 * time gets a completion check (which finishes it once no item is open, or once its creation could no
 * longer be running), and a search job whose items never came out gets its search message again
 * (expansion keeps the numbers it found first, so a copy finds the same ones).
 *
 * `tasksLost`: the queue is known to hold nothing (the dev stack has just started): every open item
 * and job is swept whatever its age, and an item under a live lease gets its task for when it ends.
 */
export type SweepDeps = Pick<Deps, 'db' | 'now' | 'tasks' | 'publisher' | 'config'>;

export interface SweepResult {
  /** Items given a new task. */
  requeued: number;
  /** Items whose sweep task was already in the queue (swept before, not delivered yet). */
  alreadyQueued: number;
  /** Waiting items of a job being cancelled, cancelled. */
  cancelled: number;
  /** Old `queued` items left alone because their job is moving. */
  leftToLiveJobs: number;
  /** Open jobs given a completion check. */
  jobsChecked: number;
  /** Search jobs whose search message was published again. */
  searchesRepublished: number;
}

/** Items looked at per run and per state; the rest wait for the next run (the oldest go first). */
export const SWEEP_MAX_ITEMS = 3000;
export const SWEEP_MAX_JOBS = 500;
const ENQUEUE_CONCURRENCY = 16;
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

export function sweepJobs(deps: SweepDeps) {
  return async (options: { tasksLost?: boolean }, log: Logger): Promise<SweepResult> => {
    const store = sweepStore(deps.db);
    const now = deps.now();
    const tasksLost = options.tasksLost === true;
    const staleBefore = new Date(now.getTime() - (tasksLost ? 0 : deps.config.JOB_SWEEP_STALE_MS)).toISOString();
    const result: SweepResult = { requeued: 0, alreadyQueued: 0, cancelled: 0, leftToLiveJobs: 0, jobsChecked: 0, searchesRepublished: 0 };
    const sweep = { deps, store, now, staleBefore, tasksLost, result };
    await store.queuedBefore(staleBefore, SWEEP_MAX_ITEMS, (groups) => sweepItems(sweep, groups));
    // A live lease is only ever swept when the queue is known to be empty (and then its task waits for the lease).
    const leasedBefore = tasksLost ? FAR_FUTURE : staleBefore;
    await store.leasedBefore(leasedBefore, SWEEP_MAX_ITEMS, (groups) => sweepItems(sweep, groups));
    await sweepOpenJobs(sweep);
    if (Object.values(result).some((n) => n > 0)) log.info('job sweep', { ...result, tasksLost });
    return result;
  };
}

interface Sweep {
  deps: SweepDeps;
  store: ReturnType<typeof sweepStore>;
  now: Date;
  staleBefore: string;
  tasksLost: boolean;
  result: SweepResult;
}

/** One page of swept items, by job. */
async function sweepItems(sweep: Sweep, groups: SweptJob[]): Promise<void> {
  const { store, result } = sweep;
  const work: (() => Promise<void>)[] = [];
  for (const { job, items } of groups) {
    // No job, or one that ended (its items are settled by whatever ended it): nothing to run for.
    if (!job || job.finishedAt) continue;
    const queued = items.filter(({ item }) => item.state === 'queued');
    const running = items.filter(({ item }) => item.state === 'running');
    let waiting = queued;
    if (queued.length > 0 && !sweep.tasksLost && (await store.movedSince(job, sweep.staleBefore))) {
      result.leftToLiveJobs += queued.length;
      waiting = [];
    }
    if (job.cancelRequested && waiting.length > 0) {
      work.push(() => cancelWaiting(sweep, job, waiting));
      waiting = [];
    }
    for (const { item } of [...waiting, ...running]) work.push(() => requeue(sweep, job, item));
  }
  await inParallel(work, ENQUEUE_CONCURRENCY);
}

async function requeue(sweep: Sweep, job: JobRecord, item: JobItemRecord): Promise<void> {
  const { deps, now } = sweep;
  const leaseEnd = item.state === 'running' && item.leaseUntil ? Date.parse(item.leaseUntil) : undefined;
  // Named after the state it was found in (see above); the item's own task name is spent.
  const version = leaseEnd !== undefined ? `r${item.attempts}-${leaseEnd}` : `q${item.attempts}-${Date.parse(item.updatedAt)}`;
  const { deduplicated } = await enqueueTask(deps, 'jobItem', { tenantId: job.tenantId, jobId: job.id, itemId: item.id }, {
    queue: providerQueue(job.provider),
    // Only with tasksLost can the lease still be live: the task comes when it ends, as a lease's continuation would.
    ...(leaseEnd !== undefined && leaseEnd >= now.getTime() ? { scheduleAt: new Date(leaseEnd + 1000) } : {}),
    id: `job-${job.tenantId}-${job.id}-${item.id}-sweep-${version}`,
  });
  if (deduplicated) sweep.result.alreadyQueued++;
  else sweep.result.requeued++;
}

/** A job being cancelled: its waiting items are cancelled, as cancel itself does (unless a task claimed one meanwhile). */
async function cancelWaiting(sweep: Sweep, job: JobRecord, items: StoredItem[]): Promise<void> {
  const at = sweep.deps.now().toISOString();
  const jobs = jobsRepository(sweep.deps.db);
  for (const item of items) {
    const done = await jobs.updateItemIfUnchanged(item, { state: 'cancelled', updatedAt: at, finishedAt: at });
    if (done) sweep.result.cancelled++;
  }
  await scheduleFinalizeCheck(sweep.deps, job.tenantId, job.id);
}

/** Open jobs untouched since staleBefore: a completion check each; a search job with no items out gets its search again. */
async function sweepOpenJobs(sweep: Sweep): Promise<void> {
  const { deps, store, result } = sweep;
  const open = await store.openJobsBefore(sweep.staleBefore, SWEEP_MAX_JOBS);
  const work = open.map((job) => async () => {
    if (job.finishedAt) return;
    if (job.search && !job.chunksPublishedAt) {
      await deps.publisher.publish(JOB_TOPIC, { tenantId: job.tenantId, jobId: job.id, expand: true, publishedAt: deps.now().toISOString() } satisfies ChunkMessage);
      result.searchesRepublished++;
    }
    await scheduleFinalizeCheck(deps, job.tenantId, job.id);
    result.jobsChecked++;
  });
  await inParallel(work, ENQUEUE_CONCURRENCY);
}

/** Runs the tasks with at most `limit` at a time; the first failure is thrown once all have settled. */
async function inParallel(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task().catch((err: unknown) => failures.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failures.length > 0) throw failures[0];
}
