/**
 * Registry requests that answered 202 (modules/tollfree/services/requests.ts) and their follow-up
 * (followup.ts), and disconnecting, with the toll-free repositories on an in-memory Firestore and a
 * fake Somos registry (test/helpers/tollfree-workflow.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../shared/log.js';
import { activateNumber, changeRouting, releaseReservation } from '../../modules/tollfree/services/numbers.js';
import { disconnectNumber } from '../../modules/tollfree/services/disconnect.js';
import { followUpRequest } from '../../modules/tollfree/services/followup.js';
import { isPendingAnswer, type PendingAnswer } from '../../modules/tollfree/services/requests.js';
import { arrangeHeld as arrangeHeldNumber, audit, routingTo } from '../helpers/tollfree-workflow.js';
import { refusal } from '../helpers/refusal.js';

const NUM = '8445550177';

let restoreLog: () => void;
beforeAll(() => {
  restoreLog = setLogSink(() => undefined);
});
afterAll(() => restoreLog());

const arrangeHeld = (options: { active?: boolean } = {}) => arrangeHeldNumber(NUM, options);

const pending = (answer: unknown): PendingAnswer => {
  expect(isPendingAnswer(answer), JSON.stringify(answer)).toBe(true);
  return answer as PendingAnswer;
};
/** The registry's request id behind one of ours. */
const somosReqId = (stored: Record<string, unknown> | undefined) => (stored?.somos as { reqId: string }).reqId;

describe('a 202 answer and its follow-up (in memory)', () => {
  it('activation answered 202: a pending request, the number marked busy, a follow-up scheduled', async () => {
    const { deps, somos, tasks, numberOf, requestOf } = await arrangeHeld();
    somos.plan.push('202');

    const answer = pending(await activateNumber(deps)('t1', NUM, routingTo('+13125550123'), audit));

    expect(answer).toMatchObject({ status: 'pending', poll: `/v1/tollfree/requests/${answer.requestId}`, resource: `/v1/tollfree/${NUM}` });
    expect(requestOf('t1', answer.requestId)).toMatchObject({ operation: 'activate', status: 'pending', attempts: 0, context: { num: NUM, action: 'activate' } });
    expect(numberOf('t1', NUM)).toMatchObject({ status: 'reserved', pendingRequestId: answer.requestId });
    expect(tasks.map((t) => t.id)).toEqual([`somos-request-t1-${answer.requestId}-0`]);
    expect(await refusal(changeRouting(deps)('t1', NUM, routingTo('+13125550124'), audit))).toMatchObject({ code: 'CONFLICT' });
  });

  it('the follow-up settles a completed activation: the record active with its routing, the request completed', async () => {
    const { deps, somos, numberOf, requestOf } = await arrangeHeld();
    somos.plan.push('202');
    const { requestId } = pending(await activateNumber(deps)('t1', NUM, routingTo('+13125550123'), audit));
    somos.complete(somosReqId(requestOf('t1', requestId)));

    const outcome = await followUpRequest(deps)('t1', requestId, 0, audit);

    expect(outcome).toEqual({ status: 'completed', polledAgain: false });
    expect(numberOf('t1', NUM)).toMatchObject({ status: 'active', routing: { primary: { destination: '+13125550123' } }, customerRecord: { status: 'ACTIVE' } });
    expect(numberOf('t1', NUM)?.pendingRequestId).toBeUndefined();
    expect(requestOf('t1', requestId)).toMatchObject({ status: 'completed', result: { id: NUM, status: 'active' }, completedAt: expect.any(String) });
  });

  it('a request still pending at the registry is looked at again later (attempts counted)', async () => {
    const { deps, somos, tasks, requestOf, numberOf } = await arrangeHeld();
    somos.plan.push('202');
    const { requestId } = pending(await activateNumber(deps)('t1', NUM, routingTo('+13125550123'), audit));
    tasks.length = 0;

    const outcome = await followUpRequest(deps)('t1', requestId, 0, audit);

    expect(outcome).toEqual({ status: 'pending', polledAgain: true });
    expect(requestOf('t1', requestId)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(tasks.map((t) => t.id)).toEqual([`somos-request-t1-${requestId}-1`]);
    expect(numberOf('t1', NUM)).toMatchObject({ status: 'reserved', pendingRequestId: requestId });
  });

  it('a failed routing change is recorded: the request failed with the error, the number free again with its old routing', async () => {
    const { deps, somos, numberOf, requestOf } = await arrangeHeld({ active: true });
    somos.plan.push('202');
    const { requestId } = pending(await changeRouting(deps)('t1', NUM, routingTo('+13125550124'), audit));
    somos.fail(somosReqId(requestOf('t1', requestId)), 'routing rejected');

    const outcome = await followUpRequest(deps)('t1', requestId, 0, audit);

    expect(outcome).toEqual({ status: 'failed', polledAgain: false });
    expect(requestOf('t1', requestId)).toMatchObject({ status: 'failed', error: { message: 'routing rejected', code: 'ERR400' } });
    const stored = numberOf('t1', NUM);
    expect(stored).toMatchObject({ status: 'active', routing: { primary: { destination: '+13125550123' } } });
    expect(stored?.pendingRequestId).toBeUndefined();
  });

  it('a follow-up delivered again after the request ended changes nothing and asks the registry nothing', async () => {
    const { deps, somos, numberOf, requestOf } = await arrangeHeld({ active: true });
    somos.plan.push('202');
    const { requestId } = pending(await changeRouting(deps)('t1', NUM, routingTo('+13125550124'), audit));
    somos.complete(somosReqId(requestOf('t1', requestId)));
    await followUpRequest(deps)('t1', requestId, 0, audit);
    const [number, request] = [numberOf('t1', NUM), requestOf('t1', requestId)];
    somos.calls.length = 0;

    const outcome = await followUpRequest(deps)('t1', requestId, 0, audit);

    expect(outcome).toEqual({ status: 'completed', polledAgain: false });
    expect(somos.calls).toEqual([]);
    expect(numberOf('t1', NUM)).toEqual(number);
    expect(requestOf('t1', requestId)).toEqual(request);
  });

  it('a release answered 202 and completed: released, and the owner index entry gone', async () => {
    const { deps, somos, numberOf, ownerOf, requestOf } = await arrangeHeld();
    somos.plan.push('202');
    const { requestId } = pending(await releaseReservation(deps)('t1', NUM, audit));
    expect(ownerOf(NUM)).toMatchObject({ tenantId: 't1' });
    somos.complete(somosReqId(requestOf('t1', requestId)));

    await followUpRequest(deps)('t1', requestId, 0, audit);

    expect(numberOf('t1', NUM)).toMatchObject({ status: 'released' });
    expect(ownerOf(NUM)).toBeUndefined();
  });
});

describe('disconnect (in memory)', () => {
  it('disconnects an active number: disconnected with its schedule at the registry and here; the owner index stays', async () => {
    const { deps, somos, numberOf, ownerOf } = await arrangeHeld({ active: true });

    const answer = await disconnectNumber(deps)('t1', NUM, { reason: 'customer left' }, audit);

    expect(answer).toMatchObject({ id: NUM, status: 'disconnected' });
    expect(somos.calls).toEqual([`disconnectCustomerRecord ${NUM}`]);
    expect(somos.numbers.get(NUM)).toMatchObject({ status: 'DISCONNECT' });
    expect(numberOf('t1', NUM)).toMatchObject({
      status: 'disconnected',
      statusReason: 'customer left',
      disconnect: { referral: true, effectiveAt: expect.any(String), spareAt: expect.any(String) },
      customerRecord: { status: 'DISCONNECT' },
    });
    expect(ownerOf(NUM)).toMatchObject({ tenantId: 't1' });
  });

  it('a disconnect answered 202 is applied by its follow-up', async () => {
    const { deps, somos, numberOf, requestOf } = await arrangeHeld({ active: true });
    somos.plan.push('202');
    const { requestId } = pending(await disconnectNumber(deps)('t1', NUM, {}, audit));
    expect(numberOf('t1', NUM)).toMatchObject({ status: 'active', pendingRequestId: requestId });
    somos.complete(somosReqId(requestOf('t1', requestId)));

    const outcome = await followUpRequest(deps)('t1', requestId, 0, audit);

    expect(outcome.status).toBe('completed');
    expect(numberOf('t1', NUM)).toMatchObject({ status: 'disconnected', disconnect: { referral: true } });
    expect(numberOf('t1', NUM)?.pendingRequestId).toBeUndefined();
  });
});
