/**
 * The real CloudTasksQueue (the Cloud Tasks REST API, tasks.create) against a local fake of that
 * REST surface.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../shared/log.js';
import { CloudTasksError, CloudTasksQueue } from '../../shared/queue/cloud-tasks-queue.js';
import { InvalidTaskError } from '../../shared/queue/task-queue.js';
import { startFakeCloudTasks, type FakeCloudTasks } from '../helpers/fake-cloud-tasks.js';

const SA = 'tasks-invoker@fake-project.iam.gserviceaccount.com';
let fake: FakeCloudTasks;
let queue: CloudTasksQueue;
const logLines: string[] = [];
let restoreSink: () => void;

beforeAll(async () => {
  restoreSink = setLogSink((line) => logLines.push(line));
  fake = await startFakeCloudTasks();
  queue = new CloudTasksQueue({
    projectId: 'fake-project',
    location: 'europe-west1',
    serviceAccountEmail: SA,
    apiEndpoint: `http://127.0.0.1:${fake.port}`,
    accessToken: async () => 'token-1',
  });
});

afterAll(async () => {
  await queue?.close();
  await fake?.close();
  restoreSink?.();
});

const parent = 'projects/fake-project/locations/europe-west1/queues/followups';

describe('CloudTasksQueue (REST) against a fake Cloud Tasks', () => {
  it('creates a named, scheduled HTTP task with an OIDC token and a base64 JSON body', async () => {
    const scheduleAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000 + 678);
    const body = { purchaseId: 'pur_123', attempt: 1, note: 'ünïcødé' };
    const result = await queue.enqueue({
      queue: 'followups',
      url: 'https://numbers-api-abc123-ew.a.run.app/tasks/check-purchase?x=1',
      body,
      headers: { 'X-Request-Id': 'req-1', 'content-type': 'text/plain' },
      scheduleAt,
      id: 'check-purchase_pur_123',
    });
    expect(result).toEqual({ name: `${parent}/tasks/check-purchase_pur_123`, deduplicated: false });

    const req = fake.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/v2/${parent}/tasks`);
    expect(req.headers.authorization).toBe('Bearer token-1');
    // The exact task the service receives.
    expect(req.body).toEqual({
      task: {
        name: `${parent}/tasks/check-purchase_pur_123`,
        scheduleTime: scheduleAt.toISOString(), // RFC 3339 with millis, e.g. 2030-01-02T03:04:05.678Z
        httpRequest: {
          url: 'https://numbers-api-abc123-ew.a.run.app/tasks/check-purchase?x=1',
          httpMethod: 'POST',
          headers: { 'X-Request-Id': 'req-1', 'Content-Type': 'application/json' },
          body: Buffer.from(JSON.stringify(body)).toString('base64'),
          oidcToken: { serviceAccountEmail: SA, audience: 'https://numbers-api-abc123-ew.a.run.app' },
        },
      },
    });
  });

  it('dedupes by id: ALREADY_EXISTS (409) → deduplicated', async () => {
    const task = { queue: 'followups', url: 'https://fn.example.com/t', body: { a: 1 }, id: 'dup-1' };
    expect(await queue.enqueue(task)).toEqual({ name: `${parent}/tasks/dup-1`, deduplicated: false });
    expect(await queue.enqueue(task)).toEqual({ name: `${parent}/tasks/dup-1`, deduplicated: true });
    expect([...fake.tasks.keys()].filter((n) => n.endsWith('/dup-1'))).toHaveLength(1);
  });

  it('without an id the service names the task; no scheduleTime is sent', async () => {
    const result = await queue.enqueue({ queue: 'provider-twilio', url: 'http://127.0.0.1:9999/p', body: null });
    expect(result.deduplicated).toBe(false);
    expect(result.name).toMatch(/^projects\/fake-project\/locations\/europe-west1\/queues\/provider-twilio\/tasks\/[0-9a-f]{32}$/);
    const task = fake.requests.at(-1)!.body!.task!;
    expect(task.name).toBeUndefined();
    expect(task.scheduleTime).toBeUndefined();
    expect(task.httpRequest).toMatchObject({ body: Buffer.from('null').toString('base64'), oidcToken: { audience: 'http://127.0.0.1:9999' } });
  });

  it('rejects invalid requests before calling the service', async () => {
    const before = fake.requests.length;
    const ok = { queue: 'followups', url: 'https://fn.example.com/t', body: {} };
    await expect(queue.enqueue({ ...ok, id: 'bad id' })).rejects.toBeInstanceOf(InvalidTaskError);
    await expect(queue.enqueue({ ...ok, id: 'x'.repeat(501) })).rejects.toBeInstanceOf(InvalidTaskError);
    await expect(queue.enqueue({ ...ok, url: '/relative' })).rejects.toThrow(/absolute/);
    await expect(queue.enqueue({ ...ok, queue: 'bad_queue' })).rejects.toThrow(/queue id/);
    await expect(queue.enqueue({ ...ok, scheduleAt: new Date(Date.now() + 31 * 86_400_000) })).rejects.toThrow(/30 days/);
    expect(fake.requests.length).toBe(before);
  });

  it('other service errors propagate (a 409 ABORTED is not a dedupe)', async () => {
    const task = { queue: 'followups', url: 'https://fn.example.com/t', body: {}, id: 'err-1' };
    fake.faults.nextError = { httpStatus: 403, status: 'PERMISSION_DENIED' };
    const denied = await queue.enqueue(task).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(CloudTasksError);
    expect(denied).toMatchObject({ code: 7, httpStatus: 403 });
    expect(String(denied)).toContain('PERMISSION_DENIED');
    fake.faults.nextError = { httpStatus: 409, status: 'ABORTED' };
    await expect(queue.enqueue(task)).rejects.toMatchObject({ code: 10 });
    expect(await queue.enqueue(task)).toEqual({ name: `${parent}/tasks/err-1`, deduplicated: false });
  });

  it('one attempt, as the client library makes for CreateTask: an unanswered call is UNAVAILABLE, not retried (an unnamed task could be made twice)', async () => {
    let calls = 0;
    const unreachable = new CloudTasksQueue({
      projectId: 'fake-project',
      location: 'europe-west1',
      serviceAccountEmail: SA,
      accessToken: async () => undefined,
      fetchImpl: async () => {
        calls++;
        throw new TypeError('fetch failed');
      },
    });
    await expect(unreachable.enqueue({ queue: 'followups', url: 'https://fn.example.com/t', body: {} })).rejects.toMatchObject({ code: 14, httpStatus: 0 });
    expect(calls).toBe(1);
  });
});
