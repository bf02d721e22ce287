/** Bulk jobs: writes of many items at once — creating a chunk's items, reading a chunk, moving items only if unchanged since read. */
import type { BulkWriter, Firestore, GrpcStatus, QueryDocumentSnapshot } from '@google-cloud/firestore';
import { itemIdFor, type JobItemRecord } from '../../../shared/domain/job.js';
import { AppError } from '../../../shared/http/errors.js';
import { type ChunkMessage, itemsPath } from './job-model.js';

export async function writeItems(db: Firestore, tenantId: string, jobId: string, items: { index: number; input: Record<string, unknown> }[], now: string) {
  for (let i = 0; i < items.length; i += 400) {
    const batch = db.batch();
    for (const { index, input } of items.slice(i, i + 400)) {
      const item: JobItemRecord = { id: itemIdFor(index), jobId, tenantId, index, state: 'queued', input, attempts: 0, updatedAt: now };
      batch.set(db.doc(`${itemsPath(tenantId, jobId)}/${item.id}`), item);
    }
    await batch.commit();
  }
}

/** Creates the items that do not exist yet and leaves the others as they are (some may have run already). */
export const writeMissingItems = (db: Firestore, tenantId: string, jobId: string, items: { index: number; input: Record<string, unknown> }[], now: string) =>
  writeEachItem(db, ALREADY_EXISTS, (writer) =>
    items.map(({ index, input }) => {
      const item: JobItemRecord = { id: itemIdFor(index), jobId, tenantId, index, state: 'queued', input, attempts: 0, updatedAt: now };
      return writer.create(db.doc(`${itemsPath(tenantId, jobId)}/${item.id}`), item);
    }),
  );

export const chunkItems = (db: Firestore, message: ChunkMessage) =>
  db
    .collection(itemsPath(message.tenantId, message.jobId))
    .where('index', '>=', message.from ?? 0)
    .where('index', '<', message.to ?? 0)
    .get();

/**
 * Writes a change to each item only if it is still as it was read: an item a task claimed
 * meanwhile (and may be buying) is left to that task.
 */
export const moveUnchangedItems = (db: Firestore, docs: QueryDocumentSnapshot[], change: Record<string, unknown>) =>
  writeEachItem(db, FAILED_PRECONDITION, (writer) => docs.map((doc) => writer.update(doc.ref, change, { lastUpdateTime: doc.updateTime })));

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
export const FAILED_PRECONDITION: GrpcStatus = 9;
const ALREADY_EXISTS: GrpcStatus = 6;
