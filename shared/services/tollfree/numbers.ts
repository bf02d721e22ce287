import type { Firestore, Transaction } from '@google-cloud/firestore';
import { recordAudit, type AuditContext } from '../../domain/audit.js';
import type { Deps } from '../../deps.js';
import type { JobItemOrigin } from '../../domain/job.js';
import { AppError, conflict, notFound } from '../../http/errors.js';
import type { SomosCustomerRecordWrite, SomosResult } from '../../providers/somos/client.js';
import { parseRouting, RoutingMappingError, toCustomerRecord, type Routing } from '../../providers/somos/routing.js';
import { ProviderError } from '../../providers/types.js';
import { logger as rootLogger } from '../../log.js';
import { logProvisioning } from '../../log-events.js';
import type { TenantDoc } from '../../store/tenant-collection.js';
import { callContext } from './platform.js';
import { claimPending, finishRequest, startPendingRequest, type PendingAnswer, type TollFreeRequestRecord } from './requests.js';
import type { SmsState } from './sms.js';
import { defaultCarriers, resolveCarriers, type Carriers } from './carriers.js';
import { MAX_RESERVATION_DAYS, type DisconnectState, tollFreeStatuses } from './lifecycle.js';
import { isFutureChange, scheduleRouting, type ScheduledRouting } from './routing-versions.js';
import { assertNotSelfRouted } from './routing-rules.js';

/**
 * The tenant's toll-free numbers: tenants/{t}/tollfreeNumbers/{10 digits}, plus a platform-wide
 * owner index tollfreeOwners/{10 digits} → tenantId (Somos' notifications name a number, not a
 * tenant). Every change is written with its audit record in one transaction.
 */
export type TollFreeStatus = (typeof tollFreeStatuses)[number];

export interface TollFreeRecord extends TenantDoc {
  /** 10 digits. */
  id: string;
  phoneNumber: string;
  status: TollFreeStatus;
  /** The RespOrg unit that controls the number for us. */
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

export const RESERVATION_DAYS = MAX_RESERVATION_DAYS; // official tariff: a reservation lapses after at most 45 days

export const numberPath = (tenantId: string, num: string) => `tenants/${tenantId}/tollfreeNumbers/${num}`;
export const ownerPath = (num: string) => `tollfreeOwners/${num}`;
export const numberResource = (num: string) => `tollfree-numbers/${num}`;

export interface OwnerDoc {
  num: string;
  tenantId: string;
  updatedAt: string;
  transferId?: string;
}

export async function getNumber(deps: Pick<Deps, 'db'>, tenantId: string, num: string): Promise<TollFreeRecord | undefined> {
  const snap = await (await deps.db()).doc(numberPath(tenantId, num)).get();
  return snap.exists ? (snap.data() as TollFreeRecord) : undefined;
}

/** Another tenant's number is simply not found. */
export async function requireNumber(deps: Pick<Deps, 'db'>, tenantId: string, num: string): Promise<TollFreeRecord> {
  const record = await getNumber(deps, tenantId, num);
  if (!record) throw notFound('Toll-free number');
  return record;
}

/** A clean JSON copy (Firestore rejects undefined, and the audit snapshots the same object). */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Writes a number with its audit record (inside a transaction, after its reads). */
export function writeNumber(tx: Transaction, db: Firestore, audit: AuditContext, action: string, before: TollFreeRecord | undefined, next: TollFreeRecord): TollFreeRecord {
  const clean = plain({ ...next, npa: next.id.slice(0, 3), textEnabled: next.sms?.status === 'enabled' });
  tx.set(db.doc(numberPath(next.tenantId, next.id)), clean);
  recordAudit(db, tx, next.tenantId, audit, { action, resource: numberResource(next.id), before: before ?? null, after: clean });
  return clean;
}

/** Changes one number in a transaction, with its audit record; `mutate` may refuse by throwing. */
export async function mutateNumber(
  deps: Pick<Deps, 'db'>,
  tenantId: string,
  num: string,
  audit: AuditContext,
  action: string,
  mutate: (current: TollFreeRecord) => TollFreeRecord | undefined,
): Promise<TollFreeRecord> {
  const db = await deps.db();
  return db.runTransaction(async (tx) => {
    const before = (await tx.get(db.doc(numberPath(tenantId, num)))).data() as TollFreeRecord | undefined;
    if (!before) throw notFound('Toll-free number');
    const next = mutate(before);
    return next ? writeNumber(tx, db, audit, action, before, next) : before;
  });
}

export const toView = (record: TollFreeRecord) => {
  const { tenantId: _tenant, ...rest } = record;
  return rest;
};
export type TollFreeView = ReturnType<typeof toView>;

export type NumberDeps = Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks'>;

/**
 * Tenants may share a RespOrg unit (the platform default), so the registry cannot tell them apart:
 * before changing a number, the owner index must name this tenant (a stale record — a reservation
 * that lapsed and went to another tenant — must not reach the other tenant's number).
 */
export async function assertOwner(deps: Pick<Deps, 'db'>, record: TollFreeRecord): Promise<void> {
  const owner = (await (await deps.db()).doc(ownerPath(record.id)).get()).data() as OwnerDoc | undefined;
  if (owner?.tenantId !== record.tenantId) {
    throw conflict('This number is no longer held for this tenant at the registry', { status: record.status });
  }
}

export function ensureNotBusy(record: TollFreeRecord): void {
  if (record.pendingRequestId) {
    throw conflict('A registry request for this number is still pending; poll it first', {
      requestId: record.pendingRequestId,
      poll: `/v1/tollfree/requests/${record.pendingRequestId}`,
    });
  }
}

export const registryBusy = () => new AppError('SERVICE_UNAVAILABLE', 'The registry is busy; retrying shortly', { retryable: true }, 5);


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

/** The routing (as validated for this number) is what the record already holds, from the same effective time. */
export function routingAlreadyApplied(deps: Pick<Deps, 'config' | 'now'>, record: TollFreeRecord, input: RoutingInput): boolean {
  if (record.status !== 'active' || !record.routing || record.pendingRequestId) return false;
  // The effective time is compared, not validated: a change applied for a moment now past is still applied.
  const { effectiveAt, ...rest } = input;
  const valid = validateRouting(deps.config, record.id, record.respOrgId, rest, deps.now());
  const sameTime = effectiveAt === undefined || (record.routingEffectiveAt !== undefined && Date.parse(record.routingEffectiveAt) === Date.parse(effectiveAt));
  return sameTime && (record.routingMode ?? 'normal') === valid.mode && canonical(record.routing) === canonical(valid.routing);
}

/** JSON with sorted keys: the same routing however its fields were ordered. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );


// ---------------------------------------------------------------------------------------------
// Routing: activate (customer record create) and change (customer record update)

export interface RoutingInput {
  routing: unknown;
  /** The customer record's carriers for this write (default: the number's, the tenant's, the platform's). */
  carriers?: Carriers;
  effectiveAt?: string;
  mode?: 'normal' | 'disaster';
}

/** Converts parseRouting's field (`timeOfDay[0].start`) to the API's issue path (`body.routing.timeOfDay.0.start`). */
export const routingIssuePath = (field: string) =>
  field === '(root)' ? 'body.routing' : `body.routing.${field.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '')}`;

export interface ValidRouting {
  routing: Routing;
  disasterDefaulted: boolean;
  mode: 'normal' | 'disaster';
  effectiveAt?: Date;
  /** Resolved carriers (resolveCarriers); absent: the number's own, else the platform's. */
  carriers?: Carriers;
}

/**
 * Every routing rule (400 naming the field), the default disaster number, and the registry mapping
 * (a SIP destination needs SOMOS_SIP_GATEWAY_NUMBER: 503 when the platform lacks it).
 */
export function validateRouting(config: Deps['config'], num: string, respOrgId: string, input: RoutingInput, now: Date): ValidRouting {
  const parsed = parseRouting(input.routing);
  if (!parsed.success) {
    const issues = parsed.errors.map((e) => ({ path: routingIssuePath(e.field), field: e.field, message: e.message }));
    throw new AppError('VALIDATION_ERROR', `Invalid ${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  let routing = parsed.data;
  assertNotSelfRouted(num, routing, routingIssuePath);
  let disasterDefaulted = false;
  if (!routing.disaster && config.SOMOS_DEFAULT_DISASTER_NUMBER) {
    routing = { ...routing, disaster: { type: 'pstn', destination: config.SOMOS_DEFAULT_DISASTER_NUMBER } };
    disasterDefaulted = true;
  }
  let effectiveAt: Date | undefined;
  if (input.effectiveAt !== undefined) {
    effectiveAt = new Date(input.effectiveAt);
    if (Number.isNaN(effectiveAt.getTime()) || effectiveAt.getTime() < now.getTime() - 60_000) {
      throw new AppError('VALIDATION_ERROR', 'Invalid body.effectiveAt: must be now or in the future', {
        issues: [{ path: 'body.effectiveAt', message: 'must be now or in the future' }],
      });
    }
  }
  const mode = input.mode ?? 'normal';
  try {
    toCustomerRecord(num, routing, {
      respOrgId,
      mode,
      ...(config.SOMOS_SIP_GATEWAY_NUMBER ? { sipGatewayNumber: config.SOMOS_SIP_GATEWAY_NUMBER } : {}),
      ...(config.SOMOS_DEFAULT_DISASTER_NUMBER ? { defaultDisasterNumber: config.SOMOS_DEFAULT_DISASTER_NUMBER } : {}),
    });
  } catch (err) {
    if (!(err instanceof RoutingMappingError)) throw err;
    if (/sipGatewayNumber/.test(err.message)) {
      // Configuration, not a passing outage: retrying (a bulk item) would not help.
      throw new AppError('SERVICE_UNAVAILABLE', 'SIP destinations need the platform’s SIP gateway number (SOMOS_SIP_GATEWAY_NUMBER), which is not configured', {
        retryable: false,
      });
    }
    const path = err.field === 'respOrgId' ? 'tenant.respOrgId' : routingIssuePath(err.field);
    throw new AppError('VALIDATION_ERROR', `Invalid ${path}: ${err.message.replace(/^[^:]+: /, '')}`, { issues: [{ path, message: err.message }] });
  }
  return { routing, disasterDefaulted, mode, ...(effectiveAt ? { effectiveAt } : {}) };
}

export function customerRecordInput(config: Deps['config'], record: TollFreeRecord, valid: ValidRouting) {
  return {
    num: record.id,
    routing: valid.routing,
    mode: valid.mode,
    ...(valid.effectiveAt ? { effectiveAt: valid.effectiveAt } : {}),
    ...(config.SOMOS_SIP_GATEWAY_NUMBER ? { sipGatewayNumber: config.SOMOS_SIP_GATEWAY_NUMBER } : {}),
    ...(config.SOMOS_DEFAULT_DISASTER_NUMBER ? { defaultDisasterNumber: config.SOMOS_DEFAULT_DISASTER_NUMBER } : {}),
    ...(record.contactName && record.contactPhone ? { contact: { name: record.contactName, phone: record.contactPhone } } : {}),
    ...carriersOf(config, record, valid),
  };
}

/** The carriers a customer record write sends: resolved for the request, else the number's, else the platform's. */
function carriersOf(config: Deps['config'], record: TollFreeRecord, valid: ValidRouting): { carriers?: { interLATA: string[]; intraLATA: string[] } } {
  const carriers = valid.carriers ?? record.carriers ?? defaultCarriers(config);
  return carriers ? { carriers } : {};
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
    const record = await requireNumber(deps, tenantId, num);
    if (record.status === 'active') throw conflict('This number is already active; change its routing with PUT /v1/tollfree/{number}/routing');
    if (record.status !== 'reserved') throw conflict(`Only a reserved number can be activated; this one is ${record.status}`, { status: record.status });
    ensureNotBusy(record);
    await assertOwner(deps, record);
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
    // A 202 ends later, in its follow-up (shared/services/tollfree/followup.ts), which logs the outcome then.
    if (!result.pending) logProvisioning(rootLogger, { operation: 'tollfree-activate', provider: 'somos', outcome: 'succeeded', number: num, via });
    return answer;
  };
}

export function changeRouting(deps: NumberDeps) {
  return async (tenantId: string, num: string, input: RoutingInput, audit: AuditContext, origin?: JobItemOrigin): Promise<TollFreeView | PendingAnswer> => {
    // Dated in the future: its own version; the current routing stays (routing-versions.ts).
    if (isFutureChange(input.effectiveAt, deps.now())) return scheduleRouting(deps)(tenantId, num, input, audit);
    const record = await requireNumber(deps, tenantId, num);
    if (record.status === 'reserved') throw conflict('This number has no routing yet; activate it with POST /v1/tollfree/{number}/activate');
    if (record.status !== 'active') throw conflict(`Routing can only change on an active number; this one is ${record.status}`, { status: record.status });
    ensureNotBusy(record);
    await assertOwner(deps, record);
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
      (tx, db, requestId) => tx.update(db.doc(numberPath(record.tenantId, record.id)), { pendingRequestId: requestId }),
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
  const db = await deps.db();
  const now = deps.now();
  return db.runTransaction(async (tx) => {
    const claimed = request ? await claimPending(tx, db, tenantId, request.id) : undefined;
    const before = (await tx.get(db.doc(numberPath(tenantId, context.num)))).data() as TollFreeRecord | undefined;
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
    const written = writeNumber(tx, db, audit, `tollfree.${context.action}`, before, next);
    if (claimed) finishRequest(tx, db, claimed, { status: 'completed', result: toView(written) }, now, audit);
    return written;
  });
}

// The workflows kept apart (re-exported: callers import them from here as before).
export * from './reservations.js';
export * from './detail.js';
