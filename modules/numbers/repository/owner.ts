import type { DocumentReference, DocumentSnapshot, Firestore, Transaction } from '@google-cloud/firestore';
import { AppError } from '../../../shared/http/errors.js';
import { holdingStatuses, type NumberRecord } from '../../../shared/domain/number.js';
import { paths } from '../../../shared/store/firestore.js';
import { readNumberIfAny } from '../../../shared/domain/number-record.js';

/** Who holds a number at a provider, platform-wide (`numberOwners/{provider}:{e164}`). */
export interface NumberOwner {
  tenantId: string;
  numberId: string;
  provider: string;
  phoneNumber: string;
  accountId?: string;
  since: string;
}

export interface OwnerRead {
  ref: DocumentReference;
  owner?: NumberOwner;
  /** Another tenant's record that still holds the number (a stale entry does not count). */
  heldByOther: boolean;
}

const isOwner = (value: unknown): value is NumberOwner =>
  typeof value === 'object' && value !== null && typeof (value as NumberOwner).tenantId === 'string' && typeof (value as NumberOwner).numberId === 'string';

/** Whether an index entry as stored names this very record. */
export const namesRecord = (entry: unknown, record: Pick<NumberRecord, 'tenantId' | 'id'>): boolean => isOwner(entry) && entry.tenantId === record.tenantId && entry.numberId === record.id;

/** Reads the owner index inside a transaction (a read: call it before the transaction's writes). */
export async function readOwner(tx: Transaction, firestore: Firestore, provider: string, e164: string, tenantId: string, numberId?: string): Promise<OwnerRead> {
  const ref = firestore.doc(paths.numberOwner(provider, e164));
  return ownerOf(tx, firestore, ref, await tx.get(ref), provider, e164, tenantId, numberId);
}

/** readOwner for an index entry the transaction has already read (with other documents, in one round trip). */
export async function ownerOf(
  tx: Transaction,
  firestore: Firestore,
  ref: DocumentReference,
  snap: DocumentSnapshot,
  provider: string,
  e164: string,
  tenantId: string,
  numberId?: string,
): Promise<OwnerRead> {
  const data = snap.data();
  const owner = isOwner(data) ? data : undefined;
  if (!owner || (owner.tenantId === tenantId && (numberId === undefined || owner.numberId === numberId))) return { ref, ...(owner ? { owner } : {}), heldByOther: false };
  // Another tenant (or another record of this tenant): does that record still hold the number?
  const held = readNumberIfAny((await tx.get(firestore.doc(paths.number(owner.tenantId, owner.numberId)))).data(), owner.numberId);
  const holds = !!held && holdingStatuses.includes(held.status) && held.phoneNumber === e164 && held.provider === provider;
  return { ref, owner, heldByOther: holds && owner.tenantId !== tenantId };
}

/** The answer when another tenant holds the number: as a provider would say it, naming nobody. */
export const notAvailable = (e164: string, provider: string) =>
  new AppError('CONFLICT', `${e164} is not available at ${provider}`, { reason: 'not_available', provider, retryable: false });

export const ownerEntry = (record: NumberRecord, now: Date): NumberOwner => ({
  tenantId: record.tenantId,
  numberId: record.id,
  provider: record.provider,
  phoneNumber: record.phoneNumber,
  ...(record.accountId ? { accountId: record.accountId } : {}),
  since: now.toISOString(),
});

/** Of `numbers`, those someone holds at `provider` now: one batched read of their owner-index entries. */
export async function heldAtProvider(db: () => Promise<Firestore>, provider: string, numbers: readonly string[]): Promise<Set<string>> {
  if (!numbers.length) return new Set();
  const firestore = await db();
  const docs = await firestore.getAll(...numbers.map((n) => firestore.doc(paths.numberOwner(provider, n))));
  return new Set(docs.flatMap((doc, i) => (doc.exists ? [numbers[i]!] : [])));
}
