import type { Firestore } from '@google-cloud/firestore';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../http/errors.js';
import { paths } from './firestore.js';
import { readStored } from './tenant-collection.js';

/**
 * Client Idempotency-Key handling, shared by every endpoint that accepts one.
 * The first request with a key runs; later ones replay its stored answer. A request
 * still running holds a lease, so a concurrent duplicate gets 409 instead of running twice.
 */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** idempotencyKeys/{hash} as written below: expiresAt is read back as a Timestamp (older keys: ISO strings). */
// Every field optional: a key document written half (a lease overrun, then `abandon`) is still read as
// before — a key without this request's fingerprint is a conflict, without expiresAt never expired.
const StoredKey = z
  .object({
    fingerprint: z.string().optional(),
    state: z.enum(['in_progress', 'completed']).optional(),
    leaseUntil: z.string().optional(),
    createdAt: z.string().optional(),
    expiresAt: z.unknown().optional(),
    response: z.object({ status: z.number().int(), body: z.unknown().optional() }).loose().optional(),
  })
  .loose();
const parseStoredKey = (data: unknown) => StoredKey.parse(data);

export type BeginResult = { kind: 'run' } | { kind: 'replay'; response: StoredResponse };

export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const RETENTION_MS = 24 * 60 * 60 * 1000;

/** A stored time: a Firestore Timestamp (what a Date is read back as) or an older ISO string. */
function millis(value: unknown): number {
  if (typeof value === 'string') return Date.parse(value);
  if (value instanceof Date) return value.getTime();
  if (value && typeof (value as { toMillis?: unknown }).toMillis === 'function') return (value as { toMillis(): number }).toMillis();
  return Number.NaN;
}

/** Firestore's code for a create whose document exists (gRPC and REST alike). */
const ALREADY_EXISTS = 6;

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
export const fingerprint = (parts: unknown) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

export function createIdempotencyStore(db: () => Promise<Firestore>) {
  return {
    async begin(tenantId: string, key: string, requestFingerprint: string, leaseMs: number, now: Date): Promise<BeginResult> {
      const firestore = await db();
      const ref = firestore.doc(paths.idempotencyKey(tenantId, hashKey(key)));
      const entry = {
        fingerprint: requestFingerprint,
        state: 'in_progress',
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        createdAt: now.toISOString(),
        // Firestore's TTL policy on expiresAt deletes old keys (terraform/firestore.tf): it needs a
        // Timestamp, so a Date (keys written before as ISO strings are still read, below).
        expiresAt: new Date(now.getTime() + RETENTION_MS),
      };
      // A new key (the usual case) in one round trip: created only where there is none.
      try {
        await ref.create(entry);
        return { kind: 'run' };
      } catch (err) {
        if ((err as { code?: unknown }).code !== ALREADY_EXISTS) throw err;
      }
      // A key seen before: replay, refuse, or take over a run whose lease ran out, in a transaction.
      return firestore.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        const data = snap.data();
        const existing = data === undefined ? undefined : readStored(parseStoredKey, data, { collection: 'idempotencyKeys', id: ref.id });
        const expired = existing && millis(existing.expiresAt) <= now.getTime();
        if (existing && !expired) {
          if (existing.fingerprint !== requestFingerprint) {
            throw new AppError(
              'CONFLICT',
              'This Idempotency-Key was already used for a different request; use a new key for a new request',
            );
          }
          if (existing.state === 'completed') return { kind: 'replay', response: existing.response as StoredResponse };
          // A lease not recorded (never, as begin writes one) counts as run out.
          const leaseLeft = existing.leaseUntil ? Date.parse(existing.leaseUntil) - now.getTime() : 0;
          if (leaseLeft > 0) {
            const retryAfter = Math.ceil(leaseLeft / 1000);
            throw new AppError(
              'CONFLICT',
              'A request with this Idempotency-Key is still being processed; retry shortly',
              { retryAfterSeconds: retryAfter },
              retryAfter,
            );
          }
        }
        tx.set(ref, entry);
        return { kind: 'run' } as const;
      });
    },

    /** Stores the final answer (success or a permanent failure) for replay. */
    async complete(tenantId: string, key: string, response: StoredResponse): Promise<void> {
      const firestore = await db();
      await firestore.doc(paths.idempotencyKey(tenantId, hashKey(key))).set(
        { state: 'completed', response: JSON.parse(JSON.stringify(response)) as StoredResponse },
        { merge: true },
      );
    },

    /** Lets a retry with the same key run again (after a transient failure). */
    async abandon(tenantId: string, key: string): Promise<void> {
      const firestore = await db();
      await firestore.doc(paths.idempotencyKey(tenantId, hashKey(key))).delete();
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
