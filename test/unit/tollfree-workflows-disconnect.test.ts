/**
 * Disconnecting a number with pending (future-dated) routing versions (modules/tollfree/services/
 * disconnect.ts, disconnect-versions.ts), with the toll-free repositories on an in-memory Firestore and
 * a fake Somos registry (test/helpers/tollfree-workflow.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../shared/log.js';
import { ProviderError } from '../../shared/providers/types.js';
import { disconnectNumber } from '../../modules/tollfree/services/disconnect.js';
import { listRoutingVersions, scheduleRouting } from '../../modules/tollfree/services/routing-versions.js';
import { arrangeHeld, audit, routingTo } from '../helpers/tollfree-workflow.js';

const NUM = '8555550142';
const SOON = '2026-12-05T10:00:00.000Z';
const LATER = '2026-12-06T10:00:00.000Z';

let restoreLog: () => void;
beforeAll(() => {
  restoreLog = setLogSink(() => undefined);
});
afterAll(() => restoreLog());

/** Tenant t1's active number with two routing changes scheduled (two PENDING versions at the registry). */
async function arrangeScheduled() {
  const world = await arrangeHeld(NUM, { active: true });
  await scheduleRouting(world.deps)('t1', NUM, { ...routingTo('+13125550124'), effectiveAt: SOON }, audit);
  await scheduleRouting(world.deps)('t1', NUM, { ...routingTo('+13125550125'), effectiveAt: LATER }, audit);
  expect(world.somos.pendingVersions.get(NUM)).toHaveLength(2);
  expect(world.numberOf('t1', NUM)?.scheduledRouting).toHaveLength(2);
  world.somos.calls.length = 0;
  return world;
}

const auditActions = (world: Awaited<ReturnType<typeof arrangeScheduled>>) =>
  world.mem.list('tenants/t1/audit').map((path) => world.mem.read(path)?.action);

describe('disconnect with pending routing versions (in memory)', () => {
  it('withdraws the pending versions first, at the registry and here; the number then shows no pending routing', async () => {
    const world = await arrangeScheduled();
    const { deps, somos, numberOf } = world;

    const answer = await disconnectNumber(deps)('t1', NUM, {}, audit);

    expect(answer).toMatchObject({ id: NUM, status: 'disconnected' });
    expect(somos.calls).toEqual([
      `retrieveCustomerRecord ${NUM}`,
      `deleteCustomerRecordVersion ${NUM} 2026-12-05T10:00Z`,
      `deleteCustomerRecordVersion ${NUM} 2026-12-06T10:00Z`,
      `disconnectCustomerRecord ${NUM}`,
    ]);
    expect(somos.pendingVersions.get(NUM)).toEqual([]);
    const stored = numberOf('t1', NUM);
    expect(stored).toMatchObject({ status: 'disconnected' });
    expect(stored?.scheduledRouting).toBeUndefined();
    expect(stored?.cancellingRouting).toBeUndefined();
    const versions = await listRoutingVersions(deps)('t1', NUM, audit);
    expect(versions.data.filter((v) => v.status === 'pending')).toEqual([]);
    expect(auditActions(world)).toEqual(expect.arrayContaining(['tollfree.routing_cancelled', 'tollfree.routing_withdrawn', 'tollfree.disconnect']));
  });

  it('a disconnect that died midway (one version withdrawn) finishes the work when retried', async () => {
    const { deps, somos, numberOf } = await arrangeScheduled();
    const remove = somos.registry.deleteCustomerRecordVersion.bind(somos.registry);
    let deletes = 0;
    somos.registry.deleteCustomerRecordVersion = async (ctx, version) => {
      if (++deletes === 2) throw new ProviderError('somos', 'connection reset', { httpStatus: 503, retryable: true });
      return remove(ctx, version);
    };

    await expect(disconnectNumber(deps)('t1', NUM, {}, audit)).rejects.toThrow('connection reset');

    // The intent is recorded: no pending routing shows, the number is still active, one version is left at the registry.
    expect(numberOf('t1', NUM)).toMatchObject({ status: 'active', cancellingRouting: [{ effectiveAt: SOON }, { effectiveAt: LATER }] });
    expect(numberOf('t1', NUM)?.scheduledRouting).toBeUndefined();
    expect(somos.pendingVersions.get(NUM)).toHaveLength(1);
    expect(somos.calls).not.toContain(`disconnectCustomerRecord ${NUM}`);

    somos.registry.deleteCustomerRecordVersion = remove;
    somos.calls.length = 0;
    const answer = await disconnectNumber(deps)('t1', NUM, {}, audit);

    expect(answer).toMatchObject({ status: 'disconnected' });
    expect(somos.calls).toEqual([`retrieveCustomerRecord ${NUM}`, `deleteCustomerRecordVersion ${NUM} 2026-12-06T10:00Z`, `disconnectCustomerRecord ${NUM}`]);
    expect(somos.pendingVersions.get(NUM)).toEqual([]);
    expect(numberOf('t1', NUM)?.cancellingRouting).toBeUndefined();
  });

  it('routing changes scheduled at once past the limit: the ones refused when written are withdrawn at the registry too (409), none is left behind', async () => {
    const world = await arrangeHeld(NUM, { active: true });
    const { deps, somos, numberOf } = world;
    const schedule = (d: number) => scheduleRouting(deps)('t1', NUM, { ...routingTo(`+1312555013${d}`), effectiveAt: `2026-12-0${d}T10:00:00.000Z` }, audit);
    for (const d of [3, 4, 5, 6]) await schedule(d);
    // Two more at once: both pass the first check (4 of 5), only one fits.
    const answers = await Promise.allSettled([schedule(7), schedule(8)]);

    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(answers.find((a) => a.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT' } });
    // The registry keeps exactly the versions the number lists; nothing waits to be withdrawn.
    const stored = numberOf('t1', NUM)!;
    expect(stored.scheduledRouting).toHaveLength(5);
    expect(stored.cancellingRouting).toBeUndefined();
    expect((somos.pendingVersions.get(NUM) ?? []).map((v) => v.recVersionId).sort()).toEqual((stored.scheduledRouting as { recVersionId: string }[]).map((v) => v.recVersionId).sort());
  });

  it('a change scheduled while the number is being disconnected is refused and withdrawn, not left pending on a disconnected number', async () => {
    const world = await arrangeScheduled();
    const { deps, somos, numberOf, mem } = world;
    // The disconnect starts (its intent written) while the registry is creating the new version.
    const create = somos.registry.createCustomerRecord.bind(somos.registry);
    somos.registry.createCustomerRecord = async (ctx, input) => {
      const made = await create(ctx, input);
      await withdrawStarted(mem);
      return made;
    };

    const late = scheduleRouting(deps)('t1', NUM, { ...routingTo('+13125550129'), effectiveAt: '2026-12-07T10:00:00.000Z' }, audit);

    await expect(late).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((somos.pendingVersions.get(NUM) ?? []).map((v) => v.effDtTm)).not.toContain('2026-12-07T10:00Z');
    await disconnectNumber(deps)('t1', NUM, {}, audit);
    expect(somos.pendingVersions.get(NUM)).toEqual([]);
    expect(numberOf('t1', NUM)).toMatchObject({ status: 'disconnected' });
    expect(numberOf('t1', NUM)?.cancellingRouting).toBeUndefined();
  });
});

describe('a disconnect under way holds routing changes (in memory)', () => {
  it('a change written after the disconnect marked the number (before any withdrawal) is refused and withdrawn; a mark from a disconnect long gone blocks nothing', async () => {
    const world = await arrangeHeld(NUM, { active: true });
    const { deps, somos, numberOf, mem } = world;
    const path = `tenants/t1/tollfreeNumbers/${NUM}`;
    const create = somos.registry.createCustomerRecord.bind(somos.registry);
    somos.registry.createCustomerRecord = async (ctx, input) => {
      const made = await create(ctx, input);
      // The disconnect's first write lands while the registry makes the version.
      mem.write(path, { ...mem.read(path), disconnectingAt: deps.now().toISOString() });
      return made;
    };
    const change = { ...routingTo('+13125550129'), effectiveAt: '2026-12-07T10:00:00.000Z' };

    await expect(scheduleRouting(deps)('t1', NUM, change, audit)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(somos.pendingVersions.get(NUM) ?? []).toEqual([]);
    expect(numberOf('t1', NUM)?.scheduledRouting).toBeUndefined();

    // The disconnect died an hour ago: the number takes changes again.
    somos.registry.createCustomerRecord = create;
    mem.write(path, { ...mem.read(path), disconnectingAt: '2026-12-01T09:00:00.000Z' });
    await scheduleRouting(deps)('t1', NUM, change, audit);
    expect(numberOf('t1', NUM)?.scheduledRouting).toHaveLength(1);
  });
});

describe('a disconnect the registry refuses (in memory)', () => {
  it('takes its mark off at once: the number takes routing changes again', async () => {
    const world = await arrangeHeld(NUM, { active: true });
    const { deps, somos, numberOf } = world;
    somos.registry.disconnectCustomerRecord = () => Promise.reject(new ProviderError('somos', 'disconnect refused', { httpStatus: 400, retryable: false, providerCode: 'ERR400' }));

    await expect(disconnectNumber(deps)('t1', NUM, {}, audit)).rejects.toThrow('disconnect refused');

    expect(numberOf('t1', NUM)).toMatchObject({ status: 'active' });
    expect(numberOf('t1', NUM)?.disconnectingAt).toBeUndefined();
    await scheduleRouting(deps)('t1', NUM, { ...routingTo('+13125550129'), effectiveAt: '2026-12-07T10:00:00.000Z' }, audit);
    expect(numberOf('t1', NUM)?.scheduledRouting).toHaveLength(1);
  });
});

/** What a disconnect's first step leaves: the scheduled versions moved to the withdrawal intent. */
async function withdrawStarted(mem: Awaited<ReturnType<typeof arrangeHeld>>['mem']) {
  const path = `tenants/t1/tollfreeNumbers/${NUM}`;
  const record = mem.read(path)!;
  const { scheduledRouting, ...rest } = record as { scheduledRouting?: { id: string; effectiveAt: string; effDtTm: string; recVersionId?: string }[] };
  mem.write(path, { ...rest, cancellingRouting: (scheduledRouting ?? []).map(({ id, effectiveAt, effDtTm, recVersionId }) => ({ id, effectiveAt, effDtTm, recVersionId })) });
}
