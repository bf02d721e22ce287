import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError, conflict, notFound } from '../../../shared/http/errors.js';
import { MAX_RESERVATION_DAYS } from '../../../shared/domain/tollfree-lifecycle.js';
import { getNumber, readNumber, writeNumber, type TollFreeRecord } from '../repository/numbers.js';
import { getOwner, type OwnerDoc } from '../repository/owners.js';
import { inTransaction } from '../repository/transaction.js';

/**
 * The tenant's toll-free numbers: tenants/{t}/tollfreeNumbers/{10 digits}, plus a platform-wide
 * owner index tollfreeOwners/{10 digits} → tenantId (Somos' notifications name a number, not a
 * tenant). Every change is written with its audit record in one transaction. Stored through
 * repository/numbers.ts and repository/owners.ts (re-exported here).
 */
export {
  getNumber,
  getNumbers,
  markNumberPending,
  numberPath,
  numberResource,
  readNumber,
  removeNumber,
  writeNumber,
  type SmsState,
  type TollFreeRecord,
  type TollFreeStatus,
} from '../repository/numbers.js';
export {
  claimOwnerIfFree,
  claimOwnersForTransfer,
  dropOwnerOf,
  getOwner,
  getOwners,
  ownerPath,
  readOwner,
  releaseOwner,
  releaseTransferClaims,
  setOwner,
  type OwnerDoc,
} from '../repository/owners.js';
export { inTransaction, plain, type StoreTx } from '../repository/transaction.js';

export const RESERVATION_DAYS = MAX_RESERVATION_DAYS; // official tariff: a reservation lapses after at most 45 days

/** Another tenant's number is simply not found. */
export async function requireNumber(deps: Pick<Deps, 'db'>, tenantId: string, num: string): Promise<TollFreeRecord> {
  const record = await getNumber(deps, tenantId, num);
  if (!record) throw notFound('Toll-free number');
  return record;
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
  return inTransaction(deps, async (t) => {
    const before = await readNumber(t, tenantId, num);
    if (!before) throw notFound('Toll-free number');
    const next = mutate(before);
    return next ? writeNumber(t, audit, action, before, next) : before;
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
  assertOwnedBy(record, await getOwner(deps, record.id));
}

function assertOwnedBy(record: TollFreeRecord, owner: OwnerDoc | undefined): void {
  if (owner?.tenantId !== record.tenantId) {
    throw conflict('This number is no longer held for this tenant at the registry', { status: record.status });
  }
}

/**
 * requireNumber, with the owner index's entry read at the same time (two reads side by side, not one
 * after the other): `assertOwned()` is assertOwner on that entry, called where the service checks
 * ownership, after its own checks on the record (so its answers keep their order).
 */
export async function requireNumberWithOwner(deps: Pick<Deps, 'db'>, tenantId: string, num: string): Promise<{ record: TollFreeRecord; assertOwned: () => Promise<void> }> {
  const owner = getOwner(deps, num);
  owner.catch(() => undefined); // a failed read fails where ownership is checked
  const record = await requireNumber(deps, tenantId, num);
  return { record, assertOwned: async () => assertOwnedBy(record, await owner) };
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
