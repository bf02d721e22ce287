/** The jobs repository's items (`tenants/{t}/jobs/{id}/items/{itemId}`): reads through parseJobItem, single and bulk writes. */
import type { BulkWriter, DocumentSnapshot, Firestore, GrpcStatus, QueryDocumentSnapshot, Transaction } from '@google-cloud/firestore';
import { itemIdFor, itemSettlement, jobDocPath, jobItemPath, parseJobItem, type ItemSettlement, type ItemState, type JobItemOrigin, type JobItemRecord } from '../../../shared/domain/job.js';
import { AppError } from '../../../shared/http/errors.js';
import { readStored } from '../../../shared/store/tenant-collection.js';
import type { ReadTime } from '../../../shared/store/page.js';
import type { ChunkMessage, ItemRef } from '../services/job-model.js';

export type { ItemRef };
export type Db = () => Promise<Firestore>;

export const itemsPath = (tenantId: string, jobId: string) => `${jobDocPath(tenantId, jobId)}/items`;
export const itemRef = (db: Firestore, ref: ItemRef) => db.doc(`${itemsPath(ref.tenantId, ref.jobId)}/${ref.itemId}`);

/** A stored job item, read through its schema (parseJobItem); undefined when there is none. */
export const itemOf = (snap: DocumentSnapshot): JobItemRecord | undefined =>
  snap.exists ? readStored(parseJobItem, snap.data(), { collection: 'items', id: snap.id }) : undefined;

/**
 * For another module's transaction that ends a job item with what the item waited for (a number's
 * order, a registry request): the item as stored (a read: before the transaction's writes) …
 */
export async function readJobItemIn(tx: Transaction, firestore: Firestore, tenantId: string, origin: JobItemOrigin): Promise<JobItemRecord | undefined> {
  return itemOf(await tx.get(firestore.doc(jobItemPath(tenantId, origin))));
}

/** … and the write that settles it (the caller schedules the job's completion check once committed). */
export function settleJobItemIn(tx: Transaction, firestore: Firestore, tenantId: string, origin: JobItemOrigin, outcome: ItemSettlement, at: string): void {
  tx.update(firestore.doc(jobItemPath(tenantId, origin)), itemSettlement(outcome, at));
}

/** An item as read, with what a write made only if it is unchanged since needs. */
export interface StoredItem {
  readonly item: JobItemRecord;
  readonly snapshot: QueryDocumentSnapshot;
}
export const storedItem = (snapshot: QueryDocumentSnapshot): StoredItem => ({ item: itemOf(snapshot)!, snapshot });

export const FAILED_PRECONDITION: GrpcStatus = 9;
const ALREADY_EXISTS: GrpcStatus = 6;

const newItem = (tenantId: string, jobId: string, index: number, input: Record<string, unknown>, now: string): JobItemRecord => ({
  id: itemIdFor(index),
  jobId,
  tenantId,
  index,
  state: 'queued',
  input,
  attempts: 0,
  updatedAt: now,
});

export function itemsStore(db: Db) {
  return {
    async getItem(ref: ItemRef): Promise<JobItemRecord | undefined> {
      return itemOf(await itemRef(await db(), ref).get());
    },

    /** A write that needs no read first (the item's outcome is its truth). */
    async updateItem(ref: ItemRef, change: Record<string, unknown>): Promise<void> {
      await itemRef(await db(), ref).update(change);
    },

    /** A page of a job's items in index order, optionally in one state; `more` when another page follows. */
    async itemsPage(tenantId: string, jobId: string, page: { state?: ItemState; cursor?: string; limit: number }): Promise<{ items: JobItemRecord[]; more: boolean }> {
      let q: FirebaseFirestore.Query = (await db()).collection(itemsPath(tenantId, jobId));
      if (page.state) q = q.where('state', '==', page.state);
      q = q.orderBy('index');
      if (page.cursor) q = q.startAfter(Number(page.cursor));
      const snap = await q.limit(page.limit + 1).get();
      return { items: snap.docs.slice(0, page.limit).map((d) => itemOf(d)!), more: snap.docs.length > page.limit };
    },

    async writeItems(tenantId: string, jobId: string, items: { index: number; input: Record<string, unknown> }[], now: string): Promise<void> {
      const firestore = await db();
      for (let i = 0; i < items.length; i += 400) {
        const batch = firestore.batch();
        for (const { index, input } of items.slice(i, i + 400)) {
          const item = newItem(tenantId, jobId, index, input, now);
          batch.set(firestore.doc(`${itemsPath(tenantId, jobId)}/${item.id}`), item);
        }
        await batch.commit();
      }
    },

    /** Creates the items that do not exist yet and leaves the others as they are (some may have run already). */
    async writeMissingItems(tenantId: string, jobId: string, items: { index: number; input: Record<string, unknown> }[], now: string): Promise<void> {
      const firestore = await db();
      await writeEachItem(firestore, ALREADY_EXISTS, (writer) =>
        items.map(({ index, input }) => {
          const item = newItem(tenantId, jobId, index, input, now);
          return writer.create(firestore.doc(`${itemsPath(tenantId, jobId)}/${item.id}`), item);
        }),
      );
    },

    /** The stored items of a chunk message's index range. */
    async chunkItems(message: ChunkMessage): Promise<StoredItem[]> {
      const snap = await (await db())
        .collection(itemsPath(message.tenantId, message.jobId))
        .where('index', '>=', message.from ?? 0)
        .where('index', '<', message.to ?? 0)
        .get();
      return snap.docs.map(storedItem);
    },

    /** A job's items in one state. */
    async itemsInState(tenantId: string, jobId: string, state: ItemState): Promise<StoredItem[]> {
      const snap = await (await db()).collection(itemsPath(tenantId, jobId)).where('state', '==', state).get();
      return snap.docs.map(storedItem);
    },

    /** Whether any item is still open, and when that was read: one index entry answers it (a count would scan every open item). */
    async openItems(tenantId: string, jobId: string): Promise<{ any: boolean; readAt?: ReadTime }> {
      const open = await (await db()).collection(itemsPath(tenantId, jobId)).where('state', 'in', ['queued', 'running']).select().limit(1).get();
      return { any: !open.empty, ...(open.readTime ? { readAt: open.readTime } : {}) };
    },

    /**
     * Writes a change to each item only if it is still as it was read: an item a task claimed
     * meanwhile (and may be buying) is left to that task.
     */
    async moveUnchangedItems(items: StoredItem[], change: Record<string, unknown>): Promise<void> {
      await writeEachItem(await db(), FAILED_PRECONDITION, (writer) =>
        items.map(({ snapshot }) => writer.update(snapshot.ref, change, { lastUpdateTime: snapshot.updateTime })),
      );
    },

    /** One item's change, only if it is still as it was read: false when it changed since. */
    async updateItemIfUnchanged({ snapshot }: StoredItem, change: Record<string, unknown>): Promise<boolean> {
      return snapshot.ref
        .update(change, { lastUpdateTime: snapshot.updateTime })
        .then(() => true)
        .catch((err: { code?: number }) => {
          if (err.code !== FAILED_PRECONDITION) throw err;
          return false;
        });
    },
  };
}

/**
 * Item writes made independently (one that cannot apply does not hold up the rest): `tolerated` is
 * the error code of a write that no longer applies; any other failure is thrown, so the caller is retried.
 */
async function writeEachItem(db: Firestore, tolerated: GrpcStatus, writes: (writer: BulkWriter) => Promise<unknown>[]): Promise<void> {
  const writer = db.bulkWriter();
  writer.onWriteError((error) => error.code !== tolerated && error.failedAttempts < 5);
  const failures: unknown[] = [];
  const results = writes(writer).map((write) =>
    write.catch((err: { code?: number }) => {
      if (err.code !== tolerated) failures.push(err);
    }),
  );
  await writer.close();
  await Promise.all(results);
  if (failures.length > 0) throw new AppError('SERVICE_UNAVAILABLE', `${failures.length} of ${results.length} item writes failed; retry`, { retryable: true });
}
