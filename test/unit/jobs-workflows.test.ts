/**
 * The bulk-job workflows (modules/jobs/services) with the real jobs and numbers repositories on an
 * in-memory Firestore, a publisher and a task queue that record what they were given, and the
 * numbers purchase workflow against a provider that sells each number once: creation, the chunk
 * worker, one item's delivery, finalize, cancel and the sweeper, in milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import type { Logger } from '../../shared/log.js';
import { usagePath } from '../../shared/domain/limits.js';
import { parseJob, parseJobItem, type JobItemRecord, type JobRecord } from '../../shared/domain/job.js';
import { twilioCapabilities } from '../../shared/providers/twilio/client.js';
import { ProviderError, type NumberProvider, type ProviderNumber } from '../../shared/providers/types.js';
import type { ProviderResolver } from '../../shared/providers/registry.js';
import type { Publisher } from '../../shared/queue/publisher.js';
import type { TaskQueue, TaskRequest } from '../../shared/queue/task-queue.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import { createNumbersStore } from '../../modules/numbers/repository.js';
import { cancelJob, createJob, expandChunk, finalizeIfDone, jobView, runItem, type ChunkMessage, type CreateJobInput, type JobDeps } from '../../modules/jobs/services/jobs.js';
import { jobsRepository } from '../../modules/jobs/repository/jobs.js';
import { sweepJobs } from '../../modules/jobs/services/sweep.js';
import { readJobItemIn, settleJobItemIn } from '../../modules/jobs/index.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';
import { refusal } from '../helpers/refusal.js';

const T = 'tenant-a';
const NUMBERS = ['+14155550100', '+14155550101', '+14155550102'];
const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };
const notExpected = () => Promise.reject(new Error('not expected in this test'));

/** A provider account that sells each number once; `plan` makes the next purchase calls fail ('503': transient, nothing bought; 'refuse': permanent). */
function sellingProvider() {
  const owned = new Map<string, ProviderNumber>();
  const plan: ('503' | 'refuse')[] = [];
  const calls: string[] = [];
  const provider: NumberProvider = {
    name: 'twilio',
    capabilities: twilioCapabilities,
    async purchase(request) {
      calls.push(`POST ${request.phoneNumber}`);
      const step = plan.shift();
      if (step === '503') throw new ProviderError('twilio', 'Service unavailable', { httpStatus: 503, retryable: true, ambiguous: false, providerCode: '20503' });
      if (step === 'refuse' || owned.has(request.phoneNumber)) {
        throw new ProviderError('twilio', 'not available', { httpStatus: 400, retryable: false, kind: 'not_available', providerCode: '21422' });
      }
      const number: ProviderNumber = {
        providerNumberId: `PN${String(owned.size + 1).padStart(32, '0')}`,
        phoneNumber: request.phoneNumber,
        friendlyName: request.phoneNumber,
        provider: 'twilio',
        capabilities: { voice: true, sms: true, mms: false, fax: false },
      };
      owned.set(request.phoneNumber, number);
      return number;
    },
    async findOwned(phoneNumber) {
      calls.push(`GET ${phoneNumber}`);
      return owned.get(phoneNumber);
    },
    verifyCredentials: notExpected,
    search: notExpected,
    get: notExpected,
    list: notExpected,
    update: notExpected,
    release: notExpected,
  };
  return { provider, owned, plan, calls };
}

function arrange() {
  const mem = memoryFirestore();
  const account = sellingProvider();
  let now = Date.parse('2026-12-01T10:00:00.000Z');
  const published: { topic: string; data: ChunkMessage }[] = [];
  const publisher: Publisher = {
    publish: async (topic, data) => {
      published.push({ topic, data: data as ChunkMessage });
      return String(published.length);
    },
  };
  const tasks: TaskRequest[] = [];
  const queue: TaskQueue = {
    enqueue: async (task) => {
      const deduplicated = tasks.some((t) => t.id !== undefined && t.id === task.id);
      if (!deduplicated) tasks.push(task);
      return { name: task.id ?? 'task', deduplicated };
    },
  };
  const providers: ProviderResolver = {
    forTenant: async () => ({ provider: account.provider, accountId: 'platform' }),
    forAccount: async () => account.provider,
    resolveAccountId: async () => 'platform',
    credentials: notExpected,
  };
  const db = async () => mem.firestore;
  const deps: JobDeps = {
    db,
    now: () => new Date(now),
    publisher,
    tasks: queue,
    config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test' }),
    log: silent,
    numbers: createNumbersStore(db),
    providers,
    secrets: new LocalSecretStore(),
    somos: notExpected,
  };
  const jobPath = (jobId: string) => `tenants/${T}/jobs/${jobId}`;
  const job = (jobId: string): JobRecord => parseJob(mem.read(jobPath(jobId)));
  const item = (jobId: string, itemId: string): JobItemRecord => parseJobItem(mem.read(`${jobPath(jobId)}/items/${itemId}`));
  const items = (jobId: string) => mem.list(`${jobPath(jobId)}/items`).map((p) => parseJobItem(mem.read(p)));
  const purchase = (numbers: string[], key = 'key-1') =>
    createJob(deps)(T, 'u1', { type: 'purchase', provider: 'twilio', items: numbers.map((phoneNumber) => ({ phoneNumber })) } satisfies CreateJobInput, key);
  const run = (jobId: string, itemId: string, retryCount = 0) => runItem(deps)({ tenantId: T, jobId, itemId }, { retryCount }, silent);
  const itemTasks = () => tasks.filter((t) => t.url.endsWith('/job-item')).map((t) => t.id);
  return { mem, account, deps, published, tasks, itemTasks, job, item, items, purchase, run, advance: (ms: number) => (now += ms) };
}

describe('createJob (in memory)', () => {
  it('writes a valid purchase job with its itemCount equal to the items written, reserves them, and publishes their chunk', async () => {
    const { purchase, job, items, published, mem } = arrange();
    const { job: created, invalidItems } = await purchase(NUMBERS.slice(0, 2));
    expect(invalidItems).toEqual([]);
    expect(job(created.id)).toMatchObject({ status: 'queued', type: 'purchase', itemCount: 2, reserved: 2, chunksPublishedAt: expect.any(String) });
    expect(items(created.id).map((i) => [i.id, i.state, i.input.phoneNumber])).toEqual([
      ['it_00000', 'queued', NUMBERS[0]],
      ['it_00001', 'queued', NUMBERS[1]],
    ]);
    expect(published.map((p) => [p.topic, p.data.from, p.data.to, p.data.indexes])).toEqual([['jobs-chunks', 0, 2, [0, 1]]]);
    expect(mem.read(usagePath(T))?.heldNumbers).toBe(2);
  });

  it('says a new job was created, so its answer shows the counts its creation stored; a replay counts its items as they are now', async () => {
    const { purchase, deps, run } = arrange();
    const first = await purchase(NUMBERS.slice(0, 2));
    expect(first.created).toBe(true);
    const repository = jobsRepository(deps.db);
    let counted = 0;
    const jobs = { itemCounts: (...args: Parameters<typeof repository.itemCounts>) => (counted++, repository.itemCounts(...args)) };
    expect((await jobView(jobs, first.job, deps.now(), { justCreated: true })).counts).toEqual({ queued: 2, running: 0, succeeded: 0, failed: 0, cancelled: 0 });
    expect(counted).toBe(0);
    expect(await run(first.job.id, 'it_00000')).toBe('succeeded');
    const replay = await purchase(NUMBERS.slice(0, 2));
    expect(replay.created).toBe(false);
    expect((await jobView(jobs, replay.job, deps.now())).counts).toEqual({ queued: 1, running: 0, succeeded: 1, failed: 0, cancelled: 0 });
    expect(counted).toBe(1);
  });

  it('stores only the valid items and names the invalid one; refuses with 400 when every item is invalid', async () => {
    const { purchase, items, published } = arrange();
    const { job: created, invalidItems } = await purchase([NUMBERS[0]!, 'not-a-number']);
    expect(invalidItems).toMatchObject([{ index: 1, issues: [{ path: expect.stringMatching(/^items\[1\]\.phoneNumber/) }] }]);
    expect(items(created.id).map((i) => i.index)).toEqual([0]);

    const refused = await refusal(purchase(['nope'], 'key-2'));
    expect(refused).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', details: { invalidCount: 1, invalidItems: [{ index: 0 }] } });
    expect(published).toHaveLength(1); // the first job's chunk only
  });
});

describe('the chunk worker (in memory)', () => {
  it('enqueues one task per item and starts the job; a redelivered chunk enqueues the same task ids (deduplicated)', async () => {
    const { deps, purchase, published, itemTasks, job } = arrange();
    const { job: created } = await purchase(NUMBERS);
    const chunk = published[0]!.data;
    expect(await expandChunk(deps)(chunk, silent)).toEqual({ enqueued: 3 });
    const ids = itemTasks();
    expect(ids).toEqual(['it_00000', 'it_00001', 'it_00002'].map((i) => `job-${T}-${created.id}-${i}`));
    expect(job(created.id)).toMatchObject({ status: 'running', startedAt: expect.any(String) });

    await expandChunk(deps)(chunk, silent);
    expect(itemTasks()).toEqual(ids); // the same names: the queue dropped the copies
  });

  it('cancels the queued items of a chunk whose job is being cancelled, and enqueues none', async () => {
    const { deps, mem, purchase, published, itemTasks, items } = arrange();
    const { job: created } = await purchase(NUMBERS.slice(0, 2));
    mem.write(`tenants/${T}/jobs/${created.id}`, { ...mem.read(`tenants/${T}/jobs/${created.id}`), cancelRequested: true });
    expect(await expandChunk(deps)(published[0]!.data, silent)).toEqual({ enqueued: 0 });
    expect(itemTasks()).toEqual([]);
    expect(items(created.id).map((i) => i.state)).toEqual(['cancelled', 'cancelled']);
  });
});

describe('runItem (in memory)', () => {
  it('buys the number: the item succeeds with it and the number is active', async () => {
    const { purchase, run, item, mem, account } = arrange();
    const { job: created } = await purchase([NUMBERS[0]!]);
    expect(await run(created.id, 'it_00000')).toBe('succeeded');
    const done = item(created.id, 'it_00000');
    expect(done).toMatchObject({ state: 'succeeded', attempts: 1, leaseUntil: null, result: { status: 'active', numberId: expect.stringMatching(/^num_/) } });
    expect(mem.read(`tenants/${T}/numbers/${String(done.result!.numberId)}`)).toMatchObject({ status: 'active', phoneNumber: NUMBERS[0] });
    expect(account.calls).toEqual([`POST ${NUMBERS[0]}`]);
  });

  it('changes the number of an update item, reading it once outside transactions (while the item is claimed)', async () => {
    const { purchase, run, item, mem, deps } = arrange();
    const { job: bought } = await purchase([NUMBERS[0]!]);
    expect(await run(bought.id, 'it_00000')).toBe('succeeded');
    const numberId = String(item(bought.id, 'it_00000').result!.numberId);
    const { job: update } = await createJob(deps)(T, 'u1', { type: 'update', provider: 'twilio', items: [{ numberId, changes: { tags: ['night'] } }] } satisfies CreateJobInput, 'key-update');
    const numberPath = `tenants/${T}/numbers/${numberId}`;
    // Each read of the number, with how many transactions had committed when it was asked for.
    const commitsAtRead: number[] = [];
    const reads = mem.stats.reads;
    const push = reads.push.bind(reads);
    reads.push = (...paths: string[]) => {
      for (const path of paths) if (path === numberPath) commitsAtRead.push(mem.stats.commits);
      return push(...paths);
    };
    const before = mem.stats.commits;

    expect(await run(update.id, 'it_00000')).toBe('succeeded');

    expect(mem.read(numberPath)).toMatchObject({ tags: ['night'] });
    // Once, asked for before the claim's transaction committed.
    expect(commitsAtRead).toEqual([before]);
  });

  it('fails the item at once on a permanent provider refusal (no retry asked)', async () => {
    const { purchase, run, item, account } = arrange();
    const { job: created } = await purchase([NUMBERS[0]!]);
    account.plan.push('refuse');
    expect(await run(created.id, 'it_00000')).toBe('failed');
    expect(item(created.id, 'it_00000')).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'PROVIDER_ERROR', retryable: false } });
  });

  it('leaves the item queued for the queue to retry on a transient failure, and buys it on the next delivery', async () => {
    const { purchase, run, item, account } = arrange();
    const { job: created } = await purchase([NUMBERS[0]!]);
    account.plan.push('503');
    const retried = await refusal(run(created.id, 'it_00000'));
    expect(retried.details).toMatchObject({ retryable: true });
    expect(item(created.id, 'it_00000')).toMatchObject({ state: 'queued', attempts: 1, error: { retryable: true } });
    expect(await run(created.id, 'it_00000', 1)).toBe('succeeded');
    expect(item(created.id, 'it_00000')).toMatchObject({ state: 'succeeded', attempts: 2 });
  });

  it('does nothing on a duplicate delivery of a finished item', async () => {
    const { purchase, run, item, account } = arrange();
    const { job: created } = await purchase([NUMBERS[0]!]);
    await run(created.id, 'it_00000');
    const before = item(created.id, 'it_00000');
    expect(await run(created.id, 'it_00000')).toBe('already_final');
    expect(item(created.id, 'it_00000')).toEqual(before);
    expect(account.calls).toHaveLength(1);
  });
});

describe('finalize (in memory)', () => {
  it.each([
    { plan: [] as ('refuse' | '503')[], status: 'completed', counts: { succeeded: 2, failed: 0 }, held: 2 },
    { plan: ['refuse' as const], status: 'completed_with_errors', counts: { succeeded: 1, failed: 1 }, held: 1 },
    { plan: ['refuse' as const, 'refuse' as const], status: 'failed', counts: { succeeded: 0, failed: 2 }, held: 0 },
  ])('ends the job $status from its items’ states, once, returning the unused reservations', async ({ plan, status, counts, held }) => {
    const { deps, purchase, run, job, account, mem, advance } = arrange();
    const { job: created } = await purchase(NUMBERS.slice(0, 2));
    account.plan.push(...plan);
    await run(created.id, 'it_00000');
    await run(created.id, 'it_00001');
    await finalizeIfDone(deps, T, created.id, silent);
    const finished = job(created.id);
    expect(finished).toMatchObject({ status, finishedAt: expect.any(String), finalCounts: { ...counts, queued: 0, running: 0, cancelled: 0 } });
    expect(mem.read(usagePath(T))?.heldNumbers).toBe(held);

    advance(60_000);
    await finalizeIfDone(deps, T, created.id, silent);
    expect(job(created.id)).toEqual(finished);
    expect(mem.read(usagePath(T))?.heldNumbers).toBe(held);
  });

  it('leaves a job with an open item open', async () => {
    const { deps, purchase, run, job } = arrange();
    const { job: created } = await purchase(NUMBERS.slice(0, 2));
    await run(created.id, 'it_00000');
    await finalizeIfDone(deps, T, created.id, silent);
    expect(job(created.id)).toMatchObject({ status: 'queued' });
    expect(job(created.id).finishedAt).toBeUndefined();
  });
});

describe('cancel (in memory)', () => {
  it('leaves unfinished a job whose creation put its items out after the check found none open', async () => {
    const { deps, mem, job } = arrange();
    // A purchase job as its creation first writes it (no items yet, not published), 11 minutes old.
    const jobId = 'job_00000000000000000abc';
    const createdAt = new Date(deps.now().getTime() - 11 * 60_000).toISOString();
    const path = `tenants/${T}/jobs/${jobId}`;
    mem.write(path, { id: jobId, tenantId: T, type: 'update', provider: 'twilio', status: 'queued', itemCount: 2, createdBy: 'u1', createdAt, updatedAt: createdAt });
    // The creation writes its two items and marks them published just as the check's transaction begins.
    const creationFinishes = () => {
      for (const index of [0, 1]) mem.write(`${path}/items/it_0000${index}`, { id: `it_0000${index}`, jobId, tenantId: T, index, state: 'queued', input: {}, attempts: 0, updatedAt: createdAt });
      mem.write(path, { ...mem.read(path), chunksPublishedAt: deps.now().toISOString() });
    };
    const hooked = Object.create(mem.firestore) as typeof mem.firestore;
    Object.defineProperty(hooked, 'runTransaction', {
      value: (fn: never, options?: { readOnly?: boolean }) => {
        if (!options?.readOnly) creationFinishes();
        return mem.firestore.runTransaction(fn, options);
      },
    });

    expect(await finalizeIfDone({ ...deps, db: async () => hooked }, T, jobId, silent)).toBeUndefined();
    expect(job(jobId).finishedAt).toBeUndefined(); // not failed for items it counted as missing
    expect(job(jobId).status).toBe('queued');
  });

  it('answers a cancel with nothing running with the job it finished, as stored', async () => {
    const { deps, purchase, job } = arrange();
    const { job: created } = await purchase(NUMBERS.slice(0, 2));
    let tick = 0;
    const ticking = { ...deps, now: () => new Date(Date.parse('2026-12-01T10:00:00.000Z') + (tick += 1000)) }; // each step a second later
    const cancelled = await cancelJob(ticking)(T, created.id, silent);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelRequested: true, finishedAt: expect.any(String), finalCounts: { cancelled: 2, queued: 0 } });
    expect(cancelled).toEqual(job(created.id));
  });

  it('cancels the queued items and leaves a running one to finish; the job then ends cancelled', async () => {
    const { deps, mem, purchase, items, job, run } = arrange();
    const { job: created } = await purchase(NUMBERS);
    const running = `tenants/${T}/jobs/${created.id}/items/it_00000`;
    mem.write(running, { ...mem.read(running), state: 'running', attempts: 1, leaseUntil: new Date(deps.now().getTime() + 60_000).toISOString() });

    const cancelled = await cancelJob(deps)(T, created.id, silent);
    expect(cancelled).toEqual(job(created.id)); // as stored: cancelling, not finished
    expect(items(created.id).map((i) => i.state)).toEqual(['running', 'cancelled', 'cancelled']);
    expect(job(created.id)).toMatchObject({ cancelRequested: true });
    expect(job(created.id).finishedAt).toBeUndefined(); // its running item has not finished
    expect(await run(created.id, 'it_00000')).toBe('busy'); // still leased: not taken over

    mem.write(running, { ...mem.read(running), state: 'succeeded', leaseUntil: null, finishedAt: deps.now().toISOString() });
    await finalizeIfDone(deps, T, created.id, silent);
    expect(job(created.id)).toMatchObject({ status: 'cancelled', finalCounts: { succeeded: 1, cancelled: 2 } });
    expect((await refusal(cancelJob(deps)(T, created.id, silent))).code).toBe('CONFLICT');
  });
});

describe('item counts (in memory)', () => {
  /** The jobs repository over a database whose transactions note each read they make. */
  const watched = (mem: ReturnType<typeof memoryFirestore>) => {
    const reads: string[] = [];
    const firestore = new Proxy(mem.firestore, {
      get: (target, key) =>
        key === 'runTransaction'
          ? (fn: (tx: unknown) => Promise<unknown>, options?: unknown) =>
              target.runTransaction(
                (tx) =>
                  fn(
                    new Proxy(tx, {
                      get: (t, name) =>
                        name === 'get'
                          ? (what: object) => {
                              reads.push(what.constructor.name);
                              return t.get(what as Parameters<typeof t.get>[0]);
                            }
                          : (Reflect.get(t, name) as unknown),
                    }),
                  ),
                options as Parameters<typeof target.runTransaction>[1],
              )
          : (Reflect.get(target, key) as unknown),
    });
    return { repository: jobsRepository(async () => firestore), reads };
  };

  it('counts a small job by reading its items, in one query, to the same counts as one count query per state', async () => {
    const { purchase, run, mem } = arrange();
    const { job: created } = await purchase(NUMBERS);
    expect(await run(created.id, 'it_00000')).toBe('succeeded');
    const { repository, reads } = watched(mem);

    const byReading = await repository.itemCounts(T, created.id, undefined, created.itemCount);
    const readsByReading = reads.length;
    const byState = await repository.itemCounts(T, created.id);

    expect(byReading).toEqual({ queued: 2, running: 0, succeeded: 1, failed: 0, cancelled: 0 });
    expect(byState).toEqual(byReading);
    expect(readsByReading).toBe(1);
    expect(reads.length - readsByReading).toBe(5);
  });

  it('counts per state a job found to have more items than it was expected to have', async () => {
    const { purchase, mem } = arrange();
    const { job: created } = await purchase(NUMBERS);
    for (let i = 0; i < 30; i++) mem.write(`tenants/${T}/jobs/${created.id}/items/extra_${i}`, { state: 'failed' });
    const { repository } = watched(mem);

    const counts = await repository.itemCounts(T, created.id, undefined, created.itemCount);

    expect(counts).toEqual({ queued: 3, running: 0, succeeded: 0, failed: 30, cancelled: 0 });
  });
});

describe('the sweeper (in memory)', () => {
  it('gives an item left queued without a task beyond the bound a new task, and leaves a fresh one alone', async () => {
    const { deps, purchase, itemTasks, advance } = arrange();
    const { job: old } = await purchase([NUMBERS[0]!], 'old');
    advance(deps.config.JOB_SWEEP_STALE_MS + 1000);
    const { job: fresh } = await purchase([NUMBERS[1]!], 'fresh');

    const result = await sweepJobs(deps)({}, silent);
    expect(result).toMatchObject({ requeued: 1, alreadyQueued: 0, cancelled: 0 });
    expect(itemTasks()).toEqual([expect.stringMatching(new RegExp(`^job-${T}-${old.id}-it_00000-sweep-q0-`))]);
    expect(itemTasks().some((id) => id?.includes(fresh.id))).toBe(false);

    // Swept again before that task ran: the same name, dropped by the queue.
    expect(await sweepJobs(deps)({}, silent)).toMatchObject({ requeued: 0, alreadyQueued: 1 });
  });

  it('leaves out an item that does not match its schema and sweeps the others', async () => {
    const { deps, mem, purchase, itemTasks, advance } = arrange();
    const { job: broken } = await purchase([NUMBERS[0]!], 'broken');
    const { job: other } = await purchase([NUMBERS[1]!], 'other');
    const corrupt = `tenants/${T}/jobs/${broken.id}/items/it_00000`;
    mem.write(corrupt, { ...mem.read(corrupt), attempts: 'many' });
    advance(deps.config.JOB_SWEEP_STALE_MS + 1000);

    expect(await sweepJobs(deps)({}, silent)).toMatchObject({ requeued: 1 });
    expect(itemTasks()).toEqual([expect.stringMatching(new RegExp(`^job-${T}-${other.id}-it_00000-sweep-q0-`))]);
  });
});

describe('settling a job item from another module’s transaction (index: readJobItemIn, settleJobItemIn)', () => {
  it('reads the item through its schema and ends it with the outcome', async () => {
    const { deps, mem, purchase, item } = arrange();
    const { job: created } = await purchase([NUMBERS[0]!]);
    const path = `tenants/${T}/jobs/${created.id}/items/it_00000`;
    mem.write(path, { ...mem.read(path), state: 'running', attempts: 1, waitingFor: { kind: 'number-order', id: 'num_1' }, result: { numberId: 'num_1', status: 'pending' } });
    const origin = { jobId: created.id, itemId: 'it_00000' };
    const firestore = await deps.db();
    const read = await firestore.runTransaction(async (tx) => {
      const current = await readJobItemIn(tx, firestore, T, origin);
      if (current?.state === 'running') settleJobItemIn(tx, firestore, T, origin, { state: 'failed', error: { code: 'PROVIDER_ERROR', message: 'order failed', retryable: false } }, '2026-12-01T11:00:00.000Z');
      return current;
    });
    expect(read).toMatchObject({ state: 'running', waitingFor: { kind: 'number-order' } });
    const settled = item(created.id, 'it_00000');
    expect(settled).toMatchObject({ state: 'failed', finishedAt: '2026-12-01T11:00:00.000Z', leaseUntil: null, error: { code: 'PROVIDER_ERROR' } });
    expect(settled.waitingFor).toBeUndefined();
    expect(settled.result).toBeUndefined(); // a failure keeps no pending result
  });
});
