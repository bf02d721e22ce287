import type { DocumentSnapshot, Firestore, Transaction } from '@google-cloud/firestore';
import { recordAudit, type AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';

/**
 * One toll-free transaction as the services see it: an opaque handle passed back to the repository
 * functions (numbers.ts, owners.ts, requests.ts, transfers.ts), which alone open it. Reads come
 * first, as in any Firestore transaction; the whole callback runs again on contention.
 */
export interface StoreTx {
  readonly kind: 'tollfree-transaction';
}

const opened = new WeakMap<StoreTx, { tx: Transaction; db: Firestore }>();

/** Wraps a Firestore transaction (repository code only). */
export function wrapTx(tx: Transaction, db: Firestore): StoreTx {
  const handle: StoreTx = { kind: 'tollfree-transaction' };
  opened.set(handle, { tx, db });
  return handle;
}

/** The Firestore transaction behind a handle (repository code only). */
export function openTx(handle: StoreTx): { tx: Transaction; db: Firestore } {
  const found = opened.get(handle);
  if (!found) throw new Error('not a toll-free transaction handle');
  return found;
}

interface Waiting {
  resolve(snap: DocumentSnapshot): void;
  reject(err: unknown): void;
}
/** Documents asked for in a transaction and not sent yet: each path once, with whoever waits for it. */
type Batch = Map<string, Waiting[]>;
const batches = new WeakMap<StoreTx, Batch>();

/**
 * A document read in the transaction (repository code only). The reads asked for in one turn (e.g. a
 * number and its owner entry under Promise.all) go out together as one getAll: one request and one
 * round trip, where the Firestore client would otherwise send one after another.
 */
export function readIn(t: StoreTx, path: string): Promise<DocumentSnapshot> {
  const { tx, db } = openTx(t);
  let batch = batches.get(t);
  if (!batch) {
    const sending: Batch = new Map();
    batches.set(t, sending);
    queueMicrotask(() => {
      batches.delete(t);
      const paths = [...sending.keys()];
      const failAll = (err: unknown) => [...sending.values()].flat().forEach((w) => w.reject(err));
      // The client throws at once for a read after a write (or a bad path): every waiter is refused with it.
      Promise.resolve()
        .then(() => tx.getAll(...paths.map((p) => db.doc(p))))
        .then((snaps) => snaps.forEach((snap, i) => sending.get(paths[i]!)!.forEach((w) => w.resolve(snap))), failAll);
    });
    batch = sending;
  }
  const waiting = batch.get(path) ?? [];
  batch.set(path, waiting);
  return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
}

/** Runs `work` in one Firestore transaction. */
export async function inTransaction<T>(deps: Pick<Deps, 'db'>, work: (t: StoreTx) => Promise<T>): Promise<T> {
  const db = await deps.db();
  return db.runTransaction(async (tx) => work(wrapTx(tx, db)));
}

/** An audit record written with the transaction's other writes. */
export function auditIn(t: StoreTx, tenantId: string, audit: AuditContext, entry: { action: string; resource: string; before?: object | null; after?: object | null }): void {
  const { tx, db } = openTx(t);
  recordAudit(db, tx, tenantId, audit, entry);
}

/** A clean JSON copy (Firestore rejects undefined, and the audit snapshots the same object). */
export const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
