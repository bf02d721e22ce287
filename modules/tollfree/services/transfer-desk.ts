import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { conflict } from '../../../shared/http/errors.js';
import { ProviderError } from '../../../shared/providers/types.js';
import type { Page } from '../../../shared/store/page.js';
import { callContext } from './platform.js';
import { applyChangeUpdate, isTerminal, transfers, transferView, type TransferRecord, type TransferStatus, type TransferView } from './transfers.js';

/** The RespOrg transfer desk: the list, cancelling, and the record of a number that moved away. */
type DeskDeps = Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks' | 'log'>;

export interface TransferListQuery {
  status?: TransferStatus;
  direction?: 'in' | 'out';
  /** 10 digits. */
  number?: string;
  limit: number;
  cursor?: string;
}

export function listTransfers(deps: Pick<Deps, 'db'>) {
  return async (tenantId: string, query: TransferListQuery): Promise<Page<TransferView>> => {
    const where: [string, FirebaseFirestore.WhereFilterOp, unknown][] = [];
    if (query.status) where.push(['status', '==', query.status]);
    if (query.direction) where.push(['direction', '==', query.direction]);
    if (query.number) where.push(['numbers', 'array-contains', query.number]);
    const page = await transfers(deps.db).list(tenantId, query.limit, query.cursor, where);
    return { ...page, items: page.items.map(transferView) };
  };
}

/**
 * Withdraws what has not completed: each open change is cancelled at the registry (G: DELETE
 * /v3/ip/num/rch/{id}), and its item (and number) follow as they do for a cancelled change. A change
 * the registry will not cancel any more (it completed meanwhile) is brought up to date instead.
 */
export function cancelTransfer(deps: DeskDeps) {
  return async (tenantId: string, id: string, audit: AuditContext): Promise<TransferView> => {
    const record = await transfers(deps.db).require(tenantId, id);
    if (record.direction === 'out') throw conflict('This transfer moved a number away from this tenant; it cannot be cancelled here');
    if (record.pendingRequestId) {
      throw conflict('The registry is still taking this transfer in; poll its request first', { requestId: record.pendingRequestId, poll: `/v1/tollfree/requests/${record.pendingRequestId}` });
    }
    const open = record.items.filter((i) => !isTerminal(i.status) && i.rchId);
    if (open.length === 0) throw conflict(`This transfer is already ${record.status}`, { status: record.status });
    const { registry } = await deps.somos();
    const ctx = callContext({ respOrgId: record.toRespOrgId });
    for (const item of open) {
      let status: string | undefined;
      try {
        const cancelled = await registry.cancelRespOrgChange(ctx, item.rchId!);
        status = cancelled.pending ? undefined : cancelled.data.status;
      } catch (err) {
        if (!(err instanceof ProviderError && err.info.httpStatus === 409)) throw err;
        const now = await registry.getRespOrgChange(ctx, item.rchId!);
        status = now.pending ? undefined : now.data.status;
      }
      if (status) await applyChangeUpdate(deps, { tenantId, transferId: id, num: item.number, somosStatus: status, source: 'request' }, audit);
    }
    return transferView(await transfers(deps.db).require(tenantId, id));
  };
}

/** One of ours moved to another RespOrg (confirmed at the registry): kept as an outbound transfer, for the list. */
export async function recordOutboundTransfer(
  deps: Pick<Deps, 'db' | 'now'>,
  input: { tenantId: string; num: string; fromRespOrgId: string; toRespOrgId: string },
  audit: AuditContext,
): Promise<TransferRecord> {
  const now = deps.now().toISOString();
  const collection = transfers(deps.db);
  const record: TransferRecord = {
    id: collection.newId(),
    tenantId: input.tenantId,
    status: 'completed',
    direction: 'out',
    numbers: [input.num],
    fromRespOrgId: input.fromRespOrgId,
    toRespOrgId: input.toRespOrgId,
    items: [{ number: input.num, phoneNumber: `+1${input.num}`, status: 'completed', oldRespOrgId: input.fromRespOrgId, updatedAt: now }],
    history: [{ status: 'completed', at: now, source: 'notification' }],
    completedAt: now,
    createdAt: now,
    updatedAt: now,
  };
  return collection.create(record, audit, 'resporg.transfer_out');
}
