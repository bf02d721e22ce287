import type { DocumentSnapshot } from '@google-cloud/firestore';
import { z } from 'zod';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { createTenantCollection, readStored, type TenantDoc } from '../../../shared/store/tenant-collection.js';
import { auditIn, openTx, plain, readIn, type StoreTx } from './transaction.js';

/**
 * RespOrg changes: tenants/{t}/respOrgTransfers/{id} (services/transfers.ts moves them on). The only
 * code touching that collection; every read goes through the schema below.
 */
export const transferItemStatuses = ['submitted', 'pending', 'approved', 'completed', 'rejected', 'cancelled', 'failed'] as const;
export type TransferItemStatus = (typeof transferItemStatuses)[number];
export const transferStatuses = ['submitted', 'pending', 'approved', 'completed', 'partially_completed', 'rejected', 'cancelled', 'failed'] as const;
export type TransferStatus = (typeof transferStatuses)[number];

export interface TransferItem {
  number: string;
  phoneNumber: string;
  status: TransferItemStatus;
  rchId?: string;
  oldRespOrgId?: string;
  error?: string;
  updatedAt: string;
}

export interface TransferRecord extends TenantDoc {
  status: TransferStatus;
  /** in: numbers coming to the tenant's unit (requested here); out: one of ours moved away (confirmed at the registry). Absent: in. */
  direction?: 'in' | 'out';
  /** The numbers (10 digits), for filtering lists. */
  numbers?: string[];
  toRespOrgId: string;
  fromRespOrgId?: string;
  /** The tenant's own reference for the LOA. */
  loaReference?: string;
  /** The uploaded LOA (loa.ts), by reference. */
  loa?: { id: string; filename: string };
  /** RespOrg changes take 5-7 business days (weekends and US federal holidays excluded). */
  expectedCompletion?: { earliest: string; latest: string };
  items: TransferItem[];
  history: { status: TransferStatus; at: string; source: 'request' | 'notification' | 'poll' }[];
  pendingRequestId?: string;
  completedAt?: string;
}

/** A stored RespOrg transfer, as it is read (never taken as it is): known fields checked, unknown ones kept. */
const StoredTransfer: z.ZodType<TransferRecord> = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  status: z.enum(transferStatuses),
  direction: z.enum(['in', 'out']).optional(),
  numbers: z.array(z.string()).optional(),
  toRespOrgId: z.string(),
  fromRespOrgId: z.string().optional(),
  loaReference: z.string().optional(),
  loa: z.looseObject({ id: z.string(), filename: z.string() }).optional(),
  expectedCompletion: z.looseObject({ earliest: z.string(), latest: z.string() }).optional(),
  items: z.array(
    z.looseObject({
      number: z.string(),
      phoneNumber: z.string(),
      status: z.enum(transferItemStatuses),
      rchId: z.string().optional(),
      oldRespOrgId: z.string().optional(),
      error: z.string().optional(),
      updatedAt: z.string(),
    }),
  ),
  history: z.array(z.looseObject({ status: z.enum(transferStatuses), at: z.string(), source: z.enum(['request', 'notification', 'poll']) })),
  pendingRequestId: z.string().optional(),
  completedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const parseTransfer = (data: unknown): TransferRecord => StoredTransfer.parse(data);

export const transfers = (db: Deps['db']) =>
  createTenantCollection<TransferRecord>(db, {
    collection: 'respOrgTransfers',
    idPrefix: 'rch',
    resource: 'resporg-transfers',
    label: 'RespOrg transfer',
    parse: parseTransfer,
  });
export const transferPath = (tenantId: string, id: string) => `tenants/${tenantId}/respOrgTransfers/${id}`;

/** A transfer read directly (e.g. inside a transaction), through its schema; undefined when there is none. */
const transferOf = (snap: DocumentSnapshot): TransferRecord | undefined =>
  snap.exists ? readStored(parseTransfer, snap.data(), { collection: 'respOrgTransfers', id: snap.id }) : undefined;


/** A read inside the caller's transaction. */
export async function readTransfer(t: StoreTx, tenantId: string, id: string): Promise<TransferRecord | undefined> {
  return transferOf(await readIn(t, transferPath(tenantId, id)));
}

/** Writes a transfer with its audit record (inside a transaction, after its reads). */
export function writeTransfer(t: StoreTx, audit: AuditContext, action: string, before: TransferRecord | undefined, next: TransferRecord): TransferRecord {
  const { tx, db } = openTx(t);
  const clean = plain(next);
  tx.set(db.doc(transferPath(next.tenantId, next.id)), clean);
  auditIn(t, next.tenantId, audit, { action, resource: `resporg-transfers/${next.id}`, before: before ?? null, after: clean });
  return clean;
}
