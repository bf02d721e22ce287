import type { DocumentReference, DocumentSnapshot, Transaction } from '@google-cloud/firestore';

/**
 * Reads, in one round trip (tx.getAll), the documents of `refs` that are given; each answer is at its
 * ref's place, undefined where no ref was (a transaction whose reads depend on what it is doing).
 */
export async function readSome(tx: Transaction, refs: readonly (DocumentReference | undefined)[]): Promise<(DocumentSnapshot | undefined)[]> {
  const wanted = refs.filter((r): r is DocumentReference => r !== undefined);
  const snaps = wanted.length ? await tx.getAll(...wanted) : [];
  let next = 0;
  return refs.map((r) => (r ? snaps[next++] : undefined));
}
