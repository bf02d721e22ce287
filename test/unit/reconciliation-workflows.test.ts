/**
 * Reconciliation (modules/operations/services/reconciliation/) and the purchase settle task
 * (modules/operations/operations/settle-purchase.ts) with the real repositories on an in-memory
 * Firestore and a fake provider account: what drifts becomes a finding (never a purchase, a release
 * or an adoption), a corrupt account is skipped, findings stay in their tenant.
 */
import { describe, expect, it, vi } from 'vitest';
import type { TaskCaller } from '../../shared/auth/verify-task.js';
import { parseConfig } from '../../shared/config.js';
import type { Deps } from '../../shared/deps.js';
import { setLogSink } from '../../shared/log.js';
import type { NumberRecord } from '../../shared/domain/number.js';
import { twilioCapabilities } from '../../shared/providers/twilio/client.js';
import type { NumberProvider, ProviderNumber } from '../../shared/providers/types.js';
import type { TaskRequest } from '../../shared/queue/task-queue.js';
import { SecretNotFoundError } from '../../shared/secrets/secret-store.js';
import { paths } from '../../shared/store/firestore.js';
import { createNumbersStore } from '../../modules/numbers/repository.js';
import { reconcileAccount, startReconciliation } from '../../modules/operations/services/reconciliation/reconcile.js';
import findingsOperation from '../../modules/operations/operations/reconciliation/findings.js';
import settleOperation from '../../modules/operations/operations/settle-purchase.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';
import { refusal } from '../helpers/refusal.js';
import { numberRecord } from '../helpers/number-fixture.js';

const A = 'tenant-a';
const B = 'tenant-b';
const X = '+14155550100';
const Y = '+14155550101';

/** A provider account whose inventory the test sets. */
function providerAccount() {
  const owned = new Map<string, ProviderNumber>();
  const own = (phoneNumber: string) =>
    owned.set(phoneNumber, {
      providerNumberId: `PN${phoneNumber.replace(/\D/g, '').padStart(32, '0')}`,
      phoneNumber,
      friendlyName: phoneNumber,
      provider: 'twilio',
      capabilities: { voice: true, sms: true, mms: false, fax: false },
    });
  const fake: Partial<NumberProvider> = {
    name: 'twilio',
    capabilities: twilioCapabilities,
    list: async () => ({ numbers: [...owned.values()] }),
    findOwned: async (phoneNumber: string) => owned.get(phoneNumber),
  };
  return { provider: fake as NumberProvider, owned, own };
}

function arrange() {
  const mem = memoryFirestore();
  const account = providerAccount();
  const now = Date.parse('2026-12-01T10:00:00.000Z');
  const tasks: TaskRequest[] = [];
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), child: () => log };
  const partial: Partial<Deps> = {
    db: async () => mem.firestore,
    numbers: createNumbersStore(async () => mem.firestore),
    providers: {
      forTenant: async () => ({ provider: account.provider, accountId: 'platform' }),
      forAccount: async () => account.provider,
    } as Partial<Deps['providers']> as Deps['providers'],
    secrets: {
      access: (name: string) => Promise.reject(new SecretNotFoundError(name)),
      put: () => Promise.reject(new Error('no secret writes expected')),
      delete: () => Promise.reject(new Error('no secret writes expected')),
    },
    tasks: {
      enqueue: async (task: TaskRequest) => {
        tasks.push(task);
        return { name: task.id ?? 'task', deduplicated: false };
      },
    },
    now: () => new Date(now),
    config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test', PURCHASE_LEASE_SECONDS: '60' }),
    log: log as Partial<Deps['log']> as Deps['log'],
  };
  const deps = partial as Deps;

  /** A number record as the purchase workflow leaves it (record, claim and owner-index entry). */
  const hold = (tenantId: string, id: string, phoneNumber: string, extra: Partial<NumberRecord> = {}) => {
    const record: NumberRecord = numberRecord(id, tenantId, phoneNumber, {
      providerNumberId: `PN${id}`,
      createdAt: '2026-11-01T00:00:00.000Z',
      ...extra,
    });
    mem.write(paths.number(tenantId, id), Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));
    mem.write(paths.numberClaim(tenantId, phoneNumber), { numberId: id, phoneNumber, createdAt: record.createdAt });
    mem.write(paths.numberOwner(record.provider, phoneNumber), { tenantId, numberId: id, provider: record.provider, phoneNumber, since: record.createdAt });
    return record;
  };
  const addAccount = (tenantId: string, id: string, extra: Record<string, unknown> = {}) =>
    mem.write(`tenants/${tenantId}/providerAccounts/${id}`, {
      id,
      tenantId,
      provider: 'twilio',
      secretName: `tenant-${tenantId}-twilio-${id}`,
      credentialsPreview: { accountSid: 'AC…beef' },
      isDefault: true,
      verifiedAt: '2026-11-01T00:00:00.000Z',
      createdBy: 'u1',
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-01T00:00:00.000Z',
      ...extra,
    });
  const findingDocs = (collectionPath: string) => mem.list(collectionPath).map((p) => mem.read(p)!);
  const taskCaller: TaskCaller = { serviceAccount: 'tasks@p.iam.gserviceaccount.com', retryCount: 0 };
  const raw = { body: Buffer.alloc(0), headers: {}, url: '/' };
  const listFindings = (tenantId: string, query: { limit: number; cursor?: string; status?: 'open' | 'resolved' }) =>
    findingsOperation(deps)({ params: {}, query, body: undefined, raw, requestId: 'req-2', log: deps.log, caller: { uid: 'u1', tenantId, role: 'admin' } });
  const settleTask = (tenantId: string, numberId: string, atProvider?: boolean) =>
    settleOperation(deps)({ params: {}, query: {}, body: { tenantId, numberId, ...(atProvider ? { atProvider } : {}) }, raw, requestId: 'req-3', log: deps.log, task: taskCaller });
  return { mem, deps, account, tasks, hold, addAccount, findingDocs, listFindings, settleTask, log };
}

describe('reconciliation (in memory)', () => {
  it('opens a finding for a number held here that the provider account no longer owns, and resolves it once it is back', async () => {
    const { deps, account, hold, addAccount, findingDocs } = arrange();
    addAccount(A, 'acc_1');
    hold(A, 'num_held', X, { accountId: 'acc_1' });

    const result = await reconcileAccount(deps)({ runId: 'run-1', provider: 'twilio', accountId: 'acc_1', tenantId: A }, 'req-1', deps.log);

    expect(result).toMatchObject({ ownedAtProvider: 0, heldHere: 1, opened: 1, resolved: 0 });
    expect(findingDocs(`tenants/${A}/reconciliationFindings`)).toEqual([
      expect.objectContaining({ kind: 'missing_at_provider', tenantId: A, accountId: 'acc_1', phoneNumber: X, numberId: 'num_held', status: 'open', runId: 'run-1' }),
    ]);
    // Back at the provider: the next run resolves it.
    account.own(X);
    const next = await reconcileAccount(deps)({ runId: 'run-2', provider: 'twilio', accountId: 'acc_1', tenantId: A }, 'req-1', deps.log);
    expect(next).toMatchObject({ opened: 0, resolved: 1 });
    expect(findingDocs(`tenants/${A}/reconciliationFindings`)).toEqual([expect.objectContaining({ status: 'resolved', runId: 'run-2' })]);
  });

  it('reads the owner index of every held number together, and writes in a transaction only the entry that is missing', async () => {
    const { deps, mem, account, hold, addAccount, findingDocs } = arrange();
    addAccount(A, 'acc_1');
    const numbers = ['+14155550110', '+14155550111', '+14155550112', '+14155550113'];
    const records = numbers.map((e164, i) => (account.own(e164), hold(A, `num_${i}`, e164, { accountId: 'acc_1' })));
    mem.write(paths.numberOwner(records[2]!.provider, numbers[2]!), { deleted: true }); // an entry from before the index: not this record's
    const commits = mem.stats.commits;

    const result = await reconcileAccount(deps)({ runId: 'run-1', provider: 'twilio', accountId: 'acc_1', tenantId: A }, 'req-1', deps.log);

    expect(result).toMatchObject({ heldHere: 4, opened: 0 });
    expect(mem.stats.commits - commits).toBe(1);
    expect(mem.read(paths.numberOwner(records[2]!.provider, numbers[2]!))).toMatchObject({ tenantId: A, numberId: 'num_2' });
    expect(findingDocs(`tenants/${A}/reconciliationFindings`)).toEqual([]);
  });

  it('reports a number the platform account owns that nobody here holds, to the operator only: no tenant adopts it', async () => {
    const { deps, mem, account, hold, findingDocs } = arrange();
    hold(A, 'num_a', X);
    account.own(X);
    account.own(Y);

    const result = await reconcileAccount(deps)({ runId: 'run-1', provider: 'twilio', accountId: 'platform' }, 'req-1', deps.log);

    expect(result).toMatchObject({ ownedAtProvider: 2, heldHere: 1, opened: 1 });
    expect(findingDocs('platform/reconciliation/findings')).toEqual([
      expect.objectContaining({ kind: 'unknown_here', accountId: 'platform', phoneNumber: Y, status: 'open' }),
    ]);
    expect(findingDocs('platform/reconciliation/findings')[0]).not.toHaveProperty('tenantId');
    expect(findingDocs(`tenants/${A}/reconciliationFindings`)).toEqual([]);
    // Nobody holds it now either: no record, no claim, no owner-index entry.
    expect(mem.list(paths.numbers(A))).toEqual([paths.number(A, 'num_a')]);
    expect(mem.read(paths.numberClaim(A, Y))).toBeUndefined();
    expect(mem.read(paths.numberOwner('twilio', Y))).toBeUndefined();
  });

  it('skips a corrupt provider account when the run fans out, and still reconciles the others', async () => {
    const { deps, tasks, addAccount } = arrange();
    const lines: string[] = [];
    const restore = setLogSink((line) => lines.push(line));
    addAccount(A, 'acc_a');
    addAccount(B, 'acc_broken', { secretName: 'tenant-b-twilio-secret-marker', isDefault: 'yes' });
    addAccount('tenant-c', 'acc_c');

    const started = await startReconciliation(deps)('run-1', deps.log).finally(restore);

    const jobs = tasks.map((t) => t.body);
    expect(started.accounts).toBe(3); // the toll-free job and the two sound accounts
    expect(jobs).toEqual(
      expect.arrayContaining([
        { runId: 'run-1', provider: 'twilio', accountId: 'acc_a', tenantId: A },
        { runId: 'run-1', provider: 'twilio', accountId: 'acc_c', tenantId: 'tenant-c' },
        { runId: 'run-1', provider: 'somos', accountId: 'platform' },
      ]),
    );
    expect(jobs).not.toContainEqual(expect.objectContaining({ accountId: 'acc_broken' }));
    // Logged by collection and id, never its content.
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ message: 'stored document does not match its schema', collection: 'providerAccounts', id: 'acc_broken' }),
    );
    expect(lines.join('\n')).not.toContain('secret-marker');
  });

  it('lists a tenant’s findings only, most recently seen first, a page at a time', async () => {
    const { mem, listFindings } = arrange();
    const finding = (tenantId: string, n: number) => {
      const id = `missing_at_provider_acc_1_1415555010${n}`;
      mem.write(`tenants/${tenantId}/reconciliationFindings/${id}`, {
        id,
        tenantId,
        kind: 'missing_at_provider',
        provider: 'twilio',
        accountId: 'acc_1',
        phoneNumber: `+1415555010${n}`,
        status: 'open',
        firstSeenAt: '2026-11-01T00:00:00.000Z',
        lastSeenAt: `2026-11-0${n}T00:00:00.000Z`,
        runId: 'run-1',
      });
    };
    [1, 2, 3].forEach((n) => finding(A, n));
    finding(B, 9);

    const first = await listFindings(A, { limit: 2 });
    const second = await listFindings(A, { limit: 2, cursor: first.body.nextCursor! });

    expect(first.body.data.map((f) => f.phoneNumber)).toEqual(['+14155550103', '+14155550102']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(second.body.data.map((f) => f.phoneNumber)).toEqual(['+14155550101']);
    expect(second.body.nextCursor).toBeUndefined();
    expect(first.body.data[0]).not.toHaveProperty('tenantId');
    expect((await listFindings(B, { limit: 10 })).body.data.map((f) => f.phoneNumber)).toEqual(['+14155550109']);
    expect(await refusal(listFindings(A, { limit: 2, cursor: 'not-a-cursor' }))).toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

describe('the purchase settle task (in memory)', () => {
  const pending = { status: 'pending', providerNumberId: undefined, purchase: { outcome: 'unknown', attempts: 1, leaseUntil: '2026-12-01T09:59:00.000Z' } } as const;

  it('settles active, for its tenant, a pending purchase whose provider call took effect', async () => {
    const { mem, account, hold, settleTask, tasks } = arrange();
    hold(A, 'num_pending', X, pending);
    account.own(X);

    const handedOff = await settleTask(A, 'num_pending');
    const settled = await settleTask(A, 'num_pending', true);

    expect(handedOff.body.outcome).toBe('handed_off');
    expect(tasks.at(-1)).toMatchObject({ body: { tenantId: A, numberId: 'num_pending', atProvider: true } });
    expect(settled.body.outcome).toBe('activated');
    expect(mem.read(paths.number(A, 'num_pending'))).toMatchObject({ status: 'active', providerNumberId: account.owned.get(X)!.providerNumberId });
    expect(mem.read(paths.numberOwner('twilio', X))).toMatchObject({ tenantId: A, numberId: 'num_pending' });
  });

  it('ends the bulk item that waits for the purchase with it, succeeded, in the settling transaction', async () => {
    const { mem, account, hold, settleTask } = arrange();
    const origin = { jobId: 'job_1', itemId: 'it_00001' };
    hold(A, 'num_item', X, { ...pending, origin });
    const itemPath = `tenants/${A}/jobs/job_1/items/it_00001`;
    mem.write(itemPath, { id: 'it_00001', jobId: 'job_1', tenantId: A, index: 1, state: 'running', input: { phoneNumber: X }, attempts: 1, waitingFor: { kind: 'number-purchase', id: 'num_item' }, updatedAt: '2026-12-01T09:58:00.000Z' });
    account.own(X);

    const settled = await settleTask(A, 'num_item', true);

    expect(settled.body.outcome).toBe('activated');
    expect(mem.read(paths.number(A, 'num_item'))).toMatchObject({ status: 'active' });
    expect(mem.read(itemPath)).toMatchObject({ state: 'succeeded', result: { numberId: 'num_item', status: 'active' } });
  });

  it('never adopts for a tenant a number the owner index gives to another tenant that holds it', async () => {
    const { mem, account, hold, settleTask } = arrange();
    hold(A, 'num_stale', X, pending);
    hold(B, 'num_b', X); // B's record holds X too, and the owner index names B
    account.own(X);

    const outcome = await settleTask(A, 'num_stale', true).then(
      (answer) => answer.body.outcome,
      (err: unknown) => err,
    );

    expect(outcome).not.toBe('activated');
    expect(mem.read(paths.number(A, 'num_stale'))).toMatchObject({ status: 'pending' });
    expect(mem.read(paths.number(A, 'num_stale'))).not.toHaveProperty('provisionedAt');
    expect(mem.read(paths.numberOwner('twilio', X))).toMatchObject({ tenantId: B, numberId: 'num_b' });
    expect(mem.read(paths.number(B, 'num_b'))).toMatchObject({ status: 'active' });
  });
});
