import { registryNow, type Deps } from '../../../shared/deps.js';
import type { AuditContext } from '../../../shared/domain/audit.js';
import { AppError, conflict, notFound } from '../../../shared/http/errors.js';
import type { SomosCustomerRecordWrite } from '../../../shared/providers/somos/client.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { asOf, DAY_MS, DEFAULT_REFERRAL_DAYS, MAX_DISCONNECT_DAYS, spareAtOf, type DisconnectState } from '../../../shared/domain/tollfree-lifecycle.js';
import { ensureNotBusy, inTransaction, markNumberPending, readNumber, releaseReservation, requireNumberWithOwner, toView, writeNumber, type TollFreeRecord, type TollFreeView } from './numbers.js';
import { callContext } from './platform.js';
import { clearDisconnecting, markDisconnecting, withdrawScheduledRouting } from './disconnect-versions.js';
import { dismissFailedTransfer } from './failed-transfer.js';
import { settleDueVersions } from './routing-versions.js';
import { claimPending, finishRequest, isPendingAnswer, startPendingRequest, type PendingAnswer, type TollFreeRequestRecord } from './requests.js';

/**
 * DELETE /v1/tollfree/{number}: the number leaves the tenant.
 * - reserved → the reservation is released (spare at once, as DELETE /v1/tollfree/reservations/{number});
 * - active → its customer record is disconnected at the registry (C1: POST /cus/rec/disconnect with
 *   referral and endInterceptDt) from `effectiveAt`: callers hear the intercept (referral) recording
 *   for `referralDays` (default 45), the number then ages, and it goes back to spare at the later of
 *   the intercept's end and 45 days after the disconnect (47 CFR 52.103(d): 45 days to 4 months). The
 *   record is `disconnected` with that schedule (and its phase), then `released` once spare. Its
 *   pending (future-dated) routing versions are withdrawn first, there and here (disconnect-versions.ts);
 * - transfer_failed (a RespOrg change into the tenant that was rejected or cancelled) → the record is
 *   removed, with the owner index entry it still holds (failed-transfer.ts; nothing changes at the registry);
 * - already disconnected, released or expired → the record as it is (idempotent).
 */
export interface DisconnectInput {
  effectiveAt?: string;
  referral?: boolean;
  referralDays?: number;
  reason?: string;
}

type DisconnectDeps = Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks'>;
const QUARTER_MS = 15 * 60_000;

const invalid = (path: string, message: string) => new AppError('VALIDATION_ERROR', `Invalid ${path}: ${message}`, { issues: [{ path, message }] });

/** The schedule the request asks for (effective time rounded up to the quarter hour, as the registry takes it). */
export function disconnectSchedule(input: DisconnectInput, now: Date): DisconnectState {
  let effective = now;
  if (input.effectiveAt !== undefined) {
    effective = new Date(input.effectiveAt);
    if (Number.isNaN(effective.getTime()) || effective.getTime() < now.getTime() - 60_000) throw invalid('body.effectiveAt', 'must be now or in the future');
    effective = new Date(Math.ceil(effective.getTime() / QUARTER_MS) * QUARTER_MS);
  }
  const referral = input.referral ?? true;
  const days = input.referralDays ?? DEFAULT_REFERRAL_DAYS;
  if (referral && (days < 1 || days > MAX_DISCONNECT_DAYS)) throw invalid('body.referralDays', `must be 1-${MAX_DISCONNECT_DAYS} days`);
  // The intercept ends with the registry's end-of-day date.
  const endIntercept = referral ? new Date(`${new Date(effective.getTime() + days * DAY_MS).toISOString().slice(0, 10)}T23:59:59.000Z`) : undefined;
  return {
    requestedAt: now.toISOString(),
    effectiveAt: effective.toISOString(),
    referral,
    ...(endIntercept ? { endInterceptAt: endIntercept.toISOString() } : {}),
    spareAt: spareAtOf(effective, endIntercept).toISOString(),
    ...(input.reason ? { reason: input.reason } : {}),
  };
}

export type DisconnectAnswer = (TollFreeView & { expiresAt?: string; expiringSoon?: boolean }) | PendingAnswer;

export function disconnectNumber(deps: DisconnectDeps) {
  return async (tenantId: string, num: string, input: DisconnectInput, audit: AuditContext): Promise<DisconnectAnswer> => {
    const held = await requireNumberWithOwner(deps, tenantId, num);
    let record = held.record;
    if (record.status === 'transfer_failed') return dismissFailedTransfer(deps, record, audit);
    if (record.status === 'disconnected' || record.status === 'released' || record.status === 'expired') return asOf(toView(record), registryNow(deps.config));
    if (record.status === 'reserved') {
      const released = await releaseReservation(deps)(tenantId, num, audit);
      return isPendingAnswer(released) ? released : asOf(released, registryNow(deps.config));
    }
    if (record.status !== 'active') throw conflict(`Only an active or reserved number can be disconnected; this one is ${record.status}`, { status: record.status });
    ensureNotBusy(record);
    await held.assertOwned();
    // The registry's clock: it checks the effective time against its own.
    const schedule = disconnectSchedule(input, registryNow(deps.config));
    // From here on no routing change is scheduled (routing-versions.ts checks the mark where it writes).
    record = await markDisconnecting(deps, record, audit);
    // Versions whose time came are the current routing; the others are withdrawn before the disconnect.
    record = await withdrawScheduledRouting(deps, await settleDueVersions(deps, record, audit), audit);
    const { registry } = await deps.somos();
    const ctx = callContext(record);
    const current = async (): Promise<string> => {
      const cr = await registry.retrieveCustomerRecord(ctx, num);
      if (cr.pending) throw new AppError('SERVICE_UNAVAILABLE', 'The registry is busy; retry the disconnect shortly', { retryable: true }, 5);
      if (!cr.data.recVersionId) throw new AppError('PROVIDER_ERROR', 'The registry returned the customer record without its recVersionId', { provider: 'somos', retryable: false });
      return cr.data.recVersionId;
    };
    const send = (recVersionId: string) =>
      registry.disconnectCustomerRecord(ctx, {
        num,
        recVersionId,
        ...(input.effectiveAt !== undefined ? { effectiveAt: new Date(schedule.effectiveAt) } : {}),
        referral: schedule.referral,
        ...(schedule.endInterceptAt ? { endInterceptAt: new Date(schedule.endInterceptAt) } : {}),
        ...(input.reason ? { notes: input.reason } : {}),
      });
    let result;
    try {
      try {
        result = await send(record.customerRecord?.recVersionId ?? (await current()));
      } catch (err) {
        if (!(err instanceof ProviderError && err.info.httpStatus === 409)) throw err;
        // A disconnect whose answer was lost: the registry shows the number disconnected already.
        const found = await registry.query(ctx, num);
        if (!found.pending && ['DISCONNECT', 'TRANSITIONAL'].includes(found.data.status)) {
          return asOf(toView(await finishDisconnect(deps, tenantId, num, schedule, { num }, audit)), registryNow(deps.config));
        }
        // Otherwise the record moved on since its version was read: once more with the current one.
        result = await send(await current());
      }
    } catch (err) {
      // Refused (not an outcome we cannot know): the number takes routing changes again at once.
      if (!(err instanceof ProviderError && err.ambiguous)) await clearDisconnecting(deps, record, audit).catch(() => undefined);
      throw err;
    }
    if (result.pending) {
      return startPendingRequest(deps)(
        tenantId,
        { operation: 'disconnect', roid: record.respOrgId, pending: result, context: { num, schedule: { ...schedule } }, resource: `/v1/tollfree/${num}` },
        audit,
        (t, requestId) => markNumberPending(t, tenantId, num, requestId),
      );
    }
    return asOf(toView(await finishDisconnect(deps, tenantId, num, schedule, result.data, audit)), registryNow(deps.config));
  };
}

/** The registry took the disconnect: the number is `disconnected` with its schedule (the owner index stays until it is spare). */
export async function finishDisconnect(
  deps: Pick<Deps, 'db' | 'now'>,
  tenantId: string,
  num: string,
  schedule: DisconnectState,
  write: SomosCustomerRecordWrite,
  audit: AuditContext,
  request?: TollFreeRequestRecord,
): Promise<TollFreeRecord> {
  const now = deps.now();
  return inTransaction(deps, async (t) => {
    const [claimed, before] = await Promise.all([request ? claimPending(t, tenantId, request.id) : undefined, readNumber(t, tenantId, num)]);
    if (!before) throw notFound('Toll-free number');
    if (request && !claimed) return before;
    const { pendingRequestId: _pending, ...rest } = before;
    const next: TollFreeRecord = {
      ...rest,
      status: 'disconnected',
      disconnect: schedule,
      customerRecord: {
        ...before.customerRecord,
        ...(write.recVersionId ? { recVersionId: write.recVersionId } : {}),
        ...(write.status ? { status: write.status } : {}),
        ...(write.effDtTm ? { effDtTm: write.effDtTm } : {}),
      },
      ...(schedule.reason ? { statusReason: schedule.reason } : {}),
      updatedAt: now.toISOString(),
    };
    const written = writeNumber(t, audit, 'tollfree.disconnect', before, next);
    if (claimed) finishRequest(t, claimed, { status: 'completed', result: toView(written) }, now, audit);
    return written;
  });
}
