/**
 * The purchase workflow (modules/numbers/services/purchase.ts) with the real numbers repository on an
 * in-memory Firestore and a provider that sells each number once: the races of a purchase and its
 * follow-up, in milliseconds and deterministically (the emulator suite keeps the end-to-end tests).
 */
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import type { Deps } from '../../shared/deps.js';
import type { AuditContext } from '../../shared/domain/audit.js';
import { usagePath } from '../../shared/domain/limits.js';
import type { NumberRecord } from '../../shared/domain/number.js';
import { AppError } from '../../shared/http/errors.js';
import { twilioCapabilities } from '../../shared/providers/twilio/client.js';
import { ProviderError, type NumberProvider, type ProviderNumber } from '../../shared/providers/types.js';
import type { TaskRequest } from '../../shared/queue/task-queue.js';
import { purchaseNumber, type PurchaseInput } from '../../modules/numbers/services/purchase.js';
import { settlePendingPurchase } from '../../modules/numbers/services/purchase-followup.js';
import { paths } from '../../shared/store/firestore.js';
import { createNumbersStore } from '../../modules/numbers/repository.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';

const LEASE_SECONDS = 60;
const audit: AuditContext = { actor: { type: 'user', uid: 'u1', role: 'admin' }, requestId: 'req-1' };
const X = '+14155550100';

/** A provider account that sells each number once; `beforeSale` runs inside a purchase call, before it takes effect. */
function sellingProvider() {
  const owned = new Map<string, ProviderNumber>();
  const calls: string[] = [];
  const plan: Array<'sell' | '503' | 'sell-then-500' | 'sell-then-timeout'> = [];
  let failingLookUps = 0;
  let beforeSale: (() => Promise<void>) | undefined;
  let lookUpGate: Promise<void> | undefined;
  const provider = {
    capabilities: twilioCapabilities,
    async purchase(request: { phoneNumber: string }): Promise<ProviderNumber> {
      calls.push(`POST ${request.phoneNumber}`);
      const step = plan.shift() ?? 'sell';
      const hook = beforeSale;
      beforeSale = undefined;
      await hook?.();
      if (step === '503') throw new ProviderError('twilio', 'Service unavailable', { httpStatus: 503, retryable: true, ambiguous: true, providerCode: '20503' });
      if (owned.has(request.phoneNumber)) throw new ProviderError('twilio', 'not available', { httpStatus: 400, retryable: false, kind: 'not_available', providerCode: '21422' });
      const number: ProviderNumber = {
        providerNumberId: `PN${String(owned.size + 1).padStart(32, '0')}`,
        phoneNumber: request.phoneNumber,
        friendlyName: request.phoneNumber,
        provider: 'twilio',
        capabilities: { voice: true, sms: true, mms: false, fax: false },
      };
      owned.set(request.phoneNumber, number);
      if (step === 'sell-then-500') throw new ProviderError('twilio', 'Internal error', { httpStatus: 500, retryable: true, ambiguous: true, providerCode: '20500' });
      if (step === 'sell-then-timeout') throw new ProviderError('twilio', 'twilio request failed after sending (TIMEOUT)', { retryable: true, ambiguous: true, kind: 'unavailable' });
      return number;
    },
    async findOwned(phoneNumber: string) {
      calls.push(`GET ${phoneNumber}`);
      if (failingLookUps > 0) {
        failingLookUps--;
        throw new ProviderError('twilio', 'Service unavailable', { httpStatus: 503, retryable: true, providerCode: '20503' });
      }
      const found = owned.get(phoneNumber);
      await lookUpGate; // the answer is what the provider had when it was asked
      return found;
    },
  };
  return {
    provider: provider as unknown as NumberProvider,
    owned,
    calls,
    plan,
    /** Runs `fn` during the next purchase call, before the provider acts (a slow provider). */
    during(fn: () => Promise<void>) {
      beforeSale = fn;
    },
    /** The next `n` look-ups fail (503). */
    failLookUps(n: number) {
      failingLookUps = n;
    },
    /** Holds every look-up's answer (taken when it was asked) until the returned function is called. */
    holdLookUps() {
      let release!: () => void;
      lookUpGate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        lookUpGate = undefined;
        release();
      };
    },
  };
}

function arrange() {
  const mem = memoryFirestore();
  const account = sellingProvider();
  let now = Date.parse('2026-12-01T10:00:00.000Z');
  const tasks: TaskRequest[] = [];
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), child: () => log } as unknown as Deps['log'];
  const deps = {
    numbers: createNumbersStore(async () => mem.firestore),
    providers: {
      forTenant: async () => ({ provider: account.provider, accountId: 'platform' }),
      forAccount: async () => account.provider,
    } as unknown as Deps['providers'],
    now: () => new Date(now),
    config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test', PURCHASE_LEASE_SECONDS: String(LEASE_SECONDS) }),
    tasks: {
      enqueue: async (task: TaskRequest) => {
        tasks.push(task);
        return { name: task.id ?? 'task', deduplicated: false };
      },
    },
    db: async () => mem.firestore,
    log,
  };
  const buy = (tenantId: string) =>
    purchaseNumber(deps)({ tenantId, uid: 'u1', provider: 'twilio', phoneNumber: X, audit } satisfies PurchaseInput, log);
  /** The purchase's follow-up as Cloud Tasks delivers it once the lease is over: followups, then the provider's queue. */
  const followUp = async (tenantId: string, numberId: string) => {
    const settle = settlePendingPurchase(deps);
    const first = await settle(tenantId, numberId, audit, log);
    return first === 'handed_off' ? settle(tenantId, numberId, audit, log, { atProvider: true }) : first;
  };
  const records = (tenantId: string) => mem.list(paths.numbers(tenantId)).map((p) => mem.read(p) as unknown as NumberRecord);
  const heldNumbers = (tenantId: string) => (mem.read(usagePath(tenantId))?.heldNumbers as number | undefined) ?? 0;
  return { mem, account, deps, tasks, buy, followUp, records, heldNumbers, advance: (ms: number) => (now += ms), log };
}

/**
 * During the next purchase call, before the provider acts (a slow provider): the lease runs out and
 * the follow-up looks the number up first; its answer (taken then) is held until `release`.
 */
function followUpLooksFirst(t: ReturnType<typeof arrange>, thenDuringTheCall?: () => void) {
  const state: { done?: Promise<string>; release?: () => void } = {};
  t.account.during(async () => {
    t.advance((LEASE_SECONDS + 5) * 1000);
    state.release = t.account.holdLookUps();
    state.done = t.followUp('t1', t.records('t1')[0]!.id);
    await vi.waitFor(() => expect(t.account.calls).toContain(`GET ${X}`));
    thenDuringTheCall?.();
  });
  return state;
}

describe('purchase workflow (in memory)', () => {
  it('buys a number once: one provider call, the record active, the claim and the owner index written, usage counted', async () => {
    const { account, buy, mem, heldNumbers, tasks } = arrange();
    const record = await buy('t1');
    expect(record).toMatchObject({ status: 'active', providerNumberId: expect.stringMatching(/^PN/) });
    expect(account.calls).toEqual([`POST ${X}`]);
    expect(mem.read(paths.numberOwner('twilio', X))).toMatchObject({ tenantId: 't1', numberId: record.id });
    expect(mem.read(paths.numberClaim('t1', X))).toMatchObject({ numberId: record.id });
    expect(heldNumbers('t1')).toBe(1);
    expect(tasks.map((t) => t.id)).toEqual([`settle-t1-${record.id}-a1`]); // its follow-up, due after the lease
  });

  it('asks again after a 503 (a number is sold once), and buys it with no look-up', async () => {
    const { account, buy } = arrange();
    account.plan.push('503');
    expect(await buy('t1')).toMatchObject({ status: 'active' });
    expect(account.calls).toEqual([`POST ${X}`, `POST ${X}`]);
  });

  it('settles a 500 that sold the number by asking again, being refused, and looking it up', async () => {
    const { account, buy, heldNumbers } = arrange();
    account.plan.push('sell-then-500');
    expect(await buy('t1')).toMatchObject({ status: 'active' });
    expect(account.calls).toEqual([`POST ${X}`, `POST ${X}`, `GET ${X}`]);
    expect(account.owned.size).toBe(1);
    expect(heldNumbers('t1')).toBe(1);
  });

  it('refuses a number another tenant holds before any provider call, naming nobody', async () => {
    const { account, buy } = arrange();
    await buy('t1');
    account.calls.length = 0;
    const refused = await buy('t2').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'CONFLICT', details: { reason: 'not_available' } });
    expect(JSON.stringify((refused as AppError).details)).not.toContain('t1');
    expect(account.calls).toEqual([]);
  });

  it('makes the number the tenant’s when the provider sells it after the follow-up settled "not bought"', async () => {
    const { account, buy, followUp, records, mem, heldNumbers, advance } = arrange();
    account.during(async () => {
      // The provider is slow: the lease runs out and the follow-up looks the number up first.
      advance((LEASE_SECONDS + 5) * 1000);
      const [pending] = records('t1');
      expect(await followUp('t1', pending!.id)).toBe('not_bought');
      expect(records('t1')[0]).toMatchObject({ status: 'error' });
      expect(heldNumbers('t1')).toBe(0);
    });
    const record = await buy('t1');
    expect(record).toMatchObject({ status: 'active' });
    expect(account.owned.size).toBe(1);
    expect(records('t1').map((r) => r.status)).toEqual(['active']);
    expect(mem.read(paths.numberOwner('twilio', X))).toMatchObject({ tenantId: 't1', numberId: record.id });
    expect(mem.read(paths.numberClaim('t1', X))).toMatchObject({ numberId: record.id });
    expect(heldNumbers('t1')).toBe(1); // taken, given back, taken again: once
  });

  it('looks again when the attempt answered after the follow-up had looked: a late sale is never settled "not bought"', async () => {
    const t = arrange();
    const { account, buy, records, deps, mem } = t;
    account.plan.push('sell-then-500');
    const followUp = followUpLooksFirst(t);
    // The sale happens, the provider answers 500, and the attempt finds its lease gone.
    await expect(buy('t1')).rejects.toBeInstanceOf(ProviderError);
    followUp.release!();
    expect(await followUp.done).toBe('retry_scheduled'); // its look-up predates the sale
    expect(records('t1').map((r) => r.status)).toEqual(['pending']);

    const retried = await settlePendingPurchase(deps)('t1', records('t1')[0]!.id, audit, deps.log, { atProvider: true, retry: 1 });
    expect(retried).toBe('activated');
    expect(records('t1').map((r) => r.status)).toEqual(['active']);
    expect(account.owned.size).toBe(1);
    expect(mem.read(paths.numberOwner('twilio', X))).toMatchObject({ tenantId: 't1' });
  });

  it('looks again when the attempt, after a timeout past its lease, could not look the number up itself', async () => {
    const t = arrange();
    const { account, buy, records, deps } = t;
    account.plan.push('sell-then-timeout');
    const followUp = followUpLooksFirst(t, () => account.failLookUps(1)); // then the attempt's own look-up fails
    // The sale happens; the call times out; the attempt's look-up fails: outcome unknown.
    await expect(buy('t1')).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
    followUp.release!();
    expect(await followUp.done).toBe('retry_scheduled');
    expect(await settlePendingPurchase(deps)('t1', records('t1')[0]!.id, audit, deps.log, { atProvider: true, retry: 1 })).toBe('activated');
    expect(records('t1').map((r) => r.status)).toEqual(['active']);
    expect(account.owned.size).toBe(1);
  });

  it('looks the number up when a resumed purchase is refused as taken: the earlier attempt sold it after the resumed look-up', async () => {
    const { account, buy, records, mem, advance } = arrange();
    account.plan.push('sell-then-500');
    let second: Promise<NumberRecord> | undefined;
    let release: (() => void) | undefined;
    account.during(async () => {
      // The first call is slow: the lease runs out, the client retries (same key) and the purchase
      // resumes; its look-up comes before the first call's sale.
      advance((LEASE_SECONDS + 5) * 1000);
      release = account.holdLookUps();
      second = buy('t1');
      await vi.waitFor(() => expect(account.calls).toContain(`GET ${X}`));
    });
    await expect(buy('t1')).rejects.toBeInstanceOf(ProviderError); // sold, answered 500, its lease gone
    release!();
    expect(await second).toMatchObject({ status: 'active' }); // refused as taken, then found ours
    expect(records('t1').map((r) => r.status)).toEqual(['active']);
    expect(account.owned.size).toBe(1);
    expect(mem.read(paths.numberOwner('twilio', X))).toMatchObject({ tenantId: 't1' });
  });

  it('does not ask again once the follow-up has settled the purchase between two provider calls', async () => {
    const { account, buy, followUp, records, advance } = arrange();
    account.plan.push('503');
    account.during(async () => {
      advance((LEASE_SECONDS + 5) * 1000);
      expect(await followUp('t1', records('t1')[0]!.id)).toBe('not_bought');
    });
    const refused = await buy('t1').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ProviderError);
    expect(account.calls).toEqual([`POST ${X}`, `GET ${X}`, `GET ${X}`]); // the follow-up's look-up, then this attempt's
    expect(account.owned.size).toBe(0);
    expect(records('t1').map((r) => r.status)).toEqual(['error']);
  });

  it('renews its lease between provider calls, so a follow-up due meanwhile leaves the purchase to it', async () => {
    const { account, buy, followUp, records, advance, tasks } = arrange();
    account.plan.push('503');
    account.during(async () => {
      advance((LEASE_SECONDS / 2 + 1) * 1000); // past half the lease: the next call renews it first
    });
    const bought = buy('t1');
    const record = await bought;
    expect(record).toMatchObject({ status: 'active' });
    expect(tasks.some((t) => t.id?.startsWith(`settle-t1-${record.id}-a1-l`))).toBe(true); // the renewed lease's own follow-up
    expect(await followUp('t1', records('t1')[0]!.id)).toBe('already_settled');
    expect(account.owned.size).toBe(1);
  });
});
