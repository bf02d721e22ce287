import type { AuditContext } from '../../../shared/domain/audit.js';
import { registryNow, type Deps } from '../../../shared/deps.js';
import type { JobItemOrigin } from '../../../shared/domain/job.js';
import { AppError, conflict, notFound } from '../../../shared/http/errors.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { callContext, tenantSomos } from './platform.js';
import { claimPending, finishRequest, startPendingRequest, type PendingAnswer, type TollFreeRequestRecord } from './requests.js';
import { forgetSearchedNumbers, toSomosSearch, type SearchSpec } from './search.js';
import { shortenReservations } from './reservation-length.js';
import {
  dropOwnerOf,
  ensureNotBusy,
  getNumber,
  getNumbers,
  getOwner,
  inTransaction,
  markNumberPending,
  readNumber,
  readOwner,
  RESERVATION_DAYS,
  registryBusy,
  requireNumberWithOwner,
  setOwner,
  toView,
  writeNumber,
  type NumberDeps,
  type TollFreeRecord,
  type TollFreeView,
} from './number-records.js';

/**
 * Toll-free reservations: search-and-reserve (1-45 days), recording what the registry reserved
 * (and adopting what it reserved although its answer was lost), and releasing a reservation back to
 * spare. Split from numbers.ts, which re-exports it.
 */
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ReserveInput {
  spec: SearchSpec;
  contactName: string;
  /** E.164 +1… */
  contactPhone: string;
  notes?: string;
  /** 1-45 days (default 45, the tariff's maximum); shorter reservations are shortened at the registry. */
  days?: number;
}

export interface ReserveResult {
  data: TollFreeView[];
  /** Numbers asked for by name (numbers mode) that the registry did not reserve. */
  failed: { number: string; reason: string }[];
}

export function reserveNumbers(deps: NumberDeps & Pick<Deps, 'log'>) {
  return async (tenantId: string, input: ReserveInput, audit: AuditContext, origin?: JobItemOrigin): Promise<ReserveResult | PendingAnswer> => {
    const settings = await tenantSomos(deps, tenantId);
    const resolved = toSomosSearch(input.spec, 1);
    const requested = resolved.request.kind === 'specific' ? resolved.request.numbers : [];
    // A number this tenant already holds is not searched again.
    for (const num of requested) {
      const existing = await getNumber(deps, tenantId, num);
      if (existing && ['reserved', 'active', 'transferring'].includes(existing.status)) {
        throw conflict(`+1${num} is already ${existing.status} for this tenant`, { number: `+1${num}`, status: existing.status });
      }
    }
    const { registry } = await deps.somos();
    const context = {
      requested,
      contactName: input.contactName,
      contactPhone: input.contactPhone,
      ...(input.notes ? { notes: input.notes } : {}),
      ...(input.days !== undefined && input.days < RESERVATION_DAYS ? { days: input.days } : {}),
    };
    let result;
    try {
      result = await registry.searchAndReserve(callContext(settings), {
        ...resolved.request,
        contactName: input.contactName,
        contactPhone: input.contactPhone,
        ...(input.notes ? { notes: input.notes } : {}),
      });
    } catch (err) {
      // "Not available" for numbers asked for by name may mean: reserved by this very request's earlier
      // try, whose answer was lost (a retry after a timeout or 5xx). Those are the tenant's.
      if (!(err instanceof ProviderError && err.info.kind === 'not_available' && requested.length > 0)) throw err;
      const adopted = await adoptLostReservations(deps, tenantId, settings.respOrgId, context, audit);
      if (!adopted) throw err;
      return adopted;
    }
    if (result.pending) {
      const pending = result;
      return startPendingRequest(deps)(tenantId, { operation: 'reserve', roid: settings.respOrgId, pending, context, ...(origin ? { origin } : {}) }, audit).catch((err: unknown) => {
        // The registry goes on without us: only its request id can find what it reserves.
        deps.log.error('a pending toll-free reservation could not be recorded; the registry may reserve numbers we hold no record of', {
          tenantId,
          respOrgId: settings.respOrgId,
          somos: { path: pending.path, reqId: pending.reqId },
          err,
        });
        throw err;
      });
    }
    const untilByNumber = context.days ? await shortenReservations(deps, settings.respOrgId, result.data, context.days) : undefined;
    const recorded = await recordReservation(deps, tenantId, settings.respOrgId, result.data, { ...context, ...(untilByNumber ? { untilByNumber } : {}) }, audit);
    // Best effort: the reservation stands whatever happens to the cache (a cached answer is also
    // filtered by the owner index when it is served).
    await forgetSearchedNumbers(deps, recorded.data.map((n) => n.id)).catch((err: unknown) =>
      deps.log.warn('could not drop cached toll-free searches offering just-reserved numbers', { err }),
    );
    return recorded;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What the registry just reserved, stored (finishReserve). Should that write fail (twice), nothing
 * may stay reserved at the registry without our record: the numbers go back (released to spare), the
 * caller is told to retry, and whatever could not go back is logged by number. Numbers the write may
 * have stored after all (an answer lost after the commit) are read back first and kept.
 */
async function recordReservation(
  deps: NumberDeps & Pick<Deps, 'log'>,
  tenantId: string,
  respOrgId: string,
  reserved: string[],
  context: ReserveContext,
  audit: AuditContext,
): Promise<ReserveResult> {
  let failure: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      if (attempt > 0) await sleep(250);
      return await finishReserve(deps, tenantId, respOrgId, reserved, context, audit);
    } catch (err) {
      if (err instanceof AppError) throw err;
      failure = err;
    }
  }
  const unique = [...new Set(reserved)];
  let records: (TollFreeRecord | undefined)[];
  try {
    records = await getNumbers(deps, tenantId, unique);
  } catch (err) {
    deps.log.error('toll-free reservations could not be recorded nor checked; they stay reserved at the registry', { tenantId, respOrgId, numbers: unique, err: failure, checkErr: err });
    throw unrecordedReservation(unique, []);
  }
  // One transaction wrote them all or none: all there means its answer was lost, not the write.
  if (records.every((record) => record?.status === 'reserved')) {
    const failed = context.requested.filter((n) => !unique.includes(n)).map((n) => ({ number: `+1${n}`, reason: 'not available at the registry' }));
    return { data: records.map((record) => toView(record!)), failed };
  }
  const unrecorded = unique.filter((_num, i) => records[i]?.status !== 'reserved');
  const { registry } = await deps.somos();
  const kept: string[] = [];
  for (const num of unrecorded) {
    try {
      const found = await registry.query(callContext({ respOrgId }), num);
      if (found.pending) throw new Error('the registry query is still pending');
      if (found.data.status !== 'RESERVED' || found.data.respOrgId !== respOrgId) continue; // not ours (any more)
      await registry.releaseReservation(callContext({ respOrgId }), num, found.data.recVersionId); // a 202 completes at the registry alone
    } catch (err) {
      kept.push(num);
      deps.log.warn('could not return an unrecorded toll-free reservation', { tenantId, num, err });
    }
  }
  deps.log.error('toll-free reservations could not be recorded; returned to the registry', {
    tenantId,
    respOrgId,
    returned: unrecorded.filter((num) => !kept.includes(num)),
    stillReservedWithoutRecord: kept,
    err: failure,
  });
  throw unrecordedReservation(kept, unrecorded.filter((num) => !kept.includes(num)));
}

const unrecordedReservation = (stillReserved: string[], returned: string[]) =>
  new AppError(
    'SERVICE_UNAVAILABLE',
    stillReserved.length
      ? 'The registry reserved numbers that could not be recorded, and not all of them could be returned; retry shortly (numbers asked for by name are adopted by the retry)'
      : 'The registry reserved the numbers but they could not be recorded, so they were returned; retry shortly',
    { retryable: true, returned: returned.map((n) => `+1${n}`), stillReserved: stillReserved.map((n) => `+1${n}`) },
    5,
  );

/** What finishReserve records with the numbers; `untilByNumber`: reservations shortened at the registry (reservation-length.ts). */
export interface ReserveContext {
  requested: string[];
  contactName: string;
  contactPhone: string;
  notes?: string;
  days?: number;
  untilByNumber?: Record<string, string>;
}

/** Stores freshly reserved numbers (and completes the 202 request that produced them). */
export async function finishReserve(
  deps: Pick<Deps, 'db' | 'now' | 'config'>,
  tenantId: string,
  respOrgId: string,
  reserved: string[],
  context: ReserveContext,
  audit: AuditContext,
  request?: TollFreeRequestRecord,
): Promise<ReserveResult> {
  const now = deps.now();
  const unique = [...new Set(reserved)];
  return inTransaction(deps, async (t) => {
    const claimed = request ? await claimPending(t, tenantId, request.id) : undefined;
    if (request && !claimed) return (request.result as ReserveResult | undefined) ?? { data: [], failed: [] };
    const existing = await Promise.all(unique.map(async (num) => readNumber(t, tenantId, num)));
    const data = unique.map((num, i) => {
      const before = existing[i];
      const next: TollFreeRecord = {
        id: num,
        tenantId,
        phoneNumber: `+1${num}`,
        status: 'reserved',
        respOrgId,
        // The registry counts the 45 days on its own clock (the dev stack's may run ahead).
        reservedUntil: context.untilByNumber?.[num] ?? new Date(registryNow(deps.config).getTime() + RESERVATION_DAYS * DAY_MS).toISOString(),
        contactName: context.contactName,
        contactPhone: context.contactPhone,
        ...(context.notes ? { notes: context.notes } : {}),
        createdAt: before?.createdAt ?? now.toISOString(),
        updatedAt: now.toISOString(),
      };
      setOwner(t, { num, tenantId, updatedAt: now.toISOString() });
      return toView(writeNumber(t, audit, 'tollfree.reserve', before, next));
    });
    const failed = context.requested.filter((n) => !unique.includes(n)).map((n) => ({ number: `+1${n}`, reason: 'not available at the registry' }));
    const result = { data, failed };
    if (claimed) finishRequest(t, claimed, { status: 'completed', result }, now, audit);
    return result;
  });
}

/**
 * Reservations whose answer never reached us (a timeout or 5xx after the registry acted, or a crash
 * before our write): the registry shows a requested number RESERVED by the tenant's RespOrg unit
 * while we hold no record of it. Such numbers are taken as the tenant's unless the owner index names
 * another tenant (tenants may share a unit). Undefined when there is nothing to adopt.
 */
export async function adoptLostReservations(
  deps: NumberDeps,
  tenantId: string,
  respOrgId: string,
  context: { requested: string[]; contactName: string; contactPhone: string; notes?: string },
  audit: AuditContext,
): Promise<ReserveResult | undefined> {
  const { registry } = await deps.somos();
  const ours: string[] = [];
  for (const num of context.requested) {
    const found = await registry.query(callContext({ respOrgId }), num);
    if (found.pending) throw registryBusy();
    if (found.data.status !== 'RESERVED' || found.data.respOrgId !== respOrgId) continue;
    const owner = await getOwner(deps, num);
    if (!owner || owner.tenantId === tenantId) ours.push(num);
  }
  return ours.length ? finishReserve(deps, tenantId, respOrgId, ours, context, audit) : undefined;
}

/** One number's lost reservation (a bulk item's retry). */
export async function adoptLostReservation(
  deps: NumberDeps,
  tenantId: string,
  input: { num: string; contactName: string; contactPhone: string; notes?: string },
  audit: AuditContext,
): Promise<ReserveResult | undefined> {
  const settings = await tenantSomos(deps, tenantId);
  const { num, ...contact } = input;
  return adoptLostReservations(deps, tenantId, settings.respOrgId, { requested: [num], ...contact }, audit);
}

export function releaseReservation(deps: NumberDeps) {
  return async (tenantId: string, num: string, audit: AuditContext): Promise<TollFreeView | PendingAnswer> => {
    const { record, assertOwned } = await requireNumberWithOwner(deps, tenantId, num);
    if (record.status === 'released' || record.status === 'expired') return toView(record); // already back to spare
    if (record.status !== 'reserved') {
      throw conflict(`Only a reserved number can be released; this one is ${record.status}`, { status: record.status });
    }
    ensureNotBusy(record);
    await assertOwned();
    const ctx = callContext(record);
    const { registry } = await deps.somos();
    const query = await registry.query(ctx, num);
    if (query.pending) throw new AppError('SERVICE_UNAVAILABLE', 'The registry is busy; retry the release shortly', { retryable: true }, 5);
    if (query.data.status === 'SPARE') {
      return toView(await finishRelease(deps, tenantId, num, audit, undefined, 'the reservation had already lapsed at the registry'));
    }
    if (query.data.status !== 'RESERVED' || (query.data.respOrgId && query.data.respOrgId !== record.respOrgId)) {
      throw conflict(`The registry shows this number as ${query.data.status}${query.data.respOrgId ? ` at ${query.data.respOrgId}` : ''}; it cannot be released`, {
        registryStatus: query.data.status,
      });
    }
    const result = await registry.releaseReservation(ctx, num, query.data.recVersionId);
    if (result.pending) {
      return startPendingRequest(deps)(
        tenantId,
        { operation: 'release', roid: record.respOrgId, pending: result, context: { num }, resource: `/v1/tollfree/${num}` },
        audit,
        (t, requestId) => markNumberPending(t, tenantId, num, requestId),
      );
    }
    return toView(await finishRelease(deps, tenantId, num, audit));
  };
}

/** The number is spare again: the record stays (history), the owner index goes. */
export async function finishRelease(
  deps: Pick<Deps, 'db' | 'now'>,
  tenantId: string,
  num: string,
  audit: AuditContext,
  request?: TollFreeRequestRecord,
  reason?: string,
): Promise<TollFreeRecord> {
  const now = deps.now();
  return inTransaction(deps, async (t) => {
    const [claimed, before, owner] = await Promise.all([request ? claimPending(t, tenantId, request.id) : undefined, readNumber(t, tenantId, num), readOwner(t, num)]);
    if (!before) throw notFound('Toll-free number');
    if (request && !claimed) return before;
    const { reservedUntil: _until, pendingRequestId: _pending, ...rest } = before;
    const next: TollFreeRecord = {
      ...rest,
      status: 'released',
      releasedAt: now.toISOString(),
      ...(reason ? { statusReason: reason } : {}),
      updatedAt: now.toISOString(),
    };
    dropOwnerOf(t, num, owner, tenantId);
    const written = writeNumber(t, audit, 'tollfree.release', before, next);
    if (claimed) finishRequest(t, claimed, { status: 'completed', result: toView(written) }, now, audit);
    return written;
  });
}
