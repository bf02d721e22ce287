import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { activeUnits, type SomosCustomerRecordWrite, type SomosRespOrgChange, type SomosRespOrgEntity } from '../../../shared/providers/somos/client.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { logger as rootLogger } from '../../../shared/log.js';
import { logProvisioning } from '../../../shared/log-events.js';
import { dropOwnerOf, finishRelease, finishReserve, finishRouting, inTransaction, readNumber, readOwner, writeNumber, type ReserveContext, type RoutingContext } from './numbers.js';
import { finishDisconnect } from './disconnect.js';
import type { DisconnectState } from '../../../shared/domain/tollfree-lifecycle.js';
import { shortenReservations } from './reservation-length.js';
import {
  claimPending,
  finishRequest,
  MAX_REQUEST_POLLS,
  requestPollDelayMs,
  scheduleFollowup,
  settledJobItem,
  tollfreeRequests,
  type SomosFollowup,
  type TollFreeRequestRecord,
} from './requests.js';
import { forgetSearchedNumbers, storeSearchResult, toAvailable, type SearchMode } from './search.js';
import { pollTextEnablement } from './sms.js';
import { countAttempt } from '../repository/requests.js';
import { entityView, finishTransferRequest, pollTransfer, readTransfer, writeTransfer } from './transfers.js';

type FollowupDeps = Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks' | 'log'>;

export interface FollowupResult {
  kind: SomosFollowup['kind'];
  status: string;
  polledAgain: boolean;
}

/** The Cloud Tasks target: 202 results, text-enablement decisions and RespOrg changes. */
export function runFollowup(deps: FollowupDeps) {
  return async (task: SomosFollowup, audit: AuditContext): Promise<FollowupResult> => {
    switch (task.kind) {
      case 'request':
        return { kind: 'request', ...(await followUpRequest(deps)(task.tenantId, task.id, task.attempt, audit)) };
      case 'sms':
        return { kind: 'sms', ...(await pollTextEnablement(deps)(task.tenantId, task.number, task.attempt, audit)) };
      case 'transfer':
        return { kind: 'transfer', ...(await pollTransfer(deps)(task.tenantId, task.id, task.attempt, audit)) };
    }
  };
}

/**
 * One look at a 202'd request: `GET <path>?reqId=` (C). Still pending → again later (backoff, about an
 * hour in all); an answer → applied exactly once (the request is claimed in the applying
 * transaction); a permanent error → the request fails and the resource is freed. Retryable errors
 * answer 5xx so Cloud Tasks retries.
 */
export function followUpRequest(deps: FollowupDeps) {
  return async (tenantId: string, id: string, attempt: number, audit: AuditContext): Promise<{ status: string; polledAgain: boolean }> => {
    const requests = tollfreeRequests(deps.db);
    const record = await requests.get(tenantId, id);
    if (!record || record.status !== 'pending') return { status: record?.status ?? 'missing', polledAgain: false };
    const { registry } = await deps.somos();
    let answer;
    try {
      answer = await registry.retrieve(
        { roid: record.roid },
        { path: record.somos.path, reqId: record.somos.reqId, ...(record.somos.operation ? { operation: record.somos.operation } : {}) },
      );
    } catch (err) {
      if (err instanceof ProviderError && !err.info.retryable) {
        if (await failRequest(deps, record, { message: err.message, ...(err.info.providerCode ? { code: err.info.providerCode } : {}) }, audit)) {
          provisioningEnded(record, 'failed', err.info.kind ?? err.info.providerCode ?? 'provider_error');
        }
        await settledJobItem(deps, record);
        return { status: 'failed', polledAgain: false };
      }
      throw err;
    }
    if (answer.pending) {
      if (attempt + 1 >= MAX_REQUEST_POLLS) {
        if (await failRequest(deps, record, { message: 'The registry did not produce a result in time' }, audit)) provisioningEnded(record, 'failed', 'timed_out');
        await settledJobItem(deps, record);
        return { status: 'failed', polledAgain: false };
      }
      await countAttempt(deps, tenantId, id, attempt + 1, deps.now().toISOString());
      await scheduleFollowup(deps, { kind: 'request', tenantId, id, attempt: attempt + 1 }, requestPollDelayMs(attempt + 1));
      return { status: 'pending', polledAgain: true };
    }
    await apply(deps, record, answer.data, audit);
    provisioningEnded(record, 'succeeded');
    await settledJobItem(deps, record);
    return { status: 'completed', polledAgain: false };
  };
}

/** A 202'd activation or reservation ended: the provisioning metrics count it (operations that provision only). */
function provisioningEnded(record: TollFreeRequestRecord, outcome: 'succeeded' | 'failed', reason?: string): void {
  if (record.operation !== 'activate' && record.operation !== 'reserve') return;
  logProvisioning(rootLogger, {
    operation: record.operation === 'activate' ? 'tollfree-activate' : 'tollfree-reserve',
    provider: 'somos',
    outcome,
    reason,
    ...(typeof record.context.num === 'string' ? { number: record.context.num } : {}),
    via: record.origin ? 'job' : 'followup',
  });
}

async function apply(deps: FollowupDeps, record: TollFreeRequestRecord, data: unknown, audit: AuditContext): Promise<void> {
  const ctx = record.context;
  switch (record.operation) {
    case 'search': {
      const value = {
        data: toAvailable(data as string[]),
        mode: ctx.mode as SearchMode,
        ...(typeof ctx.pattern === 'string' ? { pattern: ctx.pattern } : {}),
        searchedAt: deps.now().toISOString(),
      };
      await storeSearchResult(deps, String(ctx.cacheKey), value);
      return complete(deps, record, { ...value, cached: false }, audit);
    }
    case 'entity': {
      const entity = data as SomosRespOrgEntity;
      const result = ctx.activeOnly ? { entityId: entity.entityId, data: activeUnits(entity) } : { data: [entityView(entity, record.roid)] };
      return complete(deps, record, result, audit);
    }
    case 'reserve': {
      const reserveContext = ctx as unknown as ReserveContext;
      // A reservation asked shorter than 45 days is shortened now that the registry made it.
      const untilByNumber = reserveContext.days ? await shortenReservations(deps, record.roid, data as string[], reserveContext.days) : undefined;
      const result = await finishReserve(deps, record.tenantId, record.roid, data as string[], { ...reserveContext, ...(untilByNumber ? { untilByNumber } : {}) }, audit, record);
      await forgetSearchedNumbers(deps, result.data.map((n) => n.id));
      return;
    }
    case 'disconnect':
      await finishDisconnect(deps, record.tenantId, String(ctx.num), ctx.schedule as DisconnectState, data as SomosCustomerRecordWrite, audit, record);
      return;
    case 'release':
      await finishRelease(deps, record.tenantId, String(ctx.num), audit, record);
      return;
    case 'activate':
    case 'routing':
      await finishRouting(deps, record.tenantId, ctx as unknown as RoutingContext, data as SomosCustomerRecordWrite, audit, record);
      return;
    case 'transfer':
      await finishTransferRequest(deps, record.tenantId, String(ctx.transferId), data as SomosRespOrgChange[], audit, record);
      return;
  }
}

async function complete(deps: FollowupDeps, record: TollFreeRequestRecord, result: unknown, audit: AuditContext): Promise<void> {
  await inTransaction(deps, async (t) => {
    const claimed = await claimPending(t, record.tenantId, record.id);
    if (claimed) finishRequest(t, claimed, { status: 'completed', result }, deps.now(), audit);
  });
}

/** The request failed: whatever it held (a number's or a transfer's pending marker) is released. */
async function failRequest(deps: FollowupDeps, record: TollFreeRequestRecord, error: { message: string; code?: string }, audit: AuditContext): Promise<boolean> {
  const now = deps.now();
  return inTransaction(deps, async (t) => {
    const claimed = await claimPending(t, record.tenantId, record.id);
    if (!claimed) return false;
    const num = typeof record.context.num === 'string' ? record.context.num : undefined;
    const transferId = typeof record.context.transferId === 'string' ? record.context.transferId : undefined;
    const [number, transfer] = await Promise.all([num ? readNumber(t, record.tenantId, num) : undefined, transferId ? readTransfer(t, record.tenantId, transferId) : undefined]);
    // The transfer's numbers were taken for it before it was filed: given back with it.
    const owners = transfer?.pendingRequestId === record.id ? await Promise.all(transfer.items.map(async (i) => readOwner(t, i.number))) : [];
    finishRequest(t, claimed, { status: 'failed', error }, now, audit);
    if (number?.pendingRequestId === record.id) {
      const { pendingRequestId: _pending, ...rest } = number;
      writeNumber(t, audit, `tollfree.${record.operation}_failed`, number, { ...rest, updatedAt: now.toISOString() });
    }
    if (transfer?.pendingRequestId === record.id) {
      const items = transfer.items.map((i) => ({ ...i, status: 'failed' as const, error: error.message, updatedAt: now.toISOString() }));
      transfer.items.forEach((item, i) => {
        if (owners[i]?.transferId === transfer.id) dropOwnerOf(t, item.number, owners[i], record.tenantId);
      });
      const { pendingRequestId: _pending, ...rest } = transfer;
      writeTransfer(t, audit, 'resporg.transfer_failed', transfer, {
        ...rest,
        items,
        status: 'failed',
        history: [...transfer.history, { status: 'failed', at: now.toISOString(), source: 'request' }],
        updatedAt: now.toISOString(),
      });
    }
    return true;
  });
}
