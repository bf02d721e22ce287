import type { DocumentSnapshot, Firestore, Transaction } from '@google-cloud/firestore';
import type { Config } from '../config.js';
import { z } from 'zod';
import { AppError } from '../http/errors.js';
import { readStored } from '../store/tenant-collection.js';
import { readTenantDoc } from '../store/tenant-doc.js';

/**
 * Per-tenant spend guards. Counters live in one usage document per tenant, changed only in the
 * same transaction as the purchase or release they count (so no race lets a tenant exceed a
 * limit). Bulk jobs reserve their whole size up front and return what they did not use at the
 * end, so a 10,000-item job touches the usage document twice, not 10,000 times.
 */
export interface TenantLimits {
  purchasesPerDay: number;
  numbersHeld: number;
  bulkJobItems: number;
  requestsPerMinute: number;
  /** Free numbers from the platform's shared Vapi org held at once (they cost the platform, not the tenant's own account). */
  freeVapiNumbers: number;
}

export interface Usage {
  heldNumbers: number;
  /** Purchases per UTC day, e.g. { "2026-11-20": 12 }; older days are pruned. */
  purchases: Record<string, number>;
  /** Free Vapi numbers held now. */
  freeVapiNumbers: number;
}

/** The counters as stored (each may be absent until first counted; unknown fields kept). */
const StoredUsage = z
  .object({ heldNumbers: z.number().optional(), purchases: z.record(z.string(), z.number()).optional(), freeVapiNumbers: z.number().optional() })
  .loose();
const parseUsage = (data: unknown) => StoredUsage.parse(data);

export const usagePath = (tenantId: string) => `tenants/${tenantId}/usage/counters`;
export const dayOf = (at: Date) => at.toISOString().slice(0, 10);

export function defaultLimits(
  config: Pick<Config, 'LIMIT_PURCHASES_PER_DAY' | 'LIMIT_NUMBERS_HELD' | 'LIMIT_BULK_JOB_ITEMS' | 'LIMIT_REQUESTS_PER_MINUTE' | 'LIMIT_FREE_VAPI_NUMBERS'>,
): TenantLimits {
  return {
    purchasesPerDay: config.LIMIT_PURCHASES_PER_DAY,
    numbersHeld: config.LIMIT_NUMBERS_HELD,
    bulkJobItems: config.LIMIT_BULK_JOB_ITEMS,
    requestsPerMinute: config.LIMIT_REQUESTS_PER_MINUTE,
    freeVapiNumbers: config.LIMIT_FREE_VAPI_NUMBERS,
  };
}

/**
 * A tenant's limits: the platform defaults, overridden per tenant on tenants/{id}.limits. Read outside
 * a transaction, in the request's one read of the tenant's document (shared/store/tenant-doc.ts); a
 * transaction reads limitsRef itself.
 */
export async function readLimits(db: Firestore, tenantId: string, defaults: TenantLimits): Promise<TenantLimits> {
  return limitsFrom(await readTenantDoc(db, tenantId), defaults);
}

export async function readUsage(tx: Transaction, db: Firestore, tenantId: string): Promise<Usage> {
  return usageFrom(await tx.get(usageRef(db, tenantId)));
}

/** The documents readLimits and readUsage read, for a transaction that reads them with others in one round trip (tx.getAll). */
export const limitsRef = (db: Firestore, tenantId: string) => db.doc(`tenants/${tenantId}`);
export const usageRef = (db: Firestore, tenantId: string) => db.doc(usagePath(tenantId));

/** The tenant's limits from its document (limitsRef): its own where set, the platform's defaults elsewhere. */
export function limitsFrom(snap: DocumentSnapshot, defaults: TenantLimits): TenantLimits {
  const own: unknown = snap.get('limits');
  const set = own !== null && typeof own === 'object' ? Object.entries(own).filter(([k, v]) => k in defaults && typeof v === 'number' && v >= 0) : [];
  return { ...defaults, ...Object.fromEntries(set) };
}

/** The tenant's usage from its counters document (usageRef). */
export function usageFrom(snap: DocumentSnapshot): Usage {
  const data = snap.exists ? readStored(parseUsage, snap.data(), { collection: 'usage', id: snap.id }) : undefined;
  return { heldNumbers: data?.heldNumbers ?? 0, purchases: data?.purchases ?? {}, freeVapiNumbers: data?.freeVapiNumbers ?? 0 };
}

const secondsToMidnight = (now: Date) => Math.max(1, Math.ceil((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000));

/**
 * What a number counts against: a purchase (the default) counts against today's purchases and the
 * held numbers; an import (a number the tenant brings) only against the held numbers; a free
 * number from the platform's Vapi org against both and against the free-number cap.
 */
export type UsageKind = 'purchase' | 'import' | 'free';

/** The counter changes of taking (+1) or letting go of (-1) `count` numbers of a kind. */
export function usageChange(kind: UsageKind, count: number, taking: boolean): { held: number; purchased: number; free: number } {
  const sign = taking ? 1 : -1;
  return { held: sign * count, purchased: kind === 'import' ? 0 : sign * count, free: kind === 'free' ? sign * count : 0 };
}

/** Checks that `count` more purchases fit today and in the held-number limit; throws 429 / 402 otherwise. */
export function assertRoomFor(limits: TenantLimits, usage: Usage, count: number, now: Date, kind: UsageKind = 'purchase'): void {
  const today = usage.purchases[dayOf(now)] ?? 0;
  if (kind === 'free' && usage.freeVapiNumbers + count > limits.freeVapiNumbers) {
    throw new AppError(
      'PAYMENT_REQUIRED',
      `Free Vapi number limit reached (${limits.freeVapiNumbers} held); release one, or import a number you own`,
      { limit: 'freeVapiNumbers', max: limits.freeVapiNumbers, used: usage.freeVapiNumbers, requested: count },
    );
  }
  if (kind !== 'import' && today + count > limits.purchasesPerDay) {
    throw new AppError(
      'RATE_LIMITED',
      `Daily purchase limit reached (${limits.purchasesPerDay} per day, ${today} used); it resets at 00:00 UTC`,
      { limit: 'purchasesPerDay', max: limits.purchasesPerDay, used: today, requested: count },
      secondsToMidnight(now),
    );
  }
  if (usage.heldNumbers + count > limits.numbersHeld) {
    throw new AppError(
      'PAYMENT_REQUIRED',
      `Number limit reached (${limits.numbersHeld} held); release numbers or ask for a higher limit`,
      { limit: 'numbersHeld', max: limits.numbersHeld, used: usage.heldNumbers, requested: count },
    );
  }
}

/** Applies counter changes inside the caller's transaction (after its reads). */
export function changeUsage(tx: Transaction, db: Firestore, tenantId: string, usage: Usage, change: { held?: number; purchased?: number; free?: number }, now: Date): void {
  const day = dayOf(now);
  const purchases: Record<string, number> = {};
  // Keep a week of daily counts: enough for the limit, small enough to stay a tiny document.
  for (const [d, n] of Object.entries(usage.purchases)) if (d >= dayOf(new Date(now.getTime() - 7 * 86_400_000))) purchases[d] = n;
  purchases[day] = Math.max(0, (purchases[day] ?? 0) + (change.purchased ?? 0));
  tx.set(db.doc(usagePath(tenantId)), {
    heldNumbers: Math.max(0, usage.heldNumbers + (change.held ?? 0)),
    purchases,
    freeVapiNumbers: Math.max(0, usage.freeVapiNumbers + (change.free ?? 0)),
    updatedAt: now.toISOString(),
  });
}

/**
 * Requests per minute per caller: a sliding window per function instance. It bounds what one
 * instance serves; the deployed API Gateway's quota enforces the global figure.
 */
const windows = new Map<string, number[]>();
export function takeRequestSlot(key: string, perMinute: number, now = Date.now()): void {
  const recent = (windows.get(key) ?? []).filter((t) => now - t < 60_000);
  if (recent.length >= perMinute) {
    const retry = Math.max(1, Math.ceil((recent[0]! + 60_000 - now) / 1000));
    windows.set(key, recent);
    throw new AppError('RATE_LIMITED', `Too many requests (${perMinute} per minute per caller); retry in ${retry} s`, { limit: 'requestsPerMinute', max: perMinute }, retry);
  }
  recent.push(now);
  windows.set(key, recent);
  if (windows.size > 10_000) windows.delete(windows.keys().next().value!);
}
