import type { DocumentSnapshot, Firestore, Transaction } from '@google-cloud/firestore';
import { z } from 'zod';
import { enqueueTask } from '../../../shared/api/task-targets.js';
import { recordAudit, type AuditContext } from '../../../shared/domain/audit.js';
import { itemSettlement, jobItemPath, type ItemSettlement, type JobItemOrigin, type JobItemRecord } from '../../../shared/domain/job.js';
import { scheduleFinalizeCheck } from '../../jobs/index.js';
import type { Deps } from '../../../shared/deps.js';
import type { SomosOperation, SomosPending } from '../../../shared/providers/somos/client.js';
import { createTenantCollection, readStored, type TenantDoc } from '../../../shared/store/tenant-collection.js';

/**
 * Registry requests that answered 202 (C: "sync timeout"; the result is fetched later with
 * `GET <same path>?reqId=`). The caller gets a job-like answer at once; the request is kept in
 * tenants/{t}/tollfreeRequests/{id} and a Cloud Tasks follow-up retrieves and applies the result.
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

/** The body a caller gets for a request the registry is still working on (HTTP 202). */
export interface PendingAnswer {
  status: 'pending';
  requestId: string;
  poll: string;
  resource?: string;
}

export const isPendingAnswer = (value: unknown): value is PendingAnswer =>
  !!value && typeof value === 'object' && (value as PendingAnswer).status === 'pending' && typeof (value as PendingAnswer).requestId === 'string';

// ---------------------------------------------------------------------------------------------
// Follow-up tasks (one internal endpoint; the body says what to follow up)

export type SomosFollowup =
  | { kind: 'request'; tenantId: string; id: string; attempt: number }
  | { kind: 'sms'; tenantId: string; number: string; attempt: number }
  | { kind: 'transfer'; tenantId: string; id: string; attempt: number };

export async function scheduleFollowup(deps: Pick<Deps, 'tasks' | 'config' | 'now'>, task: SomosFollowup, delayMs: number): Promise<void> {
  const subject = task.kind === 'sms' ? task.number : task.id;
  await enqueueTask(deps, 'somosFollowup', task, {
    scheduleAt: new Date(deps.now().getTime() + delayMs),
    id: `somos-${task.kind}-${task.tenantId}-${subject}-${task.attempt}`,
  });
}

/** 5 s, 10 s, 20 s, 40 s, then every minute; about an hour in all. */
export const requestPollDelayMs = (attempt: number) => Math.min(60_000, 5_000 * 2 ** Math.min(attempt, 4));
export const MAX_REQUEST_POLLS = 60;

type RequestDeps = Pick<Deps, 'db' | 'tasks' | 'config' | 'now'>;

export function startPendingRequest(deps: RequestDeps) {
  const requests = tollfreeRequests(deps.db);
  return async (
    tenantId: string,
    input: { operation: TollFreeOperation; roid: string; pending: SomosPending; context: Record<string, unknown>; resource?: string; origin?: JobItemOrigin },
    audit: AuditContext,
    /** Writes that belong with the request (e.g. the number's pendingRequestId); writes only. */
    alongside?: (tx: Transaction, db: Firestore, requestId: string) => void,
  ): Promise<PendingAnswer> => {
    const now = deps.now().toISOString();
    const record: TollFreeRequestRecord = {
      id: requests.newId(),
      tenantId,
      operation: input.operation,
      status: 'pending',
      roid: input.roid,
      somos: { path: input.pending.path, reqId: input.pending.reqId, ...(input.pending.operation ? { operation: input.pending.operation } : {}) },
      context: input.context,
      ...(input.resource ? { resource: input.resource } : {}),
      ...(input.origin ? { origin: input.origin } : {}),
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
    await requests.create(record, audit, `tollfree.${input.operation}_pending`, (tx, db) => alongside?.(tx, db, record.id));
    await scheduleFollowup(deps, { kind: 'request', tenantId, id: record.id, attempt: 0 }, requestPollDelayMs(0));
    return pendingAnswer(record);
  };
}

/**
 * A finished request as its job item's outcome. A reservation the registry completed without the
 * item's number (listed in `failed`) did not happen: the item fails.
 */
export function jobItemOutcome(request: Pick<TollFreeRequestRecord, 'status' | 'operation' | 'result' | 'error' | 'context'>): ItemSettlement {
  const num = typeof request.context.num === 'string' ? request.context.num : ((request.context.requested as string[] | undefined)?.[0] ?? '');
  if (request.status === 'failed') {
    return {
      state: 'failed',
      error: { code: 'PROVIDER_ERROR', provider: 'somos', message: request.error?.message ?? 'The registry request failed', ...(request.error?.code ? { providerCode: request.error.code } : {}), retryable: false },
    };
  }
  const result = (request.result ?? {}) as { status?: string; data?: { status?: string }[]; failed?: { number: string; reason: string }[] };
  if (request.operation === 'reserve' && (result.failed?.length || !result.data?.length)) {
    const reason = result.failed?.[0]?.reason ?? 'not reserved at the registry';
    return { state: 'failed', error: { code: 'CONFLICT', provider: 'somos', message: `Not reserved: ${reason}`, retryable: false } };
  }
  return { state: 'succeeded', result: { number: num, status: result.status ?? result.data?.[0]?.status ?? 'done' } };
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

/** After a request with an origin ended (its transaction committed): the job may be done now. */
export async function settledJobItem(deps: Pick<Deps, 'tasks' | 'config' | 'now'>, request: Pick<TollFreeRequestRecord, 'tenantId' | 'origin'>): Promise<void> {
  if (request.origin) await scheduleFinalizeCheck(deps, request.tenantId, request.origin.jobId);
}

export const pendingAnswer = (record: Pick<TollFreeRequestRecord, 'id' | 'resource'>): PendingAnswer => ({
  status: 'pending',
  requestId: record.id,
  poll: `/v1/tollfree/requests/${record.id}`,
  ...(record.resource ? { resource: record.resource } : {}),
});

/**
 * Inside a transaction (a read): the request when it is still pending, else undefined. Appliers
 * call it first so that a result is applied exactly once even when two follow-ups race.
 */
export async function claimPending(tx: Transaction, db: Firestore, tenantId: string, requestId: string): Promise<TollFreeRequestRecord | undefined> {
  const snap = await tx.get(db.doc(requestPath(tenantId, requestId)));
  const record = requestOf(snap);
  if (record?.status !== 'pending') return undefined;
  // Its job item, read now (reads come first): finishRequest settles it if it still waits for this request.
  if (record.origin) originItems.set(record, (await tx.get(db.doc(jobItemPath(tenantId, record.origin)))).data() as JobItemRecord | undefined);
  return record;
}

/** The job item of a claimed request, as read in the claiming transaction. */
const originItems = new WeakMap<TollFreeRequestRecord, JobItemRecord | undefined>();

/** Inside the same transaction (a write): the request is done. */
export function finishRequest(
  tx: Transaction,
  db: Firestore,
  record: TollFreeRequestRecord,
  outcome: { status: 'completed'; result?: unknown } | { status: 'failed'; error: { message: string; code?: string } },
  now: Date,
  audit: AuditContext,
): TollFreeRequestRecord {
  const next: TollFreeRequestRecord = {
    ...record,
    status: outcome.status,
    ...(outcome.status === 'completed' ? (outcome.result !== undefined ? { result: outcome.result } : {}) : { error: outcome.error }),
    completedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  tx.set(db.doc(requestPath(record.tenantId, record.id)), JSON.parse(JSON.stringify(next)) as TollFreeRequestRecord);
  // The job item ends with its request, in the same transaction (the caller schedules the job's
  // completion check once it has committed: settledJobItem) — if it still waits for this request, or
  // is still in the delivery that made it. Not one that moved on (a newer delivery's request).
  const item = originItems.get(record);
  if (record.origin && item?.state === 'running' && (!item.waitingFor || item.waitingFor.id === record.id)) {
    tx.update(db.doc(jobItemPath(record.tenantId, record.origin)), itemSettlement(jobItemOutcome(next), now.toISOString()));
  }
  recordAudit(db, tx, record.tenantId, audit, {
    action: `tollfree.${record.operation}_${outcome.status}`,
    resource: `tollfree-requests/${record.id}`,
    before: record,
    after: next,
  });
  return next;
}
