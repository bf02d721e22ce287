import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearProject, testFirestore } from '../helpers/firestore.js';
import { jobsRepository } from '../../modules/jobs/repository/jobs.js';
import { jobDocPath, type JobRecord } from '../../shared/domain/job.js';

// A job's counts read at the time the job (or its page, or its open items) was read: five count
// queries sent together (or, for a small job, one read of its items), and a snapshot that agrees
// with what was read (the Firestore emulator).
const projectId = 'demo-job-counts-read-time';
const db = testFirestore(projectId);
const jobs = jobsRepository(async () => db);
const T = 'tenant-counts';
const at = '2026-12-01T10:00:00.000Z';
const job: JobRecord = { id: 'job_00000000000000000001', tenantId: T, type: 'update', provider: 'twilio', status: 'queued', itemCount: 3, createdBy: 'u1', createdAt: at, updatedAt: at };

beforeAll(async () => {
  await clearProject(projectId);
  await db.doc(jobDocPath(T, job.id)).set(job);
  await jobs.writeItems(T, job.id, [0, 1, 2].map((index) => ({ index, input: { numberId: `num_${index}` } })), at);
});
afterAll(() => db.terminate());

describe('item counts at a read time', () => {
  it('are the counts as they were when the job, its page or its open items were read; without one, as they are now', async () => {
    const read = await jobs.readJob(T, job.id);
    const page = await jobs.listJobs(T, 10);
    const open = await jobs.openItems(T, job.id);
    expect(read.job).toMatchObject({ id: job.id });
    expect(page.items.map((j) => j.id)).toEqual([job.id]);
    expect(open.any).toBe(true);

    await jobs.updateItem({ tenantId: T, jobId: job.id, itemId: 'it_00000' }, { state: 'succeeded', finishedAt: at, updatedAt: at });

    const before = { queued: 3, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    expect(await jobs.itemCounts(T, job.id, read.readAt)).toEqual(before);
    expect(await jobs.itemCounts(T, job.id, page.readAt)).toEqual(before);
    expect(await jobs.itemCounts(T, job.id, open.readAt)).toEqual(before);
    expect(await jobs.itemCounts(T, job.id)).toEqual({ ...before, queued: 2, succeeded: 1 });
    // A small job (its item count given) is counted by reading its items: at the same times, the same counts.
    expect(await jobs.itemCounts(T, job.id, read.readAt, job.itemCount)).toEqual(before);
    expect(await jobs.itemCounts(T, job.id, open.readAt, job.itemCount)).toEqual(before);
    expect(await jobs.itemCounts(T, job.id, undefined, job.itemCount)).toEqual({ ...before, queued: 2, succeeded: 1 });
  });
});
