import type { Query } from '@google-cloud/firestore';
import { z } from 'zod';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Routing } from '../../../shared/providers/somos/routing.js';
import type { TextEnablementReason, TextEnablementStatus } from '../../../shared/providers/somos/tss.js';
import type { TenantDoc } from '../../../shared/store/tenant-collection.js';
import type { Carriers } from '../../../shared/domain/carriers.js';
import { type DisconnectState, tollFreeStatuses } from '../../../shared/domain/tollfree-lifecycle.js';
import type { CancellingRouting, ScheduledRouting } from '../services/scheduled-routing.js';
import { auditIn, openTx, plain, readIn, type StoreTx } from './transaction.js';

/**
 * The tenant's toll-free numbers: tenants/{t}/tollfreeNumbers/{10 digits}. The only code touching
 * that collection; every read goes through the schema below. (The platform-wide owner index is
 * owners.ts.)
 */
export type TollFreeStatus = (typeof tollFreeStatuses)[number];

export interface TollFreeRecord extends TenantDoc {
  /** 10 digits. */
  id: string;
  phoneNumber: string;
  status: TollFreeStatus;
  /** The RespOrg unit that controls the number for us; on transfer_failed, the one the registry names (empty when none is known). */
  respOrgId: string;
  reservedUntil?: string;
  contactName?: string;
  contactPhone?: string;
  notes?: string;
  routing?: Routing;
  routingMode?: 'normal' | 'disaster';
  /** routing.disaster came from SOMOS_DEFAULT_DISASTER_NUMBER. */
  disasterDefaulted?: boolean;
  routingEffectiveAt?: string;
  /** Future-dated routing versions, soonest first (routing-versions.ts). */
  scheduledRouting?: ScheduledRouting[];
  /** Versions taken off scheduledRouting and being withdrawn at the registry (the intent; disconnect-versions.ts). */
  cancellingRouting?: CancellingRouting[];
  /** When a disconnect of this active number started: no routing change is scheduled meanwhile (routing-versions.ts). */
  disconnectingAt?: string;
  customerRecord?: { recVersionId?: string; status?: string; effDtTm?: string };
  sms?: SmsState;
  /** Derived on every write (writeNumber): the list's filters. */
  npa?: string;
  textEnabled?: boolean;
  /** The customer record's carriers (CIC) as last written. */
  carriers?: Carriers;
  /** Set when the number is disconnected (disconnect.ts). */
  disconnect?: DisconnectState;
  transferId?: string;
  /** A registry request (202) that will change this number. */
  pendingRequestId?: string;
  releasedAt?: string;
  statusReason?: string;
}

/** Text enablement's state on a number (sms.ts). */
export interface SmsState {
  status: TextEnablementStatus;
  sms: boolean;
  mms: boolean;
  /** Where the tenant wants the number's messages delivered (kept here; never sent to TSS). */
  webhookUrl?: string;
  tssRequestId: string;
  submittedAt: string;
  dueBy: string;
  decidedAt?: string;
  lastCheckedAt?: string;
  /** Why TSS rejected the request (status rejected). */
  reason?: TextEnablementReason;
  /** When text was turned off (status disabled). */
  disabledAt?: string;
}

/**
 * A stored toll-free number, checked where it is read (the fields every reader relies on; the
 * rest — routing, SMS state, customer record — is kept as written).
 */
const StoredTollFree = z
  .object({
    id: z.string().regex(/^\d{10}$/),
    tenantId: z.string().min(1),
    phoneNumber: z.string(),
    status: z.enum(tollFreeStatuses),
    respOrgId: z.string(),
    reservedUntil: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    disconnect: z
      .object({ requestedAt: z.string(), effectiveAt: z.string(), referral: z.boolean(), endInterceptAt: z.string().optional(), spareAt: z.string(), reason: z.string().optional() })
      .optional(),
  })
  .passthrough();

export function parseTollFreeRecord(data: unknown, tenantId: string, num: string): TollFreeRecord {
  const parsed = StoredTollFree.safeParse(data);
  if (!parsed.success || parsed.data.tenantId !== tenantId) {
    throw new AppError('INTERNAL', `Stored toll-free number ${num} is malformed`, { fields: parsed.success ? ['tenantId'] : parsed.error.issues.map((i) => i.path.join('.')) });
  }
  return parsed.data;
}

export const numberPath = (tenantId: string, num: string) => `tenants/${tenantId}/tollfreeNumbers/${num}`;
export const numberResource = (num: string) => `tollfree-numbers/${num}`;
const numbersOf = (tenantId: string) => `tenants/${tenantId}/tollfreeNumbers`;

const recordOf = (snap: { exists: boolean; data(): unknown }, tenantId: string, num: string): TollFreeRecord | undefined =>
  snap.exists ? parseTollFreeRecord(snap.data(), tenantId, num) : undefined;

/** The tenant's number; another tenant's is simply not found (the tenant is part of the path). */
export async function getNumber(deps: Pick<Deps, 'db'>, tenantId: string, num: string): Promise<TollFreeRecord | undefined> {
  return recordOf(await (await deps.db()).doc(numberPath(tenantId, num)).get(), tenantId, num);
}

/** Several of the tenant's numbers at once, in the order asked. */
export async function getNumbers(deps: Pick<Deps, 'db'>, tenantId: string, nums: string[]): Promise<(TollFreeRecord | undefined)[]> {
  if (nums.length === 0) return [];
  const db = await deps.db();
  const snaps = await db.getAll(...nums.map((n) => db.doc(numberPath(tenantId, n))));
  return snaps.map((snap, i) => recordOf(snap, tenantId, nums[i]!));
}

/** A read inside the caller's transaction. */
export async function readNumber(t: StoreTx, tenantId: string, num: string): Promise<TollFreeRecord | undefined> {
  return recordOf(await readIn(t, numberPath(tenantId, num)), tenantId, num);
}

/** Writes a number with its audit record (inside a transaction, after its reads). */
export function writeNumber(t: StoreTx, audit: AuditContext, action: string, before: TollFreeRecord | undefined, next: TollFreeRecord): TollFreeRecord {
  const { tx, db } = openTx(t);
  const clean = plain({ ...next, npa: next.id.slice(0, 3), textEnabled: next.sms?.status === 'enabled' });
  tx.set(db.doc(numberPath(next.tenantId, next.id)), clean);
  auditIn(t, next.tenantId, audit, { action, resource: numberResource(next.id), before: before ?? null, after: clean });
  return clean;
}

/** Removes a number's record with its audit record (inside a transaction, after its reads). */
export function removeNumber(t: StoreTx, audit: AuditContext, action: string, before: TollFreeRecord): void {
  const { tx, db } = openTx(t);
  tx.delete(db.doc(numberPath(before.tenantId, before.id)));
  auditIn(t, before.tenantId, audit, { action, resource: numberResource(before.id), before, after: null });
}

/** Marks the number as waiting for a registry request (a write, with the request's creation). */
export function markNumberPending(t: StoreTx, tenantId: string, num: string, requestId: string): void {
  const { tx, db } = openTx(t);
  tx.update(db.doc(numberPath(tenantId, num)), { pendingRequestId: requestId });
}

/** The ids of the tenant's reservations lapsed by `iso` and disconnects aged to spare by then (at most `limit` of each). */
export async function dueNumberIds(deps: Pick<Deps, 'db'>, tenantId: string, iso: string, limit: number): Promise<string[]> {
  const numbers = (await deps.db()).collection(numbersOf(tenantId));
  const [lapsed, aged] = await Promise.all([
    numbers.where('status', '==', 'reserved').where('reservedUntil', '<=', iso).limit(limit).get(),
    numbers.where('status', '==', 'disconnected').where('disconnect.spareAt', '<=', iso).limit(limit).get(),
  ]);
  return [...lapsed.docs, ...aged.docs].map((d) => d.id);
}

export interface NumberPageQuery {
  npa?: string;
  textEnabled?: boolean;
  status?: TollFreeStatus;
  /** Reservations lapsing in (after, until], soonest first; otherwise newest first. */
  expiring?: { after: string; until: string };
  /** The last page's position: [reservedUntil, id] when expiring, else [createdAt, id]. */
  startAfter?: [string, string];
}

/** One page of the tenant's numbers (`limit` of them, and whether there are more). */
export async function pageNumbers(deps: Pick<Deps, 'db'>, tenantId: string, q: NumberPageQuery, limit: number): Promise<{ records: TollFreeRecord[]; more: boolean }> {
  const db = await deps.db();
  let query: Query = db.collection(numbersOf(tenantId));
  if (q.npa) query = query.where('npa', '==', q.npa);
  if (q.textEnabled !== undefined) query = query.where('textEnabled', '==', q.textEnabled);
  let page: Query;
  if (q.expiring) {
    const { FieldPath } = await import('@google-cloud/firestore');
    page = query
      .where('status', '==', 'reserved')
      .where('reservedUntil', '>', q.expiring.after)
      .where('reservedUntil', '<=', q.expiring.until)
      .orderBy('reservedUntil', 'asc')
      .orderBy(FieldPath.documentId(), 'asc');
  } else {
    if (q.status) query = query.where('status', '==', q.status);
    page = query.orderBy('createdAt', 'desc').orderBy('id', 'desc');
  }
  if (q.startAfter) page = page.startAfter(...q.startAfter);
  const snap = await page.limit(limit + 1).get();
  return { records: snap.docs.slice(0, limit).map((d) => parseTollFreeRecord(d.data(), tenantId, d.id)), more: snap.docs.length > limit };
}

/**
 * Every tenant's toll-free numbers in `statuses` (the reconciliation's run over the registry), each
 * read through its schema; one that does not parse is skipped and named (by path) to `skipped`.
 */
export async function numbersInStatuses(deps: Pick<Deps, 'db'>, statuses: TollFreeStatus[], skipped: (path: string) => void): Promise<TollFreeRecord[]> {
  const snap = await (await deps.db()).collectionGroup('tollfreeNumbers').where('status', 'in', statuses).get();
  const records: TollFreeRecord[] = [];
  for (const doc of snap.docs) {
    try {
      records.push(parseTollFreeRecord(doc.data(), String(doc.get('tenantId') ?? ''), doc.id));
    } catch {
      skipped(doc.ref.path);
    }
  }
  return records;
}
