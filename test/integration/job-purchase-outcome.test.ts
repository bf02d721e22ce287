import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type ApiClient } from '../helpers/api.js';
import { testFirestore } from '../helpers/firestore.js';
import { startTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import type { Stack } from '../../scripts/local/stack.js';
import type { AvailableNumbers, CreatedJob, Job, Page, PhoneNumber } from '../helpers/api-types.js';

// A bulk purchase whose provider sold the number but whose look-ups then failed: the item must not
// end (nor the job refund its reservation) before the purchase is settled.
const projectId = 'demo-job-purchase-outcome';
const tenant = 'outcome-tenant';
let stack: Stack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack(projectId, { PURCHASE_LEASE_SECONDS: '5', QUEUE_RATE_TWILIO: '40' });
  api = apiClient(stack.url, await stack.token(tenant, 'admin', 'ops'));
});
afterAll(async () => {
  delete process.env.PURCHASE_LEASE_SECONDS;
  await stack?.stop();
});

describe('a job item whose purchase outcome is not known', () => {
  it('waits for the purchase to be settled, then succeeds with it; usage counts the number held', async () => {
    const twilio = stack.twilio!;
    const [x] = (await api.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&areaCode=415&limit=1')).body.data.map((n) => n.phoneNumber);
    // Bought, but answered 500; every look-up at the account fails until cleared.
    twilio.injectFault({ method: 'POST', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 500, code: 20500, afterEffect: true });
    twilio.injectFault({ method: 'GET', pathPattern: 'IncomingPhoneNumbers\\.json$', status: 503, code: 20503, times: -1 });
    const job = await api.post<CreatedJob>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: [{ phoneNumber: x }] });
    expect(job.status, JSON.stringify(job.body)).toBe(202);
    const items = testFirestore(projectId).collection(`tenants/${tenant}/jobs/${job.body.id}/items`);

    const item = await waitFor(async () => {
      const data = (await items.get()).docs[0]?.data();
      return data?.waitingFor || data?.state === 'failed' ? data : undefined;
    }, 40_000);
    expect(item).toMatchObject({ state: 'running', waitingFor: { kind: 'number-purchase' } });
    expect((await api.get<Job>(`/v1/jobs/${job.body.id}`)).body.finishedAt).toBeUndefined();

    twilio.clearFaults();
    const done = await waitFor(async () => {
      const res = await api.get<Job>(`/v1/jobs/${job.body.id}`);
      return res.body.finishedAt ? res.body : undefined;
    }, 45_000, 250);
    expect(done).toMatchObject({ status: 'completed', counts: { succeeded: 1, failed: 0 } });
    const numbers = (await api.get<Page<PhoneNumber>>('/v1/numbers?limit=10')).body.data;
    expect(numbers.filter((n) => n.phoneNumber === x).map((n) => n.status)).toEqual(['active']);
    expect(twilio.purchaseCounts()[x!]).toBe(1);
    const usage = (await testFirestore(projectId).doc(`tenants/${tenant}/usage/counters`).get()).data();
    expect(usage?.heldNumbers).toBe(1);
  });
});
