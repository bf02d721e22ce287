import { FieldValue } from '@google-cloud/firestore';
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Bulk jobs: one job, many items, each item exactly one provider operation. */
export const jobTypes = ['purchase', 'release', 'update', 'tollfree-reserve', 'tollfree-activate', 'tollfree-routing', 'tollfree-sms'] as const;
export type JobType = (typeof jobTypes)[number];

export const jobStatuses = ['queued', 'running', 'completed', 'completed_with_errors', 'cancelled', 'failed'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export const itemStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type ItemState = (typeof itemStates)[number];
export const finalItemStates: readonly ItemState[] = ['succeeded', 'failed', 'cancelled'];

export interface JobRecord {
  id: string;
  tenantId: string;
  type: JobType;
  provider: string;
  accountId?: string;
  status: JobStatus;
  /** Items accepted at creation (invalid ones are refused up front, not stored). */
  itemCount: number;
  search?: Record<string, unknown>;
  callbackUrl?: string;
  cancelRequested?: boolean;
  /** Purchases reserved against the tenant's spend guards at creation (settled at the end). */
  reserved?: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** When every item was written and every chunk published (a replayed creation finishes the job's writes if unset). */
  chunksPublishedAt?: string;
  /** Final counts, written once when the job finishes. */
  finalCounts?: Record<ItemState, number>;
  failureReason?: string;
}

/** A stored job, as it is read (never taken as it is): known fields checked, unknown ones kept. */
const StoredJob: z.ZodType<JobRecord> = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  type: z.enum(jobTypes),
  provider: z.string(),
  accountId: z.string().optional(),
  status: z.enum(jobStatuses),
  itemCount: z.number(),
  search: z.record(z.string(), z.unknown()).optional(),
  callbackUrl: z.string().optional(),
  cancelRequested: z.boolean().optional(),
  reserved: z.number().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  chunksPublishedAt: z.string().optional(),
  finalCounts: z.record(z.enum(itemStates), z.number()).optional(),
  failureReason: z.string().optional(),
});
export const parseJob = (data: unknown): JobRecord => StoredJob.parse(data);

export interface JobItemRecord {
  id: string;
  jobId: string;
  tenantId: string;
  index: number;
  state: ItemState;
  input: Record<string, unknown>;
  attempts: number;
  /** While running: another delivery may take over after this instant (null once the item settled). */
  leaseUntil?: string | null;
  result?: Record<string, unknown>;
  error?: JobItemError;
  /**
   * The provider accepted the operation but has not done it yet: a toll-free registry request that
   * answered 202 (tollfreeRequests/{id}), or a number order (the number stays pending). The item stays
   * `running` until then; whatever settles the request or the number settles the item with it.
   */
  waitingFor?: ItemWait;
  updatedAt: string;
  finishedAt?: string;
}

export interface JobItemError {
  code: string;
  message: string;
  provider?: string;
  providerCode?: string;
  retryable?: boolean;
}

/** A stored job item, as it is read (never taken as it is): known fields checked, unknown ones kept. */
const StoredJobItemFields: z.ZodType<JobItemRecord> = z.looseObject({
  id: z.string(),
  jobId: z.string(),
  tenantId: z.string(),
  index: z.number(),
  state: z.enum(itemStates),
  input: z.record(z.string(), z.unknown()),
  attempts: z.number(),
  leaseUntil: z.string().nullable().optional(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z
    .looseObject({ code: z.string(), message: z.string(), provider: z.string().optional(), providerCode: z.string().optional(), retryable: z.boolean().optional() })
    .optional(),
  waitingFor: z.looseObject({ kind: z.enum(['tollfree-request', 'number-order', 'number-purchase']), id: z.string() }).optional(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
});
/** Optional fields a writer may have set to null rather than deleted: read as absent (leaseUntil keeps its null). */
const NULLABLE_ITEM_FIELDS = ['result', 'error', 'waitingFor', 'finishedAt'];
const StoredJobItem = z.preprocess(
  (data) =>
    data !== null && typeof data === 'object' && !Array.isArray(data)
      ? Object.fromEntries(Object.entries(data).filter(([key, value]) => !(value === null && NULLABLE_ITEM_FIELDS.includes(key))))
      : data,
  StoredJobItemFields,
);
export const parseJobItem = (data: unknown): JobItemRecord => StoredJobItem.parse(data);

/**
 * What a running item waits for: a toll-free request the registry answered 202, a number on order
 * (Telnyx), or a number whose purchase outcome is not known yet (its follow-up settles it).
 */
export type ItemWait = { kind: 'tollfree-request'; id: string } | { kind: 'number-order'; id: string } | { kind: 'number-purchase'; id: string };

/** Waits that a number's settlement ends (an order, or a purchase whose outcome was unclear). */
export const waitsForNumber = (wait: ItemWait | undefined, numberId: string): boolean =>
  (wait?.kind === 'number-order' || wait?.kind === 'number-purchase') && wait.id === numberId;

/** A job item's final fields for an ordered number that left `pending`; undefined while it has not. */
export function orderedNumberOutcome(number: { id: string; status: string; provider: string; statusReason?: string }): ItemSettlement | undefined {
  if (number.status === 'pending') return undefined;
  if (number.status === 'error') {
    return { state: 'failed', error: { code: 'PROVIDER_ERROR', provider: number.provider, message: number.statusReason ?? `The ${number.provider} order failed`, retryable: false } };
  }
  return { state: 'succeeded', result: { numberId: number.id, status: number.status } };
}

export type ItemSettlement = { state: 'succeeded'; result: Record<string, unknown> } | { state: 'failed'; error: JobItemError };

/** The update that ends a waiting item with its outcome (a failure keeps no "pending" result). */
export function itemSettlement(outcome: ItemSettlement, at: string): Record<string, unknown> {
  return {
    ...outcome,
    ...(outcome.state === 'failed' ? { result: FieldValue.delete() } : {}),
    finishedAt: at,
    leaseUntil: null,
    waitingFor: FieldValue.delete(),
    updatedAt: at,
  };
}

/** Which job item an operation is done for (kept on what outlives the item's task, e.g. a 202'd registry request). */
export interface JobItemOrigin {
  jobId: string;
  itemId: string;
}

export const jobDocPath = (tenantId: string, jobId: string) => `tenants/${tenantId}/jobs/${jobId}`;
export const jobItemPath = (tenantId: string, origin: JobItemOrigin) => `${jobDocPath(tenantId, origin.jobId)}/items/${origin.itemId}`;

/** Deterministic item ids: the same item of the same job is always the same document and task. */
export const itemIdFor = (index: number) => `it_${String(index).padStart(5, '0')}`;

export const jobIdFor = (tenantId: string, idempotencyKey: string | undefined, random: string) =>
  idempotencyKey ? `job_${createHash('sha256').update(`${tenantId}|${idempotencyKey}`).digest('hex').slice(0, 20)}` : `job_${random}`;

/** The job's status as its item counts say. */
export function statusFromCounts(counts: Record<ItemState, number>, cancelRequested: boolean): JobStatus {
  const open = counts.queued + counts.running;
  const done = counts.succeeded + counts.failed + counts.cancelled;
  if (open > 0) return done > 0 || counts.running > 0 ? 'running' : 'queued';
  if (cancelRequested) return 'cancelled';
  if (counts.succeeded === 0 && counts.failed > 0) return 'failed';
  return counts.failed > 0 ? 'completed_with_errors' : 'completed';
}
