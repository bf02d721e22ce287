import type { NumbersStore } from '../repository.js';

/**
 * Every method of the numbers store, by name: what the store wired in shared/deps.ts offers before its
 * module is loaded (test/unit/lazy-numbers-store.test.ts checks the list against the store).
 */
export const numbersStoreMethods = [
  'claimForPurchase',
  'abandonPurchase',
  'get',
  'require',
  'findHeld',
  'update',
  'renewLease',
  'revivePurchase',
  'ensureOwner',
  'ensureOwners',
  'reserveUsage',
  'refundUsage',
  'anyHeld',
  'list',
  'heldAtProvider',
  'releasedSince',
  'heldOnAccount',
] as const satisfies readonly (keyof NumbersStore)[];
