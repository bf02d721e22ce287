import { enqueueTask } from '../../../shared/api/task-targets.js';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { ItemSettlement, JobItemOrigin } from '../../../shared/domain/job.js';
import { scheduleFinalizeCheck } from '../../jobs/index.js';
import type { Deps } from '../../../shared/deps.js';
import type { SomosPending } from '../../../shared/providers/somos/client.js';
import { createRequest, tollfreeRequests, writeFinishedRequest, type TollFreeOperation, type TollFreeRequestRecord } from '../repository/requests.js';
import type { StoreTx } from '../repository/transaction.js';

/**
 * Registry requests that answered 202 (C: "sync timeout"; the result is fetched later with
 * `GET <same path>?reqId=`). The caller gets a job-like answer at once; the request is kept in
 * tenants/{t}/tollfreeRequests/{id} (repository/requests.ts) and a Cloud Tasks follow-up retrieves and applies the result.
 */
export {
  claimPending,
  parseTollFreeRequest,
  pendingRequestOf,
  requestPath,
  tollFreeOperations,
  tollfreeRequests,
  tollFreeRequestStatuses,
  type TollFreeOperation,
  type TollFreeRequestRecord,
  type TollFreeRequestStatus,
} from '../repository/requests.js';

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
    alongside?: (t: StoreTx, requestId: string) => void,
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
    await createRequest(deps, record, audit, `tollfree.${input.operation}_pending`, (t) => alongside?.(t, record.id));
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

/** Inside the claiming transaction (a write): the request is done (and its job item with it, repository/requests.ts). */
export function finishRequest(
  t: StoreTx,
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
  writeFinishedRequest(t, record, next, jobItemOutcome(next), audit);
  return next;
}
