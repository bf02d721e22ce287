import type { Firestore, Transaction } from '@google-cloud/firestore';
import { recordAudit, type AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError, conflict, notFound } from '../../../shared/http/errors.js';
import type { Routing } from '../../../shared/providers/somos/routing.js';
import type { TextEnablementReason, TextEnablementStatus } from '../../../shared/providers/somos/tss.js';
import type { TenantDoc } from '../../../shared/store/tenant-collection.js';
import type { Carriers } from '../../../shared/domain/carriers.js';
import { MAX_RESERVATION_DAYS, type DisconnectState, tollFreeStatuses } from '../../../shared/domain/tollfree-lifecycle.js';
import type { ScheduledRouting } from './scheduled-routing.js';


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
export const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

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

/** Text enablement's state on a number (sms.ts). */
export interface SmsState {
  status: TextEnablementStatus;
  sms: boolean;
  mms: boolean;
  /** Where the tenant wants the number's messages delivered (kept here; never sent to TSS). */
  webhookUrl?: string;
  tssRequestId: string;
  submittedAt: string;
  dueBy: string;
  decidedAt?: string;
  lastCheckedAt?: string;
  /** Why TSS rejected the request (status rejected). */
  reason?: TextEnablementReason;
  /** When text was turned off (status disabled). */
  disabledAt?: string;
}
