/**
 * Issue 13, item 7. The edge's input checks (ill-formed UTF-16, nesting depth) and the order of
 * writes around provider calls: a local write that fails after a provider changed something leaves
 * a record of it (a number's change marker) or undoes it (a toll-free reservation given back).
 */
import type { Firestore } from '@google-cloud/firestore';
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import type { Deps } from '../../shared/deps.js';
import type { NumberRecord } from '../../shared/domain/number.js';
import { AppError } from '../../shared/http/errors.js';
import { inputIssues, isWellFormed, MAX_INPUT_DEPTH } from '../../shared/http/input-checks.js';
import { ProviderError } from '../../shared/providers/types.js';
import { updateNumber } from '../../modules/numbers/services/manage.js';
import { reserveNumbers } from '../../modules/tollfree/services/numbers.js';
import type { AuditContext } from '../../shared/domain/audit.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';

const config = parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', SOMOS_DEFAULT_RESPORG_ID: 'ABC01' });
const audit = (requestId: string): AuditContext => ({ actor: { type: 'user', uid: 'u', role: 'admin' }, requestId });
const silentLog = () => {
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), child: () => log };
  return log as unknown as Deps['log'] & { error: ReturnType<typeof vi.fn>; warn: ReturnType<typeof vi.fn> };
};
const nest = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

describe('input checks', () => {
  it('finds lone surrogates in values and keys, anywhere, and names their paths', () => {
    expect(isWellFormed('a\ud83d\ude42b')).toBe(true); // a proper pair (🙂)
    for (const bad of ['\ud800', 'x\udc00', '\ude42\ud83d', 'ok\ud83d']) expect(isWellFormed(bad)).toBe(false);
    expect(inputIssues({ name: 'fine', displayName: 'x\ud800' }, 'body')).toEqual([{ path: 'body.displayName', message: expect.stringMatching(/lone UTF-16 surrogate/) }]);
    expect(inputIssues({ items: [{ ok: 1 }, { tags: ['a', '\udfff'] }] }, 'body').map((i) => i.path)).toEqual(['body.items.1.tags.1']);
    // A key: its path shows U+FFFD in place of the lone surrogate.
    expect(inputIssues({ ['k\ud800']: 1 }, 'body')).toEqual([{ path: 'body.k\ufffd', message: expect.stringMatching(/^key /) }]);
    expect(inputIssues({ id: '\ud800' }, 'path').map((i) => i.path)).toEqual(['path.id']);
    expect(inputIssues({ name: 'Café 🙂', n: 1, b: true, z: null }, 'body')).toEqual([]);
  });

  it(`refuses nesting deeper than ${MAX_INPUT_DEPTH} levels, cheaply however deep`, () => {
    expect(inputIssues(nest(MAX_INPUT_DEPTH), 'body')).toEqual([]);
    const [issue] = inputIssues(nest(MAX_INPUT_DEPTH + 1), 'body');
    expect(issue).toEqual({ path: `body${'.a'.repeat(MAX_INPUT_DEPTH)}`, message: `nested deeper than ${MAX_INPUT_DEPTH} levels (objects and arrays)` });
    // 100,000 levels (what a 1 MB body of brackets can be): no stack overflow, one issue.
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(inputIssues(deep, 'body')).toHaveLength(1);
  });

  it('reports at most 20 issues', () => {
    expect(inputIssues(Array.from({ length: 500 }, () => '\ud800'), 'body')).toHaveLength(20);
  });
});

function numberRecord(): NumberRecord {
  const now = '2026-03-02T15:00:00.000Z';
  return {
    id: 'num_00000000000000000001',
    tenantId: 't1',
    provider: 'twilio',
    accountId: 'platform',
    phoneNumber: '+14155550100',
    friendlyName: '(415) 555-0100',
    country: 'US',
    type: 'local',
    capabilities: { voice: true, sms: true, mms: false, fax: false },
    providerNumberId: 'PN1',
    displayName: 'Before',
    tags: [],
    smsEnabled: true,
    voiceEnabled: true,
    status: 'active',
    createdAt: now,
    updatedAt: now,
    createdBy: 'u',
  };
}

/** A numbers store over one record, whose writes can be made to fail by action; the provider records calls. */
function numberWorld() {
  let record = numberRecord();
  const failing = new Set<string>();
  const writes: string[] = [];
  const providerCalls: { id: string; update: Record<string, unknown> }[] = [];
  let providerError: Error | undefined;
  let reads = 0;
  const deps = {
    numbers: {
      require: async () => {
        reads++;
        return structuredClone(record);
      },
      update: async (_t: string, _id: string, action: string, _audit: AuditContext, mutate: (r: NumberRecord) => NumberRecord) => {
        const next = mutate(structuredClone(record));
        if (failing.has(action)) throw Object.assign(new Error('14 UNAVAILABLE: datastore down'), { code: 14 });
        writes.push(action);
        record = next;
        return structuredClone(next);
      },
    },
    providers: {
      forAccount: async () => ({
        capabilities: { countries: 'any', numberTypes: ['local'], searchFilters: [], maxSearchLimit: 30, webhooks: { sms: true, voice: true } },
        update: async (id: string, update: Record<string, unknown>) => {
          if (providerError) throw providerError;
          providerCalls.push({ id, update });
        },
      }),
    },
    now: () => new Date('2026-03-02T15:01:00Z'),
    db: async () => {
      throw new Error('no location reads in these tests');
    },
    config,
    log: silentLog(),
  } as unknown as Parameters<typeof updateNumber>[0];
  return {
    update: updateNumber(deps),
    record: () => record,
    reads: () => reads,
    failing,
    writes,
    providerCalls,
    refuseAtProvider: (err: Error | undefined) => {
      providerError = err;
    },
  };
}

describe('PATCH /v1/numbers/{id}: the change is recorded before the provider hears of it', () => {
  it('writes the marker, calls the provider, then records the change and drops the marker', async () => {
    const world = numberWorld();
    const after = await world.update('t1', 'num_00000000000000000001', { displayName: 'After' }, audit('req-1'));
    expect(world.writes).toEqual(['numbers.update_started', 'numbers.update']);
    expect(world.providerCalls).toEqual([{ id: 'PN1', update: { label: 'After' } }]);
    expect(after.displayName).toBe('After');
    expect(after.providerChange).toBeUndefined();
  });

  it('handed the record its caller just read (resolving a phone number or id), it does not read it again', async () => {
    const world = numberWorld();
    const read = structuredClone(world.record());

    const after = await world.update('t1', read, { displayName: 'After' }, audit('req-1'));

    expect(world.reads()).toBe(0);
    expect(world.writes).toEqual(['numbers.update_started', 'numbers.update']);
    expect(after.displayName).toBe('After');
  });

  it('a local-only change needs no marker and no provider call', async () => {
    const world = numberWorld();
    await world.update('t1', 'num_00000000000000000001', { tags: ['x'] }, audit('req-1'));
    expect(world.writes).toEqual(['numbers.update']);
    expect(world.providerCalls).toEqual([]);
  });

  it('no marker, no provider call: a change whose intent cannot be written changes nothing anywhere', async () => {
    const world = numberWorld();
    world.failing.add('numbers.update_started');
    await expect(world.update('t1', 'num_00000000000000000001', { displayName: 'After' }, audit('req-1'))).rejects.toThrow(/UNAVAILABLE/);
    expect(world.providerCalls).toEqual([]);
    expect(world.record().displayName).toBe('Before');
  });

  it('a failed write after the provider changed leaves the marker (503, retry); the retry repairs it', async () => {
    const world = numberWorld();
    world.failing.add('numbers.update');
    const failed = await world.update('t1', 'num_00000000000000000001', { displayName: 'After' }, audit('req-1')).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AppError);
    expect(failed).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { retryable: true } });
    expect(world.providerCalls).toHaveLength(1);
    expect(world.record()).toMatchObject({ displayName: 'Before', providerChange: { requestId: 'req-1', changes: { displayName: 'After' } } });

    // Any later change carries it: here one that only touches a tag (the provider is told again).
    world.failing.clear();
    const repaired = await world.update('t1', 'num_00000000000000000001', { tags: ['later'] }, audit('req-2'));
    expect(repaired).toMatchObject({ displayName: 'After', tags: ['later'] });
    expect(repaired.providerChange).toBeUndefined();
    expect(world.providerCalls.at(-1)!.update).toEqual({ label: 'After' });
  });

  it('a refusal by the provider removes the marker; an unanswered call keeps it', async () => {
    const world = numberWorld();
    world.refuseAtProvider(new ProviderError('twilio', 'bad label', { retryable: false, httpStatus: 400 }));
    await expect(world.update('t1', 'num_00000000000000000001', { displayName: 'After' }, audit('req-1'))).rejects.toThrow('bad label');
    expect(world.record().providerChange).toBeUndefined();
    expect(world.writes).toEqual(['numbers.update_started', 'numbers.update_refused']);

    world.refuseAtProvider(new ProviderError('twilio', 'timed out', { retryable: true, ambiguous: true }));
    await expect(world.update('t1', 'num_00000000000000000001', { displayName: 'Maybe' }, audit('req-2'))).rejects.toThrow('timed out');
    expect(world.record().providerChange).toMatchObject({ requestId: 'req-2', changes: { displayName: 'Maybe' } });
  });
});

describe('POST /v1/tollfree/reservations: a reservation that cannot be recorded is given back', () => {
  function reserveWorld(options: { commitLost?: boolean } = {}) {
    const released: string[] = [];
    const registry = {
      searchAndReserve: vi.fn(async () => ({ pending: false, data: ['8335550100', '8335550101'] })),
      query: vi.fn(async (_ctx: unknown, num: string) => ({ pending: false, data: { num, status: released.includes(num) ? 'SPARE' : 'RESERVED', respOrgId: 'ABC01', recVersionId: 'v1' } })),
      releaseReservation: vi.fn(async (_ctx: unknown, num: string) => {
        released.push(num);
        return { pending: false, data: {} };
      }),
    };
    // The in-memory Firestore, whose transactions fail as a lost connection does: after committing
    // (commitLost: the write happened, its answer did not come back) or before it.
    const mem = memoryFirestore();
    const runTransaction = vi.fn(async (fn: Parameters<Firestore['runTransaction']>[0]) => {
      if (options.commitLost) await mem.firestore.runTransaction(fn);
      throw Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 });
    });
    const db = new Proxy(mem.firestore, { get: (target, key) => (key === 'runTransaction' ? runTransaction : Reflect.get(target, key, target) as unknown) });
    const log = silentLog();
    const deps = {
      db: async () => db,
      config,
      now: () => new Date('2026-03-02T15:00:00Z'),
      somos: async () => ({ registry }),
      tasks: { enqueue: vi.fn() },
      log,
    } as unknown as Parameters<typeof reserveNumbers>[0];
    return { reserve: reserveNumbers(deps), registry, released, runTransaction, mem, log };
  }
  const input = { spec: { npa: '833', quantity: 2 }, contactName: 'NOC', contactPhone: '+13125550111' };

  it('returns what the registry reserved and answers a retryable 503', async () => {
    const world = reserveWorld();
    const failed = await world.reserve('t1', input as never, audit('req-1')).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { retryable: true, returned: ['+18335550100', '+18335550101'], stillReserved: [] } });
    expect(world.runTransaction).toHaveBeenCalledTimes(2); // the write is tried twice first
    expect(world.mem.list('tenants/t1/tollfreeNumbers')).toEqual([]);
    expect(world.released.sort()).toEqual(['8335550100', '8335550101']);
    expect(world.log.error).toHaveBeenCalledWith('toll-free reservations could not be recorded; returned to the registry', expect.objectContaining({ returned: ['8335550100', '8335550101'] }));
  });

  it('keeps them when the write did happen (its answer was lost)', async () => {
    const world = reserveWorld({ commitLost: true });
    const result = await world.reserve('t1', input, audit('req-1'));
    expect(result).toMatchObject({ data: [{ id: '8335550100', status: 'reserved' }, { id: '8335550101', status: 'reserved' }], failed: [] });
    expect(world.released).toEqual([]);
    expect(world.mem.read('tenants/t1/tollfreeNumbers/8335550100')).toMatchObject({ tenantId: 't1', status: 'reserved' });
  });
});
