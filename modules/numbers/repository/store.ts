import type { DocumentReference, Firestore, Transaction } from '@google-cloud/firestore';
import { randomBytes } from 'node:crypto';
import { recordAudit, type AuditContext } from '../../../shared/domain/audit.js';
import { AppError, conflict, notFound } from '../../../shared/http/errors.js';
import { holdingStatuses, searchTokensFor, type NumberRecord } from '../../../shared/domain/number.js';
import { assertRoomFor, changeUsage, limitsFrom, limitsRef, readUsage, usageChange, usageFrom, usageRef, type TenantLimits, type UsageKind } from '../../../shared/domain/limits.js';
import { claimedNumberId, paths } from '../../../shared/store/firestore.js';
import { readSome } from '../../../shared/store/read-some.js';
import { namesRecord, notAvailable, ownerEntry, ownerOf, readOwner } from './owner.js';
import { readNumber, readNumberIfAny } from '../../../shared/domain/number-record.js';

export type ClaimResult =
  /** A fresh pending record: the caller may call the provider. */
  | { kind: 'created'; record: NumberRecord }
  /** A pending record whose previous attempt's lease expired: look the number up before buying again. */
  | { kind: 'resumed'; record: NumberRecord };


/** What ensureOwner found: the index named the record, now does, or names another tenant's holding record. */
export type OwnerCheck = 'ok' | 'written' | 'conflict';
/** Index entries read in one request by ensureOwners. */
const OWNER_READS_AT_ONCE = 300;

const countedKind = (value: unknown): UsageKind => (value === 'import' || value === 'free' ? value : 'purchase');

export const newNumberId = () => `num_${randomBytes(10).toString('hex')}`;
const resource = (id: string) => `numbers/${id}`;

/** Keeps derived fields in step with the record before every write. */
function withTokens(record: NumberRecord): NumberRecord {
  return { ...record, searchTokens: searchTokensFor(record) };
}

/** The numbers' writes (record, claim, owner index, usage, audit in one transaction each) and their single-record reads. */
export function createNumberWrites(db: () => Promise<Firestore>) {
  /**
   * Makes sure the owner index names this held record (numbers held since before the index have
   * no entry). 'conflict': another tenant's record holds the number too — a bug for people to
   * look at, never settled here by picking one.
   */
  async function ensureOwner(record: NumberRecord): Promise<OwnerCheck> {
    if (!holdingStatuses.includes(record.status)) return 'ok';
    const firestore = await db();
    return firestore.runTransaction(async (tx) => {
      const owner = await readOwner(tx, firestore, record.provider, record.phoneNumber, record.tenantId, record.id);
      if (owner.heldByOther) return 'conflict';
      if (namesRecord(owner.owner, record)) return 'ok';
      tx.set(owner.ref, ownerEntry(record, new Date()));
      return 'written';
    });
  }

  const store = {
    /**
     * Claims `record.phoneNumber` for the tenant and writes the pending record, atomically.
     * A number the tenant already holds is a 409; a purchase still within its lease is a 409;
     * a pending purchase whose lease ran out is handed back for resolution, never bought blindly.
     */
    async claimForPurchase(
      record: NumberRecord,
      now: Date,
      audit: AuditContext,
      limits?: TenantLimits,
      options: {
        /** Also refuse a number another tenant holds at this provider (a Vapi import of a number bought there). */
        notHeldAt?: string;
        /** What the number counts against (default a purchase); `precounted`: the caller already took it with reserveUsage. */
        usage?: UsageKind | { precounted: UsageKind };
      } = {},
    ): Promise<ClaimResult> {
      const firestore = await db();
      const claimRef = firestore.doc(paths.numberClaim(record.tenantId, record.phoneNumber));
      return firestore.runTransaction(async (tx) => {
        // Spend guards: single purchases count here; a bulk job's items were reserved with the job.
        const guarded = limits && !record.origin;
        // One tenant per number, platform-wide: another tenant's holding is a refusal before any
        // provider call, so no later look-up on a shared account can hand that tenant's number over.
        // The index entry, the tenant's claim, and its limits and usage in one round trip.
        const ownerRef = firestore.doc(paths.numberOwner(record.provider, record.phoneNumber));
        const [ownerSnap, claim, limitsSnap, usageSnap] = await readSome(tx, [
          ownerRef,
          claimRef,
          guarded ? limitsRef(firestore, record.tenantId) : undefined,
          guarded ? usageRef(firestore, record.tenantId) : undefined,
        ]);
        const tenantLimits = limitsSnap && limits ? limitsFrom(limitsSnap, limits) : undefined;
        const usage = usageSnap ? usageFrom(usageSnap) : undefined;
        const owner = await ownerOf(tx, firestore, ownerRef, ownerSnap!, record.provider, record.phoneNumber, record.tenantId);
        if (owner.heldByOther) throw notAvailable(record.phoneNumber, record.provider);
        if (options.notHeldAt && options.notHeldAt !== record.provider) {
          const source = await readOwner(tx, firestore, options.notHeldAt, record.phoneNumber, record.tenantId);
          if (source.heldByOther) throw notAvailable(record.phoneNumber, options.notHeldAt);
        }
        if (claim!.exists) {
          const heldRef = firestore.doc(paths.number(record.tenantId, claimedNumberId(claim!)));
          const held = readNumberIfAny((await tx.get(heldRef)).data(), heldRef.id);
          if (held && holdingStatuses.includes(held.status)) {
            if (held.status !== 'pending') {
              throw conflict(`This tenant already holds ${record.phoneNumber}`, { reason: 'already_owned', numberId: held.id, status: held.status });
            }
            if (held.purchase?.outcome === 'ordered') {
              throw conflict(`${record.phoneNumber} is on order at ${held.provider}; it becomes active when the order completes`, {
                reason: 'already_owned',
                numberId: held.id,
                orderId: held.orderId,
              });
            }
            if (held.provider !== record.provider) {
              throw conflict(`A ${held.provider} purchase of ${record.phoneNumber} is in progress`, { numberId: held.id });
            }
            const leaseUntil = held.purchase ? Date.parse(held.purchase.leaseUntil) : 0;
            if (leaseUntil > now.getTime()) {
              const wait = Math.ceil((leaseUntil - now.getTime()) / 1000);
              throw new AppError(
                'CONFLICT',
                `A purchase of ${record.phoneNumber} is already in progress; retry later with the same Idempotency-Key`,
                { numberId: held.id, retryAfterSeconds: wait },
                wait,
              );
            }
            const resumed: NumberRecord = {
              ...held,
              updatedAt: now.toISOString(),
              purchase: { outcome: 'in_flight', attempts: (held.purchase?.attempts ?? 0) + 1, leaseUntil: record.purchase!.leaseUntil },
            };
            tx.set(heldRef, resumed);
            tx.set(owner.ref, ownerEntry(resumed, now));
            recordAudit(firestore, tx, record.tenantId, audit, { action: 'numbers.purchase_resumed', resource: resource(held.id), before: held, after: resumed }, now);
            return { kind: 'resumed', record: resumed } as const;
          }
        }
        const kind: UsageKind = typeof options.usage === 'object' ? options.usage.precounted : options.usage ?? 'purchase';
        if (tenantLimits && usage && typeof options.usage !== 'object') {
          assertRoomFor(tenantLimits, usage, 1, now, kind);
          changeUsage(tx, firestore, record.tenantId, usage, usageChange(kind, 1, true), now);
        }
        const counted = !!limits || typeof options.usage === 'object';
        const created = withTokens({ ...record, ...(counted ? { countedInUsage: true } : {}), ...(counted && kind !== 'purchase' ? { countedAs: kind } : {}) });
        tx.set(claimRef, { numberId: record.id, phoneNumber: record.phoneNumber, createdAt: now.toISOString() });
        tx.create(firestore.doc(paths.number(record.tenantId, record.id)), created);
        tx.set(owner.ref, ownerEntry(created, now));
        recordAudit(firestore, tx, record.tenantId, audit, { action: 'numbers.purchase_started', resource: resource(record.id), after: created }, now);
        return { kind: 'created', record: created } as const;
      });
    },

    /** Drops a purchase that definitely did not happen: no half-written record remains (the audit keeps the attempt). */
    async abandonPurchase(tenantId: string, id: string, phoneNumber: string, audit: AuditContext): Promise<void> {
      const firestore = await db();
      const claimRef = firestore.doc(paths.numberClaim(tenantId, phoneNumber));
      await firestore.runTransaction(async (tx) => {
        const claim = await tx.get(claimRef);
        const numberRef = firestore.doc(paths.number(tenantId, id));
        const current = await tx.get(numberRef);
        if (current.exists && current.get('status') !== 'pending') return; // someone settled it meanwhile
        const provider: unknown = current.get('provider');
        const owner = typeof provider === 'string' ? await readOwner(tx, firestore, provider, phoneNumber, tenantId, id) : undefined;
        // The attempt that never happened does not count (a job's reservation is refunded at its end).
        const refund = current.get('countedInUsage') === true && !current.get('origin');
        const usage = refund ? await readUsage(tx, firestore, tenantId) : undefined;
        if (usage) changeUsage(tx, firestore, tenantId, usage, usageChange(countedKind(current.get('countedAs')), 1, false), new Date());
        if (claim.exists && claim.get('numberId') === id) tx.delete(claimRef);
        if (owner?.owner && owner.owner.tenantId === tenantId && owner.owner.numberId === id) tx.delete(owner.ref);
        if (current.exists) {
          tx.delete(numberRef);
          recordAudit(firestore, tx, tenantId, audit, { action: 'numbers.purchase_abandoned', resource: resource(id), before: current.data()! });
        }
      });
    },

    async get(tenantId: string, id: string): Promise<NumberRecord | undefined> {
      const firestore = await db();
      const snap = await firestore.doc(paths.number(tenantId, id)).get();
      return snap.exists ? readNumber(snap.data(), id) : undefined;
    },

    async require(tenantId: string, id: string): Promise<NumberRecord> {
      const record = await store.get(tenantId, id);
      if (!record) throw notFound('Number');
      return record;
    },

    /** The number the tenant holds for an E.164 (pending, active or inactive). */
    async findHeld(tenantId: string, e164: string, tx?: Transaction): Promise<NumberRecord | undefined> {
      const firestore = await db();
      const read = (ref: DocumentReference) => (tx ? tx.get(ref) : ref.get());
      const claim = await read(firestore.doc(paths.numberClaim(tenantId, e164)));
      if (!claim.exists) return undefined;
      const snap = await read(firestore.doc(paths.number(tenantId, claimedNumberId(claim))));
      const record = readNumberIfAny(snap.data(), snap.id);
      return record && holdingStatuses.includes(record.status) ? record : undefined;
    },

    /**
     * Read-modify-write in a transaction, audited. `mutate` sees the current record and returns
     * the new one (or throws); the claim is dropped when the number stops being held. `extra`
     * runs in the same transaction (e.g. clearing an agent's reference on a forced release).
     */
    async update(
      tenantId: string,
      id: string,
      action: string,
      audit: AuditContext,
      mutate: (current: NumberRecord) => NumberRecord,
      /** More reads (and writes) in the same transaction, after `mutate`; it may still adjust `after` from what it reads. */
      extra?: (tx: Transaction, firestore: Firestore, before: NumberRecord, after: NumberRecord) => Promise<void> | void,
      options: {
        /** A bulk job (by id) settles usage for all its items at once when it finishes. */
        deferUsage?: string;
        /** The number the record holds, when the caller knows it: its owner-index entry is read with the record, in one round trip. */
        holding?: { provider: string; phoneNumber: string };
      } = {},
    ): Promise<NumberRecord> {
      const firestore = await db();
      const ref = firestore.doc(paths.number(tenantId, id));
      const knownOwnerRef = options.holding ? firestore.doc(paths.numberOwner(options.holding.provider, options.holding.phoneNumber)) : undefined;
      return firestore.runTransaction(async (tx) => {
        const [snap, knownOwner] = knownOwnerRef ? await tx.getAll(ref, knownOwnerRef) : [await tx.get(ref)];
        if (!snap) throw notFound('Number');
        if (!snap.exists) throw notFound('Number');
        const current = readNumber(snap.data(), id);
        const mutated = mutate(current);
        if (mutated === current) return current; // nothing to do (e.g. settled meanwhile)
        let next = withTokens(mutated);
        const claimRef = firestore.doc(paths.numberClaim(tenantId, current.phoneNumber));
        const leaving = !holdingStatuses.includes(next.status);
        // The owner index follows the holding: dropped when the number goes, checked (and written for
        // records older than the index) when a pending purchase settles as the tenant's.
        const settling = current.status === 'pending' && next.status !== 'pending' && !leaving;
        const prefetched = knownOwner && options.holding?.provider === current.provider && options.holding.phoneNumber === current.phoneNumber;
        const uncount = leaving && current.countedInUsage === true;
        // What else the change needs, read in one round trip: the tenant's claim, the owner entry, the usage counters.
        const ownerRef = prefetched ? knownOwnerRef! : firestore.doc(paths.numberOwner(current.provider, current.phoneNumber));
        const [claim, ownerSnap, usageSnap] = await readSome(tx, [
          leaving ? claimRef : undefined,
          (leaving || settling) && !prefetched ? ownerRef : undefined,
          uncount && !options.deferUsage ? usageRef(firestore, tenantId) : undefined,
        ]);
        const ownerRead = leaving || settling ? (prefetched ? knownOwner : ownerSnap) : undefined;
        const owner = ownerRead ? await ownerOf(tx, firestore, ownerRef, ownerRead, current.provider, current.phoneNumber, tenantId, id) : undefined;
        if (settling && owner?.heldByOther) throw notAvailable(current.phoneNumber, current.provider);
        const usage = usageSnap ? usageFrom(usageSnap) : undefined;
        // A deferred uncount is marked with its job, which counts exactly these when it finishes.
        if (uncount) next = { ...next, countedInUsage: false, ...(options.deferUsage ? { uncountedByJob: options.deferUsage } : {}) };
        await extra?.(tx, firestore, current, next); // reads before writes
        // Held numbers (and the free-number cap) go down; today's purchases stay counted.
        if (usage) changeUsage(tx, firestore, tenantId, usage, { ...usageChange(countedKind(current.countedAs), 1, false), purchased: 0 }, new Date());
        if (claim?.exists && claim.get('numberId') === id) tx.delete(claimRef);
        if (leaving && owner?.owner?.tenantId === tenantId && owner.owner.numberId === id) tx.delete(owner.ref);
        if (settling && owner && !(owner.owner?.tenantId === tenantId && owner.owner.numberId === id)) tx.set(owner.ref, ownerEntry(next, new Date()));
        tx.set(ref, next);
        recordAudit(firestore, tx, tenantId, audit, { action, resource: resource(id), before: current, after: next });
        return next;
      });
    },

    /**
     * Moves an unsettled purchase's lease on, for an attempt that is still asking the provider, so
     * that its follow-up does not look the number up (and settle it as not bought) under it.
     * `settled`: the purchase is no longer this attempt's (its follow-up or a newer attempt took it).
     * A lease that ran out while this attempt was at the provider is marked `answeredAfterLease`.
     */
    async renewLease(tenantId: string, id: string, attempts: number, now: Date, until: Date): Promise<{ renewed: true } | { renewed: false; current?: NumberRecord }> {
      const firestore = await db();
      const ref = firestore.doc(paths.number(tenantId, id));
      return firestore.runTransaction(async (tx) => {
        const current = readNumberIfAny((await tx.get(ref)).data(), id);
        // A lease that ran out is not renewed: its follow-up may be looking the number up right now.
        const expired = !current?.purchase || Date.parse(current.purchase.leaseUntil) <= now.getTime();
        if (!current || current.status !== 'pending' || !current.purchase || expired || current.purchase.attempts !== attempts || current.purchase.outcome === 'ordered') {
          if (current?.status === 'pending' && current.purchase?.attempts === attempts && current.purchase.outcome !== 'ordered' && !current.purchase.answeredAfterLease) {
            // Still this attempt's purchase, but its lease ran out while it was at the provider: a
            // follow-up looking the number up meanwhile may have looked before this call took effect.
            // Marked so that such a follow-up looks again rather than settle "not bought".
            tx.update(ref, { 'purchase.answeredAfterLease': true });
            return { renewed: false, current: { ...current, purchase: { ...current.purchase, answeredAfterLease: true } } };
          }
          return { renewed: false, ...(current ? { current } : {}) };
        }
        tx.update(ref, { 'purchase.leaseUntil': until.toISOString() });
        return { renewed: true };
      });
    },

    /**
     * A purchase settled as not bought (its follow-up looked before the provider's late answer)
     * that the provider did complete: the number becomes the tenant's again — record, claim,
     * owner-index entry and usage, in one transaction. Someone holding it by now (another tenant's
     * purchase found it on the shared account, or a newer record of this tenant) is a conflict for
     * the caller to report, never a second holder. Undefined: not such a record.
     */
    async revivePurchase(
      tenantId: string,
      id: string,
      audit: AuditContext,
      revive: (current: NumberRecord) => NumberRecord,
      options: { itemSucceeds?: boolean } = {},
    ): Promise<NumberRecord | undefined> {
      const firestore = await db();
      const ref = firestore.doc(paths.number(tenantId, id));
      return firestore.runTransaction(async (tx) => {
        const current = readNumberIfAny((await tx.get(ref)).data(), id);
        if (!current || current.status !== 'error' || current.providerNumberId || current.provisionedAt) return undefined;
        const claimRef = firestore.doc(paths.numberClaim(tenantId, current.phoneNumber));
        const ownerRef = firestore.doc(paths.numberOwner(current.provider, current.phoneNumber));
        const [claim, ownerSnap] = await tx.getAll(claimRef, ownerRef);
        const owner = await ownerOf(tx, firestore, ownerRef, ownerSnap!, current.provider, current.phoneNumber, tenantId, id);
        if (owner.heldByOther) throw notAvailable(current.phoneNumber, current.provider);
        if (claim!.exists && claimedNumberId(claim!) !== id) {
          const otherId = claimedNumberId(claim!);
          const other = readNumberIfAny((await tx.get(firestore.doc(paths.number(tenantId, otherId)))).data(), otherId);
          if (other && holdingStatuses.includes(other.status)) {
            throw conflict(`This tenant already holds ${current.phoneNumber}`, { reason: 'already_owned', numberId: other.id, status: other.status });
          }
        }
        // Counted again as held. A bulk job's item that ends succeeded stays within the job's
        // reservation (the job gives back only what did not succeed); one that ended failed was given
        // back, so it counts as a purchase again too. A record that never counted (no limits) stays so.
        const recount = current.countedInUsage === false;
        const usage = recount && !options.itemSucceeds ? await readUsage(tx, firestore, tenantId) : undefined;
        const { uncountedByJob: _job, ...rest } = revive(current);
        const next = withTokens({ ...rest, ...(recount ? { countedInUsage: true } : {}) });
        const now = new Date();
        if (usage) {
          const change = usageChange(countedKind(current.countedAs), 1, true);
          changeUsage(tx, firestore, tenantId, usage, current.uncountedByJob ? change : { ...change, purchased: 0 }, now);
        }
        tx.set(claimRef, { numberId: id, phoneNumber: current.phoneNumber, createdAt: now.toISOString() });
        tx.set(owner.ref, ownerEntry(next, now));
        tx.set(ref, next);
        recordAudit(firestore, tx, tenantId, audit, { action: 'numbers.purchase_completed_late', resource: resource(id), before: current, after: next }, now);
        return next;
      });
    },

    ensureOwner,

    /**
     * ensureOwner for many records (a reconciliation's): their index entries read together, and a
     * transaction only for a record its entry does not name already. Answers in the records' order.
     */
    async ensureOwners(records: NumberRecord[]): Promise<OwnerCheck[]> {
      const holding = records.filter((record) => holdingStatuses.includes(record.status));
      const named = new Set<NumberRecord>();
      if (holding.length > 0) {
        const firestore = await db();
        for (let i = 0; i < holding.length; i += OWNER_READS_AT_ONCE) {
          const some = holding.slice(i, i + OWNER_READS_AT_ONCE);
          const snaps = await firestore.getAll(...some.map((record) => firestore.doc(paths.numberOwner(record.provider, record.phoneNumber))));
          some.forEach((record, j) => namesRecord(snaps[j]!.data(), record) && named.add(record));
        }
      }
      const checks: OwnerCheck[] = [];
      for (const record of records) checks.push(named.has(record) ? 'ok' : await ensureOwner(record));
      return checks;
    },

    /**
     * Takes one number of `kind` off the tenant's limits before the provider is asked for a number
     * whose E.164 is not known yet (a free Vapi number): claimForPurchase then says `precounted`.
     */
    async reserveUsage(tenantId: string, limits: TenantLimits, kind: UsageKind, now: Date): Promise<void> {
      const firestore = await db();
      await firestore.runTransaction(async (tx) => {
        const [limitsSnap, usageSnap] = await tx.getAll(limitsRef(firestore, tenantId), usageRef(firestore, tenantId));
        const usage = usageFrom(usageSnap!);
        assertRoomFor(limitsFrom(limitsSnap!, limits), usage, 1, now, kind);
        changeUsage(tx, firestore, tenantId, usage, usageChange(kind, 1, true), now);
      });
    },

    /** Gives back what reserveUsage took, when no number came of it. */
    async refundUsage(tenantId: string, kind: UsageKind, now: Date): Promise<void> {
      const firestore = await db();
      await firestore.runTransaction(async (tx) => {
        const usage = await readUsage(tx, firestore, tenantId);
        changeUsage(tx, firestore, tenantId, usage, usageChange(kind, 1, false), now);
      });
    },

    /** Whether any held number matches (e.g. still uses an account or a location). */
    async anyHeld(tenantId: string, field: 'accountId' | 'locationId' | 'agentId' | 'vapiCredentialId', value: string): Promise<NumberRecord | undefined> {
      const firestore = await db();
      const snap = await firestore
        .collection(paths.numbers(tenantId))
        .where(field, '==', value)
        .where('status', 'in', [...holdingStatuses])
        .limit(1)
        .get();
      const doc = snap.docs[0];
      return doc ? readNumber(doc.data(), doc.id) : undefined;
    },
  };
  return store;
}

export type NumberWrites = ReturnType<typeof createNumberWrites>;
