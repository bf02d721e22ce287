/**
 * The toll-free workflows (modules/tollfree/services) with their repositories on an in-memory
 * Firestore and a fake Somos registry (test/helpers/tollfree-workflow.ts): reserving (one tenant per
 * number), activating and changing routing, and tenant isolation — in milliseconds, no Java. The
 * emulator suite (test/integration/tollfree-*.test.ts) keeps the end-to-end runs against the sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../shared/log.js';
import { ProviderError } from '../../shared/providers/types.js';
import { activateNumber, changeRouting, claimOwnerIfFree, getNumber, releaseOwner, releaseReservation, reserveNumbers } from '../../modules/tollfree/services/numbers.js';
import { inTransaction, readNumber, readOwner } from '../../modules/tollfree/services/number-records.js';
import { readIn, wrapTx } from '../../modules/tollfree/repository/transaction.js';
import type { Firestore, Transaction } from '@google-cloud/firestore';
import { disconnectNumber } from '../../modules/tollfree/services/disconnect.js';
import { arrange, arrangeHeld as arrangeHeldNumber, audit, contact, ROID, routingTo } from '../helpers/tollfree-workflow.js';
import { refusal } from '../helpers/refusal.js';

const NUM = '8335550100';

let restoreLog: () => void;
beforeAll(() => {
  restoreLog = setLogSink(() => undefined);
});
afterAll(() => restoreLog());

const arrangeHeld = (options: { active?: boolean } = {}) => arrangeHeldNumber(NUM, options);

describe('reserve (in memory)', () => {
  it('reserves a spare number: the record reserved and the owner index naming the tenant', async () => {
    const { deps, somos, numberOf, ownerOf } = arrange();

    const answer = await reserveNumbers(deps)('t1', { spec: { numbers: [`+1${NUM}`] }, ...contact }, audit);

    expect(answer).toMatchObject({ data: [{ id: NUM, phoneNumber: `+1${NUM}`, status: 'reserved', respOrgId: ROID }], failed: [] });
    expect(numberOf('t1', NUM)).toMatchObject({ tenantId: 't1', status: 'reserved', respOrgId: ROID, npa: '833', contactName: 'Ops', reservedUntil: expect.any(String) });
    expect(ownerOf(NUM)).toMatchObject({ num: NUM, tenantId: 't1' });
    expect(somos.numbers.get(NUM)).toMatchObject({ status: 'RESERVED', respOrgId: ROID });
  });

  it('refuses a number another tenant holds (both on the platform RespOrg): the second tenant holds nothing', async () => {
    const { deps, numberOf, ownerOf } = await arrangeHeld();

    const err = await reserveNumbers(deps)('t2', { spec: { numbers: [`+1${NUM}`] }, ...contact }, audit).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info.kind).toBe('not_available');
    expect(numberOf('t2', NUM)).toBeUndefined();
    expect(ownerOf(NUM)).toMatchObject({ tenantId: 't1' });
    expect(numberOf('t1', NUM)).toMatchObject({ status: 'reserved' });
  });

  it('refuses a number the tenant already holds without asking the registry', async () => {
    const { deps, somos } = await arrangeHeld();

    const err = await refusal(reserveNumbers(deps)('t1', { spec: { numbers: [`+1${NUM}`] }, ...contact }, audit));

    expect(err.code).toBe('CONFLICT');
    expect(somos.calls).toEqual([]);
  });

  it('releases a reservation: the record released, the owner index gone, the number spare at the registry', async () => {
    const { deps, somos, numberOf, ownerOf } = await arrangeHeld();

    const answer = await releaseReservation(deps)('t1', NUM, audit);

    expect(answer).toMatchObject({ id: NUM, status: 'released' });
    expect(numberOf('t1', NUM)).toMatchObject({ status: 'released', releasedAt: expect.any(String) });
    expect(numberOf('t1', NUM)?.reservedUntil).toBeUndefined();
    expect(ownerOf(NUM)).toBeUndefined();
    expect(somos.numbers.has(NUM)).toBe(false);
  });
});

describe('activate and change routing (in memory)', () => {
  it('activates a reserved number: the customer record written at the registry, the record active with its routing', async () => {
    const { deps, somos, numberOf } = await arrangeHeld();

    const answer = await activateNumber(deps)('t1', NUM, routingTo('+13125550123'), audit);

    expect(answer).toMatchObject({ id: NUM, status: 'active', routing: { primary: { type: 'pstn', destination: '+13125550123' } } });
    expect(somos.calls).toEqual([`createCustomerRecord ${NUM}`]);
    expect(somos.numbers.get(NUM)).toMatchObject({ status: 'WORKING' });
    const stored = numberOf('t1', NUM);
    expect(stored).toMatchObject({
      status: 'active',
      routing: { primary: { type: 'pstn', destination: '+13125550123' }, disaster: { type: 'pstn', destination: '+13125550100' } },
      disasterDefaulted: true,
      routingMode: 'normal',
      customerRecord: { recVersionId: somos.numbers.get(NUM)!.recVersionId, status: 'ACTIVE' },
    });
    expect(stored?.reservedUntil).toBeUndefined();
  });

  it('refuses to activate a number that is already active', async () => {
    const { deps, somos } = await arrangeHeld({ active: true });

    const err = await refusal(activateNumber(deps)('t1', NUM, routingTo('+13125550124'), audit));

    expect(err.code).toBe('CONFLICT');
    expect(somos.calls).toEqual([]);
  });

  it('changes the routing of an active number with its current customer record version', async () => {
    const { deps, somos, numberOf } = await arrangeHeld({ active: true });
    const version = somos.numbers.get(NUM)!.recVersionId;

    const answer = await changeRouting(deps)('t1', NUM, routingTo('+13125550124'), audit);

    expect(answer).toMatchObject({ status: 'active', routing: { primary: { destination: '+13125550124' } } });
    expect(somos.calls).toEqual([`updateCustomerRecord ${NUM}`]);
    expect(somos.numbers.get(NUM)!.recVersionId).not.toBe(version);
    expect(numberOf('t1', NUM)).toMatchObject({ routing: { primary: { destination: '+13125550124' } }, customerRecord: { recVersionId: somos.numbers.get(NUM)!.recVersionId } });
  });

  it('refuses to change a number whose owner index names another tenant (a lapsed reservation taken since)', async () => {
    const { deps, somos, mem, numberOf } = await arrangeHeld({ active: true });
    mem.write(`tollfreeOwners/${NUM}`, { num: NUM, tenantId: 't2', updatedAt: '2026-12-01T09:00:00.000Z' });

    const err = await refusal(changeRouting(deps)('t1', NUM, routingTo('+13125550124'), audit));

    expect(err.code).toBe('CONFLICT');
    expect(somos.calls).toEqual([]);
    expect(numberOf('t1', NUM)).toMatchObject({ routing: { primary: { destination: '+13125550123' } } });
  });
  it("reads the number and its owner index entry at once: the entry is asked for before the number's read answers", async () => {
    const { deps, mem } = await arrangeHeld({ active: true });
    const events: string[] = [];
    const watched = new Proxy(mem.firestore, {
      get: (firestore, key) =>
        key === 'doc'
          ? (path: string) => {
              const ref = firestore.doc(path);
              const what = path.startsWith('tollfreeOwners/') ? 'owner' : path.includes('/tollfreeNumbers/') ? 'number' : path;
              return new Proxy(ref, {
                get: (target, name) =>
                  name === 'get'
                    ? async () => {
                        events.push(`ask ${what}`);
                        const snap = await target.get();
                        events.push(`${what} answered`);
                        return snap;
                      }
                    : (Reflect.get(target, name) as unknown),
              });
            }
          : (Reflect.get(firestore, key) as unknown),
    });

    await changeRouting({ ...deps, db: async () => watched })('t1', NUM, routingTo('+13125550124'), audit);

    expect(events.indexOf('ask owner')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('ask owner')).toBeLessThan(events.indexOf('number answered'));
  });
});

describe('tenant isolation (in memory)', () => {
  it("another tenant neither reads nor changes a tenant's toll-free number", async () => {
    const { deps, somos, numberOf } = await arrangeHeld({ active: true });
    const before = numberOf('t1', NUM);

    const read = await getNumber(deps, 't2', NUM);
    const refusals = await Promise.all([
      refusal(changeRouting(deps)('t2', NUM, routingTo('+13125550124'), audit)),
      refusal(activateNumber(deps)('t2', NUM, routingTo('+13125550124'), audit)),
      refusal(disconnectNumber(deps)('t2', NUM, {}, audit)),
      refusal(releaseReservation(deps)('t2', NUM, audit)),
    ]);

    expect(read).toBeUndefined();
    expect(refusals.map((e) => e.code)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    expect(numberOf('t1', NUM)).toEqual(before);
    expect(numberOf('t2', NUM)).toBeUndefined();
    expect(somos.calls).toEqual([]);
  });

  it("a stored number under another tenant's path is not taken as this tenant's (the read is checked)", async () => {
    const { deps, mem } = await arrangeHeld();
    mem.write(`tenants/t2/tollfreeNumbers/${NUM}`, { ...mem.read(`tenants/t1/tollfreeNumbers/${NUM}`) });

    const err = await refusal(getNumber(deps, 't2', NUM));

    expect(err.code).toBe('INTERNAL');
  });
});

describe('owner index (in memory)', () => {
  it('one tenant per number: a claim while another tenant holds it writes nothing; a release by another tenant leaves the entry', async () => {
    const { deps, ownerOf } = await arrangeHeld();
    const at = '2026-12-01T11:00:00.000Z';

    const other = await claimOwnerIfFree(deps, { num: NUM, tenantId: 't2', updatedAt: at });
    await releaseOwner(deps, NUM, 't2');

    expect(other).toBe('t1');
    expect(ownerOf(NUM)).toMatchObject({ tenantId: 't1' });
  });

  it("a transaction's reads asked for together go out as one request, each path once, each caller answered", async () => {
    const { mem } = await arrangeHeld();
    const calls: string[] = [];
    const watched = new Proxy(mem.firestore, {
      get: (firestore, key) =>
        key === 'runTransaction'
          ? (fn: (tx: unknown) => Promise<unknown>) =>
              firestore.runTransaction((tx) =>
                fn(
                  new Proxy(tx, {
                    get: (target, name) =>
                      name === 'get' || name === 'getAll'
                        ? (...refs: { path: string }[]) => {
                            calls.push(`${String(name)} ${refs.map((r) => r.path).join(' ')}`);
                            return (Reflect.get(target, name) as (...a: unknown[]) => unknown).apply(target, refs);
                          }
                        : (Reflect.get(target, name) as unknown),
                  }),
                ),
              )
          : (Reflect.get(firestore, key) as unknown),
    });

    const [number, owner, again] = await inTransaction({ db: async () => watched }, (t) => Promise.all([readNumber(t, 't1', NUM), readOwner(t, NUM), readNumber(t, 't1', NUM)]));

    expect(calls).toEqual([`getAll tenants/t1/tollfreeNumbers/${NUM} tollfreeOwners/${NUM}`]);
    expect(number).toMatchObject({ id: NUM, status: 'reserved' });
    expect(again).toEqual(number);
    expect(owner).toMatchObject({ tenantId: 't1' });
  });

  it('refuses every read waiting in a batch when the client throws at once (e.g. a read after a write), never as an uncaught exception', async () => {
    const refusing = { getAll: () => { throw new Error('Firestore transactions require all reads to be executed before all writes.'); } } as unknown as Transaction;
    const t = wrapTx(refusing, { doc: (path: string) => ({ path }) } as unknown as Firestore);

    const settled = await Promise.allSettled([readIn(t, 'tollfreeOwners/8335550100'), readIn(t, 'tollfreeOwners/8335550101'), readIn(t, 'tollfreeOwners/8335550100')]);

    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'read'))).toEqual(Array(3).fill('Firestore transactions require all reads to be executed before all writes.'));
  });

  it('a free number is claimed; its holder releases it', async () => {
    const { deps, ownerOf } = arrange();
    const at = '2026-12-01T11:00:00.000Z';

    const other = await claimOwnerIfFree(deps, { num: NUM, tenantId: 't2', updatedAt: at });
    const claimed = ownerOf(NUM);
    await releaseOwner(deps, NUM, 't2');

    expect(other).toBeUndefined();
    expect(claimed).toEqual({ num: NUM, tenantId: 't2', updatedAt: at });
    expect(ownerOf(NUM)).toBeUndefined();
  });
});
