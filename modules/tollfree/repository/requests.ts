import type { DocumentSnapshot } from '@google-cloud/firestore';
import { z } from 'zod';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { ItemSettlement, JobItemOrigin, JobItemRecord } from '../../../shared/domain/job.js';
import { readJobItemIn, settleJobItemIn } from '../../jobs/index.js';
import type { Deps } from '../../../shared/deps.js';
import type { SomosOperation } from '../../../shared/providers/somos/client.js';
import { createTenantCollection, readStored, type TenantDoc } from '../../../shared/store/tenant-collection.js';
import { auditIn, openTx, plain, readIn, wrapTx, type StoreTx } from './transaction.js';

/**
 * Registry requests that answered 202, kept in tenants/{t}/tollfreeRequests/{id} (services/requests.ts
 * says how they are followed up). The only code touching that collection — and, for a request made for
 * a bulk job's item, the item it settles (tenants/{t}/jobs/{j}/items/{i}).
 */
export const tollFreeOperations = ['search', 'reserve', 'release', 'activate', 'routing', 'transfer', 'entity', 'disconnect'] as const;
export type TollFreeOperation = (typeof tollFreeOperations)[number];
export const tollFreeRequestStatuses = ['pending', 'completed', 'failed'] as const;
export type TollFreeRequestStatus = (typeof tollFreeRequestStatuses)[number];

export interface TollFreeRequestRecord extends TenantDoc {
  operation: TollFreeOperation;
  status: TollFreeRequestStatus;
  /** The RespOrg unit the original call was made for (ROID of the retrieve). */
  roid: string;
  somos: { path: string; reqId: string; operation?: SomosOperation };
  /** What the follow-up needs to apply the answer (numbers, routing, …). */
  context: Record<string, unknown>;
  /** API path of the resource the request changes, when there is one. */
  resource?: string;
  result?: unknown;
  error?: { message: string; code?: string };
  attempts: number;
  completedAt?: string;
  /** Made for a bulk job's item: the item waits for this request and is settled with it. */
  origin?: JobItemOrigin;
}

/** Every registry operation a pending request may name (a record: the compiler finds a missing one). */
const somosOperations: { [K in SomosOperation]: K } = {
  search: 'search',
  searchAndReserve: 'searchAndReserve',
  query: 'query',
  release: 'release',
  createCustomerRecord: 'createCustomerRecord',
  retrieveCustomerRecord: 'retrieveCustomerRecord',
  updateCustomerRecord: 'updateCustomerRecord',
  disconnectCustomerRecord: 'disconnectCustomerRecord',
  updateReservation: 'updateReservation',
  deleteCustomerRecord: 'deleteCustomerRecord',
  cancelRespOrgChange: 'cancelRespOrgChange',
  respOrgEntity: 'respOrgEntity',
  respOrgChange: 'respOrgChange',
  respOrgChangeStatus: 'respOrgChangeStatus',
};

/** A stored registry request, as it is read (never taken as it is): known fields checked, unknown ones kept. */
const StoredRequest: z.ZodType<TollFreeRequestRecord> = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  operation: z.enum(tollFreeOperations),
  status: z.enum(tollFreeRequestStatuses),
  roid: z.string(),
  somos: z.looseObject({ path: z.string(), reqId: z.string(), operation: z.enum(somosOperations).optional() }),
  context: z.record(z.string(), z.unknown()),
  resource: z.string().optional(),
  result: z.unknown().optional(),
  error: z.looseObject({ message: z.string(), code: z.string().optional() }).optional(),
  attempts: z.number(),
  completedAt: z.string().optional(),
  origin: z.looseObject({ jobId: z.string(), itemId: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const parseTollFreeRequest = (data: unknown): TollFreeRequestRecord => StoredRequest.parse(data);

/** A request read directly (e.g. inside a transaction), through its schema; undefined when there is none. */
const requestOf = (snap: DocumentSnapshot): TollFreeRequestRecord | undefined =>
  snap.exists ? readStored(parseTollFreeRequest, snap.data(), { collection: 'tollfreeRequests', id: snap.id }) : undefined;

export const tollfreeRequests = (db: Deps['db']) =>
  createTenantCollection<TollFreeRequestRecord>(db, {
    collection: 'tollfreeRequests',
    idPrefix: 'tfr',
    resource: 'tollfree-requests',
    label: 'Toll-free request',
    parse: parseTollFreeRequest,
  });

export const requestPath = (tenantId: string, id: string) => `tenants/${tenantId}/tollfreeRequests/${id}`;

/** Stores a new request with its audit record; `alongside` adds writes to the same transaction. */
export async function createRequest(deps: Pick<Deps, 'db'>, record: TollFreeRequestRecord, audit: AuditContext, action: string, alongside?: (t: StoreTx) => void): Promise<void> {
  await tollfreeRequests(deps.db).create(record, audit, action, (tx, db) => alongside?.(wrapTx(tx, db)));
}

/** One more look at the registry was scheduled. */
export async function countAttempt(deps: Pick<Deps, 'db'>, tenantId: string, id: string, attempts: number, updatedAt: string): Promise<void> {
  await (await deps.db()).doc(requestPath(tenantId, id)).update({ attempts, updatedAt });
}

/** The still-pending registry request an earlier delivery of this job item started, if any. */
export async function pendingRequestOf(deps: Pick<Deps, 'db'>, tenantId: string, origin: JobItemOrigin): Promise<TollFreeRequestRecord | undefined> {
  const snap = await (await deps.db())
    .collection(`tenants/${tenantId}/tollfreeRequests`)
    .where('origin.jobId', '==', origin.jobId)
    .where('origin.itemId', '==', origin.itemId)
    .where('status', '==', 'pending')
    .limit(1)
    .get();
  const doc = snap.docs[0];
  return doc ? requestOf(doc) : undefined;
}

/** The job item of a claimed request, as read in the claiming transaction. */
const originItems = new WeakMap<TollFreeRequestRecord, JobItemRecord | undefined>();

/**
 * Inside a transaction (a read): the request when it is still pending, else undefined. Appliers
 * call it first so that a result is applied exactly once even when two follow-ups race.
 */
export async function claimPending(t: StoreTx, tenantId: string, requestId: string): Promise<TollFreeRequestRecord | undefined> {
  const record = requestOf(await readIn(t, requestPath(tenantId, requestId)));
  if (record?.status !== 'pending') return undefined;
  const { tx, db } = openTx(t);
  // Its job item, read now (reads come first): writeFinishedRequest settles it if it still waits for this request.
  if (record.origin) {
    originItems.set(record, await readJobItemIn(tx, db, tenantId, record.origin));
  }
  return record;
}

/**
 * Inside the claiming transaction (a write): the request `before` ends as `next`. Its job item ends
 * with it (`itemOutcome`), if it still waits for this request or is still in the delivery that made it —
 * not one that moved on (a newer delivery's request). The caller schedules the job's completion check
 * once the transaction has committed.
 */
export function writeFinishedRequest(t: StoreTx, before: TollFreeRequestRecord, next: TollFreeRequestRecord, itemOutcome: ItemSettlement, audit: AuditContext): void {
  const { tx, db } = openTx(t);
  tx.set(db.doc(requestPath(before.tenantId, before.id)), plain(next));
  const item = originItems.get(before);
  if (before.origin && item?.state === 'running' && (!item.waitingFor || item.waitingFor.id === before.id)) {
    settleJobItemIn(tx, db, before.tenantId, before.origin, itemOutcome, next.updatedAt);
  }
  auditIn(t, before.tenantId, audit, { action: `tollfree.${before.operation}_${next.status}`, resource: `tollfree-requests/${before.id}`, before, after: next });
}
