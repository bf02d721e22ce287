/**
 * A RespOrg change into the tenant that failed (modules/tollfree/services/transfers.ts,
 * failed-transfer.ts): the record follows the registry, and the tenant can remove it. The toll-free
 * repositories on an in-memory Firestore and a fake Somos registry (test/helpers/tollfree-workflow.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../shared/log.js';
import { disconnectNumber } from '../../modules/tollfree/services/disconnect.js';
import { applyChangeUpdate } from '../../modules/tollfree/services/transfers.js';
import { followUpRequest } from '../../modules/tollfree/services/followup.js';
import { arrange, audit, ROID } from '../helpers/tollfree-workflow.js';
import { refusal } from '../helpers/refusal.js';

const NUM = '8665550123';
const THEIRS = 'OTHR1';
const AT = '2026-11-30T10:00:00.000Z';

let restoreLog: () => void;
beforeAll(() => {
  restoreLog = setLogSink(() => undefined);
});
afterAll(() => restoreLog());

/** Tenant t1 asked for NUM (controlled by THEIRS at the registry) to move to its unit; the change is pending. */
function arrangeTransferring() {
  const world = arrange();
  world.mem.write('tenants/t1/respOrgTransfers/rch_1', {
    id: 'rch_1',
    tenantId: 't1',
    status: 'pending',
    direction: 'in',
    numbers: [NUM],
    toRespOrgId: ROID,
    items: [{ number: NUM, phoneNumber: `+1${NUM}`, status: 'pending', rchId: 'somos-rch-1', oldRespOrgId: THEIRS, updatedAt: AT }],
    history: [{ status: 'pending', at: AT, source: 'request' }],
    createdAt: AT,
    updatedAt: AT,
  });
  world.mem.write(`tenants/t1/tollfreeNumbers/${NUM}`, {
    id: NUM,
    tenantId: 't1',
    phoneNumber: `+1${NUM}`,
    status: 'transferring',
    respOrgId: ROID,
    transferId: 'rch_1',
    createdAt: AT,
    updatedAt: AT,
  });
  world.mem.write(`tollfreeOwners/${NUM}`, { num: NUM, tenantId: 't1', transferId: 'rch_1', updatedAt: AT });
  world.somos.numbers.set(NUM, { status: 'WORKING', respOrgId: THEIRS, recVersionId: 'theirs-1' });
  return world;
}

const reject = (world: ReturnType<typeof arrange>) =>
  applyChangeUpdate(world.deps, { tenantId: 't1', transferId: 'rch_1', num: NUM, somosStatus: 'REJECTED', source: 'notification' }, audit);

describe('a rejected RespOrg change (in memory)', () => {
  it('leaves the record transfer_failed with the RespOrg the registry names, not ours', async () => {
    const world = arrangeTransferring();

    expect(await reject(world)).toBe('applied');

    expect(world.numberOf('t1', NUM)).toMatchObject({ status: 'transfer_failed', respOrgId: THEIRS, statusReason: 'RespOrg change rejected' });
    expect(world.ownerOf(NUM)).toBeUndefined();
  });

  it('the tenant removes the transfer_failed record (DELETE): the record and its owner index entry go, audited; the registry is not asked', async () => {
    const world = arrangeTransferring();
    await reject(world);
    // An index entry still naming the tenant (e.g. left by an earlier version) is freed too.
    world.mem.write(`tollfreeOwners/${NUM}`, { num: NUM, tenantId: 't1', transferId: 'rch_1', updatedAt: AT });
    world.somos.calls.length = 0;

    const answer = await disconnectNumber(world.deps)('t1', NUM, {}, audit);

    expect(answer).toMatchObject({ id: NUM, status: 'transfer_failed' });
    expect(world.numberOf('t1', NUM)).toBeUndefined();
    expect(world.ownerOf(NUM)).toBeUndefined();
    expect(world.somos.calls).toEqual([]);
    expect(world.somos.numbers.get(NUM)).toMatchObject({ status: 'WORKING', respOrgId: THEIRS });
    const entries = world.mem.list('tenants/t1/audit').map((path) => world.mem.read(path));
    expect(entries).toContainEqual(expect.objectContaining({ action: 'tollfree.transfer_dismissed', resource: `tollfree-numbers/${NUM}`, after: null }));
    expect(world.mem.read('tenants/t1/respOrgTransfers/rch_1')).toMatchObject({ status: 'rejected' });

    expect((await refusal(disconnectNumber(world.deps)('t1', NUM, {}, audit))).code).toBe('NOT_FOUND');
  });

  it("another tenant's index entry for the number is left alone", async () => {
    const world = arrangeTransferring();
    await reject(world);
    world.mem.write(`tollfreeOwners/${NUM}`, { num: NUM, tenantId: 't2', updatedAt: AT });

    await disconnectNumber(world.deps)('t1', NUM, {}, audit);

    expect(world.numberOf('t1', NUM)).toBeUndefined();
    expect(world.ownerOf(NUM)).toMatchObject({ tenantId: 't2' });
  });
});

describe('a transfer whose change request (answered 202) fails at the registry (in memory)', () => {
  it('gives back the numbers it took in the owner index: another tenant may ask for them', async () => {
    const world = arrange();
    const { mem, somos, deps, ownerOf } = world;
    world.mem.write('tenants/t1/tollfreeRequests/tfr_1', {
      id: 'tfr_1',
      tenantId: 't1',
      operation: 'transfer',
      status: 'pending',
      roid: ROID,
      somos: { path: '/v3/ip/num/rch', reqId: 'somos-req-1' },
      context: { transferId: 'rch_9' },
      attempts: 0,
      createdAt: AT,
      updatedAt: AT,
    });
    mem.write('tenants/t1/respOrgTransfers/rch_9', {
      id: 'rch_9',
      tenantId: 't1',
      status: 'submitted',
      direction: 'in',
      numbers: [NUM],
      toRespOrgId: ROID,
      pendingRequestId: 'tfr_1',
      items: [{ number: NUM, phoneNumber: `+1${NUM}`, status: 'submitted', updatedAt: AT }],
      history: [{ status: 'submitted', at: AT, source: 'request' }],
      createdAt: AT,
      updatedAt: AT,
    });
    mem.write(`tollfreeOwners/${NUM}`, { num: NUM, tenantId: 't1', transferId: 'rch_9', updatedAt: AT });
    somos.fail('somos-req-1', 'change refused');

    expect(await followUpRequest(deps)('t1', 'tfr_1', 0, audit)).toEqual({ status: 'failed', polledAgain: false });

    expect(mem.read('tenants/t1/respOrgTransfers/rch_9')).toMatchObject({ status: 'failed' });
    expect(ownerOf(NUM)).toBeUndefined();
  });
});

