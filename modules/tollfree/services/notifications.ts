import { createHash, timingSafeEqual } from 'node:crypto';
import { systemContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { normalizeTollFree } from '../../../shared/providers/somos/routing.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { getNumber, getOwner, mutateNumber, releaseOwner, type OwnerDoc, type TollFreeRecord } from './numbers.js';
import { callContext } from './platform.js';
import { applyChangeUpdate, transfers, type ChangeOutcome } from './transfers.js';
import { confirmChange, confirmMovedOut, logUnconfirmed } from './notification-checks.js';
import { recordOutboundTransfer } from './transfer-desk.js';

/**
 * Somos' unsolicited notifications (official bodies, C): `/v3/ext/uns/rsv`
 * {tfNumList:[{tfn_number}], RespOrgId} and `/v3/ext/uns/rch` {tfNum, respOrgId, oldRespOrgId,
 * newRespOrgId, status}. Somos pushes them to `<our base>/v3/ext/uns/…`; our base is
 * `/webhooks/somos`. No signature scheme is documented, so the endpoints require a shared secret in
 * the `x-somos-notification-secret` header (G: how Somos would be told to send it), compared in
 * constant time before anything is read or written.
 */
export const NOTIFICATION_SECRET_HEADER = 'x-somos-notification-secret';

export interface NotificationAck {
  received: true;
  eventId: string;
  /** unconfirmed: the registry does not bear the notification out, so nothing changed (logged at WARNING). */
  outcome: 'applied' | 'duplicate' | 'stale' | 'ignored' | 'unconfirmed';
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function notificationSecretMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined || given === '') return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}

type Raw = { body: Buffer; headers: Record<string, string | undefined> };
type NotificationDeps = Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks' | 'log'>;

function authenticate(deps: NotificationDeps, raw: Raw, log: Logger, kind: string): unknown {
  const secret = deps.config.SOMOS_NOTIFICATION_SECRET;
  if (!secret) throw new AppError('SERVICE_UNAVAILABLE', 'Somos notifications are not configured (SOMOS_NOTIFICATION_SECRET)');
  const given = raw.headers[NOTIFICATION_SECRET_HEADER];
  if (!notificationSecretMatches(secret, given)) {
    log.warn('rejected somos notification', { kind, reason: given ? 'secret_mismatch' : 'secret_missing' });
    throw new AppError('UNAUTHENTICATED', 'Notification secret missing or wrong');
  }
  try {
    return JSON.parse(raw.body.toString('utf8'));
  } catch {
    throw new AppError('VALIDATION_ERROR', `Body is not a Somos uns/${kind} notification (not JSON)`);
  }
}

const eventIdOf = (kind: string, raw: Raw) => `${kind}_${createHash('sha256').update(raw.body).digest('hex').slice(0, 24)}`;

function tfnOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  try {
    return normalizeTollFree(String(value));
  } catch {
    return undefined;
  }
}

async function ownerOf(deps: NotificationDeps, num: string): Promise<{ owner: OwnerDoc; record: TollFreeRecord } | undefined> {
  const owner = await getOwner(deps, num);
  if (!owner) return undefined;
  const record = await getNumber(deps, owner.tenantId, num);
  return record ? { owner, record } : undefined;
}

/**
 * uns/rsv: a reservation of ours changed at the registry (G: what exactly triggers it). The
 * notification is treated as "look again": each number we hold as reserved is queried and follows the
 * registry (spare → expired; still reserved → its reservedUntil).
 */
export function handleReservationNotification(deps: NotificationDeps) {
  return async (raw: Raw, requestId: string, log: Logger): Promise<NotificationAck> => {
    const body = authenticate(deps, raw, log, 'rsv') as { tfNumList?: unknown; RespOrgId?: unknown } | null;
    const list = body && Array.isArray(body.tfNumList) ? body.tfNumList : undefined;
    if (!list) throw new AppError('VALIDATION_ERROR', 'Body is not a Somos uns/rsv notification (tfNumList missing)');
    const eventId = eventIdOf('rsv', raw);
    const audit = systemContext('somos-notification', requestId);
    let applied = 0;
    let unconfirmed = 0;
    for (const entry of list) {
      const num = tfnOrUndefined(entry && typeof entry === 'object' ? (entry as { tfn_number?: unknown }).tfn_number : entry);
      if (!num) continue;
      const held = await ownerOf(deps, num);
      if (!held || held.record.status !== 'reserved') continue;
      const { registry } = await deps.somos();
      let info;
      try {
        const q = await registry.query(callContext(held.record), num);
        if (q.pending) {
          logUnconfirmed(log, { kind: 'rsv', eventId, number: num, reason: 'the registry query is still pending (202)' });
          unconfirmed++;
          continue;
        }
        info = q.data;
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        logUnconfirmed(log, { kind: 'rsv', eventId, number: num, reason: `the registry query failed (${err.info.httpStatus ?? err.info.kind ?? 'error'})` });
        unconfirmed++;
        continue;
      }
      const now = deps.now().toISOString();
      const lapsed = info.status === 'SPARE' || (info.respOrgId !== undefined && info.respOrgId !== held.record.respOrgId);
      await mutateNumber(deps, held.owner.tenantId, num, audit, lapsed ? 'tollfree.reservation_expired' : 'tollfree.reservation_updated', (before) => {
        if (before.status !== 'reserved') return undefined;
        if (lapsed) {
          const { reservedUntil: _until, ...rest } = before;
          return { ...rest, status: 'expired', statusReason: `the registry shows the number as ${info.status}`, updatedAt: now };
        }
        const until = info.resUntilDt ? new Date(`${info.resUntilDt.slice(0, 10)}T23:59:59Z`) : undefined;
        if (!until || Number.isNaN(until.getTime()) || until.toISOString() === before.reservedUntil) return undefined;
        return { ...before, reservedUntil: until.toISOString(), updatedAt: now };
      });
      if (lapsed) {
        await releaseOwner(deps, num, held.owner.tenantId);
      }
      applied++;
    }
    log.info('somos notification processed', { kind: 'rsv', eventId, numbers: list.length, applied, unconfirmed });
    return { received: true, eventId, outcome: applied > 0 ? 'applied' : unconfirmed > 0 ? 'unconfirmed' : 'ignored' };
  };
}

/** uns/rch: a RespOrg change moved on. Numbers arriving follow their transfer; numbers leaving become transferred_out. */
export function handleRespOrgChangeNotification(deps: NotificationDeps) {
  return async (raw: Raw, requestId: string, log: Logger): Promise<NotificationAck> => {
    const body = authenticate(deps, raw, log, 'rch') as Record<string, unknown> | null;
    const num = tfnOrUndefined(body?.tfNum);
    const status = typeof body?.status === 'string' ? body.status : undefined;
    if (!body || !num || !status) throw new AppError('VALIDATION_ERROR', 'Body is not a Somos uns/rch notification (tfNum and status are required)');
    const eventId = eventIdOf('rch', raw);
    const audit = systemContext('somos-notification', requestId);
    const held = await ownerOf(deps, num);
    let outcome: ChangeOutcome | 'unconfirmed' = 'ignored';
    if (held?.owner.transferId && held.record.transferId === held.owner.transferId) {
      // Arriving: the registry's change (and, when completed, the number) must bear the notification out.
      const transfer = await transfers(deps.db).get(held.owner.tenantId, held.owner.transferId);
      const verdict = transfer ? await confirmChange(deps, transfer, num, status) : ({ confirmed: true } as const);
      if (!verdict.confirmed) {
        logUnconfirmed(log, { kind: 'rch', eventId, number: num, status, reason: verdict.reason });
        outcome = 'unconfirmed';
      } else {
        outcome = await applyChangeUpdate(deps, { tenantId: held.owner.tenantId, transferId: held.owner.transferId, num, somosStatus: status, source: 'notification' }, audit);
      }
    } else if (
      held &&
      (held.record.status === 'reserved' || held.record.status === 'active') &&
      status.toUpperCase() === 'COMPLETED' &&
      body.oldRespOrgId === held.record.respOrgId &&
      typeof body.newRespOrgId === 'string' &&
      body.newRespOrgId !== held.record.respOrgId
    ) {
      if (!(await confirmMovedOutOrLog(deps, held.record, body.newRespOrgId, log, eventId))) {
        log.info('somos notification processed', { kind: 'rch', eventId, status, outcome: 'unconfirmed' });
        return { received: true, eventId, outcome: 'unconfirmed' };
      }
      // One of ours moved to another RespOrg.
      const now = deps.now().toISOString();
      const newRespOrgId = body.newRespOrgId;
      await mutateNumber(deps, held.owner.tenantId, num, audit, 'tollfree.transferred_out', (before) =>
        before.status === 'reserved' || before.status === 'active'
          ? { ...before, status: 'transferred_out', statusReason: `moved to RespOrg ${newRespOrgId}`, updatedAt: now }
          : undefined,
      );
      await releaseOwner(deps, num, held.owner.tenantId);
      await recordOutboundTransfer(deps, { tenantId: held.owner.tenantId, num, fromRespOrgId: held.record.respOrgId, toRespOrgId: newRespOrgId }, audit);
      outcome = 'applied';
    }
    log.info('somos notification processed', { kind: 'rch', eventId, status, outcome });
    return { received: true, eventId, outcome };
  };
}

/** Leaving: confirmed only when the registry shows the number under the new unit (else logged, and nothing changes). */
async function confirmMovedOutOrLog(deps: NotificationDeps, record: TollFreeRecord, newRespOrgId: string, log: Logger, eventId: string): Promise<boolean> {
  const verdict = await confirmMovedOut(deps, record, newRespOrgId);
  if (!verdict.confirmed) logUnconfirmed(log, { kind: 'rch', eventId, number: record.id, status: 'COMPLETED', reason: verdict.reason });
  return verdict.confirmed;
}
