/** Bulk jobs: an item's one provider operation through the single-item services, and how its errors are classified. */
import { z } from 'zod';
import { UpdateNumberBody } from '../../../shared/api/schemas.js';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { JobItemRecord } from '../../../shared/domain/job.js';
import type { NumberRecord } from '../../../shared/domain/number.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { isProviderError } from '../../../shared/http/provider-errors.js';
import type { NumberProviderName } from '../../../shared/providers/registry.js';
import { purchaseNumber } from '../../numbers/index.js';
import { releaseNumber, updateNumber } from '../../numbers/index.js';
import type { JobBasics, JobDeps } from './job-model.js';

/**
 * The number of a purchase item whose outcome is still open: the purchase answered "not known yet"
 * (the provider may have sold it; its look-ups failed), or this is the item's last attempt and its
 * number is still pending. Undefined when the item may simply retry or fail.
 */
export async function unsettledPurchase(deps: JobDeps, job: JobBasics, item: JobItemRecord, err: unknown, lastChance: boolean): Promise<string | undefined> {
  const details = err instanceof AppError ? (err.details as { ambiguous?: unknown; numberId?: unknown } | undefined) : undefined;
  if (details?.ambiguous === true && typeof details.numberId === 'string') return details.numberId;
  if (!lastChance) return undefined;
  const phoneNumber = (item.input as { phoneNumber?: unknown }).phoneNumber;
  if (typeof phoneNumber !== 'string') return undefined;
  const held = await deps.numbers.findHeld(job.tenantId, phoneNumber).catch(() => undefined);
  return held?.status === 'pending' && held.origin?.jobId === job.id && held.origin.itemId === item.id ? held.id : undefined;
}

/**
 * The one provider operation of an item, through the single-item services (same money safety).
 * `number`: an update item's number as read while the item was claimed, if it was.
 */
export async function perform(
  deps: JobDeps,
  job: JobBasics,
  item: JobItemRecord,
  audit: AuditContext,
  log: Logger,
  number?: Promise<NumberRecord | undefined>,
): Promise<Record<string, unknown>> {
  switch (job.type) {
    case 'purchase': {
      const input = item.input as {
        phoneNumber: string;
        displayName?: string;
        tags?: string[];
        externalRef?: string;
        webhookUrl?: string;
        voiceUrl?: string;
        smsUrl?: string;
        statusCallbackUrl?: string;
      };
      // A redelivery after the purchase went through finds the number this item bought; the
      // first attempt (attempts counted before this claim) cannot have bought anything yet.
      if (item.attempts > 0) {
        const held = await deps.numbers.findHeld(job.tenantId, input.phoneNumber);
        if (held?.origin?.jobId === job.id && held.origin.itemId === item.id) {
          if (held.status !== 'pending') return { numberId: held.id, status: held.status };
          // Its order was placed: the order's webhook (or poll) settles the number, as after a first delivery.
          if (held.purchase?.outcome === 'ordered') return { numberId: held.id, status: held.status };
          // Its purchase is still under the lease of the delivery that died: try again once that ends
          // (then it resumes, looking the number up first) — the tenant's claim answers 409 until then.
          const leaseLeft = Date.parse(held.purchase?.leaseUntil ?? '') - deps.now().getTime();
          if (leaseLeft > 0) {
            throw new AppError('SERVICE_UNAVAILABLE', 'This item’s purchase is still in flight', { retryable: true }, Math.ceil(leaseLeft / 1000));
          }
        }
      }
      const record = await purchaseNumber(deps)(
        {
          tenantId: job.tenantId,
          uid: job.createdBy,
          provider: job.provider as NumberProviderName,
          ...(job.accountId ? { accountId: job.accountId } : {}),
          ...input,
          origin: { jobId: job.id, itemId: item.id },
          audit,
        },
        log,
      );
      return { numberId: record.id, status: record.status };
    }
    case 'release': {
      const input = item.input as { numberId: string; reason?: string };
      // One read inside releaseNumber: a separate "already released?" read before it left a window in
      // which a concurrent item for the same number released it and this one failed with a conflict.
      const record = await releaseNumber(deps)(
        job.tenantId,
        input.numberId,
        { force: false, deferUsage: job.id, releasedIsDone: true, ...(input.reason ? { reason: input.reason } : {}) },
        audit,
      );
      return { numberId: record.id, status: record.status };
    }
    case 'update': {
      const input = item.input as { numberId: string; changes: z.infer<typeof UpdateNumberBody> };
      const read = await number;
      const record = await updateNumber(deps)(job.tenantId, read?.id === input.numberId && read.tenantId === job.tenantId ? read : input.numberId, input.changes, audit);
      return { numberId: record.id, status: record.status };
    }
    default:
      // Toll-free items need the Somos modules; no other job type loads them.
      return (await import('./tollfree-items.js')).performTollFreeItem(deps, job, item, audit);
  }
}

/** Somos logins paused by the login circuit breaker (SomosLoginPausedError: 503, details.reason login_paused, Retry-After). */
export function loginPause(err: unknown): { retryAfterSeconds: number } | undefined {
  if (!(err instanceof AppError) || err.details?.reason !== 'login_paused' || !err.retryAfterSeconds) return undefined;
  return { retryAfterSeconds: err.retryAfterSeconds };
}

export function classify(err: unknown): NonNullable<JobItemRecord['error']> {
  if (isProviderError(err)) {
    return {
      code: 'PROVIDER_ERROR',
      message: err.message,
      provider: err.provider,
      ...(err.info.providerCode ? { providerCode: err.info.providerCode } : {}),
      retryable: err.info.retryable,
    };
  }
  if (err instanceof AppError) {
    // A provider's permanent refusal wrapped in a 5xx (e.g. 502 PROVIDER_ERROR, retryable: false) is not retried.
    const retryable = err.details?.retryable === false ? false : err.status >= 500 || err.status === 429 || err.details?.retryable === true;
    const providerCode = err.details?.providerCode;
    return {
      code: err.code,
      message: err.message,
      ...(typeof err.details?.provider === 'string' ? { provider: err.details.provider } : {}),
      ...(typeof providerCode === 'string' ? { providerCode } : {}),
      retryable,
    };
  }
  return { code: 'INTERNAL', message: 'Unexpected error while processing the item', retryable: true };
}
