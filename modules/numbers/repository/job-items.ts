import type { Firestore, Transaction } from '@google-cloud/firestore';
import { z } from 'zod';
import { itemSettlement, itemStates, jobItemPath, orderedNumberOutcome, waitsForNumber } from '../../../shared/domain/job.js';
import type { NumberRecord } from '../../../shared/domain/number.js';
import { readStored } from '../../../shared/store/tenant-collection.js';

/** What a number's settlement reads of the bulk item that bought it: its state and what it waits for (other fields kept). */
const WaitingItem = z.looseObject({
  state: z.enum(itemStates),
  waitingFor: z.object({ kind: z.enum(['tollfree-request', 'number-order', 'number-purchase']), id: z.string() }).optional(),
});

/**
 * Inside a number's settling transaction (reads, then writes): the bulk item that waits for this
 * number's order ends with it. An item not yet waiting is left alone: its delivery looks at the
 * number once it has recorded the wait.
 */
export async function settleWaitingJobItem(tx: Transaction, firestore: Firestore, after: NumberRecord): Promise<void> {
  const outcome = after.origin ? orderedNumberOutcome(after) : undefined;
  if (!after.origin || !outcome) return;
  const itemRef = firestore.doc(jobItemPath(after.tenantId, after.origin));
  const snap = await tx.get(itemRef);
  const item = snap.exists ? readStored((data) => WaitingItem.parse(data), snap.data(), { collection: 'items', id: itemRef.id }) : undefined;
  if (item?.state !== 'running' || !waitsForNumber(item.waitingFor, after.id)) return;
  tx.update(itemRef, itemSettlement(outcome, after.updatedAt));
}
