import type { Firestore } from '@google-cloud/firestore';
import { createNumberQueries } from './repository/queries.js';
import { createNumberWrites } from './repository/store.js';

/**
 * The numbers repository: the only code touching the numbers, the tenants' claims, the platform-wide
 * owner index and usage (repository/: records read through their schema, writes, queries, owner index).
 */
export function createNumbersStore(db: () => Promise<Firestore>) {
  return { ...createNumberWrites(db), ...createNumberQueries(db) };
}

export type NumbersStore = ReturnType<typeof createNumbersStore>;

export type { ListFilters } from './repository/queries.js';
export type { ClaimResult } from './repository/store.js';
export { newNumberId } from './repository/store.js';
export { notAvailable, readOwner, type NumberOwner, type OwnerRead } from './repository/owner.js';
export { parseNumberRecord, readNumber } from '../../shared/domain/number-record.js';
