import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type ApiClient } from '../helpers/api.js';
import { emulatorEnv } from '../helpers/env.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { startStack, type Stack } from '../../scripts/local/stack.js';
import { getDeps } from '../../shared/deps.js';
import { createJob } from '../../modules/jobs/services/jobs.js';
import type { AvailableNumbers, Job } from '../helpers/api-types.js';

// The sweeper (scheduledJobSweep): job items that lost their task — their creation died after writing
// them, or the dev stack was stopped mid-job — get a new one, and their job finishes.
const projectId = 'demo-job-sweep';
let stack: Stack & { dataDir: string };
let member: ApiClient;
const db = testFirestore(projectId);
const hourAgo = () => new Date(Date.now() - 3600_000).toISOString();

beforeAll(async () => {
  stack = await startTestStack(projectId, { QUEUE_RATE_TWILIO: '40' });
  member = apiClient(stack.url, await stack.token('carrier', 'member', 'ops'));
});
afterAll(async () => {
  await stack?.stop();
  await db.terminate();
});

const available = async (areaCode: string, count: number) => {
  const res = await member.get<AvailableNumbers>(`/v1/numbers/available?provider=twilio&areaCode=${areaCode}&limit=${count}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.map((n) => n.phoneNumber);
};

/**
 * A purchase job written through the service as the API writes it, but whose chunks never reach the
 * worker: what a creation that died between writing the items and enqueuing their tasks leaves.
 */
async function strandedJob(numbers: string[]): Promise<string> {
  const deps = { ...getDeps(), publisher: { publish: async () => 'dropped' } };
  const { job } = await createJob(deps)('carrier', 'ops', { type: 'purchase', provider: 'twilio', items: numbers.map((phoneNumber) => ({ phoneNumber })) }, undefined);
  return job.id;
}

const items = async (jobId: string) =>
  (await db.collection(`tenants/carrier/jobs/${jobId}/items`).orderBy('index').get()).docs.map((d) => d.data() as { id: string; state: string; attempts: number; leaseUntil?: string | null; updatedAt: string });

async function sweep(body: Record<string, unknown> = {}) {
  const url = `${stack.url}/internal/scheduled/job-sweep`;
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${await stack.taskToken(url)}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, number>;
}

async function finished(jobId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await member.get<Job>(`/v1/jobs/${jobId}`)).body;
    if (job.finishedAt) return job;
    if (Date.now() > deadline) throw new Error(`job not finished: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('job sweep', () => {
  let leased: { jobId: string; item: Awaited<ReturnType<typeof items>>[number] };

  it('gives stranded items a new task, once, and their job finishes; an item under a live lease is left alone', async () => {
    const numbers = await available('415', 4);
    // Job A: three items nobody enqueued, the third one claimed by a worker that died an hour ago.
    const jobA = await strandedJob(numbers.slice(0, 3));
    // Job B: its one item is running under a lease that ends in 10 minutes (a worker is buying it).
    const jobB = await strandedJob(numbers.slice(3));
    const stale = hourAgo();
    for (const item of await items(jobA)) await db.doc(`tenants/carrier/jobs/${jobA}/items/${item.id}`).update({ updatedAt: stale });
    await db.doc(`tenants/carrier/jobs/${jobA}/items/it_00002`).update({ state: 'running', attempts: 1, leaseUntil: stale });
    await db.doc(`tenants/carrier/jobs/${jobB}/items/it_00000`).update({ state: 'running', attempts: 1, leaseUntil: new Date(Date.now() + 600_000).toISOString(), updatedAt: stale });
    for (const jobId of [jobA, jobB]) await db.doc(`tenants/carrier/jobs/${jobId}`).update({ updatedAt: stale });
    leased = { jobId: jobB, item: (await items(jobB))[0]! };

    await new Promise((r) => setTimeout(r, 1000));
    expect((await items(jobA)).map((i) => i.state)).toEqual(['queued', 'queued', 'running']); // stranded: nothing comes for them

    const first = await sweep();
    expect(first).toMatchObject({ requeued: 3, alreadyQueued: 0, cancelled: 0, leftToLiveJobs: 0 });
    expect(first.jobsChecked).toBeGreaterThanOrEqual(2);
    const job = await finished(jobA);
    expect(job).toMatchObject({ status: 'completed', counts: { succeeded: 3, queued: 0, running: 0 } });
    for (const phoneNumber of numbers.slice(0, 3)) expect(stack.twilio!.purchaseCounts()[phoneNumber]).toBe(1);

    // The leased item: not given a task, not changed; its job stays open.
    expect((await items(jobB))[0]).toEqual(leased.item);
    expect(stack.twilio!.purchaseCounts()[numbers[3]!]).toBeUndefined();
    expect((await member.get<Job>(`/v1/jobs/${jobB}`)).body.finishedAt).toBeUndefined();

    // Nothing left to sweep: a second run gives no item a task.
    expect(await sweep()).toMatchObject({ requeued: 0, alreadyQueued: 0 });
  });

  it('leaves recent items alone, and an old one of a job that is still moving', async () => {
    const numbers = await available('212', 2);
    const fresh = await strandedJob(numbers.slice(0, 1));
    const moving = await strandedJob(numbers.slice(1));
    await db.doc(`tenants/carrier/jobs/${moving}/items/it_00000`).update({ updatedAt: hourAgo() });
    // Another item of the same job changed a moment ago: the job is alive, its waiting item is in the queue behind it.
    await db.doc(`tenants/carrier/jobs/${moving}/items/it_00001`).set({ id: 'it_00001', jobId: moving, tenantId: 'carrier', index: 1, state: 'succeeded', input: {}, attempts: 1, updatedAt: new Date().toISOString() });
    expect(await sweep()).toMatchObject({ requeued: 0, leftToLiveJobs: 1 });
    expect((await items(fresh))[0]!.state).toBe('queued');
    expect((await items(moving))[0]!.state).toBe('queued');
  });

  it('a dev stack started again resumes what the stopped one left: every item ends and every job finishes', async () => {
    const stranded = (await db.collectionGroup('items').where('state', '==', 'queued').get()).docs.map((d) => d.ref.parent.parent!.id);
    expect(stranded.length).toBe(2); // the previous test's two jobs
    // Ctrl-C: the local queue (and with it any task) is gone; then `npm start` on the same data.
    const { dataDir } = stack;
    await stack.stop();
    const emulators = emulatorEnv();
    // A new process would not have the old sandboxes' addresses (the stack set them for itself).
    for (const key of Object.keys(process.env)) if (key.endsWith('_API_BASE_URL')) delete process.env[key];
    stack = Object.assign(await startStack({ port: 0, dataDir, projectId, firestoreHost: emulators.firestoreHost, pubsubHost: emulators.pubsubHost }), { dataDir });
    member = apiClient(stack.url, await stack.token('carrier', 'member', 'ops'));
    for (const jobId of stranded) expect((await finished(jobId)).status).toBe('completed');
    // The leased item still waits for its lease (its task comes when the lease ends): untouched.
    expect((await items(leased.jobId))[0]).toEqual(leased.item);
  });
});
