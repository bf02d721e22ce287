import type { Firestore, Query } from '@google-cloud/firestore';
import { randomBytes } from 'node:crypto';
import { AppError, conflict, notFound } from '../http/errors.js';
import { holdingStatuses, type NumberRecord, type NumberStatus } from '../domain/number.js';
import { paths } from './firestore.js';

export type ClaimResult =
  /** A fresh pending record: the caller may call the provider. */
  | { kind: 'created'; record: NumberRecord }
  /** A pending record whose previous attempt's lease expired: look the number up before buying again. */
  | { kind: 'resumed'; record: NumberRecord };

export interface ListFilters {
  provider?: string;
  status?: NumberStatus;
  tag?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export const newNumberId = () => `num_${randomBytes(10).toString('hex')}`;

export function createNumbersStore(db: () => Promise<Firestore>) {
  return {
    /**
     * Claims `record.phoneNumber` for the tenant and writes the pending record, atomically.
     * A number the tenant already holds is a 409; a purchase still within its lease is a 409;
     * a pending purchase whose lease ran out is handed back for resolution, never bought blindly.
     */
    async claimForPurchase(record: NumberRecord, now: Date): Promise<ClaimResult> {
      const firestore = await db();
      const claimRef = firestore.doc(paths.numberClaim(record.tenantId, record.phoneNumber));
      return firestore.runTransaction(async (tx) => {
        const claim = await tx.get(claimRef);
        if (claim.exists) {
          const heldRef = firestore.doc(paths.number(record.tenantId, claim.get('numberId')));
          const held = (await tx.get(heldRef)).data() as NumberRecord | undefined;
          if (held && holdingStatuses.includes(held.status)) {
            if (held.status !== 'pending') {
              throw conflict(`This tenant already holds ${record.phoneNumber}`, { numberId: held.id, status: held.status });
            }
            if (held.provider !== record.provider) {
              throw conflict(`A ${held.provider} purchase of ${record.phoneNumber} is in progress`, { numberId: held.id });
            }
            const leaseUntil = held.purchase ? Date.parse(held.purchase.leaseUntil) : 0;
            if (leaseUntil > now.getTime()) {
              throw new AppError(
                'CONFLICT',
                `A purchase of ${record.phoneNumber} is already in progress; retry later with the same Idempotency-Key`,
                { numberId: held.id, retryAfterSeconds: Math.ceil((leaseUntil - now.getTime()) / 1000) },
                Math.ceil((leaseUntil - now.getTime()) / 1000),
              );
            }
            const resumed: NumberRecord = {
              ...held,
              updatedAt: now.toISOString(),
              purchase: {
                outcome: 'in_flight',
                attempts: (held.purchase?.attempts ?? 0) + 1,
                leaseUntil: record.purchase!.leaseUntil,
              },
            };
            tx.set(heldRef, resumed);
            return { kind: 'resumed', record: resumed } as const;
          }
        }
        tx.set(claimRef, { numberId: record.id, phoneNumber: record.phoneNumber, createdAt: now.toISOString() });
        tx.create(firestore.doc(paths.number(record.tenantId, record.id)), record);
        return { kind: 'created', record } as const;
      });
    },

    /** Drops a purchase that definitely did not happen: no half-written record remains. */
    async abandonPurchase(tenantId: string, id: string, phoneNumber: string): Promise<void> {
      const firestore = await db();
      const claimRef = firestore.doc(paths.numberClaim(tenantId, phoneNumber));
      await firestore.runTransaction(async (tx) => {
        const claim = await tx.get(claimRef);
        const numberRef = firestore.doc(paths.number(tenantId, id));
        const current = await tx.get(numberRef);
        if (current.exists && current.get('status') !== 'pending') return; // someone settled it meanwhile
        if (claim.exists && claim.get('numberId') === id) tx.delete(claimRef);
        if (current.exists) tx.delete(numberRef);
      });
    },

    async get(tenantId: string, id: string): Promise<NumberRecord | undefined> {
      const firestore = await db();
      const snap = await firestore.doc(paths.number(tenantId, id)).get();
      return snap.exists ? (snap.data() as NumberRecord) : undefined;
    },

    async require(tenantId: string, id: string): Promise<NumberRecord> {
      const record = await this.get(tenantId, id);
      if (!record) throw notFound('Number');
      return record;
    },

    /**
     * Read-modify-write in a transaction. `mutate` sees the current record and returns the new one
     * (or throws); the claim document is dropped when the number stops being held.
     */
    async update(tenantId: string, id: string, mutate: (current: NumberRecord) => NumberRecord): Promise<NumberRecord> {
      const firestore = await db();
      const ref = firestore.doc(paths.number(tenantId, id));
      return firestore.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        if (!snap.exists) throw notFound('Number');
        const current = snap.data() as NumberRecord;
        const next = mutate(current);
        const claimRef = firestore.doc(paths.numberClaim(tenantId, current.phoneNumber));
        const stillHeld = holdingStatuses.includes(next.status);
        if (!stillHeld) {
          const claim = await tx.get(claimRef);
          if (claim.exists && claim.get('numberId') === id) tx.delete(claimRef);
        }
        tx.set(ref, next);
        return next;
      });
    },

    async list(tenantId: string, filters: ListFilters, limit: number, cursor?: string): Promise<Page<NumberRecord>> {
      const firestore = await db();
      let query: Query = firestore.collection(paths.numbers(tenantId));
      if (filters.provider) query = query.where('provider', '==', filters.provider);
      if (filters.status) query = query.where('status', '==', filters.status);
      if (filters.tag) query = query.where('tags', 'array-contains', filters.tag);
      query = query.orderBy('createdAt', 'desc').orderBy('id', 'desc');
      if (cursor) {
        const position = decodeCursor(cursor);
        query = query.startAfter(position.createdAt, position.id);
      }
      const snap = await query.limit(limit + 1).get();
      const items = snap.docs.slice(0, limit).map((d) => d.data() as NumberRecord);
      const last = items.at(-1);
      return { items, ...(snap.docs.length > limit && last ? { nextCursor: encodeCursor(last) } : {}) };
    },
  };
}

export type NumbersStore = ReturnType<typeof createNumbersStore>;

function encodeCursor(record: Pick<NumberRecord, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([record.createdAt, record.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) {
      return { createdAt, id };
    }
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_ERROR', 'cursor is not valid; pass the nextCursor of a previous page', {
    issues: [{ path: 'cursor', message: 'invalid cursor' }],
  });
}
