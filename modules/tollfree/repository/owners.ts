import { z } from 'zod';
import type { Deps } from '../../../shared/deps.js';
import { readStored } from '../../../shared/store/tenant-collection.js';
import { inTransaction, openTx, readIn, type StoreTx } from './transaction.js';

/**
 * The platform-wide owner index tollfreeOwners/{10 digits} → tenantId (Somos' notifications name a
 * number, not a tenant; tenants may share a RespOrg unit). One tenant per number: the only code
 * touching the index.
 */
export interface OwnerDoc {
  num: string;
  tenantId: string;
  updatedAt: string;
  transferId?: string;
}

export const ownerPath = (num: string) => `tollfreeOwners/${num}`;

const StoredOwner: z.ZodType<OwnerDoc> = z.looseObject({
  num: z.string(),
  tenantId: z.string().min(1),
  updatedAt: z.string(),
  transferId: z.string().optional(),
});
const parseOwner = (data: unknown): OwnerDoc => StoredOwner.parse(data);

const ownerOf = (snap: { exists: boolean; data(): unknown }, num: string): OwnerDoc | undefined =>
  snap.exists ? readStored(parseOwner, snap.data(), { collection: 'tollfreeOwners', id: num }) : undefined;

export async function getOwner(deps: Pick<Deps, 'db'>, num: string): Promise<OwnerDoc | undefined> {
  return ownerOf(await (await deps.db()).doc(ownerPath(num)).get(), num);
}

/** Several numbers' owners at once, in the order asked. */
export async function getOwners(deps: Pick<Deps, 'db'>, nums: string[]): Promise<(OwnerDoc | undefined)[]> {
  if (nums.length === 0) return [];
  const db = await deps.db();
  const snaps = await db.getAll(...nums.map((n) => db.doc(ownerPath(n))));
  return snaps.map((snap, i) => ownerOf(snap, nums[i]!));
}

/** A read inside the caller's transaction. */
export async function readOwner(t: StoreTx, num: string): Promise<OwnerDoc | undefined> {
  return ownerOf(await readIn(t, ownerPath(num)), num);
}

/** The number is this tenant's (a write). */
export function setOwner(t: StoreTx, owner: OwnerDoc): void {
  const { tx, db } = openTx(t);
  tx.set(db.doc(ownerPath(owner.num)), owner);
}

/** Number `num`'s index entry goes when `owner` (read earlier in this transaction) names `tenantId` (a write). */
export function dropOwnerOf(t: StoreTx, num: string, owner: OwnerDoc | undefined, tenantId: string): void {
  if (owner?.tenantId !== tenantId) return;
  const { tx, db } = openTx(t);
  tx.delete(db.doc(ownerPath(num)));
}

/** Which of `nums` someone holds (the index has an entry for them). */
export async function heldNumbers(deps: Pick<Deps, 'db'>, nums: string[]): Promise<Set<string>> {
  if (nums.length === 0) return new Set();
  const db = await deps.db();
  const snaps = await db.getAll(...nums.map((n) => db.doc(ownerPath(n))));
  return new Set(snaps.filter((o) => o.exists).map((o) => o.id));
}

/** Number `num`'s index entry goes if it names `tenantId` (its own transaction). */
export async function releaseOwner(deps: Pick<Deps, 'db'>, num: string, tenantId: string): Promise<void> {
  await inTransaction(deps, async (t) => dropOwnerOf(t, num, await readOwner(t, num), tenantId));
}

/**
 * The index names `owner.tenantId` for `owner.num` unless another tenant holds it (its own
 * transaction). Answers the other holder's tenant id (nothing written), else undefined.
 */
export async function claimOwnerIfFree(deps: Pick<Deps, 'db'>, owner: OwnerDoc): Promise<string | undefined> {
  return inTransaction(deps, async (t) => {
    const holder = await readOwner(t, owner.num);
    if (holder && holder.tenantId !== owner.tenantId) return holder.tenantId;
    if (!holder) setOwner(t, owner);
    return undefined;
  });
}

/**
 * Takes `nums` for a RespOrg transfer into `tenantId` before the change is filed at the registry (the
 * registry takes two changes of one number from the platform's unit): all of them or none. Answers
 * the first number another tenant holds (nothing written). A number the tenant itself holds keeps
 * its entry as it is.
 */
export async function claimOwnersForTransfer(deps: Pick<Deps, 'db'>, nums: string[], tenantId: string, transferId: string, updatedAt: string): Promise<string | undefined> {
  return inTransaction(deps, async (t) => {
    const owners = await Promise.all(nums.map((n) => readOwner(t, n)));
    const taken = nums.find((_, i) => owners[i] !== undefined && owners[i].tenantId !== tenantId);
    if (taken) return taken;
    nums.forEach((num, i) => {
      if (!owners[i]) setOwner(t, { num, tenantId, transferId, updatedAt });
    });
    return undefined;
  });
}

/** Gives back the entries claimOwnersForTransfer wrote for this transfer (those still naming it). */
export async function releaseTransferClaims(deps: Pick<Deps, 'db'>, nums: string[], tenantId: string, transferId: string): Promise<void> {
  await inTransaction(deps, async (t) => {
    const owners = await Promise.all(nums.map((n) => readOwner(t, n)));
    nums.forEach((num, i) => {
      if (owners[i]?.transferId === transferId) dropOwnerOf(t, num, owners[i], tenantId);
    });
  });
}

