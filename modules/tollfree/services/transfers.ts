import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError, conflict, notFound } from '../../../shared/http/errors.js';
import { activeUnits, type SomosRespOrgChange, type SomosRespOrgEntity, type SomosRespOrgUnit } from '../../../shared/providers/somos/client.js';
import { ProviderError } from '../../../shared/providers/types.js';
import {
  claimOwnersForTransfer,
  dropOwnerOf,
  getNumbers,
  getOwners,
  inTransaction,
  readNumber,
  readOwner,
  releaseTransferClaims,
  setOwner,
  writeNumber,
  type TollFreeRecord,
  type TollFreeStatus,
} from './numbers.js';
import { readTransfer, transfers, writeTransfer, type TransferItem, type TransferItemStatus, type TransferRecord, type TransferStatus } from '../repository/transfers.js';
import { callContext, tenantSomos } from './platform.js';
import { requireLoa } from './loa.js';
import { registryHolder } from './failed-transfer.js';
import { expectedCompletion } from './transfer-dates.js';
import { claimPending, finishRequest, scheduleFollowup, startPendingRequest, type PendingAnswer, type TollFreeRequestRecord } from './requests.js';

/**
 * RespOrg changes: moving numbers from another RespOrg to the tenant's unit (a multi-day process:
 * pending → approved → completed, or rejected/cancelled). Tracked in tenants/{t}/respOrgTransfers/{id},
 * advanced by Somos' unsolicited uns/rch notifications and, as a fallback, an hourly Cloud Tasks
 * poll. The registry calls are G (path C, method/body/response guessed; shared/providers/somos/client.ts).
 * Stored through repository/transfers.ts (re-exported here).
 */
export {
  parseTransfer,
  readTransfer,
  transferItemStatuses,
  transferPath,
  transfers,
  transferStatuses,
  writeTransfer,
  type TransferItem,
  type TransferItemStatus,
  type TransferRecord,
  type TransferStatus,
} from '../repository/transfers.js';
const RANK: Record<TransferItemStatus, number> = { submitted: 0, pending: 1, approved: 2, completed: 3, rejected: 3, cancelled: 3, failed: 3 };
export const isTerminal = (s: TransferItemStatus) => RANK[s] === 3;

/** C (official uns/rch) / G (values): the registry's change status → ours; undefined for an unknown word. */
export function itemStatusOf(somosStatus: string): TransferItemStatus | undefined {
  const map: Record<string, TransferItemStatus> = { PENDING: 'pending', APPROVED: 'approved', COMPLETED: 'completed', REJECTED: 'rejected', CANCELLED: 'cancelled', CANCELED: 'cancelled' };
  return map[somosStatus.toUpperCase()];
}

/** Only forward: a late or repeated notification never moves an item back. */
export const advances = (from: TransferItemStatus, to: TransferItemStatus) => RANK[to] > RANK[from];

export function overallStatus(items: readonly Pick<TransferItem, 'status'>[]): TransferStatus {
  if (items.length === 0 || items.some((i) => i.status === 'submitted')) return 'submitted';
  if (items.some((i) => !isTerminal(i.status))) return items.some((i) => i.status === 'approved') ? 'approved' : 'pending';
  const completed = items.filter((i) => i.status === 'completed').length;
  if (completed === items.length) return 'completed';
  if (completed > 0) return 'partially_completed';
  if (items.every((i) => i.status === 'cancelled')) return 'cancelled';
  if (items.every((i) => i.status === 'failed')) return 'failed';
  return 'rejected';
}

export const transferView = (record: TransferRecord) => {
  const { tenantId: _tenant, ...rest } = record;
  return rest;
};
export type TransferView = ReturnType<typeof transferView>;

type TransferDeps = Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks' | 'log'>;

export const TRANSFER_POLL_INTERVAL_MS = 60 * 60 * 1000;
const MAX_TRANSFER_POLLS = 29 * 24; // Cloud Tasks schedules at most 30 days ahead; RespOrg changes take days

export function requestTransfer(deps: TransferDeps) {
  return async (
    tenantId: string,
    input: { numbers: string[]; fromRespOrgId?: string; loaId: string; loaReference?: string },
    audit: AuditContext,
  ): Promise<{ transfer: TransferView } | (PendingAnswer & { transfer: TransferView })> => {
    const numbers = [...new Set(input.numbers)];
    // Every read at once; their refusals in the order the checks below ask (a settled rejection is
    // only thrown where it is awaited).
    const loaRead = requireLoa(deps, tenantId, input.loaId);
    const heldRead = Promise.all([getNumbers(deps, tenantId, numbers), getOwners(deps, numbers)]);
    loaRead.catch(() => undefined);
    heldRead.catch(() => undefined);
    const settings = await tenantSomos(deps, tenantId);
    if (input.fromRespOrgId === settings.respOrgId) {
      throw new AppError('VALIDATION_ERROR', `Invalid body.fromRespOrgId: the numbers would move to ${settings.respOrgId}, their current RespOrg`, {
        issues: [{ path: 'body.fromRespOrgId', message: 'is the tenant’s own RespOrg unit' }],
      });
    }
    const loa = await loaRead;
    const [held, owners] = await heldRead;
    numbers.forEach((n, i) => {
      const mine = held[i];
      if (mine && ['reserved', 'active', 'transferring'].includes(mine.status)) {
        throw conflict(`+1${n} is already ${mine.status} for this tenant`, { number: `+1${n}`, status: mine.status });
      }
      const owner = owners[i];
      if (owner && owner.tenantId !== tenantId) throw conflict(`+1${n} is held by another customer of this platform`, { number: `+1${n}` });
    });
    const { registry } = await deps.somos();
    const ctx = callContext(settings);
    // The registry's view first: the losing RespOrg must be the one the LOA names, and not already us.
    await Promise.all(
      numbers.map(async (n) => {
        const q = await registry.query(ctx, n);
        if (q.pending) return; // the change request itself will say
        if (q.data.respOrgId === settings.respOrgId) throw conflict(`+1${n} is already controlled by ${settings.respOrgId}`, { number: `+1${n}` });
        if (input.fromRespOrgId && q.data.respOrgId && q.data.respOrgId !== input.fromRespOrgId) {
          throw conflict(`+1${n} is controlled by ${q.data.respOrgId}, not ${input.fromRespOrgId}`, { number: `+1${n}`, registryRespOrgId: q.data.respOrgId });
        }
      }),
    );
    // The numbers are taken for this transfer before it is filed: of two tenants asking for one number
    // at once, one files its change and the other gets 409 (the registry would take both).
    const id = transfers(deps.db).newId();
    const taken = await claimOwnersForTransfer(deps, numbers, tenantId, id, deps.now().toISOString());
    if (taken) throw conflict(`+1${taken} is held by another customer of this platform`, { number: `+1${taken}` });
    let result: Awaited<ReturnType<typeof registry.requestRespOrgChange>>;
    try {
      result = await registry.requestRespOrgChange(ctx, { numbers, newRespOrgId: settings.respOrgId });
    } catch (err) {
      // Given back unless the change may have been filed (an ambiguous failure: a timeout, or a 5xx
      // after sending): another tenant must not file one too. The claims then name a transfer with no
      // record, and the numbers stay this tenant's to ask for again.
      const maybeFiled = err instanceof ProviderError && err.ambiguous;
      if (!maybeFiled) await releaseTransferClaims(deps, numbers, tenantId, id).catch((e: unknown) => deps.log.error('could not give back the numbers of a transfer the registry refused', { transferId: id, err: e }));
      throw err;
    }
    const now = deps.now().toISOString();
    const record: TransferRecord = {
      id,
      tenantId,
      status: 'submitted',
      direction: 'in',
      numbers,
      toRespOrgId: settings.respOrgId,
      ...(input.fromRespOrgId ? { fromRespOrgId: input.fromRespOrgId } : {}),
      ...(input.loaReference ? { loaReference: input.loaReference } : {}),
      loa: { id: loa.id, filename: loa.filename },
      expectedCompletion: expectedCompletion(new Date(now)),
      items: numbers.map((n) => ({ number: n, phoneNumber: `+1${n}`, status: 'submitted', updatedAt: now })),
      history: [{ status: 'submitted', at: now, source: 'request' }],
      createdAt: now,
      updatedAt: now,
    };
    if (result.pending) {
      const answer = await startPendingRequest(deps)(
        tenantId,
        { operation: 'transfer', roid: settings.respOrgId, pending: result, context: { transferId: record.id }, resource: `/v1/resporg/transfers/${record.id}` },
        audit,
        (t, requestId) => {
          writeTransfer(t, audit, 'resporg.transfer_submit', undefined, { ...record, pendingRequestId: requestId });
        },
      );
      return { ...answer, transfer: transferView({ ...record, pendingRequestId: answer.requestId }) };
    }
    const created = await inTransaction(deps, async (t) => {
      writeTransfer(t, audit, 'resporg.transfer_submit', undefined, record);
      return record;
    });
    const applied = await finishTransferRequest(deps, tenantId, created.id, result.data, audit);
    return { transfer: transferView(applied) };
  };
}

/** The registry's answer to the change request → items with their rchIds; numbers it refused are failed. */
export async function finishTransferRequest(
  deps: TransferDeps,
  tenantId: string,
  transferId: string,
  changes: SomosRespOrgChange[],
  audit: AuditContext,
  request?: TollFreeRequestRecord,
): Promise<TransferRecord> {
  const now = deps.now().toISOString();
  const written = await inTransaction(deps, async (t) => {
    const [claimed, before] = await Promise.all([request ? claimPending(t, tenantId, request.id) : undefined, readTransfer(t, tenantId, transferId)]);
    if (!before) throw notFound('RespOrg transfer');
    if (request && !claimed) return before;
    const [existing, owners] = await Promise.all([
      Promise.all(before.items.map(async (i) => readNumber(t, tenantId, i.number))),
      Promise.all(before.items.map(async (i) => readOwner(t, i.number))),
    ]);
    const items: TransferItem[] = before.items.map((item, i) => {
      const change = changes.find((c) => c.num === item.number);
      if (!change) return { ...item, status: 'failed', error: 'refused by the registry', updatedAt: now };
      // Another tenant's (an entry from before transfers claimed their numbers): never two holders.
      if (owners[i] && owners[i].tenantId !== tenantId) return { ...item, rchId: change.id, status: 'failed', error: 'held by another customer of this platform', updatedAt: now };
      return {
        ...item,
        rchId: change.id,
        status: itemStatusOf(change.status) ?? 'pending',
        ...(change.oldRespOrgId ? { oldRespOrgId: change.oldRespOrgId } : {}),
        updatedAt: now,
      };
    });
    const status = overallStatus(items);
    const { pendingRequestId: _pending, ...rest } = before;
    const next: TransferRecord = { ...rest, items, status, history: [...before.history, { status, at: now, source: 'request' }], updatedAt: now };
    items.forEach((item, i) => {
      if (item.status === 'failed') {
        // Its claim goes back (the change was not filed for it).
        if (owners[i]?.transferId === transferId) dropOwnerOf(t, item.number, owners[i], tenantId);
        return;
      }
      const prior = existing[i];
      const number: TollFreeRecord = {
        id: item.number,
        tenantId,
        phoneNumber: item.phoneNumber,
        status: 'transferring',
        respOrgId: before.toRespOrgId,
        transferId,
        createdAt: prior?.createdAt ?? now,
        updatedAt: now,
      };
      setOwner(t, { num: item.number, tenantId, transferId, updatedAt: now });
      writeNumber(t, audit, 'tollfree.transfer_in', prior, number);
    });
    const result = writeTransfer(t, audit, 'resporg.transfer_accepted', before, next);
    if (claimed) finishRequest(t, claimed, { status: 'completed', result: transferView(result) }, new Date(now), audit);
    return result;
  });
  if (written.items.some((i) => !isTerminal(i.status))) {
    await scheduleFollowup(deps, { kind: 'transfer', tenantId, id: transferId, attempt: 0 }, TRANSFER_POLL_INTERVAL_MS);
  }
  return written;
}

/** Registry status of a number that just arrived: reserved (needs a customer record) or active. */
async function arrivedStatus(deps: TransferDeps, respOrgId: string, num: string): Promise<{ status: TollFreeStatus; reason?: string }> {
  try {
    const { registry } = await deps.somos();
    const q = await registry.query(callContext({ respOrgId }), num);
    if (q.pending) return { status: 'active', reason: 'registry status not confirmed after the transfer' };
    return q.data.status === 'RESERVED' ? { status: 'reserved' } : { status: 'active' };
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    return { status: 'active', reason: 'registry status not confirmed after the transfer' };
  }
}

export type ChangeOutcome = 'applied' | 'stale' | 'ignored';

/** One number's change moved on (notification or poll): the item, the transfer and the number follow. */
export async function applyChangeUpdate(
  deps: TransferDeps,
  input: { tenantId: string; transferId: string; num: string; somosStatus: string; source: 'request' | 'notification' | 'poll' },
  audit: AuditContext,
): Promise<ChangeOutcome> {
  const to = itemStatusOf(input.somosStatus);
  if (!to) return 'ignored';
  const snapshot = await transfers(deps.db).get(input.tenantId, input.transferId);
  const item = snapshot?.items.find((i) => i.number === input.num);
  if (!snapshot || !item) return 'ignored';
  if (!advances(item.status, to)) return 'stale';
  // Outside the transaction (a registry call): where the arrived number stands.
  const arrived = to === 'completed' ? await arrivedStatus(deps, snapshot.toRespOrgId, input.num) : undefined;
  // A change that failed: the number stays where the registry says (never ours), as far as it is known.
  const holder = isTerminal(to) && to !== 'completed' ? ((await registryHolder(deps, snapshot.toRespOrgId, input.num)) ?? item.oldRespOrgId ?? snapshot.fromRespOrgId) : undefined;
  const now = deps.now().toISOString();
  return inTransaction(deps, async (t): Promise<ChangeOutcome> => {
    // The transfer, its number and the number's owner entry, read together (one request).
    const [before, numberBefore, owner] = await Promise.all([readTransfer(t, input.tenantId, input.transferId), readNumber(t, input.tenantId, input.num), readOwner(t, input.num)]);
    const current = before?.items.find((i) => i.number === input.num);
    if (!before || !current) return 'ignored';
    if (!advances(current.status, to)) return 'stale';
    const items = before.items.map((i) => (i.number === input.num ? { ...i, status: to, updatedAt: now } : i));
    const status = overallStatus(items);
    const next: TransferRecord = {
      ...before,
      items,
      status,
      history: status !== before.status ? [...before.history, { status, at: now, source: input.source }] : before.history,
      ...(items.every((i) => isTerminal(i.status)) ? { completedAt: now } : {}),
      updatedAt: now,
    };
    writeTransfer(t, audit, `resporg.transfer_${to}`, before, next);
    if (numberBefore && numberBefore.transferId === input.transferId && numberBefore.status === 'transferring' && isTerminal(to)) {
      const { statusReason: _reason, ...rest } = numberBefore;
      // The index names another tenant (data from before transfers claimed their numbers): not ours.
      const heldElsewhere = owner !== undefined && owner.tenantId !== input.tenantId;
      if (heldElsewhere && to === 'completed') deps.log.error('a RespOrg change completed for a number another tenant holds; the transfer leaves it to them', { tenantId: input.tenantId, transferId: input.transferId });
      const numberNext: TollFreeRecord =
        to === 'completed' && !heldElsewhere
          ? { ...rest, status: arrived!.status, respOrgId: before.toRespOrgId, ...(arrived!.reason ? { statusReason: arrived!.reason } : {}), updatedAt: now }
          : { ...rest, status: 'transfer_failed', respOrgId: holder ?? '', statusReason: `RespOrg change ${to}`, updatedAt: now };
      if (to !== 'completed') dropOwnerOf(t, input.num, owner, input.tenantId);
      writeNumber(t, audit, to === 'completed' ? 'tollfree.transfer_completed' : 'tollfree.transfer_failed', numberBefore, numberNext);
    }
    return 'applied';
  });
}

/** The hourly fallback: asks the registry about every open item. */
export function pollTransfer(deps: TransferDeps) {
  return async (tenantId: string, transferId: string, attempt: number, audit: AuditContext): Promise<{ status: string; polledAgain: boolean }> => {
    const record = await transfers(deps.db).get(tenantId, transferId);
    if (!record) return { status: 'missing', polledAgain: false };
    const { registry } = await deps.somos();
    const ctx = callContext({ respOrgId: record.toRespOrgId });
    for (const item of record.items) {
      if (isTerminal(item.status) || !item.rchId) continue;
      const change = await registry.getRespOrgChange(ctx, item.rchId);
      if (change.pending) continue;
      await applyChangeUpdate(deps, { tenantId, transferId, num: item.number, somosStatus: change.data.status, source: 'poll' }, audit);
    }
    const fresh = (await transfers(deps.db).get(tenantId, transferId))!;
    const again = fresh.items.some((i) => !isTerminal(i.status)) && attempt + 1 < MAX_TRANSFER_POLLS;
    if (again) await scheduleFollowup(deps, { kind: 'transfer', tenantId, id: transferId, attempt: attempt + 1 }, TRANSFER_POLL_INTERVAL_MS);
    return { status: fresh.status, polledAgain: again };
  };
}

// ---------------------------------------------------------------------------------------------
// RespOrg entity

export interface EntityView {
  entityId: string;
  /** The tenant's unit (sent as ROID). */
  respOrgId: string;
  units: SomosRespOrgUnit[];
}

export function listEntities(deps: TransferDeps) {
  return async (tenantId: string, audit: AuditContext): Promise<{ data: EntityView[] } | PendingAnswer> => {
    const settings = await tenantSomos(deps, tenantId);
    const { registry } = await deps.somos();
    const result = await registry.getRespOrgEntity(callContext(settings), settings.entityId);
    if (result.pending) {
      return startPendingRequest(deps)(tenantId, { operation: 'entity', roid: settings.respOrgId, pending: result, context: { entityId: settings.entityId } }, audit);
    }
    return { data: [entityView(result.data, settings.respOrgId)] };
  };
}

export const entityView = (entity: SomosRespOrgEntity, respOrgId: string): EntityView => ({ entityId: entity.entityId, respOrgId, units: entity.units });

export function activeRoids(deps: TransferDeps) {
  return async (tenantId: string, entityId: string, audit: AuditContext): Promise<{ entityId: string; data: SomosRespOrgUnit[] } | PendingAnswer> => {
    const settings = await tenantSomos(deps, tenantId);
    // A tenant sees its own entity only.
    if (entityId !== settings.entityId) throw notFound('RespOrg entity');
    const { registry } = await deps.somos();
    const result = await registry.getRespOrgEntity(callContext(settings), entityId);
    if (result.pending) {
      return startPendingRequest(deps)(tenantId, { operation: 'entity', roid: settings.respOrgId, pending: result, context: { entityId, activeOnly: true } }, audit);
    }
    return { entityId, data: activeUnits(result.data) };
  };
}
