import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import type { JobItemOrigin } from '../../../shared/domain/job.js';
import { AppError, conflict, notFound } from '../../../shared/http/errors.js';
import type { SomosCustomerRecordWrite, SomosResult } from '../../../shared/providers/somos/client.js';
import type { Routing } from '../../../shared/providers/somos/routing.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { logger as rootLogger } from '../../../shared/log.js';
import { logProvisioning } from '../../../shared/log-events.js';
import { callContext } from './platform.js';
import { claimPending, finishRequest, startPendingRequest, type PendingAnswer, type TollFreeRequestRecord } from './requests.js';
import type { Carriers } from '../../../shared/domain/carriers.js';
import { resolveCarriers } from './carriers.js';
import { isFutureChange, scheduleRouting } from './routing-versions.js';
import { assertOwner, ensureNotBusy, inTransaction, markNumberPending, plain, readNumber, registryBusy, requireNumberWithOwner, toView, writeNumber, type NumberDeps, type TollFreeRecord, type TollFreeView } from './number-records.js';
import { customerRecordInput, validateRouting, type RoutingInput, type ValidRouting } from './routing-input.js';

/**
 * Activating a reserved toll-free number and changing its routing (the customer record at the
 * registry). The records themselves are number-records.ts, a routing request's validation
 * routing-input.ts; this module re-exports both, and reservations and detail, as the toll-free numbers' surface.
 */
export * from './number-records.js';
export * from './routing-input.js';


/**
 * An activation whose answer never reached us: the reserved number already has a customer record at
 * the registry, which that attempt created. Recorded with the routing it was created with.
 * Undefined when the registry has no customer record for the number.
 */
export async function adoptLostActivation(deps: NumberDeps, record: TollFreeRecord, input: RoutingInput, audit: AuditContext): Promise<TollFreeRecord | undefined> {
  if (record.status !== 'reserved' || record.pendingRequestId) return undefined;
  await assertOwner(deps, record);
  const valid = validateRouting(deps.config, record.id, record.respOrgId, input, deps.now());
  const { registry } = await deps.somos();
  const found = await registry.retrieveCustomerRecord(callContext(record), record.id).catch((err: unknown) => {
    if (err instanceof ProviderError && err.info.httpStatus === 404) return undefined;
    throw err;
  });
  if (!found) return undefined;
  if (found.pending) throw registryBusy();
  const context: RoutingContext = {
    num: record.id,
    action: 'activate',
    routing: valid.routing,
    mode: valid.mode,
    disasterDefaulted: valid.disasterDefaulted,
    ...(valid.effectiveAt ? { effectiveAt: valid.effectiveAt.toISOString() } : {}),
  };
  const write: SomosCustomerRecordWrite = {
    num: record.id,
    ...(found.data.recVersionId ? { recVersionId: found.data.recVersionId } : {}),
    ...(found.data.status ? { status: found.data.status } : {}),
    ...(found.data.effDtTm ? { effDtTm: found.data.effDtTm } : {}),
  };
  return finishRouting(deps, record.tenantId, context, write, audit);
}


export interface RoutingContext {
  num: string;
  action: 'activate' | 'routing';
  routing: Routing;
  mode: 'normal' | 'disaster';
  disasterDefaulted: boolean;
  effectiveAt?: string;
  carriers?: Carriers;
}

export function activateNumber(deps: NumberDeps) {
  return async (tenantId: string, num: string, input: RoutingInput, audit: AuditContext, origin?: JobItemOrigin): Promise<TollFreeView | PendingAnswer> => {
    const { record, assertOwned } = await requireNumberWithOwner(deps, tenantId, num);
    if (record.status === 'active') throw conflict('This number is already active; change its routing with PUT /v1/tollfree/{number}/routing');
    if (record.status !== 'reserved') throw conflict(`Only a reserved number can be activated; this one is ${record.status}`, { status: record.status });
    ensureNotBusy(record);
    await assertOwned();
    const valid: ValidRouting = { ...validateRouting(deps.config, num, record.respOrgId, input, deps.now()), carriers: (await resolveCarriers(deps, tenantId, input.carriers)).carriers };
    const { registry } = await deps.somos();
    const via = origin ? 'job' : 'api';
    let result;
    try {
      result = await registry.createCustomerRecord(callContext(record), customerRecordInput(deps.config, record, valid));
    } catch (err) {
      if (err instanceof ProviderError) {
        logProvisioning(rootLogger, { operation: 'tollfree-activate', provider: 'somos', outcome: 'failed', reason: err.info.kind ?? err.info.providerCode ?? 'provider_error', number: num, via });
      }
      throw err;
    }
    const answer = await afterRoutingCall(deps, record, valid, 'activate', result, audit, origin);
    // A 202 ends later, in its follow-up (modules/tollfree/services/followup.ts), which logs the outcome then.
    if (!result.pending) logProvisioning(rootLogger, { operation: 'tollfree-activate', provider: 'somos', outcome: 'succeeded', number: num, via });
    return answer;
  };
}

export function changeRouting(deps: NumberDeps) {
  return async (tenantId: string, num: string, input: RoutingInput, audit: AuditContext, origin?: JobItemOrigin): Promise<TollFreeView | PendingAnswer> => {
    // Dated in the future: its own version; the current routing stays (routing-versions.ts).
    if (isFutureChange(input.effectiveAt, deps.now())) return scheduleRouting(deps)(tenantId, num, input, audit);
    const { record, assertOwned } = await requireNumberWithOwner(deps, tenantId, num);
    if (record.status === 'reserved') throw conflict('This number has no routing yet; activate it with POST /v1/tollfree/{number}/activate');
    if (record.status !== 'active') throw conflict(`Routing can only change on an active number; this one is ${record.status}`, { status: record.status });
    ensureNotBusy(record);
    await assertOwned();
    // The number keeps its carriers unless the request names others (one activated elsewhere gets the tenant's).
    const carriers = input.carriers ?? record.carriers ?? (await resolveCarriers(deps, tenantId, undefined)).carriers;
    const valid: ValidRouting = { ...validateRouting(deps.config, num, record.respOrgId, input, deps.now()), carriers };
    const { registry } = await deps.somos();
    const ctx = callContext(record);
    const update = async (recVersionId: string) =>
      registry.updateCustomerRecord(ctx, { ...customerRecordInput(deps.config, record, valid), recVersionId });
    const current = async (): Promise<string> => {
      const cr = await registry.retrieveCustomerRecord(ctx, num);
      if (cr.pending) throw new AppError('SERVICE_UNAVAILABLE', 'The registry is busy; retry the routing change shortly', { retryable: true }, 5);
      if (!cr.data.recVersionId) throw new AppError('PROVIDER_ERROR', 'The registry returned the customer record without its recVersionId', { provider: 'somos', retryable: false });
      return cr.data.recVersionId;
    };
    let result;
    const known = record.customerRecord?.recVersionId;
    try {
      result = await update(known ?? (await current()));
    } catch (err) {
      // Someone else (or an earlier effective-dated change) moved the record on since its version was
      // read: once more with its current version. (A number taken elsewhere is not retried.)
      if (!(err instanceof ProviderError && err.info.httpStatus === 409 && err.info.kind !== 'not_available')) throw err;
      result = await update(await current());
    }
    return afterRoutingCall(deps, record, valid, 'routing', result, audit, origin);
  };
}

async function afterRoutingCall(
  deps: NumberDeps,
  record: TollFreeRecord,
  valid: ValidRouting,
  action: 'activate' | 'routing',
  result: SomosResult<SomosCustomerRecordWrite>,
  audit: AuditContext,
  origin?: JobItemOrigin,
): Promise<TollFreeView | PendingAnswer> {
  const context: RoutingContext = {
    num: record.id,
    action,
    routing: valid.routing,
    mode: valid.mode,
    disasterDefaulted: valid.disasterDefaulted,
    ...(valid.effectiveAt ? { effectiveAt: valid.effectiveAt.toISOString() } : {}),
    ...(valid.carriers ? { carriers: valid.carriers } : {}),
  };
  if (result.pending) {
    return startPendingRequest(deps)(
      record.tenantId,
      {
        operation: action,
        roid: record.respOrgId,
        pending: result,
        context: plain(context) as unknown as Record<string, unknown>,
        resource: `/v1/tollfree/${record.id}`,
        ...(origin ? { origin } : {}),
      },
      audit,
      (t, requestId) => markNumberPending(t, record.tenantId, record.id, requestId),
    );
  }
  return toView(await finishRouting(deps, record.tenantId, context, result.data, audit));
}

export async function finishRouting(
  deps: Pick<Deps, 'db' | 'now'>,
  tenantId: string,
  context: RoutingContext,
  write: SomosCustomerRecordWrite,
  audit: AuditContext,
  request?: TollFreeRequestRecord,
): Promise<TollFreeRecord> {
  const now = deps.now();
  return inTransaction(deps, async (t) => {
    const [claimed, before] = await Promise.all([request ? claimPending(t, tenantId, request.id) : undefined, readNumber(t, tenantId, context.num)]);
    if (!before) throw notFound('Toll-free number');
    if (request && !claimed) return before;
    const { reservedUntil: _until, pendingRequestId: _pending, statusReason: _reason, ...rest } = before;
    const next: TollFreeRecord = {
      ...rest,
      status: 'active',
      routing: context.routing,
      routingMode: context.mode,
      disasterDefaulted: context.disasterDefaulted,
      routingEffectiveAt: context.effectiveAt ?? now.toISOString(),
      ...(context.carriers ? { carriers: context.carriers } : {}),
      customerRecord: {
        ...(write.recVersionId ? { recVersionId: write.recVersionId } : {}),
        ...(write.status ? { status: write.status } : {}),
        ...(write.effDtTm ? { effDtTm: write.effDtTm } : {}),
      },
      updatedAt: now.toISOString(),
    };
    const written = writeNumber(t, audit, `tollfree.${context.action}`, before, next);
    if (claimed) finishRequest(t, claimed, { status: 'completed', result: toView(written) }, now, audit);
    return written;
  });
}

// The workflows kept apart (re-exported: callers import them from here as before).
export * from './reservations.js';
export * from './detail.js';
