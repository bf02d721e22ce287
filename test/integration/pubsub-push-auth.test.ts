import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Firestore } from '@google-cloud/firestore';
import { testFirestore } from '../helpers/firestore.js';
import { emulatorEnv } from '../helpers/env.js';
import { startTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import type { Stack } from '../../scripts/local/stack.js';
import { ensureDevKeys, mintDevTaskToken } from '../../scripts/local/dev-auth.js';
import { getConfig } from '../../shared/config.js';
import { defaultPushServiceAccount, pushTarget } from '../../shared/auth/verify-push.js';
import { PubSubPublisher } from '../../shared/queue/pubsub-publisher.js';

// Pub/Sub push handlers (the job chunk worker and the dead-letter handler) take a push only with the
// push subscription's OIDC token: Google-signed (the dev key here), for the push service account,
// addressed to the function. A forged push — through the dev gateway or straight to the function —
// is answered 401 and changes nothing; the stack's own pushes (emulator → relay) still go through.
const projectId = 'demo-push-auth';
const VICTIM = 'victim';
const JOB = 'job_forged_target';
const ITEMS = 60;
let stack: Stack & { dataDir: string };
let db: Firestore;
const servers: Server[] = [];

const pushBody = (data: unknown, messageId = `forged-${Math.random()}`) => ({
  message: { data: Buffer.from(JSON.stringify(data)).toString('base64'), messageId, publishTime: new Date().toISOString(), attributes: {} },
  subscription: `projects/${projectId}/subscriptions/jobsDeadLetter-push`,
});
const chunk = (jobId: string, to: number) => ({ tenantId: VICTIM, jobId, from: 0, to, publishedAt: new Date().toISOString() });

async function writeJob(jobId: string, items: number): Promise<void> {
  const now = new Date().toISOString();
  const job = db.doc(`tenants/${VICTIM}/jobs/${jobId}`);
  await job.set({ id: jobId, tenantId: VICTIM, type: 'purchase', provider: 'twilio', accountId: 'platform', status: 'queued', itemCount: items, reserved: 0, createdBy: 'ops', createdAt: now, updatedAt: now, chunksPublishedAt: now });
  const batch = db.batch();
  for (let index = 0; index < items; index++) {
    const id = `it_${String(index).padStart(5, '0')}`;
    batch.set(job.collection('items').doc(id), { id, jobId, tenantId: VICTIM, index, state: 'queued', input: { phoneNumber: `+1415555${String(1000 + index)}` }, attempts: 0, updatedAt: now });
  }
  await batch.commit();
}

/** Everything the forged pushes could touch: the job, its items (with their update times) and the task queue. */
async function snapshot(jobId: string) {
  const job = await db.doc(`tenants/${VICTIM}/jobs/${jobId}`).get();
  const items = await db.collection(`tenants/${VICTIM}/jobs/${jobId}/items`).get();
  return {
    job: { data: job.data(), updateTime: job.updateTime?.toMillis() },
    items: items.docs.map((d) => ({ id: d.id, data: d.data(), updateTime: d.updateTime.toMillis() })),
    tasks: JSON.stringify(stack.tasks.stats()),
  };
}

/** The function's own functions-framework server, as deployed (no gateway in front). */
async function functionServer(name: string): Promise<string> {
  const server = getTestServer(name);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  stack = await startTestStack(projectId);
  db = testFirestore(projectId);
  await writeJob(JOB, ITEMS);
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await stack?.stop();
});

describe('forged Pub/Sub pushes', () => {
  it('are refused with 401 — no token, a bad one, another audience, another identity, another key — and change nothing', async () => {
    const config = getConfig();
    const audience = (name: string) => pushTarget(config, { name }).audience;
    const pushAccount = defaultPushServiceAccount(projectId);
    expect(config.PUBSUB_PUSH_SERVICE_ACCOUNT).toBe(pushAccount);
    const stackKeys = await ensureDevKeys(path.join(stack.dataDir, 'auth'));
    const strangerKeys = await ensureDevKeys(path.join(await mkdtemp(path.join(tmpdir(), 'stranger-')), 'auth'));
    const tenantAdmin = await stack.token(VICTIM, 'admin');
    const before = await snapshot(JOB);
    expect(before.items).toHaveLength(ITEMS);

    const direct = { jobsDeadLetter: await functionServer('jobsDeadLetter'), jobsChunkWorker: await functionServer('jobsChunkWorker') };
    const checked: string[] = [];
    for (const name of ['jobsDeadLetter', 'jobsChunkWorker'] as const) {
      const other = name === 'jobsDeadLetter' ? 'jobsChunkWorker' : 'jobsDeadLetter';
      const tokens: Record<string, string | undefined> = {
        'no token': undefined,
        'not a JWT': 'forged',
        'push token for the other push function': await stack.pushToken(audience(other)),
        'push token for a task endpoint': await stack.pushToken(`${stack.url}/internal/tasks/job-item`),
        'push token for the gateway root': await stack.pushToken(stack.url),
        'task token (tasks service account) for this function': await stack.taskToken(audience(name)),
        'token of another service account (the stack’s own key)': await mintDevTaskToken(stackKeys, { audience: audience(name), serviceAccount: `attacker@${projectId}.iam.gserviceaccount.com` }),
        'push service account, signed by another key': await mintDevTaskToken(strangerKeys, { audience: audience(name), serviceAccount: pushAccount }),
        'a tenant admin’s ID token': tenantAdmin,
      };
      const targets = {
        'dev gateway': `${stack.url}/pubsub/${name}`,
        'dev gateway, the emulator’s old push path': `${stack.url}/pubsub/${name}/projects/${projectId}/topics/jobs-chunks-dead-letter`,
        'the function itself': direct[name],
      };
      for (const [where, url] of Object.entries(targets)) {
        for (const [what, token] of Object.entries(tokens)) {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify(pushBody(chunk(JOB, ITEMS))),
          });
          const body = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
          expect({ name, where, what, status: res.status, code: body?.error?.code }).toEqual({ name, where, what, status: 401, code: 'UNAUTHENTICATED' });
          checked.push(`${name} ${where} ${what}`);
        }
      }
      // An Eventarc-style CloudEvent (binary mode) without a token is no different.
      const cloudEvent = await fetch(`${stack.url}/pubsub/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'forged', 'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished', 'ce-source': `//pubsub.googleapis.com/projects/${projectId}/topics/jobs-chunks` },
        body: JSON.stringify(pushBody(chunk(JOB, ITEMS))),
      });
      expect(cloudEvent.status).toBe(401);
    }
    expect(checked).toHaveLength(2 * 3 * 9);

    // Give anything a forged push might have set off (tasks, finalization) time to show.
    await stack.tasks.idle();
    await new Promise((r) => setTimeout(r, 500));
    expect(await snapshot(JOB)).toEqual(before);
  });

  it('the same push with the push subscription’s token is taken: the control that the forged ones were otherwise valid', async () => {
    const url = `${stack.url}/pubsub/jobsDeadLetter`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await stack.pushToken(pushTarget(getConfig(), { name: 'jobsDeadLetter' }).audience)}` },
      body: JSON.stringify(pushBody(chunk(JOB, ITEMS))),
    });
    expect(res.status).toBe(204);
    const items = await db.collection(`tenants/${VICTIM}/jobs/${JOB}/items`).get();
    expect(items.docs.map((d) => d.get('state'))).toEqual(Array(ITEMS).fill('failed'));
    expect(items.docs[0]!.get('error.code')).toBe('DEAD_LETTERED');
  });
});

describe('the stack’s own pushes', () => {
  it('still arrive: the emulator pushes through the relay, which adds the push token', async () => {
    const jobId = 'job_emulator_push';
    await writeJob(jobId, 2);
    const publisher = new PubSubPublisher({ projectId, createMissingTopics: true });
    try {
      await publisher.publish('jobs-chunks-dead-letter', chunk(jobId, 2));
    } finally {
      await publisher.close();
    }
    const states = await waitFor(async () => {
      const items = await db.collection(`tenants/${VICTIM}/jobs/${jobId}/items`).get();
      const all = items.docs.map((d) => d.get('state') as string);
      return all.every((s) => s === 'failed') ? all : undefined;
    });
    expect(states).toEqual(['failed', 'failed']);
  });

  it('the relay takes nothing but pushes under its secret path', async () => {
    const { pubsubHost } = emulatorEnv();
    const res = await fetch(`http://${pubsubHost}/v1/projects/${projectId}/subscriptions/jobsDeadLetter-push`);
    const endpoint = new URL(((await res.json()) as { pushConfig: { pushEndpoint: string } }).pushConfig.pushEndpoint);
    const [, secret, name] = endpoint.pathname.split('/');
    expect(name).toBe('jobsDeadLetter');
    expect(endpoint.hostname).toBe('127.0.0.1');
    const body = JSON.stringify(pushBody(chunk(JOB, ITEMS)));
    for (const pathname of [`/${'0'.repeat(secret!.length)}/jobsDeadLetter`, `/jobsDeadLetter`, `/${secret}/notAFunction`, '/']) {
      const forged = await fetch(new URL(pathname, endpoint.origin), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(forged.status, pathname).toBe(404);
    }
  });
});
