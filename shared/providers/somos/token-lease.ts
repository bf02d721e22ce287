/** Somos token manager: the Firestore lease that lets one instance at a time renew the platform session, and its in-memory twin for tests. */
import type { Firestore } from '@google-cloud/firestore';
import { DEFAULT_LEASE_DOC, type TokenAction } from './token-types.js';

// ---------------------------------------------------------------------------------------------
// Lease port (+ Firestore and in-memory implementations)

export interface LeaseOutcome {
  ok: boolean;
  action: TokenAction | 'failed';
  reason?: string;
}

export interface TokenLeaseStore {
  /** Takes the lease when it is free, expired or already ours; true when we hold it now. */
  tryAcquire(holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (no-op unless we hold it). */
  release(holder: string): Promise<void>;
  /**
   * Records a renewal outcome and returns the consecutive-failure count after it:
   * a failure adds one, a renewal resets it to 0, action 'none' leaves it unchanged.
   */
  recordOutcome(outcome: LeaseOutcome): Promise<number>;
}

interface LeaseDoc {
  holder?: string | null;
  expiresAt?: string | null;
  acquiredAt?: string | null;
  consecutiveFailures?: number;
  lastOutcome?: { ok: boolean; action: string; reason?: string; at: string };
}

const nextFailureCount = (previous: number | undefined, outcome: LeaseOutcome): number =>
  !outcome.ok ? (previous ?? 0) + 1 : outcome.action === 'none' ? (previous ?? 0) : 0;

/** The lease as one Firestore document, changed in transactions. */
export function createFirestoreTokenLease(
  firestore: Firestore | (() => Promise<Firestore>),
  options: { path?: string; now?: () => number } = {},
): TokenLeaseStore {
  const path = options.path ?? DEFAULT_LEASE_DOC;
  const now = options.now ?? Date.now;
  const db = async () => (typeof firestore === 'function' ? firestore() : firestore);
  return {
    async tryAcquire(holder, ttlMs) {
      const fs = await db();
      const ref = fs.doc(path);
      // Compare-and-set instead of a transaction: a contended transaction is retried with
      // backoff (seconds), while a failed precondition answers at once and means "someone else won".
      const snap = await ref.get();
      const data = (snap.data() ?? {}) as LeaseDoc;
      const t = now();
      const held = data.holder && data.expiresAt && Date.parse(data.expiresAt) > t;
      if (held && data.holder !== holder) return false;
      const fields = { holder, acquiredAt: new Date(t).toISOString(), expiresAt: new Date(t + ttlMs).toISOString() };
      try {
        if (!snap.exists) await ref.create(fields);
        else await ref.update(fields, { lastUpdateTime: snap.updateTime! });
        return true;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 6 /* ALREADY_EXISTS */ || code === 9 /* FAILED_PRECONDITION */ || code === 10 /* ABORTED */) return false;
        throw err;
      }
    },
    async release(holder) {
      const fs = await db();
      const ref = fs.doc(path);
      await fs.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        const data = (snap.data() ?? {}) as LeaseDoc;
        if (data.holder === holder) tx.set(ref, { holder: null, expiresAt: null }, { merge: true });
      });
    },
    async recordOutcome(outcome) {
      const fs = await db();
      const ref = fs.doc(path);
      return fs.runTransaction(async (tx) => {
        const snap = await tx.get(ref);
        const data = (snap.data() ?? {}) as LeaseDoc;
        const count = nextFailureCount(data.consecutiveFailures, outcome);
        tx.set(
          ref,
          {
            consecutiveFailures: count,
            lastOutcome: {
              ok: outcome.ok,
              action: outcome.action,
              ...(outcome.reason ? { reason: outcome.reason } : {}),
              at: new Date(now()).toISOString(),
            },
          },
          { merge: true },
        );
        return count;
      });
    },
  };
}

/** Same semantics in memory: one process (dev stack, unit tests). Share one instance between managers. */
export function createMemoryTokenLease(options: { now?: () => number } = {}): TokenLeaseStore & { snapshot(): LeaseDoc } {
  const now = options.now ?? Date.now;
  const doc: LeaseDoc = {};
  return {
    async tryAcquire(holder, ttlMs) {
      const t = now();
      const held = doc.holder && doc.expiresAt && Date.parse(doc.expiresAt) > t;
      if (held && doc.holder !== holder) return false;
      doc.holder = holder;
      doc.acquiredAt = new Date(t).toISOString();
      doc.expiresAt = new Date(t + ttlMs).toISOString();
      return true;
    },
    async release(holder) {
      if (doc.holder === holder) {
        doc.holder = null;
        doc.expiresAt = null;
      }
    },
    async recordOutcome(outcome) {
      doc.consecutiveFailures = nextFailureCount(doc.consecutiveFailures, outcome);
      doc.lastOutcome = { ok: outcome.ok, action: outcome.action, ...(outcome.reason ? { reason: outcome.reason } : {}), at: new Date(now()).toISOString() };
      return doc.consecutiveFailures;
    },
    snapshot: () => structuredClone(doc),
  };
}
