import { registryNow, type Deps } from '../../../shared/deps.js';
import { systemContext, type AuditContext } from '../../../shared/domain/audit.js';
import { AppError } from '../../../shared/http/errors.js';
import { asOf, DAY_MS, disconnectEnded, reservationLapsed } from '../../../shared/domain/tollfree-lifecycle.js';
import { dropOwnerOf, inTransaction, numberDetail, readNumber, readOwner, toView, writeNumber, type TollFreeRecord, type TollFreeStatus, type TollFreeView } from './numbers.js';
import { dueNumberIds, pageNumbers } from '../repository/numbers.js';

/**
 * GET /v1/tollfree: the tenant's toll-free numbers (tenants/{t}/tollfreeNumbers), filtered by status,
 * NPA, text enablement or reservations lapsing soon; cursor pagination like GET /v1/numbers (newest
 * first; with expiringWithinDays soonest expiry first).
 *
 * Time moves numbers on without anyone calling the registry: a reservation lapses at reservedUntil,
 * a disconnected number is spare again at disconnect.spareAt. Before listing, those of the tenant's
 * numbers whose time is up are written as `expired` / `released` (audited as the system, the owner
 * index entry removed), so a filter on status never shows a lapsed reservation as `reserved`.
 */
export interface ListFilters {
  status?: TollFreeStatus;
  npa?: string;
  textEnabled?: boolean;
  expiringWithinDays?: number;
}

export interface TollFreePageResult {
  data: (TollFreeView & { expiresAt?: string; expiringSoon?: boolean })[];
  nextCursor?: string;
}

const SETTLE_BATCH = 50;

/** Writes the tenant's lapsed reservations `expired` and aged disconnects `released` (at most SETTLE_BATCH per call and kind). */
export async function settleDue(deps: Pick<Deps, 'db' | 'now' | 'config'>, tenantId: string, requestId: string): Promise<number> {
  const due = await dueNumberIds(deps, tenantId, registryNow(deps.config).toISOString(), SETTLE_BATCH);
  const audit = systemContext('tollfree-lifecycle', requestId);
  let settled = 0;
  for (const num of due) {
    if (await settleNumber(deps, tenantId, num, audit)) settled++;
  }
  return settled;
}

/**
 * One number whose time is up (or that the registry shows SPARE: `registrySpare`) written as it is
 * now: a reservation `expired`, a disconnect `released`. True when it changed.
 */
export async function settleNumber(deps: Pick<Deps, 'db' | 'now' | 'config'>, tenantId: string, num: string, audit: AuditContext, registrySpare = false): Promise<TollFreeRecord | undefined> {
  const now = deps.now();
  const at = registryNow(deps.config);
  return inTransaction(deps, async (t) => {
    const [before, owner] = await Promise.all([readNumber(t, tenantId, num), readOwner(t, num)]);
    if (!before) return undefined;
    if (before.pendingRequestId) return undefined; // a registry request still settles it
    const lapsed = before.status === 'reserved' && (registrySpare || reservationLapsed(before, at));
    const aged = before.status === 'disconnected' && (registrySpare || disconnectEnded(before, at));
    if (!lapsed && !aged) return undefined;
    const { reservedUntil: _until, ...rest } = before;
    const next: TollFreeRecord = lapsed
      ? { ...rest, status: 'expired', statusReason: registrySpare ? 'the registry shows the number spare: the reservation lapsed' : 'the reservation lapsed (reservedUntil passed)', updatedAt: now.toISOString() }
      : { ...before, status: 'released', releasedAt: now.toISOString(), statusReason: 'aged back to spare after the disconnect', updatedAt: now.toISOString() };
    dropOwnerOf(t, num, owner, tenantId);
    return writeNumber(t, audit, lapsed ? 'tollfree.reservation_expired' : 'tollfree.disconnect_spare', before, next);
  });
}

function encodeCursor(values: [string, string]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}
function decodeCursor(cursor: string): [string, string] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    // [a time, a record id]: the id is a 10-digit number (a document id Firestore takes as a boundary).
    if (Array.isArray(values) && values.length === 2 && values.every((v) => typeof v === 'string') && !Number.isNaN(Date.parse(values[0] as string)) && /^\d{10}$/.test(values[1] as string)) {
      return values as [string, string];
    }
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_ERROR', 'cursor is not valid; pass the nextCursor of a previous page', { issues: [{ path: 'query.cursor', message: 'invalid cursor' }] });
}

const refuse = (path: string, message: string) => new AppError('VALIDATION_ERROR', `Invalid ${path}: ${message}`, { issues: [{ path, message }] });

export function listTollFree(deps: Pick<Deps, 'db' | 'now' | 'config'>) {
  return async (tenantId: string, filters: ListFilters, limit: number, cursor: string | undefined, requestId: string): Promise<TollFreePageResult> => {
    const expiring = filters.expiringWithinDays;
    if (expiring !== undefined && filters.textEnabled !== undefined) throw refuse('query.textEnabled', 'cannot be combined with expiringWithinDays');
    if (expiring !== undefined && filters.status && filters.status !== 'reserved') throw refuse('query.status', 'expiringWithinDays lists reserved numbers only');
    await settleDue(deps, tenantId, requestId);
    const now = registryNow(deps.config);
    const position = (r: TollFreeRecord): [string, string] => (expiring !== undefined ? [r.reservedUntil!, r.id] : [r.createdAt, r.id]);
    const { records, more } = await pageNumbers(
      deps,
      tenantId,
      {
        ...(filters.npa ? { npa: filters.npa } : {}),
        ...(filters.textEnabled !== undefined ? { textEnabled: filters.textEnabled } : {}),
        ...(expiring !== undefined
          ? { expiring: { after: now.toISOString(), until: new Date(now.getTime() + expiring * DAY_MS).toISOString() } }
          : filters.status
            ? { status: filters.status }
            : {}),
        ...(cursor ? { startAfter: decodeCursor(cursor) } : {}),
      },
      limit,
    );
    const last = records.at(-1);
    return {
      data: records.map((r) => asOf(toView(r), now)),
      ...(more && last ? { nextCursor: encodeCursor(position(last)) } : {}),
    };
  };
}

/**
 * GET /v1/tollfree/{number}: the detail as of now. A reservation the registry shows SPARE (or whose
 * time is up) is written `expired` first — never `reserved` next to a registry SPARE; a disconnect
 * that has aged to spare becomes `released`.
 */
export function tollFreeDetailNow(deps: Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks'>) {
  return async (tenantId: string, num: string, requestId: string) => {
    const detail = await numberDetail(deps)(tenantId, num);
    const now = registryNow(deps.config);
    const spare = detail.registry.status === 'SPARE';
    const due = (detail.status === 'reserved' || detail.status === 'disconnected') && (spare || reservationLapsed(detail, now) || disconnectEnded(detail, now));
    const settled = due ? await settleNumber(deps, tenantId, num, systemContext('tollfree-lifecycle', requestId), spare) : undefined;
    if (!settled) return asOf(detail, now);
    const { registry, registryRouting } = detail;
    return asOf({ ...toView(settled), registry, ...(registryRouting ? { registryRouting } : {}) }, now);
  };
}
